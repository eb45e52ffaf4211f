"""Time, so that the core never calls ``datetime.now()`` and tests can move it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    tz: dt.tzinfo  # the county's timezone, in which days (and so deadlines) begin and end

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware, in the county's timezone."""

    def today(self) -> dt.date:
        """The current date in the county's timezone."""
