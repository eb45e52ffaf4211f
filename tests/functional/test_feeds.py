"""RSS and Atom per column, and the sitemap: what they list, and that they are well-formed XML."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from plugins.content.orm import Column, Topic
from plugins.content.publishing import Publishing
from plugins.content.views import feeds
from tests.functional.content_items_support import column_id, forget_indexed_items, new_item  # noqa: F401

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def clock(stop_clock):
    """Later than anything the demo county published, so the test's items head the feeds."""
    return stop_clock(dt.datetime(2040, 3, 2, 9, 0))


@pytest.fixture
def items(platform, dbsession, clock, forget_indexed_items):  # noqa: F811 - fixtures
    """Published items in 通知公告 (one of them also shown in 政府文件), a draft and an archived one."""
    notices, documents = column_id(dbsession, "notices"), column_id(dbsession, "documents")
    made = {}
    for number, (name, status) in enumerate([("first", "published"), ("second", "published"),
                                             ("draft", ""), ("archived", "archived"), ("offline", "offline")]):
        clock.set(clock.now() + dt.timedelta(hours=1))
        made[name] = new_item(platform, notices, f"通知{number}<&>\x0b“{name}”", summary="" if number else "摘要 & 说明",
                              body="<p>" + "正文很长。" * 60 + "</p>", status=status)
    clock.set(clock.now() + dt.timedelta(hours=1))
    made["quoted"] = new_item(platform, documents, "政府文件被引用", status="published")
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        quoted = publishing.store.get(made["quoted"])
        publishing.store.set_extra_columns(quoted, [notices])
        publishing.changed(quoted)
    return made


def rss_items(testapp, slug="notices"):
    response = testapp.get(f"/column/{slug}/rss.xml")
    assert response.content_type == "application/rss+xml" and response.charset == "utf-8"
    return ET.fromstring(response.body).find("channel")


def test_rss_lists_the_published_items_of_the_column_newest_first_including_quoted_ones(testapp, items):
    channel = rss_items(testapp)
    links = [entry.findtext("link") for entry in channel.findall("item")]
    # Newest first; the demo county's own items are older than these.
    assert links[:3] == [f"http://localhost/item/{items[name]}" for name in ("quoted", "second", "first")]
    for name in ("draft", "archived", "offline"):
        assert f"http://localhost/item/{items[name]}" not in links
    assert channel.findtext("link") == "http://localhost/column/notices"
    assert channel.find("{http://www.w3.org/2005/Atom}link").get("href") == "http://localhost/column/notices/rss.xml"
    first = channel.findall("item")[2]
    # Escaped, and the control character XML cannot carry is gone.
    assert first.findtext("title") == "通知0<&>“first”"
    assert first.findtext("description") == "摘要 & 说明"
    assert first.find("guid").get("isPermaLink") == "true"
    published = parsedate_to_datetime(first.findtext("pubDate"))
    assert published.utcoffset() == dt.timedelta(hours=8)
    second = channel.findall("item")[1]
    assert second.findtext("description") == "正文很长。" * 40 + "…"  # 200 characters of the body


def test_atom_feed_has_the_required_elements(testapp, items):
    response = testapp.get("/column/notices/atom.xml")
    assert response.content_type == "application/atom+xml"
    feed = ET.fromstring(response.body)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost/column/notices/atom.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href") for e in entries][:3] == [
        f"http://localhost/item/{items[name]}" for name in ("quoted", "second", "first")]
    for entry in entries:
        for name in ("id", "title", "updated", "published", "summary"):
            assert entry.findtext(f"{ATOM}{name}"), name
        dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))  # RFC 3339


def test_feeds_of_hidden_or_unknown_columns_are_not_found(testapp, dbsession, items):
    testapp.get("/column/no-such-column/rss.xml", status=404)
    disclosure = dbsession.scalar(select(Column).where(Column.slug == "disclosure"))
    disclosure.hidden = True
    dbsession.commit()
    testapp.get("/column/notices/rss.xml", status=404)  # hidden above counts too
    testapp.get("/column/notices/atom.xml", status=404)


def test_an_item_whose_home_column_is_hidden_leaves_the_feeds_it_is_quoted_in(testapp, dbsession, items):
    dbsession.scalar(select(Column).where(Column.slug == "documents")).hidden = True
    dbsession.commit()
    links = [entry.findtext("link") for entry in rss_items(testapp).findall("item")]
    assert f"http://localhost/item/{items['quoted']}" not in links
    assert links[:2] == [f"http://localhost/item/{items[name]}" for name in ("second", "first")]


def sitemap_locs(testapp, path="/sitemap.xml"):
    response = testapp.get(path)
    assert response.content_type == "application/xml"
    root = ET.fromstring(response.body)
    return root, {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root}


def test_sitemap_lists_home_visible_columns_topics_and_published_items_only(testapp, dbsession, clock, items):
    dbsession.scalar(select(Column).where(Column.slug == "tourism")).hidden = True
    dbsession.add(Topic(slug="spring-sowing", title="春耕专题", hidden=False, created_at=clock.now()))
    dbsession.add(Topic(slug="hidden-topic", title="隐藏专题", hidden=True, created_at=clock.now()))
    dbsession.commit()
    root, locs = sitemap_locs(testapp)
    assert root.tag == f"{SITEMAP}urlset"
    assert "http://localhost/" in locs
    assert "http://localhost/column/notices" in locs and "http://localhost/column/disclosure" in locs
    assert "http://localhost/column/tourism" not in locs and "http://localhost/column/attractions" not in locs
    assert "http://localhost/topic/spring-sowing" in locs and "http://localhost/topic/hidden-topic" not in locs
    for name in ("first", "second", "quoted"):
        assert f"http://localhost/item/{items[name]}" in locs
    for name in ("draft", "archived", "offline"):
        assert f"http://localhost/item/{items[name]}" not in locs
    lastmod = dt.datetime.fromisoformat(locs[f"http://localhost/item/{items['first']}"])
    assert lastmod.tzinfo is not None


def test_a_large_sitemap_becomes_an_index_of_pages_by_id_range(testapp, items, monkeypatch):
    monkeypatch.setattr(feeds, "SITEMAP_LIMIT", 2)
    root, locs = sitemap_locs(testapp)
    assert root.tag == f"{SITEMAP}sitemapindex"
    pages = [loc for loc in locs if "sitemap-items-" in loc]
    assert "http://localhost/sitemap-pages.xml" in locs
    listed = set()
    for page in pages:
        _root, page_locs = sitemap_locs(testapp, page.removeprefix("http://localhost"))
        assert 1 <= len(page_locs) <= 2
        listed |= set(page_locs)
    assert {f"http://localhost/item/{items[name]}" for name in ("first", "second", "quoted")} <= listed
    assert not {f"http://localhost/item/{items[name]}" for name in ("draft", "archived", "offline")} & listed
    _root, page_locs = sitemap_locs(testapp, "/sitemap-pages.xml")
    assert "http://localhost/column/notices" in page_locs
    testapp.get("/sitemap-items-999999.xml", status=404)
