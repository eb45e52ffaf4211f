"""Workflow timers through the real scheduler: a publicity period ends while the worker is down.

The web process arms the timer in the job store; no worker runs while the period ends; when the
worker starts again, the missed timer fires and the case moves on (or, after an objection, goes
to the step the definition names).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from adapters.db.engine import make_engine
from adapters.db.migrate import upgrade
from adapters.db.orm import User
from adapters.db.repositories import core_repositories
from adapters.scheduler.worker import run_worker
from govcore.clock import FixedClock
from govcore.platform import Platform
from govcore.workflow.case import STATUS_APPROVED, STATUS_RUNNING
from govcore.workflow.definition import (ACTOR_PERSON, STEP_PUBLICITY, UNIT_CALENDAR_DAYS, Actor, Definition,
                                         Duration, Step)
from govcore.workflow.service import CaseStore, Workflows
from tests.integration.processes import TZ, process_platform, stop

# A scheduler thread that dies on an error would leave the worker running nothing.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

# Long past in real time, so the period's end has passed before the worker comes back.
STARTED = dt.datetime(2026, 9, 21, 9, 0)
PATIENCE_SECONDS = 10.0


@pytest.fixture
def make_platform(tmp_path: Path) -> Iterator[Callable[[], Platform]]:
    url = f"sqlite:///{tmp_path / 'govcore.sqlite'}"
    engine = make_engine({"sqlalchemy.url": url})
    upgrade(engine, [])
    engine.dispose()
    made: list[Platform] = []

    def make() -> Platform:
        """One process (the web app or the worker) of a deployment whose timers run in the worker."""
        platform = process_platform(url, tmp_path, "worker", FixedClock(STARTED, TZ), repositories=core_repositories())
        made.append(platform)
        return platform

    yield make
    for platform in made:
        stop(platform)


def publicity_case(web: Platform, *more_steps: Step) -> tuple[int, int, int]:
    """A case that an approval sends into a two-day publicity period; (case id, approver, initiator)."""
    with web.unit_of_work() as uow:
        people = [User(login=login, display_name=login, kind="staff", is_active=True, must_change_password=False,
                       created_at=web.clock.now(), password_hash="-") for login in ("initiator", "approver")]
        uow.session.add_all(people)
        uow.session.flush()
        initiator, approver = people[0].id, people[1].id
        workflows = Workflows(web, uow)
        workflows.save_definition(Definition("test.publicity", "公示测试", (
            Step("review", "审核", actors=(Actor(ACTOR_PERSON, user_id=approver),)),
            Step("notice", "公示", kind=STEP_PUBLICITY, publicity=Duration(2, UNIT_CALENDAR_DAYS),
                 on_objection="review"),
            *more_steps,
        ), escalate_role=""), author_id=initiator)  # this bare database has no roles
        case = workflows.start("test.publicity", subject_type="general", subject_id="1", title="低保评议",
                               initiator_id=initiator, org_unit_id=None)
    with web.unit_of_work() as uow:
        Workflows(web, uow).act(case.id, actor_id=approver, action="approve", expected_version=case.version)
    return case.id, approver, initiator


def stored_timers(platform: Platform) -> list[str]:
    with platform.extras["engine"].connect() as connection:
        return list(connection.scalars(text("SELECT id FROM apscheduler_jobs ORDER BY id")))


def load(platform: Platform, case_id: int):
    with platform.unit_of_work() as uow:
        return uow.repository(CaseStore).get(case_id)


def run_worker_until(worker: Platform, condition: Callable[[], bool]) -> bool:
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(worker, stop))
    thread.start()
    try:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while time.monotonic() < deadline and not condition():
            time.sleep(0.05)
        return condition()
    finally:
        stop.set()
        thread.join(PATIENCE_SECONDS)


def test_a_publicity_period_that_ended_while_the_worker_was_down_advances_the_case(make_platform):
    web = make_platform()
    case_id, _approver, _initiator = publicity_case(web)
    case = load(web, case_id)
    assert (case.status, case.step_key) == (STATUS_RUNNING, "notice")
    assert case.due_at == dt.datetime(2026, 9, 24, 0, 0, tzinfo=ZoneInfo(TZ))  # the end of 23 September
    assert stored_timers(web) == [f"workflow:{case_id}:expire:2"]

    worker = make_platform()  # the worker comes back long after 24 September
    assert run_worker_until(worker, lambda: load(worker, case_id).status == STATUS_APPROVED)
    case = load(worker, case_id)
    assert [entry.action for entry in case.history][-1] == "expire"
    assert stored_timers(worker) == []


def test_an_objection_sends_the_case_to_the_named_step_when_the_worker_comes_back(make_platform):
    web = make_platform()
    case_id, approver, initiator = publicity_case(web)
    version = load(web, case_id).version
    with web.unit_of_work() as uow:
        Workflows(web, uow).act(case_id, actor_id=initiator, action="object", opinion="评议名单有误",
                                expected_version=version)

    worker = make_platform()
    assert run_worker_until(worker, lambda: load(worker, case_id).step_key == "review")
    case = load(worker, case_id)
    assert case.status == STATUS_RUNNING
    assert [task.assignee_id for task in case.pending_tasks()] == [approver]


def test_timers_that_came_due_one_after_another_all_fire_when_the_worker_comes_back(make_platform):
    # The first period's end starts a second one that has ended too: the timer the first one arms
    # while it runs must survive the scheduler's clean-up of the first, and fire in turn.
    web = make_platform()
    result = Step("result", "结果公示", kind=STEP_PUBLICITY, publicity=Duration(1, UNIT_CALENDAR_DAYS),
                  on_objection="review")
    case_id, _approver, _initiator = publicity_case(web, result)

    worker = make_platform()
    assert run_worker_until(worker, lambda: load(worker, case_id).status == STATUS_APPROVED)
    assert [entry.step_key for entry in load(worker, case_id).history if entry.action == "expire"] == ["notice", "result"]
    assert stored_timers(worker) == []
