"""A citizen's personal data: the download, the deletion request and how staff answer it.

Requests to the disclosure office give the citizen records in two kinds (the account and the
requests); one concluded long ago has outlived the five-year period, one concluded last week and
one still open must be kept, and the citizen is told until when.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from adapters.db.orm import AuditRecord, InboxMessage, User
from adapters.personal_data.orm import PersonalDataRequest
from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token
from govcore.clock import FixedClock
from govcore.core_plugin import PUBLIC_GROUP
from plugins.disclosure.desk import RequestDesk
from plugins.disclosure.domain import CITIZEN, DISCLOSE, Applicant, Reply
from plugins.disclosure.orm import DisclosureRequest
from tests.functional.signin import person, sign_in

NOW = dt.datetime(2026, 9, 24, 10, 0)  # Thursday before 中秋 and 国庆
DUE = dt.date(2026, 10, 22)  # 15 working days: 28–30 Sep, 8–10 Oct (Saturday 10 is worked), 12–22 Oct
ID_NUMBER, OTHER_ID_NUMBER = "33010619900101123X", "330106198502021234"


@pytest.fixture
def clock(stop_clock):
    return stop_clock(NOW)


def citizen(dbsession, make_user, login: str, email: str) -> User:
    user = person(dbsession, make_user, login, kind="citizen", groups=[PUBLIC_GROUP])
    user.display_name, user.email, user.mobile = f"公民{login[-4:]}", email, login
    dbsession.commit()
    return user


@pytest.fixture
def zhang(dbsession, make_user, clock):
    return citizen(dbsession, make_user, "13700001111", "zhang@example.com")


@pytest.fixture
def li(dbsession, make_user, clock):
    return citizen(dbsession, make_user, "13700002222", "li@example.com")


@pytest.fixture
def secadmin(dbsession, make_user, clock):
    return person(dbsession, make_user, "pd-secadmin", roles=("security_admin",))


def file_request(platform, dbsession, user: User, id_number: str, *, filed: dt.datetime,
                 replied: dt.datetime | None = None) -> DisclosureRequest:
    """A request of ``user`` filed (and answered) at the given moments, through the desk."""
    applicant = Applicant(CITIZEN, name=user.display_name, id_type="居民身份证", id_number=id_number,
                          phone=user.mobile, email=user.email, address="示例县人民路2号")
    values = {"description": f"{user.display_name}家宅基地审批材料", "doc_title": "", "doc_number": "",
              "purpose": "核对本人宅基地面积", "delivery": "email"}
    desk = RequestDesk(dbsession, FixedClock(filed), platform.calendar)
    row, _code = desk.file(applicant, values, user.id)
    if replied is not None:
        RequestDesk(dbsession, FixedClock(replied), platform.calendar).reply(
            row, user.id, Reply(DISCLOSE, "", "", "予以公开，详见附件。"), None)
    dbsession.commit()
    return row


@pytest.fixture
def zhang_requests(platform, dbsession, zhang):
    """Concluded in 2020 (period over), concluded last week (kept until 2031), and still open."""
    return (file_request(platform, dbsession, zhang, ID_NUMBER, filed=dt.datetime(2020, 3, 2, 9),
                         replied=dt.datetime(2020, 3, 20, 16)),
            file_request(platform, dbsession, zhang, ID_NUMBER, filed=dt.datetime(2026, 9, 1, 9),
                         replied=dt.datetime(2026, 9, 17, 16)),
            file_request(platform, dbsession, zhang, ID_NUMBER, filed=dt.datetime(2026, 9, 22, 9)))


def token_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def file_deletion(testapp, password=TEST_PASSWORD, **fields):
    page = testapp.get("/account/personal-data")
    return testapp.post("/account/personal-data/deletion",
                        {"csrf_token": token_of(page), "password": password, "confirm": "1", **fields},
                        expect_errors=True)


def audit_actions(dbsession, actor_id: int) -> list[str]:
    return list(dbsession.scalars(select(AuditRecord.action).where(AuditRecord.actor_id == actor_id)
                                  .order_by(AuditRecord.id)))


def test_the_download_holds_the_citizens_data_and_nobody_elses(testapp, login, dbsession, platform, zhang, li,
                                                                 zhang_requests):
    theirs = file_request(platform, dbsession, li, OTHER_ID_NUMBER, filed=dt.datetime(2026, 9, 2, 9))
    sign_in(testapp, login, zhang)
    assert 'href="/account/personal-data"' in testapp.get("/").text  # the site header leads there
    page = testapp.get("/account/personal-data")
    assert "我的个人信息" in page.text and "政府信息公开申请" in page.text and "结束后 1825 天" in page.text
    assert 'data-kind="disclosure.requests"' in page.text
    response = testapp.post("/account/personal-data/download", {"csrf_token": token_of(page)})

    assert response.content_type == "application/json" and response.charset == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "个人信息-2026-09-24.json" in unquote(disposition)
    assert "no-store" in response.headers["Cache-Control"]
    assert "个人信息".encode() in response.body  # readable UTF-8, not \u escapes
    document = json.loads(response.body.decode("utf-8"))
    parts = {part["类别代码"]: part for part in document["个人信息"]}
    [profile] = parts["core.account"]["记录"]
    assert profile["登录名"] == "13700001111" and profile["电子邮箱"] == "zhang@example.com"
    assert profile["用户组"] == ["公众"] and profile["近期登录记录"][0]["事件"] == "登录成功"
    requests = parts["disclosure.requests"]["记录"]
    assert [r["申请编号"] for r in requests] == [row.tracking_no for row in zhang_requests]
    assert requests[0]["证件号码"] == ID_NUMBER and requests[0]["办结日期"] == "2020-03-20"
    assert parts["disclosure.requests"]["保存期限（天）"] == 1825
    assert theirs.tracking_no not in response.text and OTHER_ID_NUMBER not in response.text
    assert "li@example.com" not in response.text
    record = dbsession.scalar(select(AuditRecord).where(AuditRecord.action == "personal_data.export"))
    assert record.actor_id == zhang.id and json.loads(record.summary) == {
        "records": {"core.account": 1, "disclosure.requests": 3}}
    assert ID_NUMBER not in record.summary


def test_deletion_anonymises_what_may_go_and_tells_what_is_kept(testapp, login, dbsession, platform, mail, zhang,
                                                                zhang_requests, secadmin):
    old, recent, open_request = zhang_requests
    sign_in(testapp, login, zhang)
    page = testapp.get("/account/personal-data")
    # Before filing, the citizen already sees what the law keeps, and until when.
    assert f"申请 {recent.tracking_no}：依《政府信息公开条例》及档案管理规定，申请材料保存至 2031-09-16" in page.text
    assert f"申请 {open_request.tracking_no} 尚在办理中" in page.text and old.tracking_no not in page.text
    assert "审计日志中您的登录和操作记录" in page.text

    refused = file_deletion(testapp, password="wrong")
    assert refused.status_int == 400 and "密码不正确" in refused.text
    assert file_deletion(testapp, confirm="").status_int == 400
    assert file_deletion(testapp, note="账户不再使用").status_int == 302
    page = testapp.get("/account/personal-data")
    assert 'id="deletion-status">待办理<' in page.text and f'id="deletion-due">{DUE.isoformat()}<' in page.text
    assert 'id="deletion-form"' not in page.text  # one request at a time
    request_row = dbsession.scalar(select(PersonalDataRequest).where(PersonalDataRequest.user_id == zhang.id))
    assert request_row.due_on == DUE and request_row.note == "账户不再使用"

    testapp.reset()
    sign_in(testapp, login, secadmin)
    assert 'id="widget-erasure-pending">1<' in testapp.get("/admin").text
    listing = testapp.get("/admin/personal-data/requests")
    assert f'data-id="{request_row.id}"' in listing.text and "137****1111" in listing.text
    assert "13700001111" not in listing.text
    detail = testapp.get(f"/admin/personal-data/requests/{request_row.id}")
    assert "保存至 2031-09-16" in detail.text and "账户不再使用" in detail.text
    assert dbsession.get(DisclosureRequest, old.id).name == zhang.display_name  # the preview changed nothing
    done = testapp.post(f"/admin/personal-data/requests/{request_row.id}/execute", {"csrf_token": token_of(detail)})
    assert done.status_int == 302

    dbsession.expire_all()
    account = dbsession.get(User, zhang.id)
    assert account.display_name == "已注销用户" and account.login.startswith("erased-")
    assert (account.email, account.mobile, account.totp_secret, account.is_active) == (None, None, None, False)
    assert account.groups == [] and not platform.extras["passwords"].verify(account.password_hash, TEST_PASSWORD)
    erased = dbsession.get(DisclosureRequest, old.id)
    assert (erased.name, erased.id_number, erased.phone, erased.description, erased.applicant_user_id) == (
        "", "", "", "", None)
    assert erased.personal_erased_at is not None and erased.applicant_type == CITIZEN
    for kept in (recent, open_request):
        row = dbsession.get(DisclosureRequest, kept.id)
        assert row.id_number == ID_NUMBER and row.personal_erased_at is None
    request_row = dbsession.get(PersonalDataRequest, request_row.id)
    assert request_row.status == "done" and request_row.handled_by == secadmin.id
    assert [entry["kind"] for entry in request_row.outcome] == ["disclosure.requests", "core.account"]
    # The answer went to the address the citizen had, with what was kept and why.
    [message] = mail.sent
    assert message.to == ("zhang@example.com",) and "保存至 2031-09-16" in message.body
    assert open_request.tracking_no in message.body and "审计日志" in message.body
    assert "personal_data.request.execute" in audit_actions(dbsession, secadmin.id)
    assert "login" in audit_actions(dbsession, zhang.id)  # the trail keeps the old sign-ins

    testapp.reset()
    response = testapp.post("/login", {"login": "13700001111", "password": TEST_PASSWORD,
                                       "csrf_token": csrf_token(testapp)}, expect_errors=True)
    assert response.status_int == 400 and "用户名或密码不正确" in response.text


def test_a_rejected_request_leaves_the_account_and_tells_why(testapp, login, dbsession, mail, zhang, zhang_requests,
                                                              secadmin):
    sign_in(testapp, login, zhang)
    assert file_deletion(testapp).status_int == 302
    request_row = dbsession.scalar(select(PersonalDataRequest).where(PersonalDataRequest.user_id == zhang.id))
    testapp.reset()
    sign_in(testapp, login, secadmin)
    detail = testapp.get(f"/admin/personal-data/requests/{request_row.id}")
    url = f"/admin/personal-data/requests/{request_row.id}/reject"
    missing = testapp.post(url, {"csrf_token": token_of(detail), "reason": " "}, expect_errors=True)
    assert missing.status_int == 400 and "请填写不予删除的理由" in missing.text
    reason = "您的账户关联的行政复议案件尚未审结，相关信息需保存至案件审结。"
    assert testapp.post(url, {"csrf_token": token_of(detail), "reason": reason}).status_int == 302
    again = testapp.post(f"/admin/personal-data/requests/{request_row.id}/execute", {"csrf_token": token_of(detail)},
                         expect_errors=True)
    assert again.status_int == 400 and "该申请已办理" in again.text

    dbsession.expire_all()
    assert dbsession.get(User, zhang.id).is_active and dbsession.get(User, zhang.id).email == "zhang@example.com"
    inbox = dbsession.scalar(select(InboxMessage).where(InboxMessage.recipient_id == zhang.id))
    assert "未予删除" in inbox.subject and reason in inbox.body
    assert mail.sent[0].to == ("zhang@example.com",)
    assert "personal_data.request.reject" in audit_actions(dbsession, secadmin.id)
    testapp.reset()
    sign_in(testapp, login, zhang)
    page = testapp.get("/account/personal-data")
    assert 'id="deletion-status">未予删除<' in page.text and reason in page.text
    assert 'id="deletion-form"' in page.text  # may ask again


def test_only_holders_of_the_permission_reach_the_staff_pages(testapp, login, dbsession, make_user, zhang, secadmin):
    sign_in(testapp, login, zhang)
    assert testapp.get("/admin/personal-data/requests", expect_errors=True).status_int == 403
    testapp.reset()
    editor = person(dbsession, make_user, "pd-editor", roles=("editor",))
    sign_in(testapp, login, editor)
    assert testapp.get("/admin/personal-data/requests", expect_errors=True).status_int == 403
    page = testapp.get("/account/personal-data")
    assert "工作人员账户不能在此申请删除" in page.text and 'id="deletion-form"' not in page.text
    refused = testapp.post("/account/personal-data/deletion", {"csrf_token": token_of(page), "confirm": "1",
                                                                "password": TEST_PASSWORD}, expect_errors=True)
    assert refused.status_int == 400 and not dbsession.scalar(select(PersonalDataRequest))
    testapp.reset()
    sign_in(testapp, login, secadmin)
    listing = testapp.get("/admin/personal-data/requests")
    assert listing.status_int == 200 and "个人信息删除申请" in testapp.get("/admin").text
    testapp.reset()
    assert "/login" in testapp.get("/account/personal-data").location
