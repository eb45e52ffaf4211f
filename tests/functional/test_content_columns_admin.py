"""The column tree's staff pages: batch-add, add, move, reorder, copy, delete, hide, settings, scopes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from adapters.db.orm import AuditRecord
from adapters.testing.pytest_plugin import csrf_token
from plugins.content.orm import Column, Item, Placement, Revision, Upload
from plugins.content.publishing import portal_generation
from plugins.content.store import ItemStore
from ports.search import SearchDocument
from tests.functional.signin import person, sign_in

BLOB = "ab" * 32


def column(dbsession, slug: str) -> Column:
    dbsession.expire_all()
    return dbsession.scalar(select(Column).where(Column.slug == slug))


def children(dbsession, parent: Column) -> list[str]:
    dbsession.expire_all()
    return list(dbsession.scalars(select(Column.slug).where(Column.parent_id == parent.id)
                                  .order_by(Column.position, Column.id)))


def audit(dbsession, action: str) -> dict:
    record = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action)
                               .order_by(AuditRecord.id.desc())).first()
    assert record is not None, f"no {action} audit record"
    return {"object_id": record.object_id, "actor": record.actor_login, **json.loads(record.summary)}


@pytest.fixture(autouse=True)
def restore_search_index(platform, dbsession):
    """Column changes update the shared search index, which the test's rollback cannot undo."""
    columns = {row.id: SearchDocument(doc_id=f"content:column:{row.id}", kind="column", title=row.title,
                                      body=row.title, url=f"/column/{row.slug}")
               for row in dbsession.scalars(select(Column)) if not row.hidden}
    items = set(dbsession.scalars(select(Item.id)))
    yield
    dbsession.rollback()
    added = [f"content:column:{i}" for i in dbsession.scalars(select(Column.id)) if i not in columns]
    added += [f"content:item:{i}" for i in dbsession.scalars(select(Item.id)) if i not in items]
    if added:
        platform.search.delete(added)
    platform.search.index(columns.values())


@pytest.fixture
def chief(testapp, dbsession, make_user, login):
    """A 总编 for the whole site: manages the structure everywhere."""
    user = person(dbsession, make_user, "chief-qian", ["editor_in_chief"])
    sign_in(testapp, login, user)
    return user


def test_batch_outline_previews_then_creates_the_subtree_in_one_step(testapp, chief, dbsession):
    disclosure = column(dbsession, "disclosure")
    generation = portal_generation(dbsession)
    page = testapp.get("/admin/content/columns").click("批量添加栏目")
    form = page.forms["column-batch-form"]
    assert page.html.find("label", attrs={"for": "outline"}).get_text() == "栏目列表（每行一个，两个空格表示下一级）"
    assert page.html.find("label", attrs={"for": "outline-parent"}).get_text() == "上级栏目"
    form["parent"] = str(disclosure.id)
    form["outline"] = "政策解读 [policy-reading]\n  图解政策\n  专家解读 [expert]\n    访谈\n重点领域\n"
    preview = form.submit("action", value="preview")
    assert preview.status_int == 200
    shown = [span.get_text() for span in preview.html.select(".column-preview .org-name")]
    assert shown == ["政策解读", "图解政策", "专家解读", "访谈", "重点领域"]
    assert "添加 5 个栏目" in preview.html.select_one("#preview-heading").get_text()
    assert column(dbsession, "policy-reading") is None  # a preview creates nothing

    preview.forms["column-batch-form"].submit("action", value="create", status=302).follow()
    reading = column(dbsession, "policy-reading")
    assert reading.parent_id == disclosure.id
    assert children(dbsession, disclosure)[-2:] == ["policy-reading", reading_sibling(dbsession, disclosure)]
    sub = dbsession.scalars(select(Column).where(Column.parent_id == reading.id).order_by(Column.position)).all()
    assert [(c.title, c.position) for c in sub] == [("图解政策", 0), ("专家解读", 1)]
    assert sub[0].slug.startswith("c") and sub[1].slug == "expert"
    assert dbsession.scalar(select(Column.title).where(Column.parent_id == sub[1].id)) == "访谈"
    record = audit(dbsession, "content.column.batch_create")
    assert record["count"] == 5 and record["parent"] == disclosure.id and record["actor"] == "chief-qian"
    assert portal_generation(dbsession) > generation
    assert "访谈" in testapp.get("/admin/content/columns").text


