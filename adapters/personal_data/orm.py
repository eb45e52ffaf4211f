"""The table of citizens' deletion requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.db.meta import Base
from adapters.db.types import PersonalText, UtcDateTime


class PersonalDataRequest(Base):
    """A request to delete one's personal data, and how it was answered.

    It names the account by id only: once executed, the account holds nothing that identifies
    the person, and neither does this record.
    """

    __tablename__ = "core_personal_data_request"
    __table_args__ = (Index("ix_core_personal_data_request_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending, done, rejected
    # What the citizen added (optional, free text, so possibly personal): cleared once executed.
    note: Mapped[str] = mapped_column(PersonalText, default="")
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    due_on: Mapped[dt.date] = mapped_column(Date)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    # What each kind kept and why, once executed: [{"kind", "title", "kept": [sentence, …]}, …]
    outcome: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
