"""Job functions the scheduler tests arm by dotted path; each run leaves a row to assert on."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from adapters.db.uow import SqlUnitOfWork
from govcore.platform import Platform

RECORD_RUN = f"{__name__}:record_run"


class JobRecordBase(DeclarativeBase):
    """Kept apart from the application's metadata: the tests create this table themselves."""


class JobRun(JobRecordBase):
    __tablename__ = "test_job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))


def record_run(platform: Platform, uow: SqlUnitOfWork, label: str) -> None:
    uow.session.add(JobRun(label=label))


def write_then_fail(platform: Platform, uow: SqlUnitOfWork, label: str) -> None:
    uow.session.add(JobRun(label=label))
    uow.session.flush()
    raise RuntimeError(f"job {label} fails on purpose")


def slow_then_arm_follow_up(platform: Platform, uow: SqlUnitOfWork, label: str, seconds: float) -> None:
    """Still running when the scheduler is told to stop; arms a timer once its work is committed."""
    time.sleep(seconds)
    uow.session.add(JobRun(label=label))
    when = platform.clock.now() + dt.timedelta(days=1)
    uow.after_commit(lambda: platform.scheduler.run_at(f"follow-up:{label}", RECORD_RUN, when, label="follow-up"))
