"""The staff item editor: create and edit, validation, optimistic lock, edit lock, autosave, review, preview."""

from __future__ import annotations

import json
import re

import pytest
import webtest
from sqlalchemy import select

from adapters.db.orm import AuditRecord
from adapters.testing.pytest_plugin import TEST_PASSWORD
from govcore.contributions import ContentType, FieldSpec
from plugins.content.items import PUBLISHED, REVIEW
from plugins.content.orm import Column, Item, Placement
from tests.functional.signin import person, sign_in


def column(dbsession, slug: str) -> Column:
    return dbsession.scalar(select(Column).where(Column.slug == slug))


def token_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def fields(page, **changes) -> dict:
    """The item form's values as the browser would send them, with ``changes``."""
    form = page.forms["item-form"]
    values = {name: field.value for name, field in form.field_order if field.value is not None
              and not name.endswith("_file") and name != "new_attachments"}
    values.update(changes)
    return values


def last_audit(dbsession, action: str) -> AuditRecord:
    return dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action)
                             .order_by(AuditRecord.id.desc())).first()


@pytest.fixture
def editor(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "editor-wang", ["editor"])
    sign_in(testapp, login, user)
    return user


@pytest.fixture
def other_client(wsgi_app, db_connection):
    """A second browser, for a second person at the same time."""
    app = webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.2"})

    def sign_in_as(login_name: str):
        page = app.get("/login")
        app.post("/login", {"login": login_name, "password": TEST_PASSWORD, "csrf_token": token_of(page)},
                 status=302)
        return app

    return sign_in_as


def create_item(testapp, dbsession, slug: str = "tourism-news", **changes) -> Item:
    page = testapp.get(f"/admin/content/items/new?column={column(dbsession, slug).id}&type=article")
    values = fields(page, **{"title": "县政府召开常务会议", "body": "<p>会议研究了<strong>三项</strong>工作。</p>", **changes})
    response = testapp.post("/admin/content/items/new", values, status=302)
    item_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    dbsession.expire_all()
    return dbsession.get(Item, item_id)


def test_an_editor_creates_an_item_and_the_body_is_stored_clean(testapp, editor, dbsession):
    page = testapp.get(f"/admin/content/items/new?column={column(dbsession, 'tourism-news').id}")
    options = [o.text for o in page.html.select("#field-column_id option")]
    assert any(text.endswith("旅游信息") for text in options)
    assert page.html.select_one("textarea[data-editor]") is not None
    assert page.html.select_one("script[src$='editor.js']") is not None

    item = create_item(testapp, dbsession, body='<p onclick="x()">正文<script>alert(1)</script>'
                       '<img src="https://evil.example/x.png" onerror="alert(2)"><a href="javascript:alert(3)">链接</a></p>',
                       keywords="会议，常务、政府")
    assert item.status == "draft" and item.created_by == editor.id and item.version == 1
    assert "script" not in item.body and "onerror" not in item.body and "onclick" not in item.body
    assert "javascript" not in item.body and "evil.example" not in item.body and "正文" in item.body
    assert item.keywords == "会议,常务,政府"
    assert json.loads(last_audit(dbsession, "content.item.create").summary)["title"] == "县政府召开常务会议"
    assert item.lock_user_id == editor.id


def test_validation_errors_are_in_chinese_and_keep_what_was_typed(testapp, editor, dbsession):
    page = testapp.get(f"/admin/content/items/new?column={column(dbsession, 'tourism-news').id}&type=link")
    values = fields(page, title="", body="<p>我写了很久的正文</p>", link_url="ftp://example.com/a",
                    publish_at="2030-05-01T09:00", unpublish_at="2030-04-01T09:00", summary="摘要保留")
    response = testapp.post("/admin/content/items/new", values, status=400)
    errors = response.html.select_one("#item-errors").get_text()
    assert "请填写标题" in errors and "http:// 或 https://" in errors and "下线时间须晚于发布时间" in errors
    assert "我写了很久的正文" in response.html.select_one("#field-body").text
    assert response.html.select_one("#field-summary").text == "摘要保留"
    assert response.html.select_one("#input-publish_at")["value"] == "2030-05-01T09:00"
    assert dbsession.scalar(select(Item).where(Item.title == "")) is None


