"""An in-memory Scheduler for tests (services' unit tests, database tests): timers fire when asked."""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.scheduler.apscheduler_adapter import resolve
from ports.clock import Clock
from ports.scheduler import SchedulerStatus

if TYPE_CHECKING:  # pragma: no cover
    from govcore.platform import Platform


@dataclass(frozen=True)
class Timer:
    job_id: str
    func: str
    when: dt.datetime
    kwargs: dict[str, Any]


class FakeScheduler:
    """The Scheduler port in memory; nothing fires on its own.

    A test moves the clock and calls :meth:`fire_due`. Arming checks what the real adapter checks
    (a resolvable ``package.module:function``, picklable ``kwargs``), so a service that would fail
    in production fails in its unit test too.
    """

    def __init__(self, clock: Clock):
        self.clock = clock
        self.timers: dict[str, Timer] = {}

    def run_at(self, job_id: str, func: str, when: dt.datetime, **kwargs: Any) -> None:
        resolve(func)
        pickle.dumps(kwargs)
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.clock.tz)
        self.timers[job_id] = Timer(job_id, func, when, dict(kwargs))

    def cancel(self, job_id: str) -> None:
        self.timers.pop(job_id, None)

    def status(self) -> SchedulerStatus:
        return SchedulerStatus(running=False, mode="off", jobs=len(self.timers), detail="in-memory fake")

    def due(self) -> list[Timer]:
        """The timers whose time has come by the clock, earliest first."""
        now = self.clock.now()
        return sorted((timer for timer in self.timers.values() if timer.when <= now), key=lambda timer: timer.when)

    def fire_due(self, platform: Platform) -> list[str]:
        """Run the due timers as the real adapter does, and return their ids in firing order.

        Each runs as ``func(platform, uow, **kwargs)`` in its own unit of work and is disarmed
        first, like a one-off APScheduler job. Unlike the real adapter, a failure is raised, so
        the test sees it. Timers armed while firing wait for the next call, as they would wait
        for the scheduler's next wake-up.
        """
        fired = []
        for timer in self.due():
            if self.timers.get(timer.job_id) is not timer:
                continue  # cancelled or re-armed by a timer that fired before it
            del self.timers[timer.job_id]
            func = resolve(timer.func)
            with platform.unit_of_work() as uow:
                func(platform, uow, **timer.kwargs)
            fired.append(timer.job_id)
        return fired
