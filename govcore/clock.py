"""Clocks: the real one, and one that tests set and move."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


class SystemClock:
    def __init__(self, timezone: str = DEFAULT_TIMEZONE):
        self.tz = ZoneInfo(timezone)

    def now(self) -> dt.datetime:
        return dt.datetime.now(self.tz)

    def today(self) -> dt.date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until moved, for tests and for replaying timers."""

    def __init__(self, at: dt.datetime, timezone: str = DEFAULT_TIMEZONE):
        self.tz = ZoneInfo(timezone)
        self._now = at if at.tzinfo else at.replace(tzinfo=self.tz)

    def now(self) -> dt.datetime:
        return self._now

    def today(self) -> dt.date:
        return self._now.astimezone(self.tz).date()

    def set(self, at: dt.datetime) -> None:
        self._now = at if at.tzinfo else at.replace(tzinfo=self.tz)

    def advance(self, **delta: float) -> None:
        self._now += dt.timedelta(**delta)
