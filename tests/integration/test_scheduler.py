"""The APScheduler adapter against a migrated SQLite file, as several processes would share it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from adapters.db.engine import make_engine
from adapters.db.migrate import upgrade
from adapters.scheduler.worker import run_worker
from govcore import hookimpl
from govcore.clock import SystemClock
from govcore.errors import ConfigurationError
from govcore.platform import Platform
from ports.scheduler import RecurringJob
from tests.integration.scheduler_jobs import JobRecordBase, JobRun
from tests.integration.processes import TZ, process_platform, stop

RECORD = "tests.integration.scheduler_jobs:record_run"
FAIL = "tests.integration.scheduler_jobs:write_then_fail"
SLOW = "tests.integration.scheduler_jobs:slow_then_arm_follow_up"
POLL_SECONDS = 0.1
PATIENCE_SECONDS = 5.0

MakePlatform = Callable[..., Platform]


class JobsPlugin:
    """A throw-away plugin declaring recurring jobs."""

    def __init__(self, *jobs: RecurringJob):
        self.jobs = list(jobs)

    @hookimpl
    def govcore_register_jobs(self) -> list[RecurringJob]:
        return self.jobs


def hourly(seconds: int = 3600) -> RecurringJob:
    """A recurring job that cannot come due during a test."""
    return RecurringJob(id="testjobs.tick", func=RECORD, title="tick", interval_seconds=seconds, kwargs={"label": "tick"})


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'govcore.sqlite'}"
    engine = make_engine({"sqlalchemy.url": url})
    upgrade(engine, [])
    JobRecordBase.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def make_platform(tmp_path: Path, database_url: str) -> Iterator[MakePlatform]:
    """Build a platform as one process would: its own engine and scheduler on the shared database."""
    made: list[Platform] = []

    def make(mode: str, plugins: Iterable[tuple[str, object]] = (), poll_seconds: float = POLL_SECONDS) -> Platform:
        platform = process_platform(database_url, tmp_path, mode, SystemClock(TZ), plugins=plugins,
                                    poll_seconds=poll_seconds)
        made.append(platform)
        return platform

    yield make
    for platform in made:
        stop(platform)


def now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(TZ))


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def labels(platform: Platform) -> list[str]:
    engine: Engine = platform.extras["engine"]
    with engine.connect() as connection:
        return list(connection.scalars(select(JobRun.label).order_by(JobRun.id)))


def stored_jobs(platform: Platform) -> dict[str, dt.datetime | None]:
    """Job ids and next run times as the ``apscheduler_jobs`` table holds them."""
    engine: Engine = platform.extras["engine"]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    return {job_id: dt.datetime.fromtimestamp(ts, ZoneInfo(TZ)) if ts is not None else None for job_id, ts in rows}


def test_a_timer_is_written_to_the_job_store(make_platform: MakePlatform) -> None:
    web = make_platform("off")
    first = now().replace(microsecond=0) + dt.timedelta(hours=1)
    second = first + dt.timedelta(hours=1)
    web.scheduler.run_at("deadline:1", RECORD, first, label="deadline")
    web.scheduler.run_at("deadline:1", RECORD, second, label="deadline")  # re-armed, not doubled

    other_process = make_platform("off")
    assert stored_jobs(other_process) == {"deadline:1": second}
    status = other_process.scheduler.status()
    assert (status.running, status.mode, status.jobs) == (False, "off", 1)


def test_arming_an_unknown_function_fails_at_once(make_platform: MakePlatform) -> None:
    web = make_platform("off")
    with pytest.raises((ImportError, AttributeError)):
        web.scheduler.run_at("t", "tests.integration.scheduler_jobs:no_such_job", now())
    assert stored_jobs(web) == {}


def test_cancel_disarms_and_tolerates_an_absent_timer(make_platform: MakePlatform) -> None:
    web = make_platform("off")
    web.scheduler.run_at("publicity:7", RECORD, now() + dt.timedelta(days=5), label="publicity")
    web.scheduler.cancel("publicity:7")
    web.scheduler.cancel("publicity:7")
    web.scheduler.cancel("never-armed")
    assert stored_jobs(web) == {}


def test_a_timer_missed_while_down_fires_once_at_the_next_start(make_platform: MakePlatform) -> None:
    before_restart = make_platform("off")
    # Due an hour ago, while no scheduler ran: in the store, just like a timer armed long before.
    before_restart.scheduler.run_at("deadline:2", RECORD, now() - dt.timedelta(hours=1), label="missed")
    stop(before_restart)

    after_restart = make_platform("in-process")
    after_restart.scheduler.start()

    assert wait_for(lambda: labels(after_restart) == ["missed"])
    assert wait_for(lambda: stored_jobs(after_restart) == {})
    time.sleep(3 * POLL_SECONDS)
    assert labels(after_restart) == ["missed"]


def test_recurring_jobs_of_disabled_plugins_are_removed_at_start(make_platform: MakePlatform) -> None:
    enabled = make_platform("in-process", [("testjobs", JobsPlugin(hourly()))])
    enabled.scheduler.start()
    enabled.scheduler.run_at("deadline:3", RECORD, now() + dt.timedelta(days=1), label="one-off")
    assert set(stored_jobs(enabled)) == {"recurring:testjobs.tick", "deadline:3"}
    stop(enabled)

    disabled = make_platform("in-process")
    disabled.scheduler.start()

    assert set(stored_jobs(disabled)) == {"deadline:3"}


def test_an_unchanged_recurring_job_keeps_its_next_run_time(make_platform: MakePlatform) -> None:
    first = make_platform("in-process", [("testjobs", JobsPlugin(hourly()))])
    first.scheduler.start()
    planned = stored_jobs(first)["recurring:testjobs.tick"]
    stop(first)
    time.sleep(0.05)

    restarted = make_platform("in-process", [("testjobs", JobsPlugin(hourly()))])
    restarted.scheduler.start()
    assert stored_jobs(restarted)["recurring:testjobs.tick"] == planned
    stop(restarted)

    changed = make_platform("in-process", [("testjobs", JobsPlugin(hourly(seconds=7200)))])
    changed.scheduler.start()
    assert stored_jobs(changed)["recurring:testjobs.tick"] > planned


def test_an_invalid_recurring_job_stops_the_start(make_platform: MakePlatform) -> None:
    both = RecurringJob(id="testjobs.bad", func=RECORD, title="bad", cron="0 2 * * *", interval_seconds=60)
    platform = make_platform("in-process", [("testjobs", JobsPlugin(both))])
    with pytest.raises(ConfigurationError):
        platform.scheduler.start()
    assert platform.scheduler.status().running is False


def test_a_failing_job_is_logged_and_the_scheduler_keeps_running(
    make_platform: MakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="adapters.scheduler.apscheduler_adapter")
    platform = make_platform("in-process")
    platform.scheduler.start()

    platform.scheduler.run_at("harvest:9", FAIL, now(), label="failed")
    assert wait_for(lambda: any("harvest:9" in record.getMessage() for record in caplog.records))
    platform.scheduler.run_at("deadline:4", RECORD, now(), label="after the failure")

    assert wait_for(lambda: labels(platform) == ["after the failure"])
    assert platform.scheduler.status().running is True


def test_each_job_runs_in_its_own_transaction(make_platform: MakePlatform) -> None:
    armer = make_platform("off")
    due = now() - dt.timedelta(seconds=1)
    armer.scheduler.run_at("a", RECORD, due, label="kept")
    armer.scheduler.run_at("b", FAIL, due, label="rolled back")
    armer.scheduler.run_at("c", RECORD, due, label="kept too")
    stop(armer)

    runner = make_platform("in-process")
    runner.scheduler.start()

    assert wait_for(lambda: sorted(labels(runner)) == ["kept", "kept too"] and stored_jobs(runner) == {})
    assert "rolled back" not in labels(runner)


def test_stopping_waits_for_a_running_job_and_keeps_the_timer_it_arms(make_platform: MakePlatform) -> None:
    platform = make_platform("in-process")
    platform.scheduler.start()
    platform.scheduler.run_at("slow", SLOW, now(), label="slow", seconds=0.5)
    assert wait_for(lambda: "slow" not in stored_jobs(platform))  # handed to a thread, still running

    stopper = threading.Thread(target=platform.scheduler.shutdown)
    stopper.start()
    stopper.join(PATIENCE_SECONDS)

    assert not stopper.is_alive()
    assert labels(platform) == ["slow"]
    assert set(stored_jobs(platform)) == {"follow-up:slow"}


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_stopping_leaves_a_timer_it_has_not_run_for_the_next_start(
    make_platform: MakePlatform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="apscheduler.scheduler")
    runner = make_platform("in-process", poll_seconds=60)
    runner.scheduler.start()
    assert wait_for(lambda: "No jobs; waiting until a job is added" in caplog.messages)
    other_process = make_platform("off")
    other_process.scheduler.run_at("deadline:7", RECORD, now(), label="next start")  # the runner is not woken

    runner.scheduler.shutdown()

    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert labels(runner) == []
    assert set(stored_jobs(runner)) == {"deadline:7"}


def test_off_mode_stores_timers_but_runs_nothing(make_platform: MakePlatform) -> None:
    platform = make_platform("off", [("testjobs", JobsPlugin(hourly()))])
    platform.scheduler.run_at("deadline:5", RECORD, now() - dt.timedelta(seconds=1), label="never")
    platform.scheduler.start()
    time.sleep(3 * POLL_SECONDS)

    assert labels(platform) == []
    assert set(stored_jobs(platform)) == {"deadline:5"}
    assert platform.scheduler.status().running is False


def test_the_worker_runs_timers_that_a_web_process_armed(make_platform: MakePlatform) -> None:
    web = make_platform("worker")
    web.scheduler.start()  # what the web app does: in worker mode it runs nothing itself
    assert web.scheduler.status().running is False

    worker = make_platform("worker", [("testjobs", JobsPlugin(hourly()))])
    stop_event = threading.Event()
    thread = threading.Thread(target=run_worker, args=(worker, stop_event))
    thread.start()
    try:
        assert wait_for(lambda: worker.scheduler.status().running)
        web.scheduler.run_at("deadline:6", RECORD, now(), label="by the worker")
        assert wait_for(lambda: labels(worker) == ["by the worker"])
        assert "recurring:testjobs.tick" in stored_jobs(worker)
    finally:
        stop_event.set()
        thread.join(PATIENCE_SECONDS)
    assert not thread.is_alive()
    assert worker.scheduler.status().running is False


def test_the_worker_refuses_a_deployment_whose_web_process_runs_the_jobs(make_platform: MakePlatform) -> None:
    platform = make_platform("in-process")
    with pytest.raises(ConfigurationError):
        run_worker(platform, threading.Event())


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal is sent to the test process")
def test_the_worker_stops_cleanly_on_sigterm(make_platform: MakePlatform) -> None:
    worker = make_platform("worker")
    previous_handler = signal.getsignal(signal.SIGTERM)

    def terminate_once_running() -> None:
        if wait_for(lambda: worker.scheduler.status().running):
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate_once_running, daemon=True).start()
    run_worker(worker)  # in the main thread, as ``govcore worker`` runs it

    assert worker.scheduler.status().running is False
    assert signal.getsignal(signal.SIGTERM) is previous_handler
