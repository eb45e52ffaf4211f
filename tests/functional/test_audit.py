"""The audit trail on the web: automatic records of staff actions, the 审计管理员's page and export."""

import datetime as dt
import io
import json

import pyotp
import pytest
from openpyxl import load_workbook
from pyramid.config import Configurator
from pyramid.interfaces import ITweens
from pyramid.response import Response
from pyramid_retry import RetryableException
from sqlalchemy import func, select

from adapters.db.orm import AuditRecord, InboxMessage, User
from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token
from govcore.audit import AuditEntry, AuditLog, canonical_summary
from govcore.core_plugin import ACCOUNT_SELF, AUDIT_READ
from tests.functional.signin import page_form

AGENT = "Mozilla/5.0 (AuditTest) Firefox/128.0"
STAFF_ROLE = "department_admin"  # outside 三员分立, so signing in needs no second factor
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def last_id(dbsession) -> int:
    return dbsession.scalar(select(func.coalesce(func.max(AuditRecord.id), 0)))


def records_since(dbsession, start: int) -> list[AuditRecord]:
    dbsession.expire_all()
    return dbsession.scalars(select(AuditRecord).where(AuditRecord.id > start).order_by(AuditRecord.id)).all()


def add_records(platform, *entries: AuditEntry) -> None:
    with platform.unit_of_work() as uow:
        for entry in entries:
            uow.repository(AuditLog).append(entry)


def entry(login="someone", action="user.create", at=None, result="success", object_type="user", object_id="1",
          summary=None, user_agent=AGENT) -> AuditEntry:
    return AuditEntry(at or dt.datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI), 1, login, action, object_type,
                      object_id, canonical_summary(summary or {}), "192.0.2.7", user_agent, result)


@pytest.fixture
def message(dbsession, make_user, platform):
    """An unread inbox message of the signed-in clerk: marking it read is a staff action."""
    user = make_user("clerk", roles=[STAFF_ROLE])
    item = InboxMessage(recipient_id=user.id, subject="待办", body="请处理", created_at=platform.clock.now())
    dbsession.add(item)
    dbsession.commit()
    return item


# -- automatic records ---------------------------------------------------------------------------

def test_the_audit_tweens_wrap_the_transaction(wsgi_app):
    names = [name for name, _factory in wsgi_app.registry.queryUtility(ITweens).implicit()]
    outer, tm, inner = (names.index(n) for n in ("adapters.web.audit.audit_outer_tween_factory",
                                                 "pyramid_tm.tm_tween_factory",
                                                 "adapters.web.audit.audit_inner_tween_factory"))
    assert outer < tm < inner < names.index("pyramid.tweens.excview_tween_factory")


def test_a_staff_post_is_recorded_with_route_object_address_and_browser(testapp, dbsession, message, login):
    login("clerk")
    start = last_id(dbsession)
    testapp.post(f"/admin/inbox/{message.id}/read", {"csrf_token": csrf_token(testapp), "note": "x"},
                 headers={"User-Agent": AGENT}, extra_environ={"REMOTE_ADDR": "10.1.2.3"}, status=302)
    [record] = records_since(dbsession, start)
    assert (record.action, record.object_type, record.object_id) == ("admin.inbox_read", "inbox", str(message.id))
    assert (record.actor_login, record.result, record.ip, record.user_agent) == ("clerk", "success", "10.1.2.3", AGENT)
    assert json.loads(record.summary) == {"fields": ["note"], "status": 302}  # names only, no CSRF token


def test_a_forged_forwarded_for_header_does_not_change_the_address(testapp, dbsession, message, login):
    login("clerk")
    start = last_id(dbsession)
    testapp.post(f"/admin/inbox/{message.id}/read", {"csrf_token": csrf_token(testapp)},
                 headers={"X-Forwarded-For": "203.0.113.9"}, status=302)
    assert records_since(dbsession, start)[0].ip == "127.0.0.1"


def test_a_post_without_csrf_token_is_recorded_as_a_failure(testapp, dbsession, message, login):
    login("clerk")
    start = last_id(dbsession)
    testapp.post(f"/admin/inbox/{message.id}/read", {"password": "secret-value"}, status=400)
    [record] = records_since(dbsession, start)
    assert (record.action, record.actor_login, record.result) == ("admin.inbox_read", "clerk", "failure")
    assert json.loads(record.summary) == {"fields": ["password"], "status": 400}
    assert "secret-value" not in record.summary
    dbsession.refresh(message)
    assert message.read_at is None


