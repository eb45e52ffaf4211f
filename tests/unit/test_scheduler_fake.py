"""The in-memory scheduler that services' unit tests use in place of APScheduler."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

from govcore.clock import FixedClock
from adapters.testing.scheduler import FakeScheduler

REMEMBER = "tests.unit.test_scheduler_fake:remember"
FAIL = "tests.unit.test_scheduler_fake:fail"
REARM = "tests.unit.test_scheduler_fake:rearm"
START = dt.datetime(2026, 3, 2, 9, 0)


@dataclass
class UnitOfWork:
    number: int
    committed: bool = False


@dataclass
class StandInPlatform:
    """Just what ``fire_due`` touches: a scheduler, and units of work that record what ran in them."""

    scheduler: FakeScheduler
    calls: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    units: list[UnitOfWork] = field(default_factory=list)

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        uow = UnitOfWork(len(self.units) + 1)
        self.units.append(uow)
        yield uow
        uow.committed = True


def remember(platform: StandInPlatform, uow: UnitOfWork, **kwargs: Any) -> None:
    platform.calls.append((uow.number, kwargs))


def fail(platform: StandInPlatform, uow: UnitOfWork) -> None:
    raise RuntimeError("fails on purpose")


def rearm(platform: StandInPlatform, uow: UnitOfWork, next_id: str) -> None:
    platform.scheduler.run_at(next_id, REMEMBER, platform.scheduler.clock.now(), rearmed=True)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def platform(clock: FixedClock) -> StandInPlatform:
    return StandInPlatform(FakeScheduler(clock))


def test_nothing_fires_before_its_time(platform: StandInPlatform, clock: FixedClock) -> None:
    platform.scheduler.run_at("deadline:1", REMEMBER, START + dt.timedelta(days=5), item=1)
    clock.advance(days=4, hours=23)

    assert platform.scheduler.fire_due(platform) == []
    assert platform.scheduler.status().jobs == 1


def test_due_timers_fire_once_earliest_first_each_in_its_own_unit_of_work(
    platform: StandInPlatform, clock: FixedClock
) -> None:
    platform.scheduler.run_at("later", REMEMBER, START + dt.timedelta(hours=2), item="later")
    platform.scheduler.run_at("sooner", REMEMBER, START + dt.timedelta(hours=1), item="sooner")
    clock.advance(hours=3)

    assert platform.scheduler.fire_due(platform) == ["sooner", "later"]
    assert platform.calls == [(1, {"item": "sooner"}), (2, {"item": "later"})]
    assert all(uow.committed for uow in platform.units)
    assert platform.scheduler.fire_due(platform) == []
    assert platform.scheduler.status().jobs == 0


def test_rearming_replaces_and_cancel_disarms(platform: StandInPlatform, clock: FixedClock) -> None:
    platform.scheduler.run_at("publicity:3", REMEMBER, START + dt.timedelta(days=1), round=1)
    platform.scheduler.run_at("publicity:3", REMEMBER, START + dt.timedelta(days=2), round=2)
    platform.scheduler.run_at("deadline:4", REMEMBER, START + dt.timedelta(days=1))
    platform.scheduler.cancel("deadline:4")
    platform.scheduler.cancel("never-armed")
    clock.advance(days=1)
    assert platform.scheduler.fire_due(platform) == []

    clock.advance(days=1)
    assert platform.scheduler.fire_due(platform) == ["publicity:3"]
    assert platform.calls == [(1, {"round": 2})]


def test_a_naive_time_is_in_the_clock_time_zone(platform: StandInPlatform, clock: FixedClock) -> None:
    platform.scheduler.run_at("deadline:5", REMEMBER, dt.datetime(2026, 3, 2, 10, 0))

    assert platform.scheduler.timers["deadline:5"].when == dt.datetime(2026, 3, 2, 10, 0, tzinfo=clock.tz)


def test_arming_checks_what_the_real_scheduler_checks(platform: StandInPlatform) -> None:
    with pytest.raises(AttributeError):
        platform.scheduler.run_at("t", "tests.unit.test_scheduler_fake:no_such_job", START)
    with pytest.raises(ValueError):
        platform.scheduler.run_at("t", "tests.unit.test_scheduler_fake.remember", START)
    with pytest.raises(TypeError):
        platform.scheduler.run_at("t", REMEMBER, START, lock=threading.Lock())  # not storable
    assert platform.scheduler.timers == {}


def test_a_failing_timer_is_raised_to_the_test_and_disarmed(platform: StandInPlatform) -> None:
    platform.scheduler.run_at("harvest:1", FAIL, START)

    with pytest.raises(RuntimeError, match="on purpose"):
        platform.scheduler.fire_due(platform)
    assert platform.units[0].committed is False
    assert platform.scheduler.timers == {}


def test_a_timer_armed_while_firing_waits_for_the_next_call(platform: StandInPlatform) -> None:
    platform.scheduler.run_at("stage:1", REARM, START, next_id="stage:2")

    assert platform.scheduler.fire_due(platform) == ["stage:1"]
    assert platform.scheduler.fire_due(platform) == ["stage:2"]
    assert platform.calls == [(2, {"rearmed": True})]