def test_county_fields_of_a_type_are_shown_checked_and_stored(testapp, editor, dbsession, platform, monkeypatch):
    types = dict(platform.content_types)
    types["article"] = ContentType("article", "文章", "content", fields=(
        FieldSpec("approval_no", "批准文号", required=True),
        FieldSpec("copies", "印数", kind="number"),
        FieldSpec("level", "密级", kind="choice", choices=("公开", "内部")),
    ))
    monkeypatch.setattr(platform, "content_types", types)
    page = testapp.get(f"/admin/content/items/new?column={column(dbsession, 'tourism-news').id}&type=article")
    assert page.html.select_one("#input-f_approval_no") is not None
    values = fields(page, title="带字段的信息", f_copies="很多", f_level="绝密")
    errors = testapp.post("/admin/content/items/new", values, status=400).html.select_one("#item-errors").get_text()
    assert "请填写批准文号" in errors and "请填写数字" in errors and "请从列表中选择" in errors
    item = create_item(testapp, dbsession, f_approval_no="县批〔2024〕3号", f_copies="120", f_level="公开")
    assert item.fields == {"approval_no": "县批〔2024〕3号", "copies": 120, "level": "公开"}


def test_a_save_from_an_older_version_is_refused_and_the_text_shown_again(testapp, editor, dbsession):
    item = create_item(testapp, dbsession)
    page = testapp.get(f"/admin/content/items/{item.id}")
    testapp.post(f"/admin/content/items/{item.id}", fields(page, title="第二版标题"), status=302)
    stale = testapp.post(f"/admin/content/items/{item.id}", fields(page, title="我基于第一版的修改",
                                                                   body="<p>我的新段落</p>"), status=409)
    assert "已被他人修改" in stale.html.select_one("#item-errors").get_text()
    assert stale.html.select_one("#field-title")["value"] == "我基于第一版的修改"
    assert "我的新段落" in stale.html.select_one("#field-body").text
    dbsession.expire_all()
    assert dbsession.get(Item, item.id).title == "第二版标题" and dbsession.get(Item, item.id).version == 2


def test_the_edit_lock_and_its_takeover(testapp, editor, dbsession, make_user, other_client):
    item = create_item(testapp, dbsession)
    first_page = testapp.get(f"/admin/content/items/{item.id}")
    person(dbsession, make_user, "editor-zhao", ["editor"])
    second = other_client("editor-zhao")
    seen = second.get(f"/admin/content/items/{item.id}")
    banner = seen.html.select_one("#item-lock").get_text()
    assert "editor-wang正在编辑" in banner.replace(" ", "") and "接管编辑" in banner
    assert seen.html.select_one("fieldset.item-fields").has_attr("disabled")
    second.post(f"/admin/content/items/{item.id}/do/takeover", {"csrf_token": token_of(seen)}, status=302)
    assert json.loads(last_audit(dbsession, "content.item.takeover").summary)["from"] == editor.id

    refused = testapp.post(f"/admin/content/items/{item.id}", fields(first_page, title="被接管后的保存"), status=409)
    assert "editor-zhao 已于" in refused.html.select_one("#item-errors").get_text()
    assert refused.html.select_one("#field-title")["value"] == "被接管后的保存"
    dbsession.expire_all()
    assert dbsession.get(Item, item.id).title == "县政府召开常务会议"

    taken = second.get(f"/admin/content/items/{item.id}")
    second.post(f"/admin/content/items/{item.id}", fields(taken, title="接管者的修改"), status=302)
    second.post(f"/admin/content/items/{item.id}/do/unlock", {"csrf_token": token_of(taken)}, status=302)
    dbsession.expire_all()
    assert dbsession.get(Item, item.id).lock_user_id is None


def test_autosave_round_trip(testapp, editor, dbsession):
    item = create_item(testapp, dbsession)
    page = testapp.get(f"/admin/content/items/{item.id}")
    answer = testapp.post(f"/admin/content/items/{item.id}/autosave",
                          fields(page, title="尚未保存的标题", body="<p>草稿<script>x</script></p>")).json
    assert answer["ok"] is True and "已自动保存" in answer["message"]
    offered = testapp.get(f"/admin/content/items/{item.id}")
    link = offered.html.select_one("#autosave-offer a")
    assert link.get_text() == "恢复自动保存的内容"
    restored = testapp.get(link["href"])
    assert restored.html.select_one("#field-title")["value"] == "尚未保存的标题"
    assert "草稿" in restored.html.select_one("#field-body").text and "script" not in restored.html.select_one(
        "#field-body").text
    dbsession.expire_all()
    assert dbsession.get(Item, item.id).title == "县政府召开常务会议"  # not saved until the editor saves
    testapp.post(f"/admin/content/items/{item.id}", fields(restored), status=302)
    dbsession.expire_all()
    assert dbsession.get(Item, item.id).title == "尚未保存的标题"
    assert testapp.get(f"/admin/content/items/{item.id}").html.select_one("#autosave-offer") is None