def reading_sibling(dbsession, disclosure) -> str:
    return dbsession.scalar(select(Column.slug).where(Column.parent_id == disclosure.id, Column.title == "重点领域"))


def test_a_bad_outline_reports_each_line_and_keeps_the_text(testapp, chief, dbsession):
    page = testapp.get("/admin/content/columns/batch")
    form = page.forms["column-batch-form"]
    form["outline"] = "新闻中心 [news-centre]\n  图片新闻\n        太深了\n政务动态\n地方概况\n  X [Bad Slug]\n"
    form["parent"] = ""
    answer = form.submit("action", value="preview", status=400)
    errors = [li.get_text() for li in answer.html.select("#outline-errors li")]
    assert errors[0] == "第 3 行缩进过深（比上一级多了不止一层）"
    assert any(e.startswith("第 5 行：上级栏目下已有名为“地方概况”") for e in errors)
    assert any(e.startswith("第 6 行的英文标识“Bad Slug”") for e in errors)
    assert "新闻中心 [news-centre]" in answer.forms["column-batch-form"]["outline"].value
    assert not answer.html.select("button[value=create]")
    # Confirming anyway (a forged request) creates nothing either.
    testapp.post("/admin/content/columns/batch", {"csrf_token": csrf_token(testapp), "parent": "",
                                                  "outline": form["outline"].value, "action": "create"}, status=400)
    assert column(dbsession, "news-centre") is None


def test_a_text_changed_after_its_preview_is_previewed_again(testapp, chief, dbsession):
    form = testapp.get("/admin/content/columns/batch").forms["column-batch-form"]
    form["outline"] = "第一个 [first-one]\n"
    form["parent"] = ""
    preview = form.submit("action", value="preview").forms["column-batch-form"]
    preview["outline"] = "第一个 [first-one]\n第二个 [second-one]\n"
    again = preview.submit("action", value="create", status=200)
    assert "请检查新的预览后再确认添加" in again.text and column(dbsession, "second-one") is None
    again.forms["column-batch-form"].submit("action", value="create", status=302)
    assert column(dbsession, "second-one").parent_id is None


def test_adding_one_column_with_and_without_a_slug(testapp, chief, dbsession):
    overview = column(dbsession, "overview")
    page = testapp.get(f"/admin/content/columns/add?parent={overview.id}")
    form = page.forms["column-add-form"]
    assert form["parent"].value == str(overview.id)
    form["title"] = "人口民族"
    form.submit(status=302)
    added = dbsession.scalar(select(Column).where(Column.title == "人口民族"))
    assert added.parent_id == overview.id and added.slug == f"c{added.id}"
    assert added.position == len(children(dbsession, overview)) - 1
    form["title"] = "人口民族"
    assert "同一上级栏目下已有名为“人口民族”的栏目" in form.submit(status=400).text
    form["title"], form["slug"] = "行政区划", "geography"
    assert "英文标识“geography”已被其他栏目使用" in form.submit(status=400).text
    assert audit(dbsession, "content.column.create")["slug"] == added.slug


def test_moving_refuses_cycles_and_moves_the_subtree(testapp, chief, dbsession):
    disclosure, documents, overview = (column(dbsession, s) for s in ("disclosure", "documents", "overview"))
    page = testapp.get(f"/admin/content/columns/{disclosure.id}/structure")
    options = [value for value, *_ in page.forms["column-move-form"]["parent"].options]
    assert str(documents.id) not in options and str(disclosure.id) not in options  # not offered …
    answer = testapp.post(f"/admin/content/columns/{disclosure.id}/move",
                          {"csrf_token": csrf_token(testapp), "parent": str(documents.id)}, status=400)
    assert "不能把栏目移到它自己或它的下级栏目之下" in answer.text  # … and refused when forged
    assert column(dbsession, "disclosure").parent_id is None

    form = testapp.get(f"/admin/content/columns/{documents.id}/structure").forms["column-move-form"]
    form["parent"] = str(overview.id)
    form.submit(status=302)
    assert column(dbsession, "documents").parent_id == overview.id
    assert children(dbsession, overview)[-1] == "documents"
    assert "documents" not in children(dbsession, disclosure)
    positions = dbsession.scalars(select(Column.position).where(Column.parent_id == disclosure.id)
                                  .order_by(Column.position)).all()
    assert positions == list(range(len(positions)))  # the old siblings close the gap
    record = audit(dbsession, "content.column.move")
    assert record["before"]["parent"] == disclosure.id and record["after"]["parent"] == overview.id


