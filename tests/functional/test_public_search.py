"""The public search page: Chinese words, highlighted matches, filters, sorting, suggestions, outages."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.search.whoosh_index import SearchUnavailable
from ports.search import SearchDocument

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def documents(platform, db_connection):
    """Public documents indexed straight into the site's index (shared by the run: removed after)."""
    docs = [
        SearchDocument(doc_id="test:search:1", kind="article", title="县政府召开乡村振兴工作推进会",
                       body="会议部署了乡村振兴和高标准农田建设任务，要求各乡镇抓好落实。", url="/item/900001",
                       published_at=dt.datetime(2031, 3, 1, 9, tzinfo=CST), category="/disclosure/government-news/"),
        SearchDocument(doc_id="test:search:2", kind="notice", title="关于乡村振兴项目申报的通知",
                       body="请各单位按时申报乡村振兴示范项目。", url="/item/900002",
                       published_at=dt.datetime(2031, 6, 1, 9, tzinfo=CST), category="/disclosure/notices/"),
        SearchDocument(doc_id="test:search:3", kind="article", title="旅游季开幕 quartzvista 景区迎客",
                       body="景区推出乡村旅游线路。", url="/item/900003",
                       published_at=dt.datetime(2031, 4, 1, 9, tzinfo=CST), category="/tourism/tourism-news/"),
        SearchDocument(doc_id="test:search:4", kind="article", title="乡村振兴内部草稿", body="乡村振兴 未公开",
                       url="/item/900004", public=False, category="/disclosure/notices/"),
    ]
    platform.search.index(docs)
    yield docs
    platform.search.delete([doc.doc_id for doc in docs])


def hit_links(page) -> list[str]:
    return [a["href"] for a in page.html.select(".search-hit h3 a")]


def test_empty_query_shows_the_labelled_form_only(testapp):
    page = testapp.get("/search")
    assert page.html.select_one("label[for=search-q]").get_text(strip=True) == "搜索词"
    assert page.html.select_one("form[role=search]") is not None
    assert page.html.select_one(".search-results") is None
    assert [o["value"] for o in page.html.select("#search-column option")][:2] == ["", "overview"]


def test_a_chinese_query_finds_public_documents_with_the_matches_marked(testapp, documents):
    page = testapp.get("/search", {"q": "乡村振兴"})
    links = hit_links(page)
    assert "/item/900001" in links and "/item/900002" in links
    assert "/item/900004" not in links  # not public
    marks = [mark.get_text() for mark in page.html.select(".search-hit .snippet mark")]
    assert marks and all(text in "乡村振兴" for text in marks)
    assert "&lt;mark&gt;" not in page.text  # rendered as markup, not shown as text


def test_filters_by_column_and_type_and_date(testapp, documents):
    assert hit_links(testapp.get("/search", {"q": "乡村振兴", "column": "notices"})) == ["/item/900002"]
    assert hit_links(testapp.get("/search", {"q": "乡村振兴", "kind": "notice"})) == ["/item/900002"]
    in_march = testapp.get("/search", {"q": "乡村振兴", "date_from": "2031-03-01", "date_to": "2031-03-01"})
    assert hit_links(in_march) == ["/item/900001"]


def test_sort_by_date_puts_the_newest_first(testapp, documents):
    links = hit_links(testapp.get("/search", {"q": "乡村", "sort": "date"}))
    ours = [link for link in links if link in ("/item/900001", "/item/900002", "/item/900003")]
    assert ours == ["/item/900002", "/item/900003", "/item/900001"]


def test_a_misspelt_query_gets_a_suggestion_and_hints(testapp, documents):
    page = testapp.get("/search", {"q": "quartzvistb"})
    suggestion = page.html.select_one(".search-suggestion a")
    assert suggestion is not None and suggestion.get_text() == "quartzvista"
    assert "您是不是要找：" in page.text
    assert page.html.select_one(".search-empty") is not None  # nothing found for the words as typed
    assert hit_links(testapp.get(suggestion["href"])) == ["/item/900003"]


def test_bad_filters_are_refused_with_a_chinese_message(testapp):
    page = testapp.get("/search", {"q": "乡村", "date_from": "2031-13-01"}, status=400)
    assert "开始日期格式不正确" in page.text
    assert "所选栏目不存在" in testapp.get("/search", {"q": "乡村", "column": "nope"}, status=400).text


def test_a_broken_index_answers_503_and_the_rest_of_the_site_works(testapp, platform, monkeypatch):
    def broken(query):
        raise SearchUnavailable("搜索服务暂时不可用", "index damaged")

    monkeypatch.setattr(platform.search, "search", broken)
    page = testapp.get("/search", {"q": "乡村振兴"}, status=503)
    assert "搜索服务暂时不可用" in page.text
    testapp.get("/column/notices/rss.xml", status=200)
