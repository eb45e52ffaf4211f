"""Working days: the official holiday arrangement, the county's own overrides, and a fallback.

Statutory deadlines (20 working days for a disclosure request, 15 for a letter…) are counted here.
The State Council publishes each year's arrangement late in the year before, so a year the holiday
source does not cover yet falls back to Monday–Friday, and administrators are warned.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

from ports.calendar import HolidaySource

ONE_DAY = dt.timedelta(days=1)


class WorkCalendar:
    def __init__(self, source: HolidaySource, overrides: Mapping[dt.date, bool] | None = None):
        self.source = source
        # The county's own decisions (e.g. a local holiday, an emergency working Saturday) win.
        self.overrides: dict[dt.date, bool] = dict(overrides or {})

    def set_overrides(self, overrides: Mapping[dt.date, bool]) -> None:
        self.overrides = dict(overrides)

    def covers(self, year: int) -> bool:
        return self.source.covers(year)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if self.source.covers(day.year):
            return self.source.is_working_day(day)
        return day.weekday() < 5

    def holiday_name(self, day: dt.date) -> str | None:
        if self.overrides.get(day) is False:
            return "本县休息日"
        if self.source.covers(day.year):
            return self.source.holiday_name(day)
        return None

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The day on which ``days`` working days after ``start`` have elapsed (``start`` not counted).

        A request received on a Friday before National Day with a 20-working-day limit is due 20
        working days later, skipping the holiday and counting the adjusted working weekend.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        remaining = days
        while remaining:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie after ``start`` up to and including ``end`` (negative if reversed)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def coverage_warning(self, today: dt.date, horizon_days: int = 90) -> str | None:
        """A warning for administrators when deadlines soon fall in a year without an arrangement."""
        years = sorted({today.year, (today + dt.timedelta(days=horizon_days)).year})
        missing = [year for year in years if not self.source.covers(year)]
        if not missing:
            return None
        listed = "、".join(f"{year}年" for year in missing)
        return (
            f"系统尚未收录{listed}的法定节假日安排，这些年份的工作日暂按周一至周五计算；"
            "请升级 chinese-calendar 软件包，或在“工作日调整”中录入本年度放假安排。"
        )