def test_a_view_that_raises_leaves_a_failure_record(testapp, dbsession, message, login):
    login("clerk")
    start = last_id(dbsession)
    testapp.post("/admin/inbox/999999/read", {"csrf_token": csrf_token(testapp)}, status=404)
    [record] = records_since(dbsession, start)
    assert (record.action, record.object_id, record.result) == ("admin.inbox_read", "999999", "failure")
    assert json.loads(record.summary)["status"] == 404


def test_anonymous_posts_are_not_recorded_as_staff_actions(testapp, dbsession, message):
    start = last_id(dbsession)
    testapp.post(f"/admin/inbox/{message.id}/read", {"csrf_token": csrf_token(testapp)}, status=403)
    testapp.post("/admin/inbox/999999/read", status=403)
    assert records_since(dbsession, start) == []


def test_logging_out_is_recorded_for_the_user_who_was_signed_in(testapp, dbsession, message, login):
    login("clerk")
    start = last_id(dbsession)
    testapp.post("/logout", {"csrf_token": csrf_token(testapp)}, status=302)
    [record] = records_since(dbsession, start)
    assert (record.actor_login, record.result) == ("clerk", "success")


# -- views with records of their own, errors, denials and retries (a probe app) --------------------

def _explicit(request):
    request.audit("probe.rename", "thing", 7, summary={"title": "新标题"})
    return Response("ok")


def _explicit_then_crash(request):
    request.audit("probe.rename", "thing", 7, summary={"title": "新标题"})
    request.audit("probe.check", "thing", 7, result="denied")
    raise RuntimeError("boom")


def _crash(request):
    raise RuntimeError("boom")


def _retry_once(request):
    if request.environ["retry.attempt"] == 0:
        raise RetryableException()
    return Response("ok")


PROBES = {
    "explicit": (_explicit, ACCOUNT_SELF),
    "explicit_then_crash": (_explicit_then_crash, ACCOUNT_SELF),
    "crash": (_crash, ACCOUNT_SELF),
    "retry": (_retry_once, ACCOUNT_SELF),
    "audit_only": (_explicit, AUDIT_READ),
}
_probe_apps: dict = {}


@pytest.fixture
def probe(platform, db_connection):
    """The full app plus a few POST views that record, fail, crash or need a retry."""
    import webtest

    if id(platform) not in _probe_apps:
        settings = {**platform.settings, "tm.manager_hook": "pyramid_tm.explicit_manager", "retry.attempts": 3,
                    "pyramid.default_locale_name": "zh_CN"}
        with Configurator(settings=settings) as config:
            config.registry["platform"] = platform
            config.include("adapters.web.shell")
            platform.plugins.hook.govcore_configure_web(config=config)
            for name, (view, permission) in PROBES.items():
                config.add_route(f"probe.{name}", f"/probe/{name}")
                config.add_view(view, route_name=f"probe.{name}", request_method="POST", permission=permission)
        _probe_apps[id(platform)] = config.make_wsgi_app()
    app = webtest.TestApp(_probe_apps[id(platform)], extra_environ={"HTTP_HOST": "localhost",
                                                                    "REMOTE_ADDR": "127.0.0.1"})
    app.post("/login", {"login": "prober", "password": TEST_PASSWORD, "csrf_token": csrf_token(app)}, status=302)
    return app


@pytest.fixture
def prober(make_user):
    return make_user("prober", roles=[STAFF_ROLE])


def test_a_view_recording_its_own_audit_gets_no_duplicate(prober, probe, dbsession):
    start = last_id(dbsession)
    probe.post("/probe/explicit", {"csrf_token": csrf_token(probe), "title": "新标题"})
    [record] = records_since(dbsession, start)
    assert (record.action, record.object_type, record.object_id, record.result) == ("probe.rename", "thing", "7",
                                                                                    "success")


