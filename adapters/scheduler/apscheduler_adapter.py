"""The Scheduler port on APScheduler 3: a ``BackgroundScheduler`` over the ``apscheduler_jobs`` table.

Every mode keeps timers in the database, so a timer armed by a web request survives restarts and
can be run by another process:

* ``in-process`` (the demo): the web process runs the jobs itself once :meth:`ApScheduler.start`
  is called.
* ``worker``: web processes only write timers; ``govcore worker`` runs them
  (:func:`adapters.scheduler.worker.run_worker`).
* ``off`` (tests): timers are written, nothing runs.

Timers are written to the job store directly rather than through APScheduler's ``add_job``: a
stopped APScheduler only queues added jobs in memory, and one that is shutting down holds the lock
``add_job`` needs while it waits for running jobs, so a job arming a follow-up timer during shutdown
would hang. Only a process that runs jobs starts the APScheduler scheduler.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import pkgutil
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable
from zoneinfo import ZoneInfo

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED, BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from adapters.calendar.overrides import refresh_calendar_if_stale
from govcore.errors import ConfigurationError
from ports.scheduler import RecurringJob, SchedulerStatus

if TYPE_CHECKING:  # pragma: no cover
    from govcore.platform import Platform

MODES = ("in-process", "worker", "off")
JOB_TABLE = "apscheduler_jobs"
JOB_STORE = "default"
# Recurring jobs are re-declared by the plugins at every start; the prefix tells them from one-off
# timers, which only the code that armed them may remove.
RECURRING_PREFIX = "recurring:"
# How often a running scheduler re-reads the job store for timers that other processes armed.
DEFAULT_POLL_SECONDS = 10.0

log = logging.getLogger(__name__)

# The one piece of process state in the platform. APScheduler pickles a job's arguments into the
# job store, and a platform (engine, plugins, open indexes) cannot be pickled, so a job firing in
# this process finds its platform here. ``ApScheduler.attach`` sets it, ``shutdown`` clears it.
_attached: Platform | None = None


def resolve(func_ref: str) -> Callable[..., Any]:
    """The function a ``package.module:function`` reference names."""
    if ":" not in func_ref:
        raise ValueError(f"job functions are named 'package.module:function', not {func_ref!r}")
    func = pkgutil.resolve_name(func_ref)
    if not callable(func):
        raise TypeError(f"{func_ref} is not callable")
    return func


def run_job(job_id: str, func_ref: str, kwargs: dict[str, Any]) -> None:
    """The only function APScheduler stores: run ``func_ref`` in its own unit of work.

    The job function is called as ``func(platform, uow, **kwargs)``. A failure rolls the job's
    transaction back and is logged with the job id; it is not raised, so it cannot disturb the
    scheduler or the other jobs.
    """
    platform = _attached
    if platform is None:
        log.error("scheduled job %s (%s) fired, but no platform is attached to this process", job_id, func_ref)
        return
    try:
        func = resolve(func_ref)
        refresh_calendar_if_stale(platform)  # deadlines the job computes use the county's latest overrides
        with platform.unit_of_work() as uow:
            func(platform, uow, **kwargs)
    except Exception:  # noqa: BLE001 - one job's failure must not stop the scheduler
        log.exception("scheduled job %s (%s) failed; its transaction was rolled back", job_id, func_ref)


class _MigratedJobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store on a table and an engine it does not own.

    Our migrations create ``apscheduler_jobs`` (the store must not create it behind alembic's back),
    and the platform owns the engine (stopping the scheduler must not dispose it).
    """

    def start(self, scheduler: BaseScheduler, alias: str) -> None:
        BaseJobStore.start(self, scheduler, alias)

    def shutdown(self) -> None:
        """Leave the platform's engine open."""


