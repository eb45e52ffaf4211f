"""Timers: deadlines, publicity periods, scheduled publishing, harvest runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class RecurringJob:
    """A job a plugin declares through ``govcore_register_jobs``.

    ``func`` is a dotted path ``package.module:function``; the function is called as
    ``func(platform, uow, **kwargs)``, where ``uow`` is the unit of work of the job's own
    transaction (committed when the function returns, rolled back when it raises). ``kwargs`` are
    stored in the job store, so they must be plain picklable data. ``cron`` uses APScheduler's
    crontab fields (``minute hour day month day_of_week``; in APScheduler 3 day 0 is Monday, so
    prefer names such as ``mon-fri``), ``interval_seconds`` a fixed period; give exactly one.
    ``id`` is unique across plugins, e.g. ``<plugin>.<job>``.
    """

    id: str
    func: str
    title: str
    cron: str | None = None
    interval_seconds: int | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SchedulerStatus:
    running: bool
    mode: str  # "in-process", "worker" or "off"
    jobs: int
    detail: str = ""


class Scheduler(Protocol):
    def run_at(self, job_id: str, func: str, when: dt.datetime, **kwargs: Any) -> None:
        """Arm (or re-arm, replacing the same ``job_id``) a one-off timer.

        ``func`` is a dotted path ``package.module:function`` called as
        ``func(platform, uow, **kwargs)`` in its own transaction; ``kwargs`` are stored, so pass
        ids and plain values, never ORM objects. A naive ``when`` is in the county's time zone.

        Timers live in the job store, so they survive a restart; one whose time passed while no
        scheduler ran fires (once) when the scheduler starts again. The job store is written
        outside the caller's transaction: arm timers from ``uow.after_commit`` so a rolled back
        transaction arms nothing (on SQLite this also avoids waiting on the caller's own write
        lock), and let the job function check that what it acts on is still in the expected state.
        """

    def cancel(self, job_id: str) -> None:
        """Disarm a timer; cancelling one that does not exist is not an error."""

    def status(self) -> SchedulerStatus: ...
