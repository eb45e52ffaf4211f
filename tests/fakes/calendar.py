"""A holiday source with the real 2026 autumn arrangement, for unit tests that must not need the package."""

from __future__ import annotations

import datetime as dt

# 国务院办公厅 2026 arrangement: 中秋节 25–27 September, 国庆节 1–7 October; 20 September (Sunday)
# and 10 October (Saturday) are working days.
HOLIDAYS = {dt.date(2026, 9, d): "中秋节" for d in (25, 26, 27)} | {dt.date(2026, 10, d): "国庆节" for d in range(1, 8)}
ADJUSTED_WORKING_DAYS = {dt.date(2026, 9, 20), dt.date(2026, 10, 10)}


class Arrangement2026:
    def covers(self, year: int) -> bool:
        return year == 2026

    def is_working_day(self, day: dt.date) -> bool:
        if day in ADJUSTED_WORKING_DAYS:
            return True
        return day.weekday() < 5 and day not in HOLIDAYS

    def holiday_name(self, day: dt.date) -> str | None:
        return HOLIDAYS.get(day)