def test_drag_and_drop_posts_a_position_and_gets_json(testapp, chief, dbsession):
    disclosure, laws = column(dbsession, "disclosure"), column(dbsession, "laws")
    answer = testapp.post(f"/admin/content/columns/{laws.id}/move",
                          {"csrf_token": csrf_token(testapp), "parent": str(disclosure.id), "position": "0"},
                          headers={"Accept": "application/json"})
    assert answer.json == {"ok": True}
    assert children(dbsession, disclosure)[0] == "laws"
    refused = testapp.post(f"/admin/content/columns/{disclosure.id}/move",
                           {"csrf_token": csrf_token(testapp), "parent": str(laws.id), "position": "0"},
                           headers={"Accept": "application/json"}, status=400)
    assert refused.json["ok"] is False and "下级栏目" in refused.json["error"]


def test_reordering_with_up_and_down(testapp, chief, dbsession):
    disclosure = column(dbsession, "disclosure")
    before = children(dbsession, disclosure)
    second = column(dbsession, before[1])
    page = testapp.get("/admin/content/columns")
    assert page.html.select_one(f"#column-{column(dbsession, before[0]).id} > .org-row .column-up").has_attr("disabled")
    token = csrf_token(testapp)
    testapp.post(f"/admin/content/columns/{second.id}/reorder", {"csrf_token": token, "direction": "up"}, status=302)
    assert children(dbsession, disclosure) == [before[1], before[0], *before[2:]]
    testapp.post(f"/admin/content/columns/{second.id}/reorder", {"csrf_token": token, "direction": "down"})
    testapp.post(f"/admin/content/columns/{second.id}/reorder", {"csrf_token": token, "direction": "down"})
    assert children(dbsession, disclosure) == [before[0], before[2], before[1], *before[3:]]
    assert audit(dbsession, "content.column.reorder")["after"] == 2
    last = column(dbsession, before[-1])
    testapp.post(f"/admin/content/columns/{last.id}/reorder", {"csrf_token": token, "direction": "down"})
    assert children(dbsession, disclosure)[-1] == before[-1]  # the last stays last


@pytest.fixture
def items(dbsession, platform):
    """Two items in 政务动态 (one published, with an attachment) and one in 政府文件."""
    store = ItemStore(dbsession, platform.clock.now())
    news, documents = column(dbsession, "government-news"), column(dbsession, "documents")
    first = store.create(column_id=news.id, type="article", title="县长调研", user_id=None, body="<p>调研</p>",
                         fields={"reporter": "小王"}, summary="摘要", index_no="000-2026-0001")
    store.set_status(first, "published")
    dbsession.add(Upload(blob_key=BLOB, filename="附件.pdf", media_type="application/pdf", size=10,
                         item_id=first.id, attachment=True, position=0, uploaded_at=platform.clock.now()))
    second = store.create(column_id=news.id, type="notice", title="停水通知", user_id=None, body="<p>停水</p>")
    third = store.create(column_id=documents.id, type="article", title="县政府令", user_id=None, body="")
    dbsession.commit()
    return [first, second, third]


def test_copying_a_subtree_without_items(testapp, chief, dbsession, items):
    disclosure = column(dbsession, "disclosure")
    form = testapp.get(f"/admin/content/columns/{disclosure.id}/structure").forms["column-copy-form"]
    form["parent"] = ""
    form.submit(status=302)
    copy = column(dbsession, "disclosure-copy")
    assert copy.title == "政务公开（副本）" and copy.parent_id is None and copy.hidden
    assert children(dbsession, copy) == [slug + "-copy" for slug in children(dbsession, disclosure)]
    assert dbsession.scalar(select(func.count()).select_from(Item).where(
        Item.column_id.in_(select(Column.id).where(Column.parent_id == copy.id)))) == 0
    record = audit(dbsession, "content.column.copy")
    assert record["columns"] == 1 + len(children(dbsession, disclosure)) and record["items"] == 0
    testapp.get("/column/disclosure-copy", status=404)  # hidden until the editor shows it

    form.submit(status=302)  # a second copy gets the next free names
    second = column(dbsession, "disclosure-copy-2")
    assert second.title == "政务公开（副本2）"


