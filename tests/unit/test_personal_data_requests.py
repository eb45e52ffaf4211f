"""Deletion requests' rules: the 15-working-day answer, who may file, and the order of erasure."""

import datetime as dt

import pytest

from govcore.calendar import WorkCalendar
from govcore.contributions import PersonalDataKind
from govcore.personal_data_requests import (DONE, PENDING, REJECTED, RequestError, check_filing, check_open,
                                            check_rejection, due_date, erase_order, is_overdue)
from tests.fakes.calendar import Arrangement2026


def test_the_answer_is_due_15_working_days_later_holidays_skipped():
    # Filed Thursday 24 September 2026: 中秋 and 国庆 lie ahead, Saturday 10 October is a working day.
    due = due_date(WorkCalendar(Arrangement2026()), dt.date(2026, 9, 24))
    assert due == dt.date(2026, 10, 22)
    assert not is_overdue(PENDING, due, due) and is_overdue(PENDING, due, due + dt.timedelta(days=1))
    assert not is_overdue(DONE, due, due + dt.timedelta(days=30))


def test_citizens_and_enterprises_file_staff_do_not():
    assert check_filing("citizen", False, "  请尽快  ") == "请尽快"
    assert check_filing("enterprise", False, "") == ""
    with pytest.raises(RequestError, match="工作人员账户不能在此申请删除"):
        check_filing("staff", False, "")


def test_one_request_at_a_time_and_a_short_note():
    with pytest.raises(RequestError, match="已有一份删除申请正在办理"):
        check_filing("citizen", True, "")
    with pytest.raises(RequestError) as raised:
        check_filing("citizen", False, "长" * 501)
    assert raised.value.field == "note"


def test_a_handled_request_is_not_handled_again_and_a_rejection_needs_a_reason():
    check_open(PENDING)
    for status in (DONE, REJECTED):
        with pytest.raises(RequestError, match="该申请已办理"):
            check_open(status)
    with pytest.raises(RequestError) as raised:
        check_rejection(PENDING, "   ")
    assert raised.value.field == "reason"
    assert check_rejection(PENDING, " 正在进行的行政复议需要这些材料 ") == "正在进行的行政复议需要这些材料"


def test_the_account_is_erased_after_every_other_kind():
    def kind(name):
        return PersonalDataKind(name, name, None, "", export=lambda u, i: [], erase=lambda u, i, n: [])

    kinds = [kind("core.account"), kind("disclosure.requests"), kind("letters.letters")]
    assert [k.name for k in erase_order(kinds)] == ["disclosure.requests", "letters.letters", "core.account"]
