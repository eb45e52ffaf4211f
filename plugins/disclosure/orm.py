"""The disclosure plugin's tables.

Personal data of applicants is read and written only through :meth:`DisclosureRequest.applicant`
and :meth:`DisclosureRequest.set_applicant`; its columns are :class:`PersonalText`, encrypted at
rest, so no query may filter, search or sort on them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.db.meta import Base
from adapters.db.types import PersonalText, UtcDateTime
from plugins.disclosure.domain import APPLICANT_FIELDS, Applicant


class DisclosureRequest(Base):
    __tablename__ = "disclosure_request"
    __table_args__ = (
        Index("ix_disclosure_request_status_due", "status", "due_on"),
        Index("ix_disclosure_request_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    # The query code is a secret the applicant keeps: only a salted hash is stored.
    code_salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    applicant_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    applicant_type: Mapped[str] = mapped_column(String(16))
    # Who applied (see the module docstring). A person's data is encrypted at rest; an
    # organisation's name and credit code are public facts, and the kind of document says nothing.
    name: Mapped[str] = mapped_column(PersonalText, default="")
    id_type: Mapped[str] = mapped_column(String(20), default="")
    id_number: Mapped[str] = mapped_column(PersonalText, default="")
    org_name: Mapped[str] = mapped_column(String(100), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    legal_rep: Mapped[str] = mapped_column(PersonalText, default="")
    contact_name: Mapped[str] = mapped_column(PersonalText, default="")
    phone: Mapped[str] = mapped_column(PersonalText, default="")
    email: Mapped[str] = mapped_column(PersonalText, default="")
    address: Mapped[str] = mapped_column(PersonalText, default="")
    postcode: Mapped[str] = mapped_column(PersonalText, default="")
    # What is asked for and how the applicant wants it.
    description: Mapped[str] = mapped_column(Text)
    doc_title: Mapped[str] = mapped_column(String(200), default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    delivery: Mapped[str] = mapped_column(String(16))
    # Where it stands. filed_on never changes; clock_start moves to the day a clarification arrives.
    status: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    filed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    clock_start: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # None while waiting for a clarification
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    extended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    extended_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    reply_type: Mapped[str] = mapped_column(String(16), default="")
    reply_ground: Mapped[str] = mapped_column(String(32), default="")
    reply_authority: Mapped[str] = mapped_column(String(200), default="")
    reply_text: Mapped[str] = mapped_column(Text, default="")
    reply_blob_key: Mapped[str] = mapped_column(String(64), default="")
    reply_filename: Mapped[str] = mapped_column(String(200), default="")
    reply_media_type: Mapped[str] = mapped_column(String(100), default="")
    replied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    replied_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    # How it ended, for the annual report: the reply type, or "abandoned"; the local date it ended.
    outcome: Mapped[str] = mapped_column(String(16), default="")
    concluded_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # When the applicant's personal data was erased (deletion request or end of the retention period).
    personal_erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    def applicant(self) -> Applicant:
        return Applicant(self.applicant_type, **{name: getattr(self, name) for name in APPLICANT_FIELDS})

    def set_applicant(self, applicant: Applicant) -> None:
        self.applicant_type = applicant.applicant_type
        for name in APPLICANT_FIELDS:
            setattr(self, name, getattr(applicant, name))


class DisclosureEvent(Base):
    """One step in a request's history, shown as its timeline: filed, accepted, extended …"""

    __tablename__ = "disclosure_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_request.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))  # None: applicant
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DisclosureCounter(Base):
    """The last tracking-number sequence of each year, taken under a row lock."""

    __tablename__ = "disclosure_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
