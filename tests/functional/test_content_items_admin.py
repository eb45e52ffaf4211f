"""The staff item list (信息管理), its batch operations and the archive, driven through the web."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.testing.pytest_plugin import csrf_token
from plugins.content.orm import Item, Placement
from ports.search import SearchQuery
from tests.functional.content_items_support import (audits, clock, column_id, forget_indexed_items,  # noqa: F401
                                                    new_item, staff)
from tests.functional.signin import person, sign_in

pytestmark = pytest.mark.usefixtures("clock", "forget_indexed_items")


def listed(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select(".items-table .item-title > a:first-of-type")]


def flash(page) -> str:
    return page.html.select_one(".flash-success").get_text(strip=True)


def batch(testapp, action: str, ids, status: int = 302, **fields):
    return testapp.post("/admin/content/items/batch", {"csrf_token": csrf_token(testapp), "action": action,
                                                       "ids": [str(i) for i in ids], **fields}, status=status)


def test_a_scoped_editor_lists_only_items_of_their_columns(testapp, dbsession, make_user, login, platform):
    new_item(platform, column_id(dbsession, "documents"), "关于印发政府文件的通知")
    new_item(platform, column_id(dbsession, "notices"), "停水通知公告")
    new_item(platform, column_id(dbsession, "geography"), "自然地理概况介绍")
    staff(testapp, dbsession, make_user, login, "items-zhou", ["editor"], "disclosure")

    page = testapp.get("/admin/content/items")
    titles = listed(page)
    assert "关于印发政府文件的通知" in titles and "停水通知公告" in titles
    assert "自然地理概况介绍" not in titles
    options = [o.get_text() for o in page.html.select("#filter-column option")]
    assert "政务公开 / 政府文件" in options and not any("地方概况" in o for o in options)
    # An editor without the publish permission gets no checkboxes and cannot post a batch.
    assert not page.html.select("input[name=ids]")
    ids = dbsession.scalars(select(Item.id).where(Item.title == "停水通知公告")).all()
    batch(testapp, "publish", ids, status=403)

    refused = testapp.get("/admin/content/items", {"column": column_id(dbsession, "geography")}, status=400)
    assert "所选栏目不存在或不在您的管理范围内" in refused.text


def test_filters_narrow_the_list(testapp, dbsession, make_user, login, platform, clock):
    user = person(dbsession, make_user, "items-wu", ["editor"])
    disclosure, documents = column_id(dbsession, "disclosure"), column_id(dbsession, "documents")
    new_item(platform, documents, "筛选甲 政府文件草稿", user_id=user.id)
    clock.advance(days=2)
    new_item(platform, documents, "筛选乙 已发布的公告", type="notice", status="published")
    new_item(platform, disclosure, "筛选丙 政务公开首页说明", status="published")
    sign_in(testapp, login, user)

    def titles(**params):
        return listed(testapp.get("/admin/content/items", {"q": "筛选", **params}))

    assert titles() == ["筛选丙 政务公开首页说明", "筛选乙 已发布的公告", "筛选甲 政府文件草稿"]
    assert titles(status="published") == ["筛选丙 政务公开首页说明", "筛选乙 已发布的公告"]
    assert titles(type="notice") == ["筛选乙 已发布的公告"]
    assert titles(mine="1") == ["筛选甲 政府文件草稿"]
    assert titles(column=disclosure) == ["筛选丙 政务公开首页说明"]
    assert titles(column=disclosure, subtree="1") == ["筛选丙 政务公开首页说明", "筛选乙 已发布的公告",
                                                      "筛选甲 政府文件草稿"]
    assert titles(date_to="2026-09-29") == ["筛选甲 政府文件草稿"]
    assert titles(q="不存在的标题") == []
    assert "没有符合条件的信息" in testapp.get("/admin/content/items", {"q": "不存在的标题"}).text
    bad = testapp.get("/admin/content/items", {"date_from": "2026-13-01", "status": "bogus"}, status=400)
    assert "开始日期格式不正确" in bad.text and "请选择有效的状态" in bad.text

    page = testapp.get("/admin/content/items", {"q": "筛选乙"})
    row = page.html.select_one(".item-row")
    assert row.select_one(".item-column").get_text(strip=True) == "政务公开 / 政府文件"
    assert "已发布" in row.get_text() and "通知公告" in row.get_text()
    # The new-item button takes the chosen column along.
    page = testapp.get("/admin/content/items", {"column": documents})
    assert page.html.select_one("a.button")["href"].endswith(f"/admin/content/items/new?column={documents}")


def test_pages_follow_each_other_by_keyset(testapp, dbsession, make_user, login, platform, clock):
    documents = column_id(dbsession, "documents")
    for number in range(53):
        clock.advance(minutes=1)
        new_item(platform, documents, f"分页测试第{number:02d}条")
    staff(testapp, dbsession, make_user, login, "items-page", ["editor"])
    first = testapp.get("/admin/content/items", {"q": "分页测试"})
    assert listed(first) == [f"分页测试第{n:02d}条" for n in range(52, 2, -1)]
    second = first.click(linkid=None, href="after=", index=0)
    assert listed(second) == ["分页测试第02条", "分页测试第01条", "分页测试第00条"]
    assert not second.html.select("a[rel=next]")
    assert "q=" in second.html.select_one(".items-pager a")["href"]
    # A damaged cursor shows the first page rather than an error.
    assert len(listed(testapp.get("/admin/content/items", {"q": "分页测试", "after": "!!"}))) == 50


def test_batch_publish_skips_items_in_review_and_audits_each(testapp, dbsession, make_user, login, platform):
    documents = column_id(dbsession, "documents")
    drafts = [new_item(platform, documents, f"批量发布{n}") for n in range(3)]
    reviewed = new_item(platform, documents, "批量发布审核中", status="review")
    staff(testapp, dbsession, make_user, login, "items-chief", ["editor_in_chief"])

    page = testapp.get("/admin/content/items", {"q": "批量发布"})
    form = page.forms["items-batch"]
    for checkbox in form.fields["ids"]:
        checkbox.checked = True
    form["action"] = "publish"
    result = form.submit(status=302).follow()
    assert flash(result) == "已发布 3 条，跳过 1 条（审核中）"
    assert "q=" in result.request.url

    dbsession.expire_all()
    assert {dbsession.get(Item, i).status for i in drafts} == {"published"}
    assert dbsession.get(Item, reviewed).status == "review"
    records = audits(dbsession, "content.item.publish", drafts + [reviewed])
    assert sorted(r["object_id"] for r in records) == sorted(drafts)
    assert {r["actor"] for r in records} == {"items-chief"}
    hits = platform.search.search(SearchQuery("批量发布", public_only=True, page_size=50)).hits
    assert {f"content:item:{i}" for i in drafts} <= {hit.doc_id for hit in hits}

    again = batch(testapp, "publish", drafts[:1] + [reviewed]).follow()
    assert flash(again) == "已发布 0 条，跳过 2 条（已发布 1 条、审核中 1 条）"


def test_batch_move_and_reference_stay_within_scope_on_both_ends(testapp, dbsession, make_user, login, platform):
    documents, notices, geography = (column_id(dbsession, s) for s in ("documents", "notices", "geography"))
    inside = new_item(platform, documents, "移动测试内")
    outside = new_item(platform, geography, "移动测试外")
    staff(testapp, dbsession, make_user, login, "items-chief-scoped", ["editor_in_chief"], "disclosure")

    refused = batch(testapp, "move", [inside], status=400, target=str(geography))
    assert "您无权管理栏目“地方概况 / 自然地理”中的信息" in refused.text
    assert batch(testapp, "move", [inside], status=400).text.count("请选择目标栏目") == 1

    moved = batch(testapp, "move", [inside, outside], target=str(notices)).follow()
    assert flash(moved) == "已移动 1 条到“政务公开 / 通知公告”，跳过 1 条（无权操作）"
    dbsession.expire_all()
    assert dbsession.get(Item, inside).column_id == notices
    assert dbsession.get(Item, outside).column_id == geography
    assert audits(dbsession, "content.item.move", [inside])[0]["to"] == notices

    placed = batch(testapp, "place", [inside], target=str(documents)).follow()
    assert flash(placed) == "已在“政务公开 / 政府文件”中引用 1 条"
    assert dbsession.scalars(select(Placement.column_id).where(Placement.item_id == inside)
                             .order_by(Placement.home.desc())).all() == [notices, documents]
    row = testapp.get("/admin/content/items", {"q": "移动测试"}).html.select_one(".item-row")
    assert row.select_one(".item-references").get_text(strip=True) == "1"
    assert flash(batch(testapp, "place", [inside], target=str(documents)).follow()) == \
        "已在“政务公开 / 政府文件”中引用 0 条，跳过 1 条（已在该栏目）"


def test_pinning_marks_the_item(testapp, dbsession, make_user, login, platform):
    item_id = new_item(platform, column_id(dbsession, "documents"), "置顶测试", status="published")
    staff(testapp, dbsession, make_user, login, "items-pin", ["editor_in_chief"])
    assert flash(batch(testapp, "pin", [item_id]).follow()) == "已置顶 1 条"
    dbsession.expire_all()
    assert dbsession.get(Item, item_id).pinned
    assert dbsession.scalar(select(Placement.pinned).where(Placement.item_id == item_id)) is True
    page = testapp.get("/admin/content/items", {"q": "置顶测试"})
    assert page.html.select(".item-pinned")
    stylesheet = [link["href"] for link in page.html.select("link[rel=stylesheet]") if "items.css" in link["href"]]
    assert ".item-pinned" in testapp.get(stylesheet[0]).text
    assert flash(batch(testapp, "unpin", [item_id]).follow()) == "已取消置顶 1 条"
    assert len(audits(dbsession, "content.item.pin", [item_id])) == 1


def test_archived_items_are_listed_with_their_date_and_restored(testapp, dbsession, make_user, login, platform):
    documents = column_id(dbsession, "documents")
    published = new_item(platform, documents, "归档测试已发布", status="published")
    draft = new_item(platform, documents, "归档测试草稿")
    staff(testapp, dbsession, make_user, login, "items-archivist", ["editor_in_chief"])

    assert flash(batch(testapp, "archive", [published, draft]).follow()) == "已归档 2 条"
    dbsession.expire_all()
    assert dbsession.get(Item, published).status == "archived"
    assert not dbsession.scalar(select(Placement.public).where(Placement.item_id == published))

    archive = testapp.get("/admin/content/items", {"status": "archived", "q": "归档测试"})
    assert listed(archive) == ["归档测试草稿", "归档测试已发布"]
    assert archive.html.select_one(".item-archived-at").get_text(strip=True).startswith("2026-09-28")
    restored = archive.forms[f"restore-{published}"].submit(status=302).follow()
    assert flash(restored) == "已恢复 1 条"
    assert listed(restored) == ["归档测试草稿"]
    dbsession.expire_all()
    assert dbsession.get(Item, published).status == "published"
    assert len(audits(dbsession, "content.item.archive", [published, draft])) == 2
    assert len(audits(dbsession, "content.item.restore", [published])) == 1


def test_batch_mistakes_are_explained_in_chinese(testapp, dbsession, make_user, login):
    staff(testapp, dbsession, make_user, login, "items-careless", ["editor_in_chief"])
    page = batch(testapp, "publish", [], status=400, back="q=无此信息")
    assert "请先勾选要操作的信息" in page.text
    assert page.html.select_one("#filter-q")["value"] == "无此信息"
    assert "请选择要执行的批量操作" in batch(testapp, "explode", [1], status=400).text


def test_the_list_is_for_staff_holding_the_view_permission(testapp, dbsession, make_user, login):
    testapp.get("/admin/content/items", status=302)  # to the sign-in page
    staff(testapp, dbsession, make_user, login, "items-nobody", [])
    testapp.get("/admin/content/items", status=403)
