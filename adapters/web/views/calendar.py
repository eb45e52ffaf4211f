"""工作日调整: the county's own working-day decisions on top of the official holiday arrangement.

Statutory deadlines are counted on the platform's :class:`govcore.calendar.WorkCalendar`. This
page shows a year month by month as that calendar sees it, and lets the holders of
``admin.calendar`` add, replace and delete the county's overrides. Overrides set in county.toml
are shown but not editable here. After a change commits, this process's calendar is reloaded;
the others pick the change up within a minute (:mod:`adapters.calendar.overrides`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from pyramid.config import Configurator
from pyramid.events import NewRequest
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.i18n import TranslationString
from pyramid.request import Request
from sqlalchemy import select

from adapters.calendar.overrides import load_overrides, refresh_calendar_if_stale
from adapters.db.orm import WorkdayOverride
from adapters.web.i18n import _
from govcore.calendar import ONE_DAY, WorkCalendar
from govcore.core_plugin import ADMIN_CALENDAR

T = "adapters.web:templates/"
REASON_MAX = 200  # the width of core_workday_override.reason
FIRST_YEAR, LAST_YEAR = 2000, 2099
YEARS_AROUND = 2  # the year selector offers this many years either side of the current one
WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))
WORKING, RESTING = "1", "0"


def includeme(config: Configurator) -> None:
    config.add_route("admin.calendar", "/admin/calendar")
    config.add_route("admin.calendar_delete", "/admin/calendar/{day}/delete")
    page = T + "admin_calendar.pt"
    config.add_view(calendar_page, route_name="admin.calendar", request_method="GET", renderer=page,
                    permission=ADMIN_CALENDAR)
    config.add_view(set_override, route_name="admin.calendar", request_method="POST", renderer=page,
                    permission=ADMIN_CALENDAR)
    config.add_view(delete_override, route_name="admin.calendar_delete", request_method="POST",
                    permission=ADMIN_CALENDAR)
    config.add_subscriber(_refresh_calendar, NewRequest)


def _refresh_calendar(event: NewRequest) -> None:
    refresh_calendar_if_stale(event.request.registry["platform"])


# --- what the page shows ------------------------------------------------------------------------

@dataclass(frozen=True)
class Override:
    day: dt.date
    working: bool
    reason: str
    from_county_file: bool  # set in county.toml: shown, not editable here


@dataclass(frozen=True)
class Day:
    day: dt.date
    working: bool
    holiday: str | None  # the official holiday's name
    adjusted: bool  # a weekend day officially made a working day (调休上班)
    override: Override | None


@dataclass(frozen=True)
class Month:
    number: int
    weeks: list[list[Day | None]]  # Monday first; None pads the days of the months either side
    working_days: int


def _overrides(request: Request) -> dict[dt.date, Override]:
    county_file = {entry.day: entry for entry in request.platform.county.calendar_overrides}
    overrides = {row.day: Override(row.day, row.working, row.reason, False)
                 for row in request.dbsession.scalars(select(WorkdayOverride))
                 if row.day not in county_file}
    overrides.update({day: Override(day, entry.working, entry.reason, True) for day, entry in county_file.items()})
    return overrides


def _months(calendar: WorkCalendar, year: int, overrides: dict[dt.date, Override]) -> list[Month]:
    source = calendar.source
    covered = calendar.covers(year)
    months = []
    for number in range(1, 13):
        first = dt.date(year, number, 1)
        day = first - dt.timedelta(days=first.weekday())
        weeks: list[list[Day | None]] = []
        working_days = 0
        while day.year < year or (day.year == year and day.month <= number):
            week: list[Day | None] = []
            for _weekday in range(7):
                if day.month != number:
                    week.append(None)
                else:
                    working = calendar.is_working_day(day)
                    if working:
                        working_days += 1
                    week.append(Day(
                        day, working,
                        holiday=source.holiday_name(day) if covered else None,
                        adjusted=covered and day.weekday() >= 5 and source.is_working_day(day),
                        override=overrides.get(day)))
                day += ONE_DAY
            weeks.append(week)
        months.append(Month(number, weeks, working_days))
    return months


def _year(request: Request, today: dt.date) -> int:
    text = request.params.get("year", "")
    year = int(text) if text.isdigit() and len(text) == 4 else today.year
    return year if FIRST_YEAR <= year <= LAST_YEAR else today.year


def _page(request: Request, year: int, values: dict, errors: dict[str, TranslationString]) -> dict:
    platform = request.platform
    today = platform.clock.today()
    overrides = _overrides(request)
    # Read from the database here, so the page is current even while this process's calendar is not.
    calendar = WorkCalendar(platform.calendar.source, {day: o.working for day, o in overrides.items()})
    years = sorted({*range(today.year - YEARS_AROUND, today.year + YEARS_AROUND + 1), year,
                    *(day.year for day in overrides)})
    return {
        "year": year,
        "years": [y for y in years if FIRST_YEAR <= y <= LAST_YEAR],
        "today": today,
        "covered": calendar.covers(year),
        "coverage_warning": platform.calendar.coverage_warning(today),
        "months": _months(calendar, year, overrides),
        "overrides": sorted((o for o in overrides.values() if o.day.year == year), key=lambda o: o.day),
        "weekdays": WEEKDAYS,
        "values": values,
        "errors": errors,
        "reason_max": REASON_MAX,
        "first_day": dt.date(FIRST_YEAR, 1, 1),
        "last_day": dt.date(LAST_YEAR, 12, 31),
    }


def calendar_page(request: Request) -> dict:
    """The year's calendar; ``?edit=YYYY-MM-DD`` fills the form with that day's override to change it."""
    year = _year(request, request.platform.clock.today())
    values = {"day": "", "working": "", "reason": ""}
    editing = _day(request.GET.get("edit", ""))
    if editing is not None:
        row = request.dbsession.get(WorkdayOverride, editing)
        if row is not None and not _from_county_file(request, editing):
            values = {"day": editing.isoformat(), "working": WORKING if row.working else RESTING,
                      "reason": row.reason}
    return _page(request, year, values, {})


# --- changes ------------------------------------------------------------------------------------

def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _from_county_file(request: Request, day: dt.date) -> bool:
    return any(entry.day == day for entry in request.platform.county.calendar_overrides)


def _validate(request: Request, values: dict) -> dict[str, TranslationString]:
    errors: dict[str, TranslationString] = {}
    day = _day(values["day"])
    if not values["day"].strip():
        errors["day"] = _("请填写日期")
    elif day is None:
        errors["day"] = _("日期格式不正确，请按“2026-10-10”的格式填写")
    elif not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors["day"] = _("日期须在 ${first} 年至 ${last} 年之间", mapping={"first": FIRST_YEAR, "last": LAST_YEAR})
    elif _from_county_file(request, day):
        errors["day"] = _("这一天的调整写在 county.toml 中，只能在该配置文件中修改")
    if values["working"] not in (WORKING, RESTING):
        errors["working"] = _("请选择这一天上班还是休息")
    if not values["reason"]:
        errors["reason"] = _("请填写调整事由")
    elif len(values["reason"]) > REASON_MAX:
        errors["reason"] = _("调整事由不能超过 ${limit} 个字（现有 ${length} 个字）",
                             mapping={"limit": REASON_MAX, "length": len(values["reason"])})
    return errors


def set_override(request: Request):
    """Add an override, or replace the one the day already has."""
    post = request.POST
    values = {"day": post.get("day", ""), "working": post.get("working", ""), "reason": post.get("reason", "").strip()}
    errors = _validate(request, values)
    if errors:
        request.response.status_int = 400
        day = _day(values["day"])
        year = day.year if day is not None and FIRST_YEAR <= day.year <= LAST_YEAR else _year(
            request, request.platform.clock.today())
        return _page(request, year, values, errors)

    day = _day(values["day"])
    working = values["working"] == WORKING
    row = request.dbsession.get(WorkdayOverride, day)
    before = {"working": row.working, "reason": row.reason} if row is not None else None
    if before != {"working": working, "reason": values["reason"]}:
        if row is None:
            request.dbsession.add(WorkdayOverride(day=day, working=working, reason=values["reason"]))
        else:
            row.working, row.reason = working, values["reason"]
        request.audit("calendar.override_set", "workday_override", day.isoformat(), summary={
            "day": day.isoformat(), "working": working, "reason": values["reason"], "before": before})
        request.uow.after_commit(partial(load_overrides, request.platform))
    mapping = {"day": day.isoformat()}
    _flash(request, _("已将 ${day} 调整为工作日", mapping=mapping) if working
           else _("已将 ${day} 调整为休息日", mapping=mapping))
    return HTTPFound(location=request.route_path("admin.calendar", _query={"year": day.year}, _anchor="overrides"))


def delete_override(request: Request):
    day = _day(request.matchdict["day"])
    row = request.dbsession.get(WorkdayOverride, day) if day is not None else None
    if row is None or _from_county_file(request, day):
        raise HTTPNotFound()
    request.dbsession.delete(row)
    request.audit("calendar.override_delete", "workday_override", day.isoformat(), summary={
        "day": day.isoformat(), "working": row.working, "reason": row.reason})
    request.uow.after_commit(partial(load_overrides, request.platform))
    _flash(request, _("已删除 ${day} 的调整", mapping={"day": day.isoformat()}))
    return HTTPFound(location=request.route_path("admin.calendar", _query={"year": day.year}, _anchor="overrides"))


def _flash(request: Request, text: TranslationString) -> None:
    request.session.flash(request.localizer.translate(text), "success")
