"""Column-scoped editing: an 编辑 limited to 政务公开 sees and edits that subtree and nothing else."""

import json

import pytest
from sqlalchemy import select

from adapters.db.orm import AuditRecord
from adapters.testing.pytest_plugin import csrf_token
from plugins.content.orm import Column
from ports.search import SearchDocument, SearchQuery
from tests.functional.signin import person, sign_in


def column(dbsession, slug: str) -> Column:
    return dbsession.scalar(select(Column).where(Column.slug == slug))


@pytest.fixture
def scoped_editor(testapp, dbsession, make_user, login):
    disclosure = column(dbsession, "disclosure")
    user = person(dbsession, make_user, "editor-zhou", ["editor"], scope=("column", disclosure.id))
    sign_in(testapp, login, user)
    return user


@pytest.fixture
def restore_search_index(platform, dbsession):
    """Column edits update the shared search index, which the test's rollback cannot undo."""
    documents = {row.id: SearchDocument(doc_id=f"content:column:{row.id}", kind="column", title=row.title,
                                        body=row.title, url=f"/column/{row.slug}")
                 for row in dbsession.scalars(select(Column))}
    yield
    platform.search.index(documents.values())


def tree_titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select(".tree a:not(.column-edit)")]


def test_the_column_list_shows_only_the_editors_subtree(testapp, scoped_editor):
    page = testapp.get("/admin/content/columns")
    titles = tree_titles(page)
    assert titles[0] == "政务公开"
    assert {"政府文件", "政府工作报告", "政务动态", "政府采购", "法律法规"} <= set(titles)
    assert "地方概况" not in titles and "自然地理" not in titles and "网上办事" not in titles
    edit_links = [a["href"] for a in page.html.select("a.column-edit")]
    assert len(edit_links) == len(titles)


def test_the_scoped_editor_edits_inside_and_is_refused_outside(testapp, scoped_editor, dbsession,
                                                               restore_search_index, platform):
    documents = column(dbsession, "documents")
    overview = column(dbsession, "overview")
    disclosure = column(dbsession, "disclosure")
    testapp.get(f"/admin/content/columns/{disclosure.id}/edit", status=200)
    testapp.get(f"/admin/content/columns/{overview.id}/edit", status=403)
    testapp.get(f"/admin/content/columns/{column(dbsession, 'geography').id}/edit", status=403)
    testapp.post(f"/admin/content/columns/{overview.id}/edit",
                 {"csrf_token": csrf_token(testapp), "title": "被改的标题", "description": ""}, status=403)
    # A column that does not exist lies in nobody's scope either.
    testapp.get("/admin/content/columns/999999/edit", status=403)

    form = testapp.get(f"/admin/content/columns/{documents.id}/edit").forms[1]
    form["title"] = "县政府文件"
    form["description"] = "县政府及办公室印发的规范性文件"
    assert form.submit(status=302).location.endswith("/admin/content/columns")

    dbsession.expire_all()
    assert column(dbsession, "documents").title == "县政府文件"
    assert column(dbsession, "overview").title == "地方概况"
    record = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == "content.column.update")
                               .order_by(AuditRecord.id.desc())).first()
    summary = json.loads(record.summary)
    assert record.actor_login == "editor-zhou" and record.object_id == str(documents.id)
    assert summary["before"]["title"] == "政府文件" and summary["after"]["title"] == "县政府文件"

    # The portal shows the new title: in the navigation, the parent's page and the column's own.
    home = testapp.get("/")
    assert "县政府文件" in home.html.select_one("nav").get_text()
    assert "县政府文件" in testapp.get("/column/disclosure").text
    assert testapp.get("/column/documents").html.h1.get_text(strip=True) == "县政府文件"
    assert [hit.title for hit in platform.search.search(SearchQuery("县政府文件")).hits][:1] == ["县政府文件"]


def test_hiding_a_column_hides_it_on_the_portal(testapp, scoped_editor, dbsession, restore_search_index):
    procurement = column(dbsession, "procurement")
    form = testapp.get(f"/admin/content/columns/{procurement.id}/edit").forms[1]
    form["hidden"] = True
    form.submit(status=302)
    testapp.get("/column/procurement", status=404)
    assert "政府采购" not in testapp.get("/column/disclosure").text


def test_mistakes_are_shown_in_chinese_and_keep_the_input(testapp, scoped_editor, dbsession):
    documents = column(dbsession, "documents")
    form = testapp.get(f"/admin/content/columns/{documents.id}/edit").forms[1]
    form["title"] = "政务动态"  # a sibling's title
    form["description"] = "保留的说明"
    page = form.submit(status=400)
    assert "同一上级栏目下已有名为“政务动态”的栏目" in page.text
    assert page.forms[1]["description"].value == "保留的说明"
    form = page.forms[1]
    form["title"] = ""
    assert "请填写栏目名称" in form.submit(status=400).text
    dbsession.expire_all()
    assert column(dbsession, "documents").title == "政府文件"


def test_unscoped_holders_see_and_edit_every_column(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "editor-wu", ["editor"])
    sign_in(testapp, login, user)
    page = testapp.get("/admin/content/columns")
    assert {"地方概况", "政务公开", "网上办事", "自然地理"} <= set(tree_titles(page))
    testapp.get(f"/admin/content/columns/{column(dbsession, 'overview').id}/edit", status=200)
    testapp.get("/admin/content/columns/999999/edit", status=404)


def test_viewing_without_editing_shows_no_edit_links(testapp, dbsession, make_user, login):
    from adapters.db.orm import Role

    viewer = Role(name="column_viewer", title="栏目查看员", permissions=["admin.access", "content.columns.view"],
                  seeded_permissions=[], builtin=False)
    dbsession.add(viewer)
    dbsession.commit()
    user = person(dbsession, make_user, "viewer-he", ["column_viewer"])
    sign_in(testapp, login, user)
    page = testapp.get("/admin/content/columns")
    assert "政务公开" in tree_titles(page) and not page.html.select("a.column-edit")
    testapp.get(f"/admin/content/columns/{column(dbsession, 'documents').id}/edit", status=403)


def test_a_subtree_below_the_top_is_shown_with_its_path(testapp, dbsession, make_user, login):
    documents = column(dbsession, "documents")
    user = person(dbsession, make_user, "editor-lu", ["editor"], scope=("column", documents.id))
    sign_in(testapp, login, user)
    page = testapp.get("/admin/content/columns")
    assert tree_titles(page) == ["政府文件"]
    assert "政务公开 /" in page.html.select_one(".tree").get_text()
    testapp.get(f"/admin/content/columns/{column(dbsession, 'disclosure').id}/edit", status=403)