def test_submit_into_review_then_three_reviewers_publish(testapp, editor, dbsession, make_user, other_client):
    # The reviewers exist before the submission: each step's tasks go to the role's holders of that moment.
    for login_name, role in (("resp-li", "responsible_editor"), ("chief-ma", "chief_editor"),
                             ("chief-sun", "editor_in_chief")):
        person(dbsession, make_user, login_name, [role])
    item = create_item(testapp, dbsession)
    page = testapp.get(f"/admin/content/items/{item.id}")
    testapp.post(f"/admin/content/items/{item.id}/do/submit", {"csrf_token": token_of(page)}, status=302)
    dbsession.expire_all()
    item = dbsession.get(Item, item.id)
    assert item.status == REVIEW and item.case_id is not None
    in_review = testapp.get(f"/admin/content/items/{item.id}")
    assert in_review.html.select_one(f"a[href='/admin/tasks/cases/{item.case_id}']") is not None
    assert in_review.html.select_one("fieldset.item-fields").has_attr("disabled")
    assert "审核中" in testapp.post(f"/admin/content/items/{item.id}", fields(in_review, title="改"), status=409).text
    # An editor may not publish.
    testapp.post(f"/admin/content/items/{item.id}/publishing/publish", {"csrf_token": token_of(page)}, status=403)

    chief = other_client("chief-sun")
    chief_page = chief.get(f"/admin/content/items/{item.id}")
    # In review the item is decided in its case, not published past it.
    assert chief_page.html.select_one("button[data-action='publish']") is None
    chief.post(f"/admin/content/items/{item.id}/publishing/publish", {"csrf_token": token_of(chief_page)}, status=302)
    dbsession.expire_all()
    assert dbsession.get(Item, item.id).status == REVIEW
    case_id = item.case_id
    for login_name in ("resp-li", "chief-ma", "chief-sun"):
        reviewer = other_client(login_name)
        case_page = reviewer.get(f"/admin/tasks/cases/{case_id}")
        form = case_page.forms["act-approve"]
        form["opinion"] = "同意"
        form.submit(status=302)
    dbsession.expire_all()
    item = dbsession.get(Item, item.id)
    assert item.status == PUBLISHED and item.published_at is not None
    assert dbsession.scalar(select(Placement.public).where(Placement.item_id == item.id, Placement.home.is_(True)))
    assert last_audit(dbsession, "content.item.publish").actor_login == "system"  # published by the approval


def test_an_item_under_disclosure_gets_an_index_number(testapp, editor, dbsession, platform):
    item = create_item(testapp, dbsession, slug="documents", theme="综合政务", doc_number="县政发〔2024〕1号")
    year = platform.clock.now().astimezone(platform.clock.tz).year
    assert re.fullmatch(rf"000014349-{year}-\d{{5}}", item.index_no)
    assert create_item(testapp, dbsession, slug="tourism-news").index_no == ""
    assert create_item(testapp, dbsession, slug="tourism-news", generate_index="1").index_no.startswith("000014349-")


def test_preview_shows_a_draft_marked_and_unindexed(testapp, editor, dbsession):
    item = create_item(testapp, dbsession)
    page = testapp.get(f"/admin/content/items/{item.id}/preview")
    assert "预览" in page.html.select_one("#preview-banner").get_text()
    assert page.html.select_one("meta[name=robots]")["content"].startswith("noindex")
    assert "三项" in page.html.select_one(".article-body").get_text()
    testapp.reset()
    testapp.get(f"/admin/content/items/{item.id}/preview", status=302)  # to the sign-in page


def test_a_scoped_editor_writes_only_in_its_subtree(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "editor-scoped", ["editor"],
                  scope=("column", column(dbsession, "disclosure").id))
    sign_in(testapp, login, user)
    page = testapp.get("/admin/content/items/new")
    paths = [o.text for o in page.html.select("#field-column_id option") if o.get("value")]
    assert paths and all(path.startswith("政务公开") for path in paths)
    values = fields(page, title="越权", column_id=str(column(dbsession, "geography").id))
    assert "请选择您可以编辑的栏目" in testapp.post("/admin/content/items/new", values, status=400).text


def test_saving_a_picture_without_a_description_warns_the_editor(testapp, editor, dbsession):
    picture = "/files/" + "ab" * 32 + "/photo.png"
    item = create_item(testapp, dbsession, body=f'<p>现场</p><img src="{picture}">')
    page = testapp.get(f"/admin/content/items/{item.id}")
    warning = page.html.select_one(".flash-warning")
    assert warning is not None and "1 张图片没有替代文字" in warning.get_text()
    page = testapp.post(f"/admin/content/items/{item.id}",
                        fields(page, body=f'<p>现场</p><img alt="会议现场" src="{picture}">')).follow()
    assert page.html.select_one(".flash-warning") is None
