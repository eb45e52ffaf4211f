"""Integrity seals through the web: sealed at the decision, shown to the public, checked by the 审计管理员.

Each test seals records the way staff make them final, then changes a sealed row with raw SQL, as
somebody with access to the database could, and finds it on /admin/integrity.
"""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
import webtest
from sqlalchemy import select, text

from adapters.db.orm import AuditRecord
from adapters.db.seals import SealRecord
from adapters.integrity import web as integrity_web
from adapters.testing.pytest_plugin import TEST_PASSWORD
from govcore.workflow.definition import ACTOR_PERSON, Actor, Definition, Step
from govcore.workflow.service import Workflows
from plugins.content.orm import Column, Item
from plugins.disclosure.desk import RequestDesk
from plugins.disclosure.domain import CITIZEN, DISCLOSE, Applicant
from tests.functional.signin import TOTP_SECRET, person, sign_in

NOW = dt.datetime(2026, 10, 9, 9, 0)


@pytest.fixture
def clock(stop_clock):
    return stop_clock(NOW)


@pytest.fixture
def auditor(wsgi_app, db_connection, dbsession, make_user, platform, clock):
    """A browser of its own for the 审计管理员, signed in once: staff act in ``testapp`` meanwhile."""
    browser = webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.9"})
    user = person(dbsession, make_user, "integrity-auditor", ["audit_admin"])
    response = browser.post("/login", {"login": user.login, "password": TEST_PASSWORD,
                                       "csrf_token": token_of(browser.get("/login"))}, status=302)
    page = browser.get(response.location)
    browser.post("/login/totp", {"code": pyotp.TOTP(TOTP_SECRET).at(platform.clock.now()), "csrf_token": token_of(page),
                                 "came_from": ""}, status=302)
    return browser


def token_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def seals(dbsession, kind: str, record_id) -> list[SealRecord]:
    dbsession.expire_all()
    return list(dbsession.scalars(select(SealRecord).where(SealRecord.kind == kind, SealRecord.record_id == str(record_id))
                                  .order_by(SealRecord.version)))


def tamper(dbsession, statement: str, **values) -> None:
    dbsession.execute(text(statement), values)
    dbsession.commit()


def findings(page) -> list[tuple[str, str, str]]:
    """(kind, record id, problem) of each row the page lists."""
    return [(row.select_one("code").get_text(), row.select_one(".integrity-record").get_text(),
             row["class"][-1].removeprefix("integrity-")) for row in page.html.select("tr.integrity-finding")]


def intact(page) -> bool:
    return "校验通过" in page.html.select_one("#integrity-result").get_text()


# -- workflow decisions ------------------------------------------------------------------------------

def decide(platform, user_id: int, action: str, opinion: str) -> int:
    """A one-step procedure, started and decided by ``user_id``; returns the case id."""
    definition = Definition("test.sealed", "盖章测试", (
        Step("check", "审核", actors=(Actor(ACTOR_PERSON, user_id=user_id),)),))
    with platform.unit_of_work() as uow:
        workflows = Workflows(platform, uow)
        workflows.save_definition(definition, author_id=user_id)
        case = workflows.start("test.sealed", subject_type="general", subject_id="1", title="采购打印机",
                               body="两台", initiator_id=user_id, org_unit_id=None)
        workflows.act(case.id, actor_id=user_id, action=action, expected_version=case.version, opinion=opinion)
        return case.id