class _JobRunner(BackgroundScheduler):
    """A ``BackgroundScheduler`` that stops without touching the jobs it no longer runs.

    APScheduler 3 processes due jobs once more after its state became "stopped", with its executors
    already shut down: a due recurring job would be moved on without running, and a fired timer
    looked for among never-started jobs, crashing the thread and leaving the timer to fire again.
    """

    def _process_jobs(self) -> float | None:
        return super()._process_jobs() if self.state == STATE_RUNNING else None

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        # After handing a one-off timer to an executor, APScheduler removes it from the store; the
        # job may have cancelled itself by then (a workflow timer re-arming its case), and a lookup
        # error here would end the scheduler's thread.
        with contextlib.suppress(JobLookupError):
            super().remove_job(job_id, jobstore)

    def shutdown(self, wait: bool = True) -> None:
        # Pausing under the lock every processing round holds means no round is under way when
        # the state becomes "stopped".
        with self._jobstores_lock:
            self.pause()
        super().shutdown(wait)


class ApScheduler:
    """The Scheduler port; see the module docstring for the three modes."""

    def __init__(self, engine: Engine, mode: str, timezone: str, poll_seconds: float = DEFAULT_POLL_SECONDS):
        if mode not in MODES:
            raise ConfigurationError(
                f"govcore.scheduler 必须是 {'、'.join(MODES)} 之一，不能是 {mode!r}",
                f"govcore.scheduler must be one of {', '.join(MODES)}, not {mode!r}",
            )
        self.mode = mode
        self.timezone = ZoneInfo(timezone)
        self._poll_seconds = poll_seconds
        self._store = _MigratedJobStore(engine=engine, tablename=JOB_TABLE)
        self._scheduler = _JobRunner(jobstores={JOB_STORE: self._store}, timezone=self.timezone)
        # Binds the store to the scheduler, which restores jobs read from the table; it touches
        # neither the database nor the scheduler's state.
        self._store.start(self._scheduler, JOB_STORE)
        self._platform: Platform | None = None
        self._stop_polling = threading.Event()
        self._poller: threading.Thread | None = None

    def attach(self, platform: Platform) -> None:
        """Give the scheduler its platform: the one its jobs receive once :meth:`start` runs them."""
        self._platform = platform

    @property
    def running(self) -> bool:
        """Whether this process runs jobs."""
        return self._scheduler.state == STATE_RUNNING

    def run_at(self, job_id: str, func: str, when: dt.datetime, **kwargs: Any) -> None:
        if job_id.startswith(RECURRING_PREFIX):
            raise ValueError(f"timer ids starting with {RECURRING_PREFIX!r} are reserved for recurring jobs")
        resolve(func)  # a typo fails now, in the request that arms the timer, not when it fires
        self._put(job_id, job_id, DateTrigger(run_date=when, timezone=self.timezone), (job_id, func, kwargs))

    def cancel(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._store.remove_job(job_id)

    def _put(self, job_id: str, name: str, trigger: BaseTrigger, args: tuple[str, str, dict[str, Any]]) -> None:
        """Write a job to the store, replacing one with the same id, and wake a running scheduler.

        The job is built as APScheduler's ``add_job`` builds it. A timer missed while no scheduler
        ran fires (once) when one starts again, however late: no misfire grace, coalesced runs.
        """
        job = Job(
            self._scheduler,
            id=job_id,
            name=name,
            func=run_job,
            args=args,
            kwargs={},
            trigger=trigger,
            executor="default",
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            next_run_time=trigger.get_next_fire_time(None, dt.datetime.now(self.timezone)),
        )
        try:
            self._store.add_job(job)
        except ConflictingIdError:
            self._store.update_job(job)
        if self.running:
            self._scheduler.wakeup()

    def status(self) -> SchedulerStatus:
        jobs = self._store.get_all_jobs()
        if self.running:
            detail = "jobs run in this process"
        elif self.mode == "worker":
            detail = "jobs run in the govcore worker process"
        elif self.mode == "off":
            detail = "timers are stored but never run"
        else:
            detail = "not started"
        upcoming = min((job.next_run_time for job in jobs if job.next_run_time), default=None)
        if upcoming is not None:
            detail += f"; next at {upcoming.astimezone(self.timezone):%Y-%m-%d %H:%M:%S}"
        return SchedulerStatus(running=self.running, mode=self.mode, jobs=len(jobs), detail=detail)

    def start(self, *, as_worker: bool = False) -> None:
        """Run jobs in this process when the mode gives it that role.

        The web app calls ``start()``: jobs then run only in "in-process" mode, and in the other
        modes the call changes nothing. ``govcore worker`` calls ``start(as_worker=True)``, which
        only "worker" mode allows. Before anything runs, the enabled plugins' recurring jobs are
        written to the store (an unchanged one keeps its next run time, so frequent restarts do
        not postpone it forever) and the recurring jobs no enabled plugin declares are removed.
        """
        runner_mode = "worker" if as_worker else "in-process"
        if self.mode != runner_mode:
            if as_worker:
                raise ConfigurationError(
                    f"govcore.scheduler 为 {self.mode}，不能运行 govcore worker；请设为 worker",
                    f"govcore.scheduler is {self.mode!r}; govcore worker needs it set to 'worker'",
                )
            log.info("scheduler mode %s: this process does not run jobs", self.mode)
            return
        if self._platform is None:
            raise RuntimeError("attach a platform before starting the scheduler")
        if self.running:
            return
        global _attached
        # Only a scheduler that runs jobs claims the process's jobs: a platform built later (a CLI
        # command, a test's site) must not receive the jobs of one whose scheduler is running.
        _attached = self._platform
        self._sync_recurring(self._platform.plugins.jobs)
        self._scheduler.start()
        self._stop_polling.clear()
        self._poller = threading.Thread(target=self._poll, name="govcore-scheduler-poll", daemon=True)
        self._poller.start()
        log.info("scheduler running jobs (%s mode)", self.mode)

    def _poll(self) -> None:
        """Wake the scheduler regularly: timers armed by other processes are only in the store."""
        while not self._stop_polling.wait(self._poll_seconds):
            self._scheduler.wakeup()

    def _sync_recurring(self, jobs: Iterable[RecurringJob]) -> None:
        wanted: dict[str, tuple[RecurringJob, BaseTrigger]] = {}
        for job in jobs:
            job_id = RECURRING_PREFIX + job.id
            if job_id in wanted:
                raise ConfigurationError(f"定时任务 {job.id} 被重复声明", f"recurring job {job.id} is declared twice")
            wanted[job_id] = (job, self._trigger(job))
        for stored in self._store.get_all_jobs():
            if stored.id.startswith(RECURRING_PREFIX) and stored.id not in wanted:
                self.cancel(stored.id)
                log.info("removed recurring job %s: no enabled plugin declares it", stored.id)
        for job_id, (job, trigger) in wanted.items():
            args = (job_id, job.func, dict(job.kwargs))
            existing = self._store.lookup_job(job_id)
            if (
                existing is not None
                and existing.args == args
                and existing.name == job.title
                and str(existing.trigger) == str(trigger)
                and str(existing.trigger.timezone) == str(trigger.timezone)
            ):
                continue
            self._put(job_id, job.title, trigger, args)

    def _trigger(self, job: RecurringJob) -> BaseTrigger:
        interval = job.interval_seconds
        if (job.cron is None) == (interval is None) or (interval is not None and interval <= 0):
            raise ConfigurationError(
                f"定时任务 {job.id} 必须且只能设置 cron 或正数 interval_seconds 之一",
                f"recurring job {job.id} must give exactly one of cron and a positive interval_seconds",
            )
        try:
            resolve(job.func)
            if job.cron is not None:
                return CronTrigger.from_crontab(job.cron, timezone=self.timezone)
            return IntervalTrigger(seconds=interval, timezone=self.timezone)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"定时任务 {job.id} 配置有误：{exc}", f"recurring job {job.id} is invalid: {exc}"
            ) from exc

    def shutdown(self) -> None:
        """Stop running jobs (letting those under way finish) and detach this process's platform."""
        global _attached
        self._stop_polling.set()
        if self._poller is not None:
            self._poller.join()
            self._poller = None
        if self._scheduler.state != STATE_STOPPED:
            self._scheduler.shutdown(wait=True)
        if _attached is self._platform:
            _attached = None
