"""The page cache's policy, store and generation reads, without a database or an app."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from pyramid.request import Request
from pyramid.response import Response

from adapters.web.caching import (Entry, PageCache, PortalGenerations, PortalVersion, ResponseStore,
                                  conditional_match, page_cache_tween_factory)
from adapters.web.outage import DatabaseUnavailable

CHANGED = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


class Ticks:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class CountingSession:
    opened = 0

    def __init__(self):
        CountingSession.opened += 1

    def close(self):
        pass


def generations(ticks=None, readers=None) -> PortalGenerations:
    source = PortalGenerations(CountingSession, 1.0, clock=ticks or Ticks())
    source.readers.update(readers or {"content": lambda session: (7, CHANGED)})
    return source


def request(path="/column/news/rss.xml", method="GET", cookies=None, headers=None, route="feed") -> Request:
    req = Request.blank(path, method=method, headers=headers or {})
    for name, value in (cookies or {}).items():
        req.cookies[name] = value
    req.matched_route = SimpleNamespace(name=route) if route else None
    req.exception = None
    return req


def ok(body=b"<rss/>", content_type="application/rss+xml", **headers) -> Response:
    response = Response(body=body, content_type=content_type, charset="utf-8")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


@pytest.fixture
def cache() -> PageCache:
    page_cache = PageCache(generations(), ResponseStore(10, 1024 * 1024), seed="1.0")
    page_cache.routes.add("feed")
    return page_cache


@pytest.mark.parametrize("kind,value", [("cookie", "govcore_session"), ("header", "Authorization")])
def test_signed_in_or_authorised_requests_do_not_take_part(cache, kind, value):
    assert cache.takes_part(request())
    req = request(cookies={value: "x"}) if kind == "cookie" else request(headers={value: "Bearer x"})
    assert not cache.takes_part(req)


@pytest.mark.parametrize("path", ["/admin", "/admin/content/items", "/api/v1/x", "/login", "/account/password",
                                  "/files/abc", "/static/site.css", "/healthz"])
def test_staff_api_account_and_file_paths_never_take_part(cache, path):
    assert not cache.takes_part(request(path))


def test_a_plain_public_200_is_kept(cache):
    assert cache.keeps(request(), ok())


@pytest.mark.parametrize("response", [
    ok(Set_Cookie="a=b"),
    ok(Cache_Control="private"),
    ok(Cache_Control="no-store"),
    ok(Cache_Control="no-cache"),
    ok(Vary="Cookie"),
    ok(content_type="application/json"),
    Response(status=404, body=b"x", content_type="text/html"),
    Response(status=302, location="/x"),
], ids=["set-cookie", "private", "no-store", "no-cache", "vary", "json", "404", "redirect"])
def test_responses_that_are_personal_or_special_are_not_kept(cache, response):
    assert not cache.keeps(request(), response)


def test_a_pending_response_callback_counts_as_setting_a_cookie(cache):
    req = request()
    req.add_response_callback(lambda r, response: response.set_cookie("govcore_session", "x"))
    assert not cache.keeps(req, ok())


def test_routes_not_opted_in_are_not_kept(cache):
    assert not cache.keeps(request(route="admin.audit"), ok())
    assert not cache.keeps(request(route=None), ok())


def test_streamed_bodies_are_not_kept(cache):
    response = ok()
    response.app_iter = iter([b"<rss/>"])
    assert not cache.keeps(request(), response)


def test_the_key_and_etag_follow_generation_path_host_and_cookies(cache):
    version = PortalVersion((7,), CHANGED)
    base = cache.etag(cache.key(request(), version))
    assert cache.etag(cache.key(request(), version)) == base
    assert cache.etag(cache.key(request(), PortalVersion((8,), CHANGED))) != base
    assert cache.etag(cache.key(request("/column/news/rss.xml?x=1"), version)) != base
    assert cache.etag(cache.key(request(cookies={"_LOCALE_": "en"}), version)) != base
    other_host = request(headers={"Host": "evil.example"})
    assert cache.etag(cache.key(other_host, version)) != base
    # A cookie that does not change the page does not split the cache.
    assert cache.etag(cache.key(request(cookies={"tracking": "1"}), version)) == base


def test_conditional_requests():
    etag = 'W/"abc"'
    assert conditional_match(request(headers={"If-None-Match": 'W/"abc"'}), etag, CHANGED)
    assert conditional_match(request(headers={"If-None-Match": '"x", "abc"'}), etag, CHANGED)
    assert conditional_match(request(headers={"If-None-Match": "*"}), etag, CHANGED)
    assert not conditional_match(request(headers={"If-None-Match": '"x"'}), etag, CHANGED)
    assert conditional_match(request(headers={"If-Modified-Since": "Wed, 02 Jan 2030 03:04:05 GMT"}), etag, CHANGED)
    assert not conditional_match(request(headers={"If-Modified-Since": "Wed, 02 Jan 2030 03:04:04 GMT"}), etag,
                                 CHANGED)
    assert not conditional_match(request(headers={"If-Modified-Since": "garbage"}), etag, CHANGED)
    # If-None-Match wins when both are given.
    both = request(headers={"If-None-Match": '"x"', "If-Modified-Since": "Wed, 02 Jan 2031 03:04:05 GMT"})
    assert not conditional_match(both, etag, CHANGED)


def entry(body: bytes) -> Entry:
    return Entry("200 OK", (), body, 'W/"x"', None)


def test_the_store_evicts_the_least_recently_used_by_count_and_by_bytes():
    store = ResponseStore(max_entries=2, max_bytes=16 * 100)
    store.put(("a",), entry(b"1"))
    store.put(("b",), entry(b"2"))
    store.get(("a",))
    store.put(("c",), entry(b"3"))
    assert store.get(("b",)) is None and store.get(("a",)) is not None
    assert not store.put(("big",), entry(b"x" * 101))  # more than a sixteenth of the budget
    small = ResponseStore(max_entries=100, max_bytes=16 * 10)
    for name in "abcdefghijklmnopq":
        small.put((name,), entry(b"x" * 10))
    assert small.bytes <= 160 and small.get(("q",)) is not None and small.get(("a",)) is None


def test_generations_are_read_at_most_once_a_second():
    ticks = Ticks()
    source = generations(ticks)
    CountingSession.opened = 0
    assert source.current() == PortalVersion((7,), CHANGED)
    ticks.now += 0.5
    source.current()
    assert CountingSession.opened == 1
    ticks.now += 0.6
    source.current()
    assert CountingSession.opened == 2
    source.expire()
    source.current()
    assert CountingSession.opened == 3


def test_without_a_generation_source_or_a_database_nothing_is_cached():
    assert PortalGenerations(CountingSession, 1.0).current() is None

    def broken(session):
        raise RuntimeError("database down")

    assert generations(readers={"content": broken}).current() is None


def test_several_sources_make_one_version():
    source = generations(readers={"content": lambda s: (3, CHANGED),
                                  "village": lambda s: (5, CHANGED + dt.timedelta(days=1))})
    assert source.current() == PortalVersion((3, 5), CHANGED + dt.timedelta(days=1))


def test_the_tween_serves_a_kept_copy_without_calling_the_view(cache):
    calls = []

    def view(req):
        calls.append(req.path)
        return ok(b"<rss>v1</rss>")

    registry = {"govcore.page_cache": cache}
    tween = page_cache_tween_factory(view, registry)
    first = tween(request())
    second = tween(request())
    assert calls == ["/column/news/rss.xml"]
    assert second.body == b"<rss>v1</rss>" and second.headers["ETag"] == first.headers["ETag"]
    assert tween(request(headers={"If-None-Match": first.headers["ETag"]})).status_int == 304
    tween(request(cookies={"govcore_session": "x"}))
    assert len(calls) == 2
    tween(request(method="POST"))
    assert cache.generations._reading is None  # a state change here: read the generation again


@pytest.fixture
def database_down():
    """A generation reader that fails as an unreachable database does while ``down`` is set."""
    state = SimpleNamespace(down=False, reads=0)

    def reader(session):
        state.reads += 1
        if state.down:
            raise DatabaseUnavailable("connection refused")
        return (7, CHANGED)

    return state, reader


def test_during_an_outage_generations_are_not_read_again_within_the_fresh_period(database_down):
    state, reader = database_down
    ticks = Ticks()
    source = generations(ticks, {"content": reader})
    version = source.current()
    source.expire()
    state.down = True

    for _ in range(3):
        with pytest.raises(DatabaseUnavailable):
            source.current()
    assert state.reads == 2  # one attempt for three requests
    assert source.last_known == version

    ticks.now += 1.0
    state.down = False
    assert source.current() == version
    assert state.reads == 3


def test_during_an_outage_kept_pages_are_served_and_others_raise_for_the_outage_tween(cache, database_down):
    state, reader = database_down
    cache.generations.readers["content"] = reader
    tween = page_cache_tween_factory(lambda req: ok(f"<rss>{req.path}</rss>".encode()), {"govcore.page_cache": cache})
    kept = tween(request())
    cache.generations.expire()
    state.down = True

    stale = tween(request())
    assert stale.status_int == 200 and stale.body == kept.body
    assert tween(request(headers={"If-None-Match": kept.headers["ETag"]})).status_int == 304
    with pytest.raises(DatabaseUnavailable):
        tween(request("/column/other/rss.xml"))