def test_a_final_decision_is_sealed_and_a_changed_case_is_reported(platform, dbsession, make_user, auditor):
    clerk = person(dbsession, make_user, "integrity-clerk")
    case_id = decide(platform, clerk.id, "reject", "预算不足")
    [seal] = seals(dbsession, "workflow.case", case_id)
    assert (seal.version, seal.actor_id, seal.sealed_at) == (1, clerk.id, NOW.replace(tzinfo=platform.clock.tz))
    page = auditor.get("/admin/integrity")
    assert intact(page) and ("workflow.case", str(case_id), "altered") not in findings(page)

    tamper(dbsession, "UPDATE wf_case SET status = 'approved' WHERE id = :id", id=case_id)
    page = auditor.get("/admin/integrity")
    assert not intact(page) and findings(page) == [("workflow.case", str(case_id), "altered")]
    assert "1 条记录在盖章后被改动，0 条记录已消失" in page.html.select_one("#integrity-findings").get_text()
    record = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == "integrity.verify")
                               .order_by(AuditRecord.id.desc())).first()
    assert record.actor_login == "integrity-auditor" and '"altered":1' in record.summary


# -- 政务公开 items ------------------------------------------------------------------------------------

def item_form(page, **changes) -> dict:
    form = page.forms["item-form"]
    values = {name: field.value for name, field in form.field_order if field.value is not None
              and not name.endswith("_file") and name != "new_attachments"}
    return {**values, **changes}


def act_on_item(testapp, item_id: int, action: str) -> None:
    page = testapp.get(f"/admin/content/items/{item_id}")
    testapp.post(f"/admin/content/items/{item_id}/publishing/{action}", {"csrf_token": token_of(page)}, status=302)


def edit_item(testapp, item_id: int, **changes) -> None:
    page = testapp.get(f"/admin/content/items/{item_id}")
    testapp.post(f"/admin/content/items/{item_id}", item_form(page, **changes), status=302)


@pytest.fixture
def chief(testapp, dbsession, make_user, login, clock):
    """The 总编, who writes and publishes without review."""
    sign_in(testapp, login, person(dbsession, make_user, "integrity-chief", ["editor_in_chief"]))
    return testapp


def new_document(testapp, dbsession, slug: str = "documents", **changes) -> int:
    column_id = dbsession.scalar(select(Column.id).where(Column.slug == slug))
    page = testapp.get(f"/admin/content/items/new?column={column_id}&type=article")
    values = item_form(page, **{"title": "示例县秋冬季森林防火工作方案", "body": "<p>各乡镇要落实防火责任。</p>",
                                "theme": "综合政务", "doc_number": "县政办发〔2026〕9号",
                                "issuing_org": "示例县人民政府办公室", **changes})
    response = testapp.post("/admin/content/items/new", values, status=302)
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def public_fingerprint(wsgi_app, item_id: int) -> str | None:
    visitor = webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "192.0.2.1"})
    line = visitor.get(f"/item/{item_id}").html.select_one(".content-fingerprint code")
    return line.get_text() if line is not None else None


def test_publication_seals_a_disclosure_item_and_its_page_shows_the_fingerprint(chief, dbsession, wsgi_app, auditor):
    item_id = new_document(chief, dbsession)
    news_id = new_document(chief, dbsession, slug="tourism-news", title="红叶节开幕")
    assert seals(dbsession, "content.disclosure", item_id) == []  # a draft is not sealed
    act_on_item(chief, item_id, "publish")
    act_on_item(chief, news_id, "publish")
    [seal] = seals(dbsession, "content.disclosure", item_id)
    assert seal.version == 1 and seals(dbsession, "content.disclosure", news_id) == []  # news has no 索引号
    assert public_fingerprint(wsgi_app, item_id) == seal.hash
    assert public_fingerprint(wsgi_app, news_id) is None
    assert intact(auditor.get("/admin/integrity"))

    tamper(dbsession, "UPDATE content_item SET body = '<p>各乡镇可自行决定。</p>' WHERE id = :id", id=item_id)
    assert findings(auditor.get("/admin/integrity")) == [("content.disclosure", str(item_id), "altered")]
    # The public page still shows the fingerprint of what was published, which no longer matches.
    assert public_fingerprint(wsgi_app, item_id) == seal.hash