def test_records_of_a_rolled_back_view_are_kept_as_failures(prober, probe, dbsession):
    start = last_id(dbsession)
    probe.post("/probe/explicit_then_crash", {"csrf_token": csrf_token(probe)}, status=500)
    records = records_since(dbsession, start)
    assert [(r.action, r.result) for r in records] == [("probe.rename", "failure"), ("probe.check", "denied")]
    assert json.loads(records[0].summary) == {"title": "新标题"}


def test_a_crash_is_recorded_as_a_failure(prober, probe, dbsession):
    start = last_id(dbsession)
    probe.post("/probe/crash", {"csrf_token": csrf_token(probe)}, status=500)
    [record] = records_since(dbsession, start)
    assert (record.action, record.actor_login, record.result) == ("probe.crash", "prober", "failure")
    assert json.loads(record.summary)["status"] == 500


def test_a_denied_post_is_recorded_as_denied(prober, probe, dbsession):
    start = last_id(dbsession)
    probe.post("/probe/audit_only", {"csrf_token": csrf_token(probe)}, status=403)
    [record] = records_since(dbsession, start)
    assert (record.action, record.actor_login, record.result) == ("probe.audit_only", "prober", "denied")


def test_a_retried_request_is_recorded_once(prober, probe, dbsession):
    start = last_id(dbsession)
    probe.post("/probe/retry", {"csrf_token": csrf_token(probe)}, status=200)
    [record] = records_since(dbsession, start)
    assert (record.action, record.result) == ("probe.retry", "success")


# -- the audit page --------------------------------------------------------------------------------

def sign_in_administrator(testapp, dbsession, make_user, login_name: str, role: str) -> None:
    """Sign in one of the 三员, who always need a second factor: here, one already enrolled."""
    user = make_user(login_name, roles=[role])
    secret = pyotp.random_base32()
    dbsession.execute(User.__table__.update().where(User.id == user.id).values(totp_secret=secret,
                                                                                totp_enabled=True))
    dbsession.commit()
    testapp.post("/login", {"login": login_name, "password": TEST_PASSWORD, "csrf_token": csrf_token(testapp)},
                 status=302)
    form = page_form(testapp.get("/login/totp"))
    form["code"] = pyotp.TOTP(secret).now()
    form.submit(status=302)


@pytest.fixture
def auditor(testapp, dbsession, make_user):
    sign_in_administrator(testapp, dbsession, make_user, "auditor", "audit_admin")


def test_only_the_audit_administrator_reads_the_trail(testapp, dbsession, make_user):
    sign_in_administrator(testapp, dbsession, make_user, "sysadmin", "system_admin")
    testapp.get("/admin/audit", status=403)
    testapp.get("/admin/audit/export", status=403)
    assert "审计日志" not in testapp.get("/admin").html.select_one("nav.admin-menu").get_text()
    testapp.post("/logout", {"csrf_token": csrf_token(testapp)})
    sign_in_administrator(testapp, dbsession, make_user, "auditor", "audit_admin")
    page = testapp.get("/admin/audit", status=200)
    assert "审计日志" in page.html.select_one("nav.admin-menu").get_text()
    assert "180" in page.text  # the retention note
    # The page changes nothing: its only form is the GET search.
    assert [form.get("method") for form in page.html.select("main form")] == ["get"]


