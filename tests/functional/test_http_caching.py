"""Anonymous visitors' pages: ETags and 304s, an in-process copy, purged by the portal generation."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.web.caching import CACHE_CONTROL, REGISTRY_KEY, ResponseStore
from plugins.content.orm import Item
from plugins.content.publishing import Publishing
from tests.functional.content_items_support import column_id, forget_indexed_items, new_item  # noqa: F401

FEED = "/column/notices/rss.xml"


class Ticks:
    """The cache's monotonic clock, moved by the test: no sleeping."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(testapp, monkeypatch):
    cache = testapp.app.registry[REGISTRY_KEY]
    clock = Ticks()
    monkeypatch.setattr(cache, "store", ResponseStore(100, 8 * 1024 * 1024))
    monkeypatch.setattr(cache.generations, "clock", clock)
    monkeypatch.setattr(cache.generations, "fresh_seconds", 1.0)
    cache.generations.expire()  # the generation of another test's rolled-back transaction
    yield clock
    cache.generations.expire()


@pytest.fixture
def notice(platform, dbsession, forget_indexed_items):  # noqa: F811 - fixture
    return new_item(platform, column_id(dbsession, "notices"), "缓存测试通知", status="published")


def retitle(dbsession, item_id: int, title: str) -> None:
    """Change what the feed shows without telling the cache (no new generation)."""
    dbsession.get(Item, item_id).title = title
    dbsession.commit()


def republish(platform, item_id: int, title: str) -> None:
    """Change it as the staff pages do: the portal generation goes up."""
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        item = publishing.store.get(item_id)
        publishing.store.update(item, {"title": title}, None)
        publishing.changed(item)


def test_anonymous_page_gets_validators_and_a_304(testapp, ticks, notice):
    first = testapp.get(FEED)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == CACHE_CONTROL
    assert "Vary" not in first.headers
    last_modified = first.headers["Last-Modified"]

    again = testapp.get(FEED, headers={"If-None-Match": etag}, status=304)
    assert again.body == b""
    assert again.headers["ETag"] == etag
    # The security headers reach answers from the cache too.
    assert again.headers["X-Content-Type-Options"] == "nosniff"
    testapp.get(FEED, headers={"If-Modified-Since": last_modified}, status=304)
    testapp.get(FEED, headers={"If-None-Match": 'W/"something-else"'}, status=200)


def test_a_kept_page_is_served_without_rendering_until_the_generation_moves(testapp, platform, dbsession, ticks,
                                                                             notice):
    first = testapp.get(FEED)
    assert "缓存测试通知" in first.text
    retitle(dbsession, notice, "未经发布的改动")
    kept = testapp.get(FEED)
    assert "缓存测试通知" in kept.text and kept.headers["ETag"] == first.headers["ETag"]
    assert kept.headers["Content-Security-Policy"]

    republish(platform, notice, "重新发布的标题")
    # Within the second the generation is not read again...
    assert testapp.get(FEED).headers["ETag"] == first.headers["ETag"]
    ticks.now += 1.5
    # ...after it, every worker sees the purge.
    fresh = testapp.get(FEED, headers={"If-None-Match": first.headers["ETag"]}, status=200)
    assert "重新发布的标题" in fresh.text
    assert fresh.headers["ETag"] != first.headers["ETag"]


def test_a_change_made_through_this_process_is_seen_at_once(testapp, platform, ticks, notice):
    etag = testapp.get(FEED).headers["ETag"]
    republish(platform, notice, "本进程刚发布")
    testapp.post("/login", {"login": "x", "password": "y"}, expect_errors=True)  # any state-changing request
    testapp.reset()
    page = testapp.get(FEED)
    assert "本进程刚发布" in page.text and page.headers["ETag"] != etag


def test_signed_in_visitors_get_no_validators_and_no_kept_copy(testapp, dbsession, make_user, login, ticks, notice):
    testapp.get(FEED)
    retitle(dbsession, notice, "登录用户看到的最新标题")
    make_user("cache-editor", roles=["editor"])
    login("cache-editor")
    page = testapp.get(FEED)
    assert "登录用户看到的最新标题" in page.text
    assert "ETag" not in page.headers
    testapp.get(FEED, headers={"If-None-Match": "*"}, status=200)


def test_head_requests_are_answered_from_the_kept_copy(testapp, ticks, notice):
    etag = testapp.get(FEED).headers["ETag"]
    head = testapp.head(FEED)
    assert head.status_int == 200 and head.body == b"" and head.headers["ETag"] == etag


def test_the_key_includes_the_display_mode_and_language_cookies(testapp, ticks, notice):
    plain = testapp.get(FEED).headers["ETag"]
    testapp.set_cookie("_LOCALE_", "en")
    assert testapp.get(FEED).headers["ETag"] != plain
    testapp.reset()
    assert testapp.get(FEED).headers["ETag"] == plain
    assert testapp.get(FEED, extra_environ={"HTTP_HOST": "other.example"}).headers["ETag"] != plain


def test_staff_pages_and_pages_not_opted_in_are_never_cached(testapp, ticks, notice):
    for path in ("/admin", "/login", "/healthz", "/search?q=%E9%80%9A%E7%9F%A5"):
        response = testapp.get(path, expect_errors=True)
        assert "ETag" not in response.headers, path
    cache = testapp.app.registry[REGISTRY_KEY]
    assert len(cache.store) == 0


def test_last_modified_follows_the_portal_change(testapp, platform, ticks, notice, monkeypatch):
    when = dt.datetime(2030, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(platform.clock, "now", lambda: when)
    republish(platform, notice, "带时间的发布")
    ticks.now += 5
    response = testapp.get(FEED)
    assert response.headers["Last-Modified"] == "Mon, 06 May 2030 07:08:09 GMT"
    testapp.get(FEED, headers={"If-Modified-Since": "Mon, 06 May 2030 07:08:08 GMT"}, status=200)
