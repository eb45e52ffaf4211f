"""Citizens' requests to delete their personal data (个人信息保护法第四十七条). Framework-free.

A signed-in citizen or enterprise files a request; the security administrator answers it within
15 working days, either by executing it (every kind of personal data erases what the law allows,
the account itself last, so that each kind still finds the account it erases for) or by
rejecting it with a reason. Staff accounts are not deleted this way: they end with the job, through
the unit that manages them.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Protocol

from govcore.contributions import PersonalDataKind
from govcore.i18n import _

ANSWER_WORKING_DAYS = 15
ACCOUNT_KIND = "core.account"  # the account's own record: erased after every other kind

PENDING, DONE, REJECTED = "pending", "done", "rejected"
STATUS_TITLES = {PENDING: _("待办理"), DONE: _("已删除"), REJECTED: _("未予删除")}
NOTE_LIMIT = 500
REASON_LIMIT = 2000
STAFF_KIND = "staff"


class Calendar(Protocol):
    def add_working_days(self, start: dt.date, days: int) -> dt.date: ...


class RequestError(Exception):
    """What may not be done with a request now; the message is for people (a catalogue entry)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def due_date(calendar: Calendar, filed_on: dt.date) -> dt.date:
    """The last day of the answer: 15 working days after the day of filing, not counting it."""
    return calendar.add_working_days(filed_on, ANSWER_WORKING_DAYS)


def is_overdue(status: str, due_on: dt.date, today: dt.date) -> bool:
    return status == PENDING and today > due_on


def check_filing(account_kind: str, has_pending: bool, note: str) -> str:
    """The citizen's note, cleaned, when the account may file a request now."""
    if account_kind == STAFF_KIND:
        raise RequestError(_("工作人员账户不能在此申请删除，请与本单位的账户管理员联系。"))
    if has_pending:
        raise RequestError(_("您已有一份删除申请正在办理，请等待办理结果。"))
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise RequestError(_("补充说明不能超过 500 个字"), "note")
    return note


def check_open(status: str) -> None:
    if status != PENDING:
        raise RequestError(_("该申请已办理，不能再次操作，请刷新页面查看最新状态。"))


def check_rejection(status: str, reason: str) -> str:
    check_open(status)
    reason = reason.strip()
    if not reason:
        raise RequestError(_("请填写不予删除的理由，申请人将收到这一理由。"), "reason")
    if len(reason) > REASON_LIMIT:
        raise RequestError(_("理由不能超过 2000 个字"), "reason")
    return reason


def erase_order(kinds: Iterable[PersonalDataKind]) -> list[PersonalDataKind]:
    """The kinds in the order they are erased: the account's own record last."""
    return sorted(kinds, key=lambda kind: kind.name == ACCOUNT_KIND)  # sorted() is stable