def test_copying_a_subtree_with_items_makes_separate_drafts(testapp, chief, dbsession, items):
    news, disclosure = column(dbsession, "government-news"), column(dbsession, "disclosure")
    subtree = select(Column.id).where((Column.id == disclosure.id) | (Column.parent_id == disclosure.id))
    held = dbsession.scalar(select(func.count()).select_from(Item).where(Item.column_id.in_(subtree)))
    files = dbsession.scalar(select(func.count()).select_from(Upload).join(Item, Item.id == Upload.item_id)
                             .where(Item.column_id.in_(subtree)))  # the demo's cover picture and the test's file
    form = testapp.get(f"/admin/content/columns/{disclosure.id}/structure").forms["column-copy-form"]
    form["parent"] = str(disclosure.id)
    form["with_items"] = True
    form["hide"] = False
    form.submit(status=302)
    news_copy, documents_copy = column(dbsession, "government-news-copy"), column(dbsession, "documents-copy")
    assert column(dbsession, "disclosure-copy").parent_id == disclosure.id
    assert not column(dbsession, "disclosure-copy").hidden
    copies = dbsession.scalars(select(Item).where(Item.column_id == news_copy.id, Item.title.in_(["县长调研", "停水通知"]))
                               .order_by(Item.id)).all()
    assert [(c.title, c.type, c.status) for c in copies] == [("县长调研", "article", "draft"),
                                                               ("停水通知", "notice", "draft")]
    assert {c.status for c in dbsession.scalars(select(Item).where(Item.column_id == news_copy.id))} == {"draft"}
    first = copies[0]
    assert first.id not in {item.id for item in items}
    assert (first.body, first.summary, first.fields) == ("<p>调研</p>", "摘要", {"reporter": "小王"})
    assert first.index_no == "" and first.published_at is None and first.case_id is None
    assert "县政府令" in dbsession.scalars(select(Item.title).where(Item.column_id == documents_copy.id)).all()
    # The original stays as it was, published, in its own column.
    original = dbsession.get(Item, items[0].id)
    dbsession.refresh(original)
    assert (original.status, original.column_id) == ("published", news.id)
    # The attachment's file is shared, its upload row is not.
    uploads = dbsession.scalars(select(Upload).where(Upload.blob_key == BLOB).order_by(Upload.id)).all()
    assert [u.item_id for u in uploads] == [items[0].id, first.id] and uploads[1].attachment
    placement = dbsession.get(Placement, (first.id, news_copy.id))
    assert placement.home and not placement.public
    assert dbsession.scalar(select(func.count()).select_from(Revision).where(Revision.item_id == first.id)) == 1
    record = audit(dbsession, "content.column.copy")
    assert (record["items"], record["uploads"], record["source"]) == (held, files, disclosure.id) and files >= 1
    assert dbsession.scalar(select(func.count()).select_from(Item).where(Item.column_id.in_(subtree))) == held
    # Editing the copy leaves the original alone: they are stored separately.
    first.title = "县长调研（改）"
    dbsession.commit()
    assert dbsession.get(Item, items[0].id).title == "县长调研"


