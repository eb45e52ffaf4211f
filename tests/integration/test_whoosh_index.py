"""The SearchIndex port's contract, held by the Whoosh adapter and the in-memory fake alike,
then what only the Whoosh adapter promises: Chinese segmentation, atomic rebuilds, damage reports,
spelling suggestions and writers that wait for each other."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import multiprocessing
import random
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from whoosh.fields import ID, Schema
from whoosh.filedb.filestore import FileStorage

from adapters.search.whoosh_index import RebuildInProgress, SearchUnavailable, WhooshIndex
from govcore.errors import GovcoreError
from ports.search import SearchDocument, SearchIndex, SearchQuery
from tests.fakes.search import InMemorySearchIndex

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "search"
PARAGRAPHS = [item["text"] for item in json.loads((FIXTURES / "news_paragraphs.json").read_text(encoding="utf-8"))]
CST = dt.timezone(dt.timedelta(hours=8))


def doc(doc_id: str, body: str, **fields) -> SearchDocument:
    fields.setdefault("title", f"文档 {doc_id}")
    fields.setdefault("kind", "content:article")
    fields.setdefault("url", f"/doc/{doc_id}")
    return SearchDocument(doc_id=doc_id, body=body, **fields)


def news(**overrides) -> list[SearchDocument]:
    """One document per fixture paragraph, dated a day apart from 2024-05-01 (Beijing time)."""
    return [
        doc(
            f"news:{number}",
            text,
            published_at=dt.datetime(2024, 5, 1, 9, tzinfo=CST) + dt.timedelta(days=number),
            category="news/county" if number % 2 else "gov/open/policy",
            **overrides,
        )
        for number, text in enumerate(PARAGRAPHS)
    ]


def ids(index: SearchIndex, text: str, **options) -> list[str]:
    return [hit.doc_id for hit in index.search(SearchQuery(text, page_size=100, **options)).hits]


@pytest.fixture(params=["fake", "whoosh"])
def unbuilt_index(request, tmp_path) -> SearchIndex:
    """An index before its first build (``govcore init`` builds it)."""
    if request.param == "fake":
        return InMemorySearchIndex()
    return WhooshIndex(tmp_path / "search", procs=1)


@pytest.fixture
def search_index(unbuilt_index) -> SearchIndex:
    """Built and empty, as after ``govcore init`` on a site without content."""
    unbuilt_index.rebuild([])
    return unbuilt_index


@pytest.fixture
def whoosh(tmp_path) -> WhooshIndex:
    index = WhooshIndex(tmp_path / "search", procs=1, lock_timeout=5)
    index.rebuild([])
    return index


# -- the contract ---------------------------------------------------------------------------------


def test_status_is_not_ok_until_built_then_counts_documents(unbuilt_index):
    assert unbuilt_index.status().ok is False

    assert unbuilt_index.rebuild(news()) == len(PARAGRAPHS)

    status = unbuilt_index.status()
    assert status.ok is True
    assert status.documents == len(PARAGRAPHS)


def test_index_adds_and_replaces_by_doc_id(search_index):
    search_index.index(news())
    assert ids(search_index, "婴幼儿") == ["news:2"]

    search_index.index([doc("news:2", PARAGRAPHS[12], title="有轨电车的兴衰")])

    assert ids(search_index, "婴幼儿") == []
    assert sorted(ids(search_index, "有轨电车")) == ["news:12", "news:13", "news:2"]
    assert search_index.status().documents == len(PARAGRAPHS)


def test_delete_removes_documents_and_ignores_unknown_ids(search_index):
    search_index.index(news())

    search_index.delete(["news:12", "no:such:doc"])

    assert ids(search_index, "有轨电车") == ["news:13"]
    assert search_index.status().documents == len(PARAGRAPHS) - 1


def test_all_words_are_required_before_any_word_will_do(search_index):
    search_index.index(news())

    assert ids(search_index, "长三角 生态保护") == ["news:1"]
    # No document has both: the documents with either word are better than nothing.
    assert sorted(ids(search_index, "斑马鱼 有轨电车")) == ["news:11", "news:12", "news:13"]


def test_a_title_match_ranks_above_a_body_match(search_index):
    search_index.index(
        [
            doc("body", "上海乡村地区的村民对物业服务有了更高的需求。" + PARAGRAPHS[6]),
            doc("title", PARAGRAPHS[6], title="农村物业服务新模式"),
        ]
    )
    result = search_index.search(SearchQuery("物业服务"))

    assert [hit.doc_id for hit in result.hits] == ["title", "body"]
    assert result.hits[0].score >= result.hits[1].score > 0
    assert result.terms


def test_filters_by_kind_category_and_publication_date(search_index):
    documents = news()
    documents[8:] = [dataclasses.replace(d, kind="officework:document") for d in documents[8:]]
    search_index.index(documents + [doc("undated", PARAGRAPHS[8])])

    assert ids(search_index, "居民消费价格", kinds=("content:article",)) == ["undated"]
    assert sorted(ids(search_index, "居民消费价格", kinds=("officework:document", "content:article"))) == [
        "news:8", "news:9", "undated"
    ]
    assert ids(search_index, "长三角", category="news") == ["news:1"]
    assert ids(search_index, "长三角", category="gov/open") == ["news:0"]
    # Bounds are inclusive, compared across time zones; undated documents never match a date range.
    may_9 = dt.datetime(2024, 5, 9, 1, tzinfo=dt.timezone.utc)  # 09:00 in Beijing, news:8's time
    assert sorted(ids(search_index, "居民消费价格", published_from=may_9)) == ["news:8", "news:9"]
    assert ids(search_index, "居民消费价格", published_to=may_9) == ["news:8"]
    assert ids(search_index, "居民消费价格", published_from=may_9 + dt.timedelta(seconds=1)) == ["news:9"]


def test_public_only_hides_drafts_unless_asked(search_index):
    search_index.index([doc("public", PARAGRAPHS[11]), doc("draft", PARAGRAPHS[11], public=False)])

    assert ids(search_index, "斑马鱼") == ["public"]
    assert sorted(ids(search_index, "斑马鱼", public_only=False)) == ["draft", "public"]


def test_date_sort_puts_the_newest_first_and_undated_last(search_index):
    search_index.index(
        [
            doc("old", PARAGRAPHS[12], published_at=dt.datetime(2019, 1, 1, tzinfo=CST)),
            doc("undated", PARAGRAPHS[12] + "有轨电车" * 5),
            doc("new", PARAGRAPHS[13], published_at=dt.datetime(2024, 1, 1, tzinfo=CST)),
            doc("middle", PARAGRAPHS[12], published_at=dt.datetime(2021, 6, 1)),
        ]
    )
    result = search_index.search(SearchQuery("有轨电车", sort="date"))

    assert [hit.doc_id for hit in result.hits] == ["new", "middle", "old", "undated"]
    assert result.hits[0].published_at == dt.datetime(2024, 1, 1, tzinfo=CST)


def test_pages_split_the_matches_without_overlap(search_index):
    search_index.index(doc(f"bus:{n}", f"第{n}号线 有轨电车运营情况") for n in range(25))

    pages = [search_index.search(SearchQuery("有轨电车", page=page, page_size=10)) for page in (1, 2, 3, 4)]

    assert [len(page.hits) for page in pages] == [10, 10, 5, 0]
    assert {page.total for page in pages} == {25}
    assert [page.page for page in pages] == [1, 2, 3, 4]
    seen = [hit.doc_id for page in pages for hit in page.hits]
    assert sorted(seen) == sorted(f"bus:{n}" for n in range(25))


def test_a_large_relevance_result_gives_one_honest_estimate_on_every_page(whoosh):
    """The top-N collector skips documents that cannot rank, so it cannot count them: the total
    of a large result is an upper-bound estimate, said to be one, the same on every page; small
    results and date-sorted ones are counted exactly."""
    words = ["经济", "发展", "农业", "改革", "会议", "人民", "建设", "工作", "政府", "社会", "文化", "教育"]
    randomly = random.Random(3)
    bodies = ["".join(randomly.choice(words) for _ in range(randomly.randint(5, 400))) for _ in range(2000)]
    whoosh.rebuild(doc(f"long:{n}", body) for n, body in enumerate(bodies))
    both = sum(1 for body in bodies if "经济" in body and "农业" in body)

    pages = [whoosh.search(SearchQuery("经济 农业", page=page, page_size=20)) for page in (1, 3, 10)]
    by_date = whoosh.search(SearchQuery("经济 农业", sort="date", page_size=20))

    assert len({page.total for page in pages}) == 1 and pages[0].total >= both
    assert all(page.total_is_estimate for page in pages)
    assert (by_date.total, by_date.total_is_estimate) == (both, False)


def test_snippets_escape_html_and_mark_the_matches(search_index):
    body = "各乡镇 & 各部门：<script>alert('x')</script>为推进政务公开工作，现将有关事项通知如下。"
    search_index.index([doc("notice", body, title="关于推进政务公开工作的通知")])

    snippet = search_index.search(SearchQuery("政务公开")).hits[0].snippet

    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "&amp;" in snippet
    assert "<mark>政务公开</mark>" in snippet
    assert not re.search(r"[<>]", re.sub(r"</?mark>", "", snippet))


def test_a_title_only_match_still_gets_a_snippet(search_index):
    search_index.index([doc("t", "正文<b>没有</b>那个词。", title="有轨电车")])

    hit = search_index.search(SearchQuery("有轨电车")).hits[0]

    assert hit.snippet == "正文&lt;b&gt;没有&lt;/b&gt;那个词。"


def test_a_query_of_punctuation_finds_nothing(search_index):
    search_index.index(news())

    result = search_index.search(SearchQuery(" ，。！ "))

    assert (result.hits, result.total) == ([], 0)


def test_rebuild_replaces_everything_and_reports_progress(search_index):
    search_index.index([doc("stale", PARAGRAPHS[11])])
    reported: list[int] = []
    documents = news() + [doc("news:0", "重复的编号只算一次")]

    count = search_index.rebuild(iter(documents), progress=reported.append)

    assert count == len(PARAGRAPHS)
    assert sum(reported) == count
    assert ids(search_index, "斑马鱼") == ["news:11"]
    assert ids(search_index, "重复的编号") == []


def test_a_failed_rebuild_leaves_the_index_as_it_was(search_index):
    search_index.index(news())

    def broken() -> Iterator[SearchDocument]:
        yield doc("x", "有轨电车")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        search_index.rebuild(broken())

    assert sorted(ids(search_index, "有轨电车")) == ["news:12", "news:13"]
    assert search_index.status().documents == len(PARAGRAPHS)


# -- Whoosh only ----------------------------------------------------------------------------------


def test_chinese_is_segmented_into_words(whoosh):
    whoosh.index(
        [
            doc("yes", "各乡镇要推进政务公开工作，接受群众监督。"),
            doc("no", "财政务实，公开招聘一批工作人员。"),
            doc("mixed", "Apple 的 iPhone 于２０２４年在中华人民共和国销售。"),
        ]
    )

    assert ids(whoosh, "政务公开") == ["yes"]
    assert ids(whoosh, "IPHONE") == ["mixed"]
    assert ids(whoosh, "2024年") == ["mixed"]
    # A part of a long word finds it: search mode indexes the words inside 中华人民共和国.
    assert ids(whoosh, "共和国") == ["mixed"]
    assert whoosh.search(SearchQuery("政务公开")).terms == ("政务", "公开")


def test_without_an_index_searches_and_updates_fail_and_create_nothing(tmp_path):
    index = WhooshIndex(tmp_path / "search")

    with pytest.raises(SearchUnavailable):
        index.search(SearchQuery("政务公开"))
    # An update must not start an index holding only itself, which would then pass for healthy.
    with pytest.raises(SearchUnavailable):
        index.index([doc("x", "政务公开")])
    index.delete(["x"])

    assert not (tmp_path / "search").exists()
    status = index.status()
    assert status.ok is False and "尚未建立" in status.detail


def damage(index: WhooshIndex, how: str) -> None:
    """Break the index as a disk fault or a careless hand would."""
    generation = index.directory / (index.directory / "CURRENT").read_text()
    if how == "folder removed":
        shutil.rmtree(index.directory)
    elif how == "CURRENT garbled":
        (index.directory / "CURRENT").write_bytes(b"\xff\x00garbage")
    else:
        for path in generation.iterdir():
            if path.suffix in (".seg", ".toc") or how == "every file garbled":
                path.write_bytes(b"\x00garbage\xff" * 64)


@pytest.mark.parametrize("how", ["folder removed", "CURRENT garbled", "segments garbled", "every file garbled"])
def test_a_rebuild_repairs_a_missing_or_damaged_index(whoosh, how, caplog):
    whoosh.rebuild(news())
    damage(whoosh, how)
    fresh = WhooshIndex(whoosh.directory)  # a process that never read the index before the damage

    for words in ("长三角", "有轨电车", "长三角"):
        with pytest.raises(SearchUnavailable):
            fresh.search(SearchQuery(words))
    assert len([r for r in caplog.records if "searches fail until" in r.getMessage()]) == 1  # not one per search
    assert whoosh.status().ok is False

    assert whoosh.rebuild(news()) == len(PARAGRAPHS)

    assert sorted(ids(fresh, "有轨电车")) == ["news:12", "news:13"]
    assert sorted(ids(whoosh, "有轨电车")) == ["news:12", "news:13"]
    assert whoosh.status().ok is True
    fresh.index([doc("later", "有轨电车的新线路")])
    assert "later" in ids(whoosh, "有轨电车")
    generations = [path.name for path in whoosh.directory.glob("gen-*")]
    assert (whoosh.directory / "CURRENT").read_text() in generations


@pytest.mark.parametrize("target", ["segment", "toc"])
def test_a_damaged_index_reports_not_ok_without_raising(whoosh, target):
    whoosh.rebuild(news())
    assert whoosh.search(SearchQuery("长三角")).total == 2
    generation = whoosh.directory / (whoosh.directory / "CURRENT").read_text()
    suffix = ".seg" if target == "segment" else ".toc"
    for path in generation.iterdir():
        if path.suffix == suffix:
            path.write_bytes(b"\x00garbage\xff" * 64)

    status = whoosh.status()

    assert status.ok is False
    assert "损坏" in status.detail
    with pytest.raises(SearchUnavailable):
        WhooshIndex(whoosh.directory).search(SearchQuery("长三角"))


def test_a_misspelt_query_gets_a_suggestion(whoosh):
    whoosh.index(news() + [doc("en", "Open government data and government transparency.")])

    assert whoosh.search(SearchQuery("govenment transparency")).suggestion == "government transparency"
    assert whoosh.search(SearchQuery("open Govenment")).suggestion == "open government"
    assert whoosh.search(SearchQuery("乡村振星")).suggestion is None  # 振兴 is in no document
    assert whoosh.search(SearchQuery("government")).suggestion is None
    assert whoosh.search(SearchQuery("zzzzzz")).suggestion is None


def test_rebuild_uses_worker_processes_and_counts(tmp_path):
    index = WhooshIndex(tmp_path / "search", procs=2)
    documents = [doc(f"n:{n}", f"{PARAGRAPHS[n % len(PARAGRAPHS)]} 第{n}条") for n in range(230)]
    reported: list[int] = []

    assert index.rebuild(documents, progress=reported.append) == 230

    assert reported == [100, 100, 30]
    assert index.status().documents == 230
    assert index.search(SearchQuery("有轨电车")).total == sum("有轨电车" in d.body for d in documents)


def test_rebuild_swaps_generations_while_searches_and_updates_go_on(whoosh):
    whoosh.index(news())
    other = WhooshIndex(whoosh.directory)  # another web worker sharing the folder
    before = (whoosh.directory / "CURRENT").read_text()
    seen_during: list[list[str]] = []

    def snapshot() -> Iterator[SearchDocument]:
        # What the database held when the rebuild started: news:11 was there, news:99 was not.
        for document in news(title="重建后的标题"):
            if document.doc_id == "news:5":
                seen_during.append(ids(other, "斑马鱼"))
                other.index([doc("news:99", "新发布的斑马鱼实验进展")])
                other.delete(["news:11"])
                seen_during.append(ids(other, "斑马鱼"))
            yield document

    assert whoosh.rebuild(snapshot()) == len(PARAGRAPHS)

    # During the rebuild, searches ran against the old generation and saw the updates at once.
    assert seen_during == [["news:11"], ["news:99"]]
    # The updates made meanwhile were replayed into the new generation.
    assert ids(other, "斑马鱼") == ["news:99"]
    assert ids(whoosh, "斑马鱼") == ["news:99"]
    assert whoosh.search(SearchQuery("长三角")).hits[0].title == "重建后的标题"
    after = (whoosh.directory / "CURRENT").read_text()
    assert after != before
    assert not (whoosh.directory / "JOURNAL").exists()

    whoosh.rebuild(news())
    generations = sorted(p.name for p in whoosh.directory.glob("gen-*"))
    assert before not in generations and after in generations and len(generations) == 2


def test_a_rebuild_failing_midway_stops_its_worker_processes(tmp_path):
    index = WhooshIndex(tmp_path / "search", procs=2)

    def documents() -> Iterator[SearchDocument]:
        yield from (doc(f"n:{n}", "有轨电车") for n in range(250))
        yield doc("bad", None)  # a plugin bug: caught in this process, not in a worker

    with pytest.raises(TypeError):
        index.rebuild(documents())

    assert multiprocessing.active_children() == []
    assert index.status().ok is False
    assert not list(index.directory.glob(".build-*"))
    assert not (index.directory / "JOURNAL").exists()


def test_an_index_built_by_an_older_version_asks_for_a_rebuild(whoosh):
    (whoosh.directory / "gen-old").mkdir(parents=True)
    FileStorage(str(whoosh.directory / "gen-old")).create_index(Schema(doc_id=ID(stored=True)))
    (whoosh.directory / "CURRENT").write_text("gen-old")

    status = whoosh.status()

    assert status.ok is False
    assert "govcore search reindex" in status.detail


def test_only_one_rebuild_at_a_time(whoosh):
    other = WhooshIndex(whoosh.directory)

    def nested() -> Iterator[SearchDocument]:
        with pytest.raises(RebuildInProgress):
            other.rebuild([])
        yield doc("a", "有轨电车")

    assert whoosh.rebuild(nested()) == 1


def test_a_search_sees_what_another_process_committed(whoosh):
    whoosh.index([doc("a", "有轨电车")])
    other = WhooshIndex(whoosh.directory)
    assert ids(other, "有轨电车") == ["a"]

    whoosh.index([doc("b", "有轨电车线路")])
    whoosh.delete(["a"])

    assert ids(other, "有轨电车") == ["b"]


def test_writers_wait_for_each_other(whoosh):
    whoosh.index([doc("a", "有轨电车")])
    generation = (whoosh.directory / "CURRENT").read_text()
    holder = FileStorage(str(whoosh.directory / generation)).open_index().writer()  # another process writing
    released = threading.Timer(0.5, holder.cancel)
    released.start()
    started = time.monotonic()

    WhooshIndex(whoosh.directory, lock_timeout=10).index([doc("b", "有轨电车")])

    assert time.monotonic() - started >= 0.4
    assert sorted(ids(whoosh, "有轨电车")) == ["a", "b"]


def test_a_writer_gives_up_after_the_lock_timeout(whoosh):
    whoosh.index([doc("a", "有轨电车")])
    holder = FileStorage(str(whoosh.directory / (whoosh.directory / "CURRENT").read_text())).open_index().writer()
    try:
        with pytest.raises(GovcoreError):
            WhooshIndex(whoosh.directory, lock_timeout=0.2).index([doc("b", "有轨电车")])
    finally:
        holder.cancel()
