"""The county's working-day overrides: from county.toml and the 工作日调整 page into the calendar.

Every process keeps the overrides in its own :class:`govcore.calendar.WorkCalendar`. The process
that saves a change reloads them right after the commit; every other one (the other web workers,
``govcore worker``) reads them again on its first request or job once ``REFRESH_SECONDS`` have
passed since its last read, so a change reaches all of them within a minute without a query on
every request.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.db.orm import WorkdayOverride
from govcore.county import CountyConfig
from govcore.platform import Platform

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
EXTRAS_KEY = "calendar_overrides"  # where each platform keeps its Refresher


def read_overrides(session: Session, county: CountyConfig) -> dict[dt.date, bool]:
    """Every override in force: the database's rows, and county.toml's on top.

    county.toml wins for the days it names: the page shows those read-only, so the file (not a
    copy ``govcore init`` once stored) is what an administrator changes.
    """
    overrides = {row.day: row.working for row in session.scalars(select(WorkdayOverride))}
    overrides.update({entry.day: entry.working for entry in county.calendar_overrides})
    return overrides


class Refresher:
    """Runs ``load`` again once ``interval`` seconds have passed since it last ran; one thread at a time."""

    def __init__(self, load: Callable[[], None], interval: float = REFRESH_SECONDS,
                 now: Callable[[], float] = time.monotonic):
        self._load = load
        self._interval = interval
        self._now = now
        self._lock = threading.Lock()
        self._loaded_at: float | None = None

    def load_now(self) -> None:
        """Load whatever the last run was; a failure is raised to the caller."""
        # Waiting for a refresh in progress keeps an older read from landing after this one.
        with self._lock:
            self._run()

    def refresh_if_stale(self) -> bool:
        """Load if the last run is too old; True when it ran. A failure is logged, not raised."""
        if not self._stale():
            return False
        # Another thread is loading: this request goes on with what the calendar holds.
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if not self._stale():
                return False
            try:
                self._run()
            except Exception:  # noqa: BLE001 - a request or job must not fail for this; retried after the interval
                log.exception("could not reread the working-day overrides; keeping the ones loaded before")
            return True
        finally:
            self._lock.release()

    def _stale(self) -> bool:
        return self._loaded_at is None or self._now() - self._loaded_at >= self._interval

    def _run(self) -> None:
        # Timed from the start: changes committed during the read are picked up by the next one.
        started = self._now()
        try:
            self._load()
        finally:
            self._loaded_at = started


def _read_into_calendar(platform: Platform) -> None:
    with platform.unit_of_work() as uow:
        overrides = read_overrides(uow.session, platform.county)
    platform.calendar.set_overrides(overrides)


def _refresher(platform: Platform) -> Refresher:
    refresher = platform.extras.get(EXTRAS_KEY)
    if refresher is None:
        refresher = platform.extras.setdefault(EXTRAS_KEY, Refresher(lambda: _read_into_calendar(platform)))
    return refresher


def load_overrides(platform: Platform) -> None:
    """Read the overrides into the platform's calendar now (at start-up, and after a change)."""
    _refresher(platform).load_now()


def refresh_calendar_if_stale(platform: Platform) -> bool:
    """Reread the overrides when this process last read them ``REFRESH_SECONDS`` or more ago."""
    return _refresher(platform).refresh_if_stale()
