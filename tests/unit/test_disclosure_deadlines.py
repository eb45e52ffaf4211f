"""依申请公开 deadlines on the real 2026 arrangement: 中秋 25–27 September, 国庆 1–7 October,
Sunday 20 September and Saturday 10 October working; and the rules around them."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.calendar.chinese_calendar_source import ChineseCalendarSource
from govcore.calendar import WorkCalendar
from plugins.disclosure.domain import (CLARIFICATION, CLOSED, PROCESSING, RECEIVED, REPLIED, DisclosureError,
                                       attachment_kind, check_extension, due_date, is_overdue, resident_id_problem,
                                       working_days_left)
from tests.fakes.calendar import Arrangement2026


@pytest.fixture(params=["fake", "chinese_calendar"])
def calendar(request) -> WorkCalendar:
    """The arrangement as tests/fakes has it, and as the chinese-calendar package has it: they agree."""
    return WorkCalendar(Arrangement2026() if request.param == "fake" else ChineseCalendarSource())


def test_a_request_filed_before_the_autumn_holidays_is_due_after_them(calendar):
    # 28–30 Sep (3), 8–9 Oct and the working Saturday 10 Oct (6), 12–16 (11), 19–23 (16), 26–29 (20).
    assert due_date(calendar, dt.date(2026, 9, 24)) == dt.date(2026, 10, 29)
    # Without the holidays it would have been 22 October.
    assert dt.date(2026, 9, 24) + dt.timedelta(weeks=4) == dt.date(2026, 10, 22)


def test_a_request_filed_on_a_holiday_counts_from_the_next_working_day(calendar):
    assert due_date(calendar, dt.date(2026, 10, 3)) == due_date(calendar, dt.date(2026, 10, 7))
    # 8–10 Oct (3), 12–16 (8), 19–23 (13), 26–30 (18), 2–3 Nov (20).
    assert due_date(calendar, dt.date(2026, 10, 3)) == dt.date(2026, 11, 3)


def test_the_working_sunday_before_mid_autumn_counts(calendar):
    # Filed Friday 18 Sep: Sunday 20 Sep is a working day, so day 1 is that Sunday.
    assert calendar.add_working_days(dt.date(2026, 9, 18), 1) == dt.date(2026, 9, 20)
    # 20 Sep (1), 21–24 (5), 28–30 (8), 8–10 Oct (11), 12–16 (16), 19–22 (20).
    assert due_date(calendar, dt.date(2026, 9, 18)) == dt.date(2026, 10, 22)


def test_an_extension_adds_working_days_to_the_same_start(calendar):
    start = dt.date(2026, 9, 24)
    assert due_date(calendar, start, 20) == calendar.add_working_days(start, 40) == dt.date(2026, 11, 26)
    assert due_date(calendar, start, 5) == dt.date(2026, 11, 5)


def test_days_left_count_working_days_only(calendar):
    due = dt.date(2026, 10, 29)
    assert working_days_left(calendar, dt.date(2026, 9, 24), due) == 20
    assert working_days_left(calendar, dt.date(2026, 10, 1), due) == 17  # the holiday week costs nothing
    assert working_days_left(calendar, due, due) == 0
    assert working_days_left(calendar, dt.date(2026, 10, 30), due) == -1


def test_overdue_only_while_the_clock_runs():
    due = dt.date(2026, 10, 29)
    assert is_overdue(PROCESSING, due, dt.date(2026, 10, 30))
    assert not is_overdue(PROCESSING, due, due)
    assert not is_overdue(CLARIFICATION, None, dt.date(2026, 12, 1))
    assert not is_overdue(REPLIED, due, dt.date(2026, 12, 1))


def test_one_extension_of_at_most_twenty_days_with_a_reason():
    check_extension(RECEIVED, False, 20, "需要调取档案")
    check_extension(PROCESSING, False, 1, "需要征求第三方意见")
    with pytest.raises(DisclosureError, match="只能延长一次"):
        check_extension(PROCESSING, True, 5, "再延")
    with pytest.raises(DisclosureError, match="1 至 20"):
        check_extension(PROCESSING, False, 21, "理由")
    with pytest.raises(DisclosureError, match="1 至 20"):
        check_extension(PROCESSING, False, None, "理由")
    with pytest.raises(DisclosureError, match="延期理由"):
        check_extension(PROCESSING, False, 10, "   ")
    for status in (CLARIFICATION, REPLIED, CLOSED):
        with pytest.raises(DisclosureError):
            check_extension(status, False, 10, "理由")


def test_resident_id_numbers_are_checked():
    assert resident_id_problem("33010619900101123X") is None
    assert "校验位" in resident_id_problem("330106199001011230")
    assert "18 位" in resident_id_problem("33010619900101123")


def test_attachments_are_judged_by_content():
    assert attachment_kind(b"%PDF-1.7 ...") == ("application/pdf", "pdf")
    assert attachment_kind(b"\x89PNG\r\n\x1a\n....") == ("image/png", "png")
    assert attachment_kind(b"PK\x03\x04...", ["OFD.xml", "Doc_0/Document.xml"]) == ("application/ofd", "ofd")
    assert attachment_kind(b"PK\x03\x04...", ["[Content_Types].xml", "word/document.xml"])[1] == "docx"
    assert attachment_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...", None, "表.xls")[1] == "xls"
    assert attachment_kind(b"PK\x03\x04...", ["evil.exe"]) is None
    assert attachment_kind(b"MZ\x90\x00") is None
    assert attachment_kind(b"<html><script>") is None
