"""The workflow tables: stored definition versions, cases, their tasks, objections and history.

Current step titles and the people's names are copied into the rows that show them, so the task
lists read one table and a history stays readable after a definition or an account changes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from adapters.db.meta import Base
from adapters.db.types import UtcDateTime


class WorkflowDefinitionRow(Base):
    """One version of a definition; a key's versions count from 1 and are never changed."""

    __tablename__ = "wf_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict] = mapped_column(JSON)  # govcore.workflow.definition.to_data
    origin: Mapped[str] = mapped_column(String(16))  # plugin or county
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")


class WorkflowCaseRow(Base):
    __tablename__ = "wf_case"
    __table_args__ = (
        Index("ix_wf_case_subject", "subject_type", "subject_id"),
        Index("ix_wf_case_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_key: Mapped[str] = mapped_column(String(64), index=True)
    definition_version: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    initiator_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="RESTRICT"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("core_org_unit.id", ondelete="SET NULL"), index=True)
    scope_type: Mapped[str | None] = mapped_column(String(32))
    scope_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    step_key: Mapped[str | None] = mapped_column(String(32))
    step_title: Mapped[str] = mapped_column(String(100), default="")
    activation: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)  # the optimistic lock

    tasks: Mapped[list["WorkflowTaskRow"]] = relationship(order_by="WorkflowTaskRow.id", cascade="all, delete-orphan")
    objections: Mapped[list["WorkflowObjectionRow"]] = relationship(order_by="WorkflowObjectionRow.id",
                                                                     cascade="all, delete-orphan")
    history: Mapped[list["WorkflowHistoryRow"]] = relationship(order_by="WorkflowHistoryRow.id",
                                                                cascade="all, delete-orphan")


class WorkflowTaskRow(Base):
    """A person's part in one activation of a step: 待办 while pending, 已办 once done."""

    __tablename__ = "wf_task"
    __table_args__ = (Index("ix_wf_task_assignee_status", "assignee_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id", ondelete="CASCADE"), index=True)
    activation: Mapped[int] = mapped_column(Integer)
    step_key: Mapped[str] = mapped_column(String(32))
    step_title: Mapped[str] = mapped_column(String(100), default="")
    assignee_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(8))  # pool or vote
    status: Mapped[str] = mapped_column(String(8))  # pending, done, closed
    outcome: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)


class WorkflowObjectionRow(Base):
    __tablename__ = "wf_objection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id", ondelete="CASCADE"), index=True)
    activation: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    by_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: objections outlive accounts
    by_name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)


class WorkflowHistoryRow(Base):
    """One line of a case's timeline; never changed once written."""

    __tablename__ = "wf_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no foreign key, as in the audit trail
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    step_key: Mapped[str | None] = mapped_column(String(32))
    step_title: Mapped[str] = mapped_column(String(100), default="")
    opinion: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