def test_deleting_only_empty_columns(testapp, chief, dbsession, items, platform):
    disclosure, news, laws = (column(dbsession, s) for s in ("disclosure", "government-news", "laws"))
    held = dbsession.scalar(select(func.count()).select_from(Item).where(Item.column_id == news.id))
    page = testapp.get(f"/admin/content/columns/{news.id}/structure")
    assert "column-delete-form" not in page.forms
    assert f"{held} 条信息" in page.html.select_one("#delete-blocked").text
    answer = testapp.post(f"/admin/content/columns/{news.id}/delete", {"csrf_token": csrf_token(testapp)},
                          status=400)
    assert f"栏目不是空的，不能删除：其中还有{held} 条信息" in answer.html.select_one("#structure-error").text
    answer = testapp.post(f"/admin/content/columns/{disclosure.id}/delete", {"csrf_token": csrf_token(testapp)},
                          status=400)
    assert "个下级栏目" in answer.text
    # An item of another column shown here too (引用) keeps the column as well.
    ItemStore(dbsession, platform.clock.now()).set_extra_columns(dbsession.get(Item, items[2].id), [laws.id])
    dbsession.commit()
    assert "1 条引用的信息" in testapp.post(f"/admin/content/columns/{laws.id}/delete",
                                         {"csrf_token": csrf_token(testapp)}, status=400).text
    assert column(dbsession, "government-news") is not None and column(dbsession, "laws") is not None

    procurement = column(dbsession, "procurement")
    testapp.get(f"/admin/content/columns/{procurement.id}/structure").forms["column-delete-form"].submit(status=302)
    assert column(dbsession, "procurement") is None
    assert audit(dbsession, "content.column.delete")["slug"] == "procurement"
    positions = dbsession.scalars(select(Column.position).where(Column.parent_id == disclosure.id)
                                  .order_by(Column.position)).all()
    assert positions == list(range(len(positions)))


def test_a_column_some_role_is_limited_to_is_not_deleted(testapp, chief, dbsession, make_user):
    consultations = column(dbsession, "consultations")
    person(dbsession, make_user, "editor-sun", ["editor"], scope=("column", consultations.id))
    answer = testapp.post(f"/admin/content/columns/{consultations.id}/delete",
                          {"csrf_token": csrf_token(testapp)}, status=400)
    assert "1 个限定在此栏目的角色授权" in answer.text


def test_hiding_and_showing_from_the_tree(testapp, chief, dbsession):
    laws = column(dbsession, "laws")
    generation = portal_generation(dbsession)
    testapp.post(f"/admin/content/columns/{laws.id}/visibility", {"csrf_token": csrf_token(testapp), "hidden": "1"},
                 status=302)
    assert column(dbsession, "laws").hidden and portal_generation(dbsession) > generation
    testapp.get("/column/laws", status=404)
    page = testapp.get("/admin/content/columns")
    assert page.html.select_one(f"#column-{laws.id} > .org-row .column-visibility").get_text().startswith("在网站显示")
    testapp.post(f"/admin/content/columns/{laws.id}/visibility", {"csrf_token": csrf_token(testapp), "hidden": "0"})
    assert not column(dbsession, "laws").hidden
    testapp.get("/column/laws", status=200)


def test_settings_are_validated_and_saved(testapp, chief, dbsession, make_user):
    news = column(dbsession, "government-news")
    person(dbsession, make_user, "editor-zhao", ["editor"], scope=("column", column(dbsession, "disclosure").id))
    page = testapp.get(f"/admin/content/columns/{news.id}/edit")
    editors = page.html.select_one(".column-editors").get_text()
    assert "editor-zhao" in editors and "政务公开" in editors and "（上级栏目）" in editors
    form = page.forms["column-form"]
    workflows = [value for value, *_ in form["workflow_key"].options]
    assert workflows[0] == "" and "content.article_review" in workflows
    assert all(key.startswith("content.") for key in workflows[1:])
    assert [value for value, *_ in form["template"].options] == ["", "list", "pictures", "cards", "page"]

    form["kind"] = "link"
    assert "外部链接栏目须填写链接地址" in form.submit(status=400).text
    form["link_url"] = "javascript:alert(1)"
    answer = form.submit(status=400)
    assert "链接地址须以 http:// 或 https:// 开头" in answer.text
    assert answer.forms["column-form"]["link_url"].value == "javascript:alert(1)"
    forged = {"csrf_token": csrf_token(testapp), "title": "政务动态", "description": "", "kind": "list",
              "template": "fancy", "workflow_key": "content.article_review", "link_url": ""}
    assert "请选择页面模板" in testapp.post(f"/admin/content/columns/{news.id}/edit", forged, status=400).text
    forged.update(template="", workflow_key="disclosure.request")
    assert "请选择审核流程" in testapp.post(f"/admin/content/columns/{news.id}/edit", forged, status=400).text
    forged.update(workflow_key="", kind="gallery")
    assert "请选择栏目类型" in testapp.post(f"/admin/content/columns/{news.id}/edit", forged, status=400).text
    assert column(dbsession, "government-news").workflow_key == "content.article_review"

    form = page.forms["column-form"]
    form["kind"] = "list"
    form["template"] = "cards"
    form["workflow_key"] = ""
    form["comments_enabled"] = True
    form["link_url"] = "https://www.gov.cn/"
    form["description"] = "本县政务动态"
    form.submit(status=302)
    saved = column(dbsession, "government-news")
    assert (saved.template, saved.workflow_key, saved.comments_enabled, saved.link_url, saved.description) == \
        ("cards", "", True, "https://www.gov.cn/", "本县政务动态")
    record = audit(dbsession, "content.column.update")
    assert record["before"] == {"comments_enabled": False, "description": "", "link_url": "",
                                "template": "", "workflow_key": "content.article_review"}
    assert record["after"]["workflow_key"] == ""


