"""Staff search (站内检索): drafts and archived items included, filters, scope, an unavailable index."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.search.whoosh_index import SearchUnavailable
from ports.search import SearchQuery
from tests.functional.content_items_support import (clock, column_id, forget_indexed_items,  # noqa: F401
                                                    new_item, staff)

pytestmark = pytest.mark.usefixtures("clock", "forget_indexed_items")


def found(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select(".search-hit-title a")]


@pytest.fixture
def items(platform, dbsession):
    documents, geography = column_id(dbsession, "documents"), column_id(dbsession, "geography")
    return {
        "draft": new_item(platform, documents, "猕猴桃产业扶持办法（草稿）", body="<p>扶持猕猴桃种植大户</p>"),
        "archived": new_item(platform, documents, "猕猴桃采摘节通知", type="notice", status="archived",
                             body="<p>猕猴桃采摘节将于九月举行</p>"),
        "published": new_item(platform, documents, "猕猴桃销售情况", status="published",
                              body="<p>今年猕猴桃销售两万吨</p>"),
        "elsewhere": new_item(platform, geography, "猕猴桃之乡地理概况", status="published",
                              body="<p>适宜猕猴桃生长的气候</p>",
                              published_at=dt.datetime(2025, 5, 1, 8, 0, tzinfo=dt.timezone.utc)),
    }


def test_staff_search_finds_drafts_and_archived_items_that_the_public_does_not_see(
        testapp, dbsession, make_user, login, platform, items):
    staff(testapp, dbsession, make_user, login, "search-editor", ["editor"])
    page = testapp.get("/admin/content/search", {"q": "猕猴桃"})
    assert set(found(page)) == {"猕猴桃产业扶持办法（草稿）", "猕猴桃采摘节通知", "猕猴桃销售情况", "猕猴桃之乡地理概况"}
    hit = page.html.select_one(".search-hit")
    assert hit.select("mark") and hit.select_one("a")["href"].startswith("/admin/content/items/")
    public = {h.doc_id for h in platform.search.search(SearchQuery("猕猴桃", public_only=True)).hits}
    assert f"content:item:{items['archived']}" not in public and f"content:item:{items['draft']}" not in public
    assert f"content:item:{items['published']}" in public

    assert found(testapp.get("/admin/content/search", {"q": "猕猴桃", "status": "archived"})) == ["猕猴桃采摘节通知"]
    assert found(testapp.get("/admin/content/search", {"q": "猕猴桃", "type": "notice"})) == ["猕猴桃采摘节通知"]
    disclosure = column_id(dbsession, "disclosure")
    assert set(found(testapp.get("/admin/content/search", {"q": "猕猴桃", "column": disclosure}))) == {
        "猕猴桃产业扶持办法（草稿）", "猕猴桃采摘节通知", "猕猴桃销售情况"}
    by_date = testapp.get("/admin/content/search", {"q": "猕猴桃", "sort": "date"})
    assert len(found(by_date)) == 4
    assert found(testapp.get("/admin/content/search", {"q": "猕猴桃", "date_to": "2025-12-31"})) == ["猕猴桃之乡地理概况"]
    assert len(found(testapp.get("/admin/content/search", {"q": "猕猴桃", "date_from": "2026-09-28"}))) == 3
    empty = testapp.get("/admin/content/search", {"q": "猕猴桃", "status": "offline"})
    assert found(empty) == [] and empty.html.select_one("#search-empty")
    bad = testapp.get("/admin/content/search", {"q": "猕猴桃", "sort": "random", "type": "spam"}, status=400)
    assert "请选择有效的排序方式" in bad.text and "请选择有效的信息类型" in bad.text


def test_a_scoped_editor_finds_only_items_of_their_columns(testapp, dbsession, make_user, login, items):
    staff(testapp, dbsession, make_user, login, "search-scoped", ["editor"], "overview")
    assert found(testapp.get("/admin/content/search", {"q": "猕猴桃"})) == ["猕猴桃之乡地理概况"]
    refused = testapp.get("/admin/content/search", {"q": "猕猴桃", "column": column_id(dbsession, "documents")},
                          status=400)
    assert "所选栏目不存在或不在您的管理范围内" in refused.text and not found(refused)


def test_an_unavailable_index_is_said_plainly(testapp, dbsession, make_user, login, platform, monkeypatch):
    staff(testapp, dbsession, make_user, login, "search-unlucky", ["editor"])

    def broken(query):
        raise SearchUnavailable("搜索服务暂时不可用", "index unreadable")

    monkeypatch.setattr(platform.search, "search", broken)
    page = testapp.get("/admin/content/search", {"q": "猕猴桃"}, status=503)
    assert "检索服务暂时不可用" in page.html.select_one("#search-unavailable").get_text()
