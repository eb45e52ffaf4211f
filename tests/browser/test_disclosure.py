"""依申请公开 in a real browser: a citizen files a request, the 信息公开专员 accepts it, extends the
deadline once with a reason and replies with a file; the citizen follows it by number and code.

The served site runs on the real clock, so the due dates shown are checked against the working-day
calendar for today (the official holiday arrangement); tests/unit/test_disclosure_deadlines.py pins
the 2026 National Day case.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from adapters.calendar.chinese_calendar_source import ChineseCalendarSource
from govcore.calendar import WorkCalendar
from tests.browser.conftest import LiveSite
from tests.browser.test_identity import heading, sign_in_first_time

pytestmark = pytest.mark.browser

OFFICER = "demo-disclosure-officer"
DESCRIPTION = "2026年示例县城区道路改造工程的立项批复文件"
REASON = "所需文件存放于档案馆，需要调取纸质档案"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def due_dates() -> tuple[dt.date, dt.date]:
    """What the site must show: 20 working days from today, and 30 after a 10-day extension."""
    calendar = WorkCalendar(ChineseCalendarSource())
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return calendar.add_working_days(today, 20), calendar.add_working_days(today, 30)


def file_request(page: Page) -> tuple[str, str]:
    page.goto("/disclosure/requests/apply")
    expect(heading(page)).to_have_text("政府信息公开申请")
    page.get_by_label("公民", exact=True).check()
    # Required fields carry a visual "*" in their label, so the labels are matched from the start.
    page.get_by_label(re.compile(r"^姓名")).fill("张三")
    page.get_by_label(re.compile(r"^证件号码")).fill("33010619900101123X")
    page.get_by_label(re.compile(r"^联系电话")).fill("13812345678")
    page.get_by_label(re.compile(r"^所需信息的内容描述")).fill(DESCRIPTION)
    page.get_by_label("网上查看").check()
    # A mistake first: the form comes back with what was typed and says what is missing.
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#apply-errors")).to_contain_text("请阅读并确认申请须知")
    expect(page.get_by_label(re.compile(r"^所需信息的内容描述"))).to_have_value(DESCRIPTION)
    page.get_by_label("我已阅读申请须知", exact=False).check()
    page.get_by_role("button", name="提交申请").click()
    expect(heading(page)).to_have_text("申请已提交")
    number = page.locator("#tracking-no").inner_text()
    code = page.locator("#query-code").inner_text()
    assert re.fullmatch(r"YSQ-\d{4}-\d{6}", number) and re.fullmatch(r"[A-Z0-9]{10}", code)
    return number, code


def test_a_request_is_filed_extended_once_and_answered(own_site: LiveSite, new_page, tmp_path):
    due, extended_due = due_dates()
    citizen = new_page(own_site)
    number, code = file_request(citizen)
    expect(citizen.locator("#due-on time")).to_have_text(due.isoformat())

    officer = new_page(own_site)
    sign_in_first_time(officer, own_site.accounts[OFFICER])
    officer.goto("/admin/disclosure/requests")
    expect(heading(officer)).to_have_text("依申请公开")
    row = officer.locator("#request-list tr", has_text=number)
    expect(row).to_contain_text("3301**********123X")
    expect(row).to_contain_text("138****5678")
    row.get_by_role("link", name=number).click()
    expect(officer.locator("#id-number")).to_have_text("3301**********123X")
    officer.get_by_role("button", name="查看完整个人信息").click()  # an audited full view
    expect(officer.locator("#id-number")).to_have_text("33010619900101123X")
    expect(officer.locator("#due-on time")).to_have_text(due.isoformat())

    officer.get_by_role("button", name="受理").click()
    expect(officer.locator("#request-status")).to_have_text("办理中")
    officer.locator("#action-extend summary").click()
    officer.get_by_label("延长工作日数").fill("10")
    expect(officer.get_by_label("延期理由")).to_have_attribute("required", "")  # the server refuses it too
    officer.get_by_label("延期理由").fill(REASON)
    officer.get_by_role("button", name="确认延期").click()
    expect(officer.locator("#extension")).to_contain_text(REASON)
    expect(officer.locator("#due-on time")).to_have_text(extended_due.isoformat())
    expect(officer.locator("#extension-used")).to_be_visible()  # a second extension is not offered
    expect(officer.locator("#act-extend")).to_have_count(0)

    attachment = tmp_path / "立项批复.pdf"
    attachment.write_bytes(PDF)
    officer.locator("#action-reply summary").click()
    officer.get_by_label("答复类型").select_option(label="予以公开")
    officer.get_by_label("答复内容").fill("您申请的立项批复文件见附件。")
    officer.get_by_label("答复附件（选填）").set_input_files(str(attachment))
    officer.get_by_role("button", name="发出答复").click()
    expect(officer.locator("#request-status")).to_have_text("已答复")
    timeline = officer.locator("#timeline")
    for action in ("filed", "accepted", "extended", "replied"):
        expect(timeline.locator(f"li[data-action={action}]")).to_have_count(1)

    # Another browser: the citizen finds the request by number and code.
    reader = new_page(own_site)
    reader.goto("/disclosure/requests/track")
    reader.get_by_label("申请编号").fill(number)
    reader.get_by_label("查询码").fill("WRONGCODE2")
    reader.get_by_role("button", name="查询").click()
    expect(reader.locator("#track-error")).to_contain_text("申请编号或查询码不正确")
    reader.get_by_label("申请编号").fill(number)
    reader.get_by_label("查询码").fill(code)
    reader.get_by_role("button", name="查询").click()
    expect(reader.locator("#request-status")).to_have_text("已答复")
    expect(reader.locator("#extension")).to_contain_text(REASON)
    expect(reader.locator("#due-on time")).to_have_text(extended_due.isoformat())
    expect(reader.locator("#reply-type")).to_have_text("予以公开")
    with reader.expect_download() as download:
        reader.locator("#reply-file").click()
    assert download.value.suggested_filename == "立项批复.pdf"
