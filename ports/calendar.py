"""Where the official Chinese holiday arrangement comes from."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class HolidaySource(Protocol):
    """The State Council's published holiday arrangement (放假安排) for the years it covers."""

    def covers(self, year: int) -> bool:
        """Whether the arrangement for ``year`` has been published and is known here."""

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is an official working day, including adjusted working weekends (调休).

        Only called for years that :meth:`covers` accepts.
        """

    def holiday_name(self, day: dt.date) -> str | None:
        """The public holiday ``day`` belongs to (e.g. 国庆节), or None."""