def test_rows_show_time_in_the_county_timezone_and_a_readable_summary(testapp, platform, auditor):
    at = dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.timezone.utc)  # 23:30 in Shanghai
    add_records(platform, entry(login="zhang", at=at, summary={"fields": ["title", "body"], "status": 302},
                                user_agent="A" * 120))
    row = testapp.get("/admin/audit", {"login": "zhang"}).html.select_one("tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells[1] == "2026-03-01 23:30:00"
    assert cells[2:5] == ["zhang", "user.create", "user 1"]
    assert "提交字段：title、body" in cells[5] and "状态码：302" in cells[5]
    assert cells[6] == "192.0.2.7"
    assert len(cells[7]) == 40 and row.find_all("td")[7]["title"] == "A" * 120
    assert cells[8] == "成功"


def test_filters_narrow_the_list(testapp, platform, auditor):
    day = dt.datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
    add_records(
        platform,
        entry(login="li", action="user.create", object_id="5", at=day),
        entry(login="li", action="user.disable", object_id="6", at=day + dt.timedelta(days=1), result="failure"),
        entry(login="wang", action="role.grant", object_type="role", object_id="5", at=day + dt.timedelta(days=2),
              result="denied"),
        # 23:59 on 3 March in the county is still 3 March, though 15:59 UTC.
        entry(login="wang", action="user.create", object_id="9", at=dt.datetime(2026, 3, 3, 23, 59, tzinfo=SHANGHAI)),
    )

    def ids(**params):
        rows = testapp.get("/admin/audit", params).html.select("tbody tr")
        return [(row.find_all("td")[2].get_text(strip=True), row.find_all("td")[4].get_text(" ", strip=True))
                for row in rows]

    assert ids(login="li") == [("li", "user 6"), ("li", "user 5")]
    assert ids(login="wang", action="user.") == [("wang", "user 9")]
    assert ids(action="role.grant") == [("wang", "role 5")]
    assert ids(object_type="user", object_id="5") == [("li", "user 5")]
    assert ids(result="failure", login="li") == [("li", "user 6")]
    assert ids(date_from="2026-03-03", date_to="2026-03-03") == [("wang", "user 9"), ("wang", "role 5")]
    assert ids(date_from="2026-03-02", date_to="2026-03-02") == [("li", "user 6")]
    assert ids(action="user_") == []  # "_" is no wildcard


def test_invalid_filters_are_explained_and_kept(testapp, auditor):
    page = testapp.get("/admin/audit", {"date_from": "2026-13-01", "date_to": "2026-01-01", "login": "li"},
                       status=400)
    assert "开始日期格式不正确" in page.text
    assert page.html.select_one("#audit-login")["value"] == "li"
    assert page.html.select_one("#audit-date-from")["value"] == "2026-13-01"
    page = testapp.get("/admin/audit", {"date_from": "2026-03-02", "date_to": "2026-03-01"}, status=400)
    assert "开始日期不能晚于结束日期" in page.text


def test_pages_go_by_id_newest_first(testapp, platform, auditor):
    add_records(platform, *(entry(login="pager", object_id=str(n)) for n in range(1, 56)))
    first = testapp.get("/admin/audit", {"login": "pager"})
    numbers = [row.find_all("td")[4].get_text(" ", strip=True) for row in first.html.select("tbody tr")]
    assert numbers[0] == "user 55" and numbers[-1] == "user 6" and len(numbers) == 50
    assert first.html.find("a", rel="prev") is None
    older = testapp.get(first.html.find("a", rel="next")["href"])
    assert [row.find_all("td")[4].get_text(" ", strip=True) for row in older.html.select("tbody tr")] == [
        "user 5", "user 4", "user 3", "user 2", "user 1"]
    assert older.html.find("a", rel="next") is None
    newer = testapp.get(older.html.find("a", rel="prev")["href"])
    assert len(newer.html.select("tbody tr")) == 50 and newer.html.find("a", rel="prev") is None


def test_export_is_an_xlsx_of_the_filtered_rows_and_is_itself_audited(testapp, platform, dbsession, auditor):
    add_records(
        platform,
        entry(login="zhao", object_id="1", summary={"fields": ["title"]}),
        entry(login="zhao", object_id="2", user_agent="=HYPERLINK(\"http://evil.example\")", result="failure"),
        entry(login="qian", object_id="3"),
    )
    start = last_id(dbsession)
    response = testapp.get("/admin/audit/export", {"login": "zhao"})
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.body))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("编号", "时间", "人员", "操作", "对象类型", "对象编号", "摘要", "IP 地址", "浏览器", "结果")
    assert [(r[2], r[5], r[9]) for r in rows[1:]] == [("zhao", "2", "失败"), ("zhao", "1", "成功")]
    assert rows[2][1] == dt.datetime(2026, 3, 1, 10, 0) and rows[2][6] == "提交字段：title"
    assert sheet["I2"].data_type == "s" and sheet["I2"].value.startswith("=HYPERLINK")  # never a formula
    about = dict(workbook.worksheets[1].iter_rows(values_only=True))
    assert about["导出人"] == "auditor" and about["记录条数"] == "2" and about["人员"] == "zhao"

    [record] = records_since(dbsession, start)
    assert (record.action, record.actor_login, record.result) == ("audit.export", "auditor", "success")
    assert json.loads(record.summary) == {"filters": {"login": "zhao"}, "rows": 2}
