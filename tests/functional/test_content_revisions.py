"""Revisions of an item: the list, the visual diff, and restoring an old revision as a new one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.testing.pytest_plugin import csrf_token
from plugins.content.orm import Item, Revision
from plugins.content.publishing import Publishing
from tests.functional.content_items_support import (audits, clock, column_id, forget_indexed_items,  # noqa: F401
                                                    new_item, staff)

pytestmark = pytest.mark.usefixtures("clock", "forget_indexed_items")

OLD_BODY = "<p>全县完成植树造林三千亩。</p><p>&lt;script&gt;alert(1)&lt;/script&gt;原有段落</p>"
NEW_BODY = "<p>全县完成植树造林五千亩。</p><p>新增的一段说明</p>"


@pytest.fixture
def edited(platform, dbsession, clock):
    """An item saved twice after its creation: revision 1 (created), 2 and 3."""
    item_id = new_item(platform, column_id(dbsession, "documents"), "植树造林情况通报", body=OLD_BODY,
                       source="县林业局")
    for title, body, source in (("植树造林情况通报（修订）", NEW_BODY, "县自然资源局"),
                                ("植树造林情况通报（终稿）", NEW_BODY, "县自然资源局")):
        clock.advance(hours=1)
        with platform.unit_of_work() as uow:
            store = Publishing(platform, uow).store
            store.update(store.get(item_id), {"title": title, "body": body, "source": source}, None, note="修改")
    return item_id


def test_the_revision_list_names_number_kind_author_and_note(testapp, dbsession, make_user, login, edited):
    staff(testapp, dbsession, make_user, login, "rev-reader", ["editor"])
    page = testapp.get(f"/admin/content/items/{edited}/revisions")
    rows = [[cell.get_text(strip=True) for cell in row.select("th, td")][:5]
            for row in page.html.select(".revision-row")]
    assert [row[0] for row in rows] == ["第3版", "第2版", "第1版"]
    assert rows[-1][1] == "保存" and rows[-1][4] == "新建" and rows[0][4] == "修改"
    assert rows[0][3] == "2026-09-28 11:00"


def test_the_diff_shows_changed_fields_and_body_words_escaped(testapp, dbsession, make_user, login, edited):
    staff(testapp, dbsession, make_user, login, "rev-diff", ["editor"])
    page = testapp.get(f"/admin/content/items/{edited}/revisions/1")
    changes = {row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.select("td")]
               for row in page.html.select(".field-change")}
    assert changes["标题"] == ["植树造林情况通报", "植树造林情况通报（终稿）"]
    assert changes["来源"] == ["县林业局", "县自然资源局"]
    diff = page.html.select_one("#body-diff")
    assert [d.get_text() for d in diff.select("del")][:1] == ["三"]
    assert [i.get_text() for i in diff.select("ins")][:1] == ["五"]
    assert "新增的一段说明" in [i.get_text() for i in diff.select("ins")]
    # The old text spoke of a script tag: shown as text in the diff, never as markup.
    assert not page.html.select("#body-diff script, #old-body script")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "全县完成植树造林三千亩。" in page.html.select_one("#old-body").get_text()

    between = testapp.get(f"/admin/content/items/{edited}/revisions/3", {"against": "2"})
    assert [row.th.get_text(strip=True) for row in between.html.select(".field-change")] == ["标题"]
    assert between.html.select_one("#body-unchanged")
    assert "第 2 版" in between.html.select_one(".revision-sides").get_text()
    testapp.get(f"/admin/content/items/{edited}/revisions/9", status=404)


def test_restoring_makes_a_new_revision_and_is_audited(testapp, dbsession, make_user, login, edited, platform):
    staff(testapp, dbsession, make_user, login, "rev-restorer", ["editor"], "disclosure")
    page = testapp.get(f"/admin/content/items/{edited}/revisions/1")
    result = page.forms["restore-form"].submit(status=302).follow()
    assert "已恢复第 1 版的内容" in result.text
    dbsession.expire_all()
    item = dbsession.get(Item, edited)
    assert (item.title, item.source) == ("植树造林情况通报", "县林业局")
    assert "三千亩" in item.body and "&lt;script&gt;" in item.body
    newest = dbsession.scalars(select(Revision).where(Revision.item_id == edited)
                               .order_by(Revision.number.desc())).first()
    assert (newest.number, newest.kind, newest.note) == (4, "restore", "恢复自第 1 版")
    assert result.html.select(".revision-row")[0].select("td")[0].get_text(strip=True) == "恢复"
    record, = audits(dbsession, "content.item.revision_restore", [edited])
    assert record["revision"] == 1 and record["actor"] == "rev-restorer"

    # The form of a page read before that restore carries an old version: refused, nothing changed.
    stale = page.forms["restore-form"].submit(status=409)
    assert "信息已被他人修改" in stale.text
    assert dbsession.scalar(select(Revision.number).where(Revision.item_id == edited)
                            .order_by(Revision.number.desc())) == 4


def test_restoring_is_refused_during_review_and_outside_the_scope(testapp, dbsession, make_user, login, platform,
                                                                 edited):
    staff(testapp, dbsession, make_user, login, "rev-outsider", ["editor"], "overview")
    testapp.get(f"/admin/content/items/{edited}/revisions", status=403)
    testapp.post(f"/admin/content/items/{edited}/revisions/1/restore",
                 {"csrf_token": csrf_token(testapp), "version": "3"}, status=403)

    with platform.unit_of_work() as uow:
        store = Publishing(platform, uow).store
        store.set_status(store.get(edited), "review")
    staff(testapp, dbsession, make_user, login, "rev-insider", ["editor"], "disclosure")
    page = testapp.get(f"/admin/content/items/{edited}/revisions/1")
    assert not page.html.select("#restore-form")
    version = str(dbsession.get(Item, edited).version)
    refused = testapp.post(f"/admin/content/items/{edited}/revisions/1/restore",
                           {"csrf_token": csrf_token(testapp), "version": version}, status=409)
    assert "信息处于“审核中”状态，不能恢复旧版本" in refused.text
    dbsession.expire_all()
    assert dbsession.get(Item, edited).title == "植树造林情况通报（终稿）"