def test_edits_and_republication_are_new_versions_and_verify_clean(chief, dbsession, wsgi_app, auditor):
    item_id = new_document(chief, dbsession)
    act_on_item(chief, item_id, "publish")
    edit_item(chief, item_id, body="<p>各乡镇要落实防火责任，严禁野外用火。</p>")  # a published item edited in place
    act_on_item(chief, item_id, "unpublish")
    edit_item(chief, item_id, title="示例县秋冬季森林防火工作方案（修订）")
    act_on_item(chief, item_id, "publish")
    versions = seals(dbsession, "content.disclosure", item_id)
    assert [seal.version for seal in versions] == [1, 2, 3]
    assert public_fingerprint(wsgi_app, item_id) == versions[-1].hash
    assert dbsession.get(Item, item_id).title.endswith("（修订）")
    page = auditor.get("/admin/integrity")
    assert intact(page) and ("content.disclosure", str(item_id), "altered") not in findings(page)


# -- 依申请公开 replies -------------------------------------------------------------------------------

def test_a_reply_is_sealed_when_given_and_a_changed_reply_is_reported(testapp, login, platform, dbsession, make_user,
                                                                       auditor):
    desk = RequestDesk(dbsession, platform.clock, platform.calendar)
    row, _code = desk.file(Applicant(CITIZEN, name="张三", id_type="居民身份证", id_number="33010619900101123X",
                                     phone="13812345678"),
                           {"description": "森林防火工作方案", "doc_title": "", "doc_number": "", "purpose": "",
                            "delivery": "online"}, None)
    dbsession.commit()
    officer = person(dbsession, make_user, "integrity-officer", ["disclosure_officer"])
    sign_in(testapp, login, officer)
    page = testapp.get(f"/admin/disclosure/requests/{row.id}")
    testapp.post(f"/admin/disclosure/requests/{row.id}/do/reply", {
        "reply_type": DISCLOSE, "text": "您申请的信息已主动公开，见附件。", "csrf_token": token_of(page)}, status=302)
    [seal] = seals(dbsession, "disclosure.reply", row.id)
    assert (seal.version, seal.actor_id) == (1, officer.id)
    assert intact(auditor.get("/admin/integrity"))

    tamper(dbsession, "UPDATE disclosure_request SET reply_text = '不予公开' WHERE id = :id", id=row.id)
    assert findings(auditor.get("/admin/integrity")) == [("disclosure.reply", str(row.id), "altered")]


# -- the page itself ---------------------------------------------------------------------------------

def test_only_the_audit_administrator_sees_the_page(testapp, login, dbsession, make_user, auditor):
    sign_in(testapp, login, person(dbsession, make_user, "integrity-sysadmin", ["system_admin"]))
    testapp.get("/admin/integrity", status=403)
    page = auditor.get("/admin/integrity")
    menu = page.html.select_one("nav.admin-menu").get_text()
    assert "数据完整性校验" in menu
    assert page.html.select("main form") == []  # it changes nothing
    kinds = {row.select_one("code").get_text() for row in page.html.select("table.integrity-kinds tbody tr")}
    assert {"workflow.case", "content.disclosure", "disclosure.reply"} <= kinds


def test_findings_are_listed_a_page_at_a_time(platform, dbsession, make_user, auditor, monkeypatch):
    monkeypatch.setattr(integrity_web, "PAGE_SIZE", 1)
    clerk = person(dbsession, make_user, "integrity-clerk")
    first, second = decide(platform, clerk.id, "approve", "同意"), decide(platform, clerk.id, "reject", "不同意")
    tamper(dbsession, "UPDATE wf_case SET title = '改' WHERE id IN (:a, :b)", a=first, b=second)
    page = auditor.get("/admin/integrity")
    assert findings(page) == [("workflow.case", str(first), "altered")]
    page = auditor.get(page.html.select_one("a[rel=next]")["href"])
    assert findings(page) == [("workflow.case", str(second), "altered")]
    assert page.html.select_one("a[rel=next]") is None
    assert "第 2 / 2 页" in page.html.select_one("nav.audit-pager").get_text()
