"""依申请公开 through the web: filing, tracking, the officer's actions, statistics and masking."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from adapters.db.orm import AuditRecord
from adapters.testing.pytest_plugin import csrf_token
from govcore.clock import FixedClock
from plugins.disclosure.desk import RequestDesk, code_hash
from plugins.disclosure.domain import (ABANDONED, CITIZEN, DISCLOSE, NOT_HELD, ORGANISATION, PARTIAL, WITHHOLD,
                                       Applicant, Reply)
from plugins.disclosure.orm import DisclosureEvent, DisclosureRequest
from tests.functional.signin import person

# Thursday before 中秋 (25–27 September) and 国庆 (1–7 October; Saturday 10 October is a working day).
FILED = dt.datetime(2026, 9, 24, 10, 0)
DUE = dt.date(2026, 10, 29)  # 20 working days: 28–30 Sep, 8–10 Oct, then 12–29 Oct
DUE_EXTENDED = dt.date(2026, 11, 26)  # 20 more working days
ID_NUMBER = "33010619900101123X"
PHONE = "13812345678"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def clock(stop_clock):
    return stop_clock(FILED)


@pytest.fixture
def officer(dbsession, make_user, clock):
    return person(dbsession, make_user, "ysq-officer", roles=("disclosure_officer",))


@pytest.fixture
def viewer(dbsession, make_user, clock):
    """Someone who may see requests but not handle them (a role made for the test)."""
    from adapters.db.orm import Role

    role = Role(name="ysq_viewer", title="查看", description="", permissions=["admin.access",
                "disclosure.requests.view"], seeded_permissions=[], builtin=False)
    dbsession.add(role)
    dbsession.commit()
    return person(dbsession, make_user, "ysq-viewer", roles=("ysq_viewer",))


def form(**changes) -> dict:
    values = {"applicant_type": "citizen", "name": "张三", "id_type": "居民身份证", "id_number": ID_NUMBER,
              "phone": PHONE, "email": "zhangsan@example.com", "address": "示例县人民路2号", "postcode": "",
              "description": "2026年示例县城区道路改造工程的立项批复文件", "doc_title": "", "doc_number": "",
              "purpose": "", "delivery": "email", "agree": "1"}
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def file_request(testapp, **changes):
    """File through the form; returns (tracking number, query code) from the receipt page."""
    response = testapp.post("/disclosure/requests/apply", {**form(**changes), "csrf_token": csrf_token(testapp)})
    assert response.status_int == 302, response.text
    assert response.location.endswith("/disclosure/requests/receipt")
    receipt = testapp.get(response.location)
    number = re.search(r'id="tracking-no">(YSQ-\d{4}-\d{6})<', receipt.text).group(1)
    code = re.search(r'id="query-code"><code>([A-Z0-9]+)</code>', receipt.text).group(1)
    return number, code, receipt


def row_of(dbsession, number) -> DisclosureRequest:
    dbsession.expire_all()
    return dbsession.scalar(select(DisclosureRequest).where(DisclosureRequest.tracking_no == number))


def act(testapp, row_id, action, **fields):
    page = testapp.get(f"/admin/disclosure/requests/{row_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    upload = fields.pop("upload", None)
    return testapp.post(f"/admin/disclosure/requests/{row_id}/do/{action}", {**fields, "csrf_token": token},
                        upload_files=[upload] if upload else None, expect_errors=True)


def test_a_request_gets_its_number_and_code_once_saved(testapp, dbsession, clock, mail, fresh_rate_limits):
    page = testapp.get("/disclosure/requests/apply")
    assert "政府信息公开申请" in page.text and 'name="agree"' in page.text
    number, code, receipt = file_request(testapp)
    assert re.fullmatch(r"YSQ-2026-\d{6}", number)
    row = row_of(dbsession, number)
    assert row.status == "received" and row.filed_on == dt.date(2026, 9, 24) and row.due_on == DUE
    assert row.code_hash == code_hash(row.code_salt, code) and code not in row.code_hash
    assert DUE.isoformat() in receipt.text and "国庆节" in receipt.text and "中秋节" in receipt.text
    # The receipt is shown once; the e-mail went out after the commit, with the number and the code.
    assert testapp.get("/disclosure/requests/receipt").status_int == 302
    assert [message.to for message in mail.sent] == [("zhangsan@example.com",)]
    assert number in mail.sent[0].body and code in mail.sent[0].body
    record = dbsession.scalar(select(AuditRecord).where(AuditRecord.action == "disclosure.request.file"))
    assert number in record.summary and ID_NUMBER not in record.summary and PHONE not in record.summary
    events = dbsession.scalars(select(DisclosureEvent.action).where(DisclosureEvent.request_id == row.id)).all()
    assert events == ["filed"]


def test_numbers_count_up_within_the_year(testapp, dbsession, clock, fresh_rate_limits):
    first, _code, _page = file_request(testapp)
    second, _code, _page = file_request(testapp, name="李四")
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_mistakes_are_explained_in_chinese_and_keep_what_was_typed(testapp, dbsession, clock, fresh_rate_limits):
    before = dbsession.scalar(select(func.count()).select_from(DisclosureRequest))
    response = testapp.post("/disclosure/requests/apply", {
        **form(id_number="330106199001011230", description="", agree=None, phone="12345"),
        "csrf_token": csrf_token(testapp)}, status=400)
    text = response.text
    assert "居民身份证号码校验位不正确" in text
    assert "请描述所需政府信息的内容" in text
    assert "请填写有效的手机号码或带区号的固定电话" in text
    assert "请阅读并确认申请须知" in text
    assert 'value="张三"' in text and 'value="330106199001011230"' in text and "zhangsan@example.com" in text
    assert dbsession.scalar(select(func.count()).select_from(DisclosureRequest)) == before


def test_an_organisation_needs_a_valid_credit_code_and_a_delivery_address(testapp, clock, fresh_rate_limits):
    response = testapp.post("/disclosure/requests/apply", {
        **form(applicant_type="organisation", name="", id_number="", org_name="示例科技有限公司",
               credit_code="91350100M000100Y44", legal_rep="王五", contact_name="赵六", delivery="post",
               address=""),
        "csrf_token": csrf_token(testapp)}, status=400)
    assert "统一社会信用代码校验位不正确" in response.text
    assert "选择邮寄时，请填写通信地址" in response.text
    assert 'value="示例科技有限公司"' in response.text


def test_tracking_needs_the_right_code_and_says_the_same_for_any_mistake(testapp, clock, fresh_rate_limits):
    number, code, _receipt = file_request(testapp)
    testapp.reset()  # another browser: nothing is known about this request
    assert testapp.get(f"/disclosure/requests/status/{number}", expect_errors=True).status_int == 404
    token = csrf_token(testapp)
    wrong = testapp.post("/disclosure/requests/track", {"tracking_no": number, "code": "WRONGCODE2",
                                                        "csrf_token": token}, status=400)
    unknown = testapp.post("/disclosure/requests/track", {"tracking_no": "YSQ-2026-999999", "code": code,
                                                          "csrf_token": token}, status=400)
    message = "申请编号或查询码不正确，请核对后重新输入"
    assert message in wrong.text and message in unknown.text
    found = testapp.post("/disclosure/requests/track", {"tracking_no": number.lower(), "code": code.lower(),
                                                        "csrf_token": token}, status=302)
    status = testapp.get(found.location)
    assert number in status.text and "已收到" in status.text and DUE.isoformat() in status.text


def test_tracking_is_rate_limited(testapp, clock, fresh_rate_limits):
    token = csrf_token(testapp)
    statuses = [testapp.post("/disclosure/requests/track", {"tracking_no": "YSQ-2026-000001", "code": "X",
                                                           "csrf_token": token}, expect_errors=True).status_int
                for _ in range(21)]
    assert statuses[:20] == [400] * 20 and statuses[20] == 429


def test_the_deadline_is_extended_once_with_a_reason(testapp, login, dbsession, clock, officer, mail,
                                                     fresh_rate_limits):
    number, _code, _receipt = file_request(testapp)
    row = row_of(dbsession, number)
    testapp.reset()
    login(officer.login)
    assert act(testapp, row.id, "accept").status_int == 302
    refused = act(testapp, row.id, "extend", days="20", reason="  ")
    assert refused.status_int == 400 and "请填写延期理由" in refused.text
    too_long = act(testapp, row.id, "extend", days="21", reason="需要调取档案")
    assert too_long.status_int == 400 and "延长的期限应为 1 至 20 个工作日" in too_long.text
    mail.sent.clear()
    assert act(testapp, row.id, "extend", days="20", reason="需要调取2019年以前的纸质档案").status_int == 302
    row = row_of(dbsession, number)
    assert row.extension_days == 20 and row.due_on == DUE_EXTENDED and row.extended_by == officer.id
    assert "需要调取2019年以前的纸质档案" in mail.sent[0].body and DUE_EXTENDED.isoformat() in mail.sent[0].body
    again = act(testapp, row.id, "extend", days="5", reason="再延一次")
    assert again.status_int == 400 and "答复期限只能延长一次" in again.text
    assert row_of(dbsession, number).due_on == DUE_EXTENDED
    detail = testapp.get(f"/admin/disclosure/requests/{row.id}")
    assert "需要调取2019年以前的纸质档案" in detail.text and 'id="extension-used"' in detail.text
    assert 'data-action="extended"' in detail.text
    records = dbsession.scalars(select(AuditRecord.action).where(AuditRecord.object_id == str(row.id),
                                                                 AuditRecord.result == "success")).all()
    assert "disclosure.request.extend" in records and "disclosure.request.accept" in records


def test_a_reply_with_a_file_reaches_the_applicant(testapp, login, dbsession, clock, officer, mail,
                                                   fresh_rate_limits):
    number, code, _receipt = file_request(testapp)
    row = row_of(dbsession, number)
    testapp.reset()
    login(officer.login)
    no_ground = act(testapp, row.id, "reply", reply_type=WITHHOLD, ground="", text="不予公开")
    assert no_ground.status_int == 400 and "请选择依据或理由" in no_ground.text
    disguised = act(testapp, row.id, "reply", reply_type=DISCLOSE, text="见附件",
                    upload=("attachment", "批复.pdf", b"MZ\x90\x00 not a pdf"))
    assert disguised.status_int == 400 and "附件只能是" in disguised.text
    assert 'value="disclose" selected' in disguised.text or "见附件" in disguised.text
    done = act(testapp, row.id, "reply", reply_type=DISCLOSE, text="您申请的批复文件见附件。",
               upload=("attachment", "立项批复.pdf", PDF))
    assert done.status_int == 302, done.text
    row = row_of(dbsession, number)
    assert (row.status, row.outcome, row.concluded_on) == ("replied", DISCLOSE, dt.date(2026, 9, 24))
    assert row.reply_media_type == "application/pdf" and row.reply_filename == "立项批复.pdf"
    assert any("已答复" in message.subject for message in mail.sent)
    # The applicant sees the reply and downloads the file.
    testapp.reset()
    token = csrf_token(testapp)
    status = testapp.get(testapp.post("/disclosure/requests/track", {"tracking_no": number, "code": code,
                                                                     "csrf_token": token}).location)
    assert "予以公开" in status.text and "您申请的批复文件见附件。" in status.text
    download = testapp.get(f"/disclosure/requests/status/{number}/reply-file")
    assert download.body == PDF and download.content_type == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    # Closing ends it; nothing more can be done.
    testapp.reset()
    login(officer.login)
    assert act(testapp, row.id, "close").status_int == 302
    assert row_of(dbsession, number).status == "closed"
    assert act(testapp, row.id, "extend", days="5", reason="太晚了").status_int == 400


def test_not_held_names_the_competent_authority(testapp, login, dbsession, clock, officer, fresh_rate_limits):
    number, _code, _receipt = file_request(testapp)
    row = row_of(dbsession, number)
    testapp.reset()
    login(officer.login)
    missing = act(testapp, row.id, "reply", reply_type=NOT_HELD, text="不属于本机关")
    assert missing.status_int == 400 and "负责公开该信息的行政机关" in missing.text
    assert act(testapp, row.id, "reply", reply_type=NOT_HELD, authority="示例县自然资源局 0000-1234567",
               text="该信息由示例县自然资源局负责公开。").status_int == 302
    assert row_of(dbsession, number).reply_authority == "示例县自然资源局 0000-1234567"


def test_a_clarification_stops_the_clock_and_restarts_it(testapp, login, dbsession, clock, officer,
                                                         fresh_rate_limits):
    number, code, _receipt = file_request(testapp)
    row = row_of(dbsession, number)
    applicant_cookies = dict(testapp.cookies)
    testapp.reset()
    login(officer.login)
    assert act(testapp, row.id, "clarify", note="请说明所需文件的年份").status_int == 302
    row = row_of(dbsession, number)
    assert row.status == "clarification" and row.due_on is None
    clock.set(dt.datetime(2026, 10, 12, 9, 0))  # a Monday
    testapp.reset()
    for name, value in applicant_cookies.items():
        testapp.set_cookie(name, value)
    status = testapp.get(f"/disclosure/requests/status/{number}")
    assert "请说明所需文件的年份" in status.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', status.text).group(1)
    empty = testapp.post(f"/disclosure/requests/status/{number}/clarify", {"text": "", "csrf_token": token},
                         status=400)
    assert "请填写补正内容" in empty.text
    testapp.post(f"/disclosure/requests/status/{number}/clarify", {"text": "2025年的批复", "csrf_token": token},
                 status=302)
    row = row_of(dbsession, number)
    assert row.status == "processing" and row.clock_start == dt.date(2026, 10, 12)
    assert row.due_on == dt.date(2026, 11, 9)  # 20 working days after 12 October


def test_lists_mask_personal_data_and_only_officers_see_it_whole_on_request(testapp, login, dbsession, clock, officer,
                                                                            viewer, fresh_rate_limits):
    number, _code, _receipt = file_request(testapp)
    row = row_of(dbsession, number)
    testapp.reset()
    login(viewer.login)
    listing = testapp.get("/admin/disclosure/requests")
    assert number in listing.text and "3301**********123X" in listing.text and "138****5678" in listing.text
    assert ID_NUMBER not in listing.text and PHONE not in listing.text
    detail = testapp.get(f"/admin/disclosure/requests/{row.id}")
    assert ID_NUMBER not in detail.text and "3301**********123X" in detail.text
    assert 'id="act-extend"' not in detail.text and 'id="full-view"' not in detail.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', detail.text).group(1)
    assert testapp.post(f"/admin/disclosure/requests/{row.id}/do/accept", {"csrf_token": token},
                        expect_errors=True).status_int == 403
    testapp.reset()
    login(officer.login)
    detail = testapp.get(f"/admin/disclosure/requests/{row.id}")
    assert ID_NUMBER not in detail.text and PHONE not in detail.text
    full = detail.forms["full-view"].submit()
    assert ID_NUMBER in full.text and PHONE in full.text


def test_staff_pages_are_closed_to_others(testapp, login, dbsession, make_user, clock):
    assert testapp.get("/admin/disclosure/requests", expect_errors=True).status_int in (302, 403)
    editor = person(dbsession, make_user, "ysq-editor", roles=("editor",))
    login(editor.login)
    for path in ("/admin/disclosure/requests", "/admin/disclosure/statistics", "/admin/disclosure/statistics.xlsx"):
        assert testapp.get(path, expect_errors=True).status_int == 403


def test_the_list_filters_overdue_requests(testapp, login, dbsession, clock, officer, fresh_rate_limits):
    number, _code, _receipt = file_request(testapp)
    clock.set(dt.datetime(2026, 10, 30, 9, 0))
    late, _code, _receipt = file_request(testapp, name="李四")
    testapp.reset()
    login(officer.login)
    overdue = testapp.get("/admin/disclosure/requests", {"overdue": "1"})
    assert number in overdue.text and late not in overdue.text and "已超期" in overdue.text


def seed(dbsession, platform, when: dt.date, applicant_type=CITIZEN, outcome=None, ground="", concluded=None):
    """A request filed on ``when`` and concluded on ``concluded`` with ``outcome``, through the desk."""
    platform.clock = FixedClock(dt.datetime.combine(when, dt.time(10)))
    desk = RequestDesk(dbsession, platform.clock, platform.calendar)
    applicant = (Applicant(CITIZEN, name="甲", id_type="居民身份证", id_number=ID_NUMBER, phone=PHONE)
                 if applicant_type == CITIZEN else
                 Applicant(ORGANISATION, org_name="乙公司", credit_code="91350100M000100Y43", legal_rep="丙",
                           contact_name="丁", phone=PHONE))
    row, _code = desk.file(applicant, {"description": "某信息", "doc_title": "", "doc_number": "", "purpose": "",
                                       "delivery": "online"}, None)
    if outcome is not None:
        platform.clock = FixedClock(dt.datetime.combine(concluded, dt.time(10)))
        desk = RequestDesk(dbsession, platform.clock, platform.calendar)
        if outcome == ABANDONED:
            desk.ask_clarification(row, None, "请补正")
            desk.close(row, None)
        else:
            desk.reply(row, None, Reply(outcome, ground, "", "答复"), None)
    dbsession.flush()
    return row


def test_the_annual_statistics_balance(testapp, login, dbsession, platform, monkeypatch, officer):
    monkeypatch.setattr(platform, "clock", platform.clock)
    seed(dbsession, platform, dt.date(2025, 12, 20))  # carried into 2026, still open
    seed(dbsession, platform, dt.date(2025, 12, 22), ORGANISATION, DISCLOSE, concluded=dt.date(2026, 1, 8))
    seed(dbsession, platform, dt.date(2025, 3, 1), CITIZEN, DISCLOSE, concluded=dt.date(2025, 3, 20))  # not 2026
    seed(dbsession, platform, dt.date(2026, 3, 2), CITIZEN, PARTIAL, concluded=dt.date(2026, 3, 20))
    seed(dbsession, platform, dt.date(2026, 4, 1), CITIZEN, WITHHOLD, "third_party", concluded=dt.date(2026, 4, 20))
    seed(dbsession, platform, dt.date(2026, 5, 6), ORGANISATION, NOT_HELD, concluded=dt.date(2026, 5, 20))
    seed(dbsession, platform, dt.date(2026, 6, 1), CITIZEN, ABANDONED, concluded=dt.date(2026, 6, 30))
    seed(dbsession, platform, dt.date(2026, 12, 28), ORGANISATION)  # carried into 2027
    dbsession.commit()
    platform.clock = FixedClock(dt.datetime(2026, 12, 30, 10))
    login(officer.login)
    page = testapp.get("/admin/disclosure/statistics", {"year": "2026"})

    def cells(key):
        row = re.search(rf'data-row="{re.escape(key)}"[^>]*>(.*?)</tr>', page.text, re.S).group(1)
        return [int(n) for n in re.findall(r'data-column="\w+">(\d+)<', row)]

    assert cells("new") == [3, 2, 5]
    assert cells("carried_in") == [1, 1, 2]
    assert cells("partial") == [1, 0, 1]
    assert cells("withhold.third_party") == [1, 0, 1] and cells("withhold") == [1, 0, 1]
    assert cells("unavailable.not_held") == [0, 1, 1]
    assert cells("other.abandoned") == [1, 0, 1]
    assert cells("disclose") == [0, 1, 1]
    assert cells("total") == [3, 2, 5]
    assert cells("carried_out") == [1, 1, 2]
    assert cells("new")[2] + cells("carried_in")[2] == cells("total")[2] + cells("carried_out")[2]

    workbook = testapp.get("/admin/disclosure/statistics.xlsx", {"year": "2026"})
    assert workbook.content_type.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.body)).active
    rows = {str(r[0]).strip("　"): r[1:] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["（七）总计"] == (3, 2, 5)
    assert rows["四、结转下年度继续办理"] == (1, 1, 2)