def test_a_scoped_chief_manages_structure_only_inside_the_subtree(testapp, dbsession, make_user, login):
    disclosure, documents, overview = (column(dbsession, s) for s in ("disclosure", "documents", "overview"))
    user = person(dbsession, make_user, "chief-zheng", ["editor_in_chief"], scope=("column", disclosure.id))
    sign_in(testapp, login, user)
    token = csrf_token(testapp)

    page = testapp.get("/admin/content/columns")
    assert page.html.select_one(f"#column-{documents.id} > .org-row .column-up") is not None
    # The subtree's top stays put: its parent is the top level.
    assert page.html.select_one(f"#column-{disclosure.id} > .org-row .column-up") is None
    batch = testapp.get("/admin/content/columns/batch").forms["column-batch-form"]
    assert "" not in [value for value, *_ in batch["parent"].options]
    assert str(overview.id) not in [value for value, *_ in batch["parent"].options]

    for parent in ("", str(overview.id)):
        testapp.post("/admin/content/columns/batch", {"csrf_token": token, "parent": parent, "outline": "外面",
                                                      "action": "preview"}, status=403)
        testapp.post("/admin/content/columns/add", {"csrf_token": token, "parent": parent, "title": "外面",
                                                    "kind": "list"}, status=403)
        testapp.post(f"/admin/content/columns/{documents.id}/move", {"csrf_token": token, "parent": parent},
                     status=403)
        testapp.post(f"/admin/content/columns/{documents.id}/copy", {"csrf_token": token, "parent": parent},
                     status=403)
    geography = column(dbsession, "geography")
    testapp.get(f"/admin/content/columns/{geography.id}/structure", status=403)
    for action in ("reorder", "delete"):
        testapp.post(f"/admin/content/columns/{geography.id}/{action}", {"csrf_token": token, "direction": "up"},
                     status=403)
    # The subtree's own top changes its parent's list, which is outside the scope.
    testapp.post(f"/admin/content/columns/{disclosure.id}/reorder", {"csrf_token": token, "direction": "down"},
                 status=403)
    testapp.post(f"/admin/content/columns/{disclosure.id}/delete", {"csrf_token": token}, status=403)
    assert column(dbsession, "documents").parent_id == disclosure.id and column(dbsession, "geography")

    # Inside the subtree everything works.
    testapp.post("/admin/content/columns/batch", {"csrf_token": token, "parent": str(disclosure.id),
                                                  "outline": "内部栏目 [inside]", "action": "preview"}, status=200)
    place = children(dbsession, disclosure).index("documents")
    testapp.post(f"/admin/content/columns/{documents.id}/reorder", {"csrf_token": token, "direction": "down"},
                 status=302)
    assert children(dbsession, disclosure).index("documents") == place + 1


def test_editors_without_structure_rights_see_no_structure_actions(testapp, dbsession, make_user, login):
    sign_in(testapp, login, person(dbsession, make_user, "editor-feng", ["editor"]))
    page = testapp.get("/admin/content/columns")
    assert not page.html.select(".column-action, .column-up, form[action$=reorder]")
    assert page.html.select(".column-edit") and page.html.select(".column-visibility")
    documents = column(dbsession, "documents")
    testapp.get("/admin/content/columns/batch", status=403)
    testapp.get(f"/admin/content/columns/{documents.id}/structure", status=403)
    testapp.post(f"/admin/content/columns/{documents.id}/delete", {"csrf_token": csrf_token(testapp)}, status=403)
