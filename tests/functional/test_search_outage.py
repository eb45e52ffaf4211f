"""A missing or damaged search index: searches say so plainly, the rest of the site works, publishing
goes on, /healthz names the index, and a reindex repairs it."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from adapters.search.reindex import reindex
from adapters.search.whoosh_index import WhooshIndex
from plugins.content.orm import Item, Topic
from tests.functional.content_items_support import clock, column_id, forget_indexed_items, new_item, staff

# Imported fixtures, named through the functions so the imports are visibly used.
pytestmark = pytest.mark.usefixtures(clock.__name__, forget_indexed_items.__name__)


@pytest.fixture
def search_index(platform, tmp_path, monkeypatch) -> WhooshIndex:
    """An index of the test's own, built from the database: the site's shared one stays whole."""
    index = WhooshIndex(tmp_path / "search", procs=1)
    monkeypatch.setattr(platform, "search", index)
    reindex(platform, progress_bar=False)
    return index


def damage(index: WhooshIndex, how: str) -> None:
    if how == "folder removed":
        shutil.rmtree(index.directory)
        return
    generation = index.directory / (index.directory / "CURRENT").read_text()
    for path in generation.iterdir():
        path.write_bytes(b"\x00garbage\xff" * 64)


@pytest.mark.parametrize("how", ["folder removed", "files garbled"])
def test_a_broken_index_takes_down_search_only_until_a_reindex(testapp, platform, dbsession, make_user, login,
                                                              search_index, how):
    notices = column_id(dbsession, "notices")
    new_item(platform, notices, "猕猴桃采摘节开幕通知", status="published")
    assert "猕猴桃采摘节开幕通知" in testapp.get("/search", {"q": "猕猴桃"}).text

    damage(search_index, how)

    page = testapp.get("/search", {"q": "猕猴桃"}, status=503)
    assert "搜索服务暂时不可用" in page.text and "其他栏目可以正常浏览" in page.text
    testapp.get("/", status=200)
    testapp.get("/column/notices", status=200)
    # Publishing goes on: the item is saved and shown; only its indexing failed (and was logged).
    later = new_item(platform, notices, "有轨电车试运行通知", status="published")
    assert dbsession.get(Item, later).status == "published"
    assert "有轨电车试运行通知" in testapp.get(f"/item/{later}").text
    health = testapp.get("/healthz", status=503).json
    assert health["checks"]["search"]["ok"] is False and "搜索索引" in health["checks"]["search"]["detail"]
    assert health["checks"]["database"]["ok"] is True

    staff(testapp, dbsession, make_user, login, "search-outage-chief", ["editor_in_chief"])
    staff_page = testapp.get("/admin/content/search", {"q": "猕猴桃"}, status=503)
    assert "检索服务暂时不可用" in staff_page.html.select_one("#search-unavailable").get_text()
    # Adding items to a topic falls back to matching titles.
    topic = dbsession.scalar(select(Topic.id).limit(1))
    assert "猕猴桃采摘节开幕通知" in testapp.get(f"/admin/content/topics/{topic}/items", {"q": "猕猴桃"}).text
    testapp.reset()

    assert reindex(platform, progress_bar=False) > 0

    assert "猕猴桃采摘节开幕通知" in testapp.get("/search", {"q": "猕猴桃"}).text
    assert "有轨电车试运行通知" in testapp.get("/search", {"q": "有轨电车"}).text
    assert testapp.get("/healthz").json["checks"]["search"]["ok"] is True
