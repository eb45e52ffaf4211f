import datetime as dt

from govcore.calendar import WorkCalendar


class PublishedYears:
    """A holiday source that knows 2026's National Day arrangement and nothing of 2027."""

    holidays = {dt.date(2026, 10, d) for d in range(1, 9)}
    adjusted_working = {dt.date(2026, 9, 27), dt.date(2026, 10, 10)}

    def covers(self, year):
        return year == 2026

    def is_working_day(self, day):
        if day in self.adjusted_working:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def holiday_name(self, day):
        return "国庆节" if day in self.holidays else None


def test_deadline_skips_national_day_and_counts_the_adjusted_weekend():
    calendar = WorkCalendar(PublishedYears())
    # Received Wednesday 30 September: working days after it are 9 Oct (Fri), 10 Oct (Sat, adjusted)…
    assert calendar.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 9)
    assert calendar.add_working_days(dt.date(2026, 9, 30), 2) == dt.date(2026, 10, 10)
    assert calendar.add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 12)
    assert calendar.holiday_name(dt.date(2026, 10, 2)) == "国庆节"


def test_working_days_between_is_the_inverse_of_adding():
    calendar = WorkCalendar(PublishedYears())
    start = dt.date(2026, 9, 25)
    for days in range(0, 30):
        assert calendar.working_days_between(start, calendar.add_working_days(start, days)) == days
    assert calendar.working_days_between(dt.date(2026, 10, 12), start) < 0


def test_uncovered_year_falls_back_to_weekdays_and_warns():
    calendar = WorkCalendar(PublishedYears())
    assert calendar.is_working_day(dt.date(2027, 1, 1))  # a Friday: unknown arrangement, so working
    assert not calendar.is_working_day(dt.date(2027, 1, 2))  # Saturday
    warning = calendar.coverage_warning(dt.date(2026, 11, 25))
    assert warning is not None and "2027年" in warning
    assert calendar.coverage_warning(dt.date(2026, 6, 1)) is None


def test_county_overrides_win():
    calendar = WorkCalendar(PublishedYears(), {dt.date(2026, 10, 12): False, dt.date(2026, 10, 3): True})
    assert not calendar.is_working_day(dt.date(2026, 10, 12))
    assert calendar.is_working_day(dt.date(2026, 10, 3))
    assert calendar.holiday_name(dt.date(2026, 10, 12)) == "本县休息日"


def test_real_chinese_calendar_source():
    from adapters.calendar.chinese_calendar_source import ChineseCalendarSource

    source = ChineseCalendarSource()
    assert source.covers(2026) and not source.covers(1990)
    assert not source.is_working_day(dt.date(2026, 10, 1))
    assert source.holiday_name(dt.date(2026, 10, 1)) == "国庆节"
    calendar = WorkCalendar(source)
    # 20 working days from the start of the 2026 National Day holiday.
    due = calendar.add_working_days(dt.date(2026, 9, 30), 20)
    assert calendar.working_days_between(dt.date(2026, 9, 30), due) == 20
    assert due > dt.date(2026, 9, 30) + dt.timedelta(days=28)
