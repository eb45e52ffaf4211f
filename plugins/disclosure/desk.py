"""The disclosure office's desk: filing, handling and finding requests in the database.

Every change also writes a :class:`DisclosureEvent`, the request's timeline; the web layer adds
the audit record of who did it from where. Rows are locked while an action changes them, so two
officers extending the same request at once cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.db.seals import SqlSealLedger
from govcore.calendar import WorkCalendar
from govcore.i18n import _
from plugins.disclosure.domain import (ABANDONED, ABANDONED_NOTE, CLARIFICATION, CLOSED, OPEN_STATUSES, PROCESSING,
                                       RECEIVED, REPLIED, Applicant, DisclosureError, Reply, check_action,
                                       check_extension, due_date, new_query_code, tracking_number)
from plugins.disclosure.orm import DisclosureCounter, DisclosureEvent, DisclosureRequest
from plugins.disclosure.seals import REPLY_SEAL, reply_payload
from plugins.disclosure.stats import AnnualStatistics, Record, annual_statistics

PAGE_SIZE = 30
# Compared against when a tracking number does not exist, so both answers take as long.
_DUMMY_SALT = "0" * 32


def code_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


@dataclass(frozen=True)
class Attachment:
    blob_key: str
    filename: str
    media_type: str


class RequestDesk:
    def __init__(self, session: Session, clock, calendar: WorkCalendar):
        self.session = session
        self.clock = clock
        self.calendar = calendar

    # -- Filing and finding ---------------------------------------------------------------------

    def file(self, applicant: Applicant, values: dict[str, str], user_id: int | None) -> tuple[DisclosureRequest, str]:
        """Store a new request; returns it with its query code, which is stored only as a hash."""
        now, today = self.clock.now(), self.clock.today()
        code, salt = new_query_code(), secrets.token_hex(16)
        row = DisclosureRequest(
            tracking_no=tracking_number(today.year, self._next_sequence(today.year)),
            code_salt=salt, code_hash=code_hash(salt, code), applicant_user_id=user_id,
            description=values["description"], doc_title=values["doc_title"], doc_number=values["doc_number"],
            purpose=values["purpose"], delivery=values["delivery"], status=RECEIVED, submitted_at=now,
            filed_on=today, clock_start=today, due_on=due_date(self.calendar, today), extension_days=0,
            extension_reason="", reply_type="", reply_ground="", reply_authority="", reply_text="",
            reply_blob_key="", reply_filename="", reply_media_type="", outcome="",
        )
        row.set_applicant(applicant)
        self.session.add(row)
        self.session.flush()
        self._event(row, None, "filed", "")
        return row, code

    def _next_sequence(self, year: int) -> int:
        counter = self.session.get(DisclosureCounter, year, with_for_update=True)
        if counter is None:
            try:
                # The year's first request: another one filed at the same moment may create the row first.
                with self.session.begin_nested():
                    counter = DisclosureCounter(year=year, last=0)
                    self.session.add(counter)
            except IntegrityError:
                counter = self.session.get(DisclosureCounter, year, with_for_update=True, populate_existing=True)
        counter.last += 1
        self.session.flush()
        return counter.last

    def get(self, request_id: int, lock: bool = False) -> DisclosureRequest | None:
        return self.session.get(DisclosureRequest, request_id, with_for_update=lock or None)

    def find(self, tracking_no: str | None, code: str) -> DisclosureRequest | None:
        """The request with this tracking number and query code; None for a wrong one of either."""
        row = None
        if tracking_no:
            row = self.session.scalar(select(DisclosureRequest).where(DisclosureRequest.tracking_no == tracking_no))
        salt, stored = (row.code_salt, row.code_hash) if row is not None else (_DUMMY_SALT, "")
        matches = hmac.compare_digest(code_hash(salt, code), stored)
        return row if row is not None and matches else None

    def events(self, row: DisclosureRequest) -> list[DisclosureEvent]:
        return list(self.session.scalars(select(DisclosureEvent).where(DisclosureEvent.request_id == row.id)
                                         .order_by(DisclosureEvent.at, DisclosureEvent.id)))

    def listing(self, status: str, overdue: bool, before_id: int | None,
                size: int = PAGE_SIZE) -> tuple[list[DisclosureRequest], int | None]:
        """Newest first, by keyset on the id; the id to continue before, or None on the last page."""
        query = select(DisclosureRequest)
        if overdue:
            query = query.where(DisclosureRequest.status.in_(OPEN_STATUSES),
                                DisclosureRequest.due_on < self.clock.today())
        elif status:
            query = query.where(DisclosureRequest.status == status)
        if before_id is not None:
            query = query.where(DisclosureRequest.id < before_id)
        rows = list(self.session.scalars(query.order_by(DisclosureRequest.id.desc()).limit(size + 1)))
        return rows[:size], (rows[size - 1].id if len(rows) > size else None)

    # -- Handling -------------------------------------------------------------------------------

    def accept(self, row: DisclosureRequest, actor_id: int) -> None:
        check_action("accept", row.status)
        row.status = PROCESSING
        self._event(row, actor_id, "accepted", "")

    def ask_clarification(self, row: DisclosureRequest, actor_id: int, note: str) -> None:
        """Stop the clock until the applicant says more precisely what they want (第三十条)."""
        check_action("clarify", row.status)
        if not note.strip():
            raise DisclosureError(_("请写明需要申请人补正的事项"), "note")
        row.status, row.due_on = CLARIFICATION, None
        self._event(row, actor_id, "clarification_requested", note.strip())

    def supply_clarification(self, row: DisclosureRequest, text: str) -> None:
        """The applicant's answer restarts the full period from today (plus an extension already granted)."""
        if row.status != CLARIFICATION:
            raise DisclosureError(_("本申请目前不需要补正"))
        if not text.strip():
            raise DisclosureError(_("请填写补正内容"), "text")
        today = self.clock.today()
        row.status, row.clock_start = PROCESSING, today
        row.due_on = due_date(self.calendar, today, row.extension_days)
        self._event(row, None, "clarification_supplied", text.strip())

    def extend(self, row: DisclosureRequest, actor_id: int, days: int | None, reason: str) -> None:
        check_extension(row.status, row.extension_days > 0, days, reason)
        row.extension_days, row.extension_reason = days, reason.strip()
        row.extended_at, row.extended_by = self.clock.now(), actor_id
        row.due_on = due_date(self.calendar, row.clock_start, row.extension_days)
        self._event(row, actor_id, "extended", reason.strip(), {"days": days, "due_on": row.due_on.isoformat()})

    def reply(self, row: DisclosureRequest, actor_id: int, reply: Reply, attachment: Attachment | None) -> None:
        check_action("reply", row.status)
        row.reply_type, row.reply_ground, row.reply_authority, row.reply_text = (
            reply.reply_type, reply.ground, reply.authority, reply.text)
        if attachment is not None:
            row.reply_blob_key, row.reply_filename, row.reply_media_type = (
                attachment.blob_key, attachment.filename, attachment.media_type)
        row.status, row.replied_at, row.replied_by = REPLIED, self.clock.now(), actor_id
        row.outcome, row.concluded_on = reply.reply_type, self.clock.today()
        self._event(row, actor_id, "replied", "", {"reply_type": reply.reply_type, "ground": reply.ground})
        SqlSealLedger(self.session, self.clock).seal(REPLY_SEAL, str(row.id), reply_payload(row), actor_id)

    def close(self, row: DisclosureRequest, actor_id: int) -> None:
        """办结 a replied request, or close one whose applicant never clarified it as abandoned."""
        check_action("close", row.status)
        note = ""
        if row.status == CLARIFICATION:
            row.outcome, row.concluded_on, note = ABANDONED, self.clock.today(), ABANDONED_NOTE
        row.status, row.closed_at = CLOSED, self.clock.now()
        self._event(row, actor_id, "closed", note)

    def _event(self, row: DisclosureRequest, actor_id: int | None, action: str, note: str,
               data: dict[str, Any] | None = None) -> None:
        self.session.add(DisclosureEvent(request_id=row.id, at=self.clock.now(), actor_id=actor_id, action=action,
                                         note=note, data=data or {}))

    # -- The annual report ----------------------------------------------------------------------

    def statistics(self, year: int) -> AnnualStatistics:
        """Table 三 for ``year``: one query for the requests that year touches."""
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        query = select(DisclosureRequest.applicant_type, DisclosureRequest.filed_on, DisclosureRequest.concluded_on,
                       DisclosureRequest.outcome, DisclosureRequest.reply_ground).where(
            DisclosureRequest.filed_on <= end,
            or_(DisclosureRequest.concluded_on.is_(None), DisclosureRequest.concluded_on >= start),
        )
        return annual_statistics((Record(*row) for row in self.session.execute(query)), year)

    def years(self) -> list[int]:
        """The years with requests, newest first, and at least the current one."""
        first = self.session.scalar(select(DisclosureRequest.filed_on).order_by(DisclosureRequest.filed_on).limit(1))
        this_year = self.clock.today().year
        return list(range(this_year, (first.year if first else this_year) - 1, -1))
