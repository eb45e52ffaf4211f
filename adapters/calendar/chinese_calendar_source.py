"""The official holiday arrangement from the ``chinese-calendar`` package."""

from __future__ import annotations

import datetime as dt

import chinese_calendar

_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class ChineseCalendarSource:
    def covers(self, year: int) -> bool:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_working_day(self, day: dt.date) -> bool:
        return chinese_calendar.is_workday(day)

    def holiday_name(self, day: dt.date) -> str | None:
        on_holiday, holiday = chinese_calendar.get_holiday_detail(day)
        if not on_holiday or holiday is None:
            return None
        return _HOLIDAY_NAMES.get(str(holiday), str(holiday))
