"""工作日调整: the year's working days month by month, and the county's own overrides."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select

from adapters.calendar.overrides import EXTRAS_KEY
from adapters.db.orm import AuditRecord, WorkdayOverride
from adapters.testing.pytest_plugin import csrf_token
from govcore.clock import FixedClock
from govcore.county import CalendarOverride
from tests.functional.signin import person, sign_in

# 2026's National Day holiday runs 1–7 October; Saturday the 10th is an adjusted working day.
NATIONAL_DAY = dt.date(2026, 10, 1)
WORKING_SATURDAY = dt.date(2026, 10, 10)
FRIDAY_BEFORE = dt.date(2026, 10, 9)
MONDAY_AFTER = dt.date(2026, 10, 12)
COUNTY_DAY = dt.date(2026, 12, 31)


@pytest.fixture(autouse=True)
def calendar_restored(platform):
    """The platform outlives the test's rolled-back transaction: give its calendar back as it was."""
    before = dict(platform.calendar.overrides)
    yield
    platform.calendar.set_overrides(before)


@pytest.fixture
def clock(platform, monkeypatch):
    fixed = FixedClock(dt.datetime(2026, 5, 6, 10, 0))
    monkeypatch.setattr(platform, "clock", fixed)
    return fixed


@pytest.fixture
def admin(testapp, dbsession, make_user, login, clock):
    user = person(dbsession, make_user, "caladmin", ["system_admin"])
    sign_in(testapp, login, user)
    return user


@pytest.fixture
def county_file_override(platform, monkeypatch):
    """county.toml sets 31 December as a rest day (the example county sets none)."""
    county = dataclasses.replace(platform.county,
                                 calendar_overrides=(CalendarOverride(COUNTY_DAY, False, "县庆放假"),))
    monkeypatch.setattr(platform, "county", county)
    return county


def audits(dbsession, action):
    rows = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)).all()
    return [(row, json.loads(row.summary)) for row in rows]


def rows(dbsession):
    dbsession.expire_all()
    return {row.day: (row.working, row.reason) for row in dbsession.scalars(select(WorkdayOverride))}


def cell(page, day: dt.date):
    return page.html.select_one(f'td[data-day="{day.isoformat()}"]')


def save(testapp, day, working, reason, status=302):
    form = testapp.get("/admin/calendar").forms["override-edit"]
    form["day"] = day
    if working is not None:
        form["working"] = working
    form["reason"] = reason
    return form.submit(status=status)


# --- access ---------------------------------------------------------------------------------------

def test_only_holders_of_the_calendar_permission_open_the_page(testapp, make_user, login, admin, dbsession):
    menu = testapp.get("/admin").html.select_one("nav.admin-menu")
    assert menu.find("a", string="工作日调整")["href"] == "/admin/calendar"
    testapp.reset()
    assert "/login" in testapp.get("/admin/calendar", status=302).location

    dbsession.add(WorkdayOverride(day=WORKING_SATURDAY, working=False, reason="县庆放假"))
    dbsession.commit()
    make_user("deptadmin", roles=["department_admin"])
    login("deptadmin")
    assert "工作日调整" not in testapp.get("/admin").html.select_one("nav.admin-menu").get_text()
    testapp.get("/admin/calendar", status=403)
    token = csrf_token(testapp)
    testapp.post("/admin/calendar", {"csrf_token": token, "day": "2026-10-11", "working": "1", "reason": "加班"},
                 status=403)
    testapp.post(f"/admin/calendar/{WORKING_SATURDAY}/delete", {"csrf_token": token}, status=403)
    assert rows(dbsession) == {WORKING_SATURDAY: (False, "县庆放假")}


# --- the year -------------------------------------------------------------------------------------

def test_the_current_year_is_shown_month_by_month(testapp, admin):
    page = testapp.get("/admin/calendar")
    assert page.html.select_one("#year-heading").get_text() == "2026年"
    assert page.forms["year-picker"]["year"].value == "2026"
    months = page.html.select("table.calendar-month")
    assert [m.caption.get_text(" ", strip=True).split()[0] for m in months] == [f"2026年{n}月" for n in range(1, 13)]
    assert [th.get_text() for th in months[0].select("thead th")] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    # 1 January 2026 is a Thursday: the first week starts with three empty cells.
    assert len(months[0].select("tbody tr")[0].select("td.day-outside")) == 3
    assert "已收录" in page.html.select_one("#coverage").get_text()

    holiday = cell(page, NATIONAL_DAY)
    assert "休息日" in holiday.get_text() and "国庆节" in holiday.get_text() and "day-rest" in holiday["class"]
    saturday = cell(page, WORKING_SATURDAY)
    assert "工作日" in saturday.get_text() and "调休上班" in saturday.get_text() and "day-work" in saturday["class"]
    assert "休息日" in cell(page, dt.date(2026, 10, 11)).get_text()  # an ordinary Sunday
    assert "工作日" in cell(page, dt.date(2026, 10, 13)).get_text()  # an ordinary Tuesday
    assert cell(page, dt.date(2026, 5, 6))["aria-current"] == "date"
    # October 2026: 22 weekdays, 5 of them in the holiday, plus the adjusted Saturday.
    assert "工作日 18 天" in months[9].caption.get_text()
    assert "2026年没有本县调整" in page.text


def test_a_year_without_the_official_arrangement_is_flagged(testapp, admin, platform):
    year = 2099
    assert not platform.calendar.covers(year)
    page = testapp.get(f"/admin/calendar?year={year}")
    assert page.html.select_one("#year-heading").get_text() == f"{year}年"
    assert "尚未收录2099年的法定节假日安排" in page.html.select_one("#coverage").get_text()
    # Monday to Friday, until the arrangement is known.
    assert "工作日" in cell(page, dt.date(year, 10, 1)).get_text()
    assert "休息日" in cell(page, dt.date(year, 10, 3)).get_text()


def test_a_year_that_cannot_be_read_shows_the_current_one(testapp, admin):
    for value in ("abc", "1850", "20260"):
        page = testapp.get(f"/admin/calendar?year={value}")
        assert page.html.select_one("#year-heading").get_text() == "2026年"


# --- adding, replacing, deleting ------------------------------------------------------------------

def test_an_adjusted_working_saturday_made_a_rest_day(testapp, admin, platform, dbsession):
    calendar = platform.calendar
    assert calendar.is_working_day(WORKING_SATURDAY)
    assert calendar.add_working_days(FRIDAY_BEFORE, 1) == WORKING_SATURDAY

    response = save(testapp, "2026-10-10", "0", "  防汛应急，改为休息  ")
    assert response.location.endswith("/admin/calendar?year=2026#overrides")
    assert rows(dbsession) == {WORKING_SATURDAY: (False, "防汛应急，改为休息")}
    # This process's calendar changed as soon as the request committed.
    assert not calendar.is_working_day(WORKING_SATURDAY)
    assert calendar.add_working_days(FRIDAY_BEFORE, 1) == MONDAY_AFTER
    assert calendar.working_days_between(FRIDAY_BEFORE, MONDAY_AFTER) == 1

    page = response.follow()
    assert "已将 2026-10-10 调整为休息日" in page.html.select_one(".flash-success").get_text()
    day = cell(page, WORKING_SATURDAY)
    assert "day-override" in day["class"] and "day-rest" in day["class"]
    assert "休息日" in day.get_text() and "防汛应急，改为休息" in day.get_text()
    listed = page.html.select_one("#override-2026-10-10").get_text(" ", strip=True)
    assert "休息日" in listed and "防汛应急，改为休息" in listed and "周六" in listed

    record, summary = audits(dbsession, "calendar.override_set")[-1]
    assert (record.actor_login, record.object_type, record.object_id, record.result) == (
        "caladmin", "workday_override", "2026-10-10", "success")
    assert summary == {"day": "2026-10-10", "working": False, "reason": "防汛应急，改为休息", "before": None}


def test_saving_a_day_again_replaces_its_override(testapp, admin, platform, dbsession):
    save(testapp, "2026-10-10", "0", "县庆放假")
    form = testapp.get("/admin/calendar?year=2026&edit=2026-10-10").forms["override-edit"]
    assert (form["day"].value, form["working"].value, form["reason"].value) == ("2026-10-10", "0", "县庆放假")
    form["working"] = "1"
    form["reason"] = "照常上班"
    assert "已将 2026-10-10 调整为工作日" in form.submit(status=302).follow().text
    assert rows(dbsession) == {WORKING_SATURDAY: (True, "照常上班")}
    assert platform.calendar.is_working_day(WORKING_SATURDAY)
    _record, summary = audits(dbsession, "calendar.override_set")[-1]
    assert summary["before"] == {"working": False, "reason": "县庆放假"}
    assert len(audits(dbsession, "calendar.override_set")) == 2

    # Saving it unchanged changes nothing and records nothing.
    save(testapp, "2026-10-10", "1", "照常上班")
    assert len(audits(dbsession, "calendar.override_set")) == 2


def test_deleting_an_override_restores_the_official_arrangement(testapp, admin, platform, dbsession):
    save(testapp, "2026-10-10", "0", "县庆放假")
    assert platform.calendar.add_working_days(FRIDAY_BEFORE, 1) == MONDAY_AFTER
    page = testapp.get("/admin/calendar?year=2026")
    form = next(f for f in page.forms.values() if f.action == "/admin/calendar/2026-10-10/delete")
    response = form.submit(status=302)
    assert rows(dbsession) == {}
    assert platform.calendar.is_working_day(WORKING_SATURDAY)
    assert platform.calendar.add_working_days(FRIDAY_BEFORE, 1) == WORKING_SATURDAY
    page = response.follow()
    assert "已删除 2026-10-10 的调整" in page.text
    assert "day-override" not in cell(page, WORKING_SATURDAY)["class"]
    record, summary = audits(dbsession, "calendar.override_delete")[-1]
    assert (record.actor_login, record.object_id) == ("caladmin", "2026-10-10")
    assert summary == {"day": "2026-10-10", "working": False, "reason": "县庆放假"}
    # Gone already: nothing to delete.
    testapp.post("/admin/calendar/2026-10-10/delete", {"csrf_token": csrf_token(testapp)}, status=404)
    testapp.post("/admin/calendar/not-a-day/delete", {"csrf_token": csrf_token(testapp)}, status=404)


def test_an_override_in_another_year_is_listed_under_its_year(testapp, admin, dbsession):
    response = save(testapp, "2027-02-20", "1", "春节后补班")
    assert response.location.endswith("/admin/calendar?year=2027#overrides")
    assert "春节后补班" in response.follow().html.select_one("#override-2027-02-20").get_text()
    assert "2026年没有本县调整" in testapp.get("/admin/calendar?year=2026").text


# --- refused input --------------------------------------------------------------------------------

@pytest.mark.parametrize("day, working, reason, field, message", [
    ("2026-13-45", "0", "县庆放假", "day", "日期格式不正确"),
    ("", "0", "县庆放假", "day", "请填写日期"),
    ("1999-12-31", "0", "县庆放假", "day", "日期须在 2000 年至 2099 年之间"),
    ("2026-10-10", "0", "   ", "reason", "请填写调整事由"),
    ("2026-10-10", "0", "事" * 201, "reason", "调整事由不能超过 200 个字（现有 201 个字）"),
    ("2026-10-10", None, "县庆放假", "working", "请选择这一天上班还是休息"),
])
def test_refused_input_keeps_the_form_with_a_chinese_message(testapp, admin, platform, dbsession,
                                                            day, working, reason, field, message):
    page = save(testapp, day, working, reason, status=400)
    assert message in page.html.select_one("#form-errors").get_text()
    error = page.html.select_one(f"#override-{field}-error")
    assert message in error.get_text()
    form = page.forms["override-edit"]
    assert (form["day"].value, form["reason"].value) == (day, reason.strip())
    assert form["working"].value == working
    if field != "working":
        assert page.html.select_one(f"#override-{field}")["aria-invalid"] == "true"
    assert rows(dbsession) == {}
    assert platform.calendar.is_working_day(WORKING_SATURDAY)
    assert audits(dbsession, "calendar.override_set") == []


def test_the_post_needs_the_csrf_token(testapp, admin, dbsession):
    testapp.post("/admin/calendar", {"day": "2026-10-10", "working": "0", "reason": "县庆放假"}, status=400)
    assert rows(dbsession) == {}


# --- county.toml ----------------------------------------------------------------------------------

def test_overrides_from_county_toml_are_shown_read_only(testapp, admin, platform, dbsession, county_file_override):
    # govcore init copied it into the table once; county.toml still decides, even over a stale copy.
    dbsession.add(WorkdayOverride(day=COUNTY_DAY, working=True, reason="旧的副本"))
    dbsession.commit()
    page = testapp.get("/admin/calendar?year=2026")
    listed = page.html.select_one("#override-2026-12-31")
    assert "来自 county.toml" in listed.get_text() and "县庆放假" in listed.get_text()
    assert "旧的副本" not in page.text
    assert listed.select("form") == [] and listed.select("a") == []
    assert "休息日" in cell(page, COUNTY_DAY).get_text()

    refused = save(testapp, "2026-12-31", "1", "照常上班", status=400)
    assert "county.toml" in refused.html.select_one("#override-day-error").get_text()
    testapp.post("/admin/calendar/2026-12-31/delete", {"csrf_token": csrf_token(testapp)}, status=404)
    assert rows(dbsession) == {COUNTY_DAY: (True, "旧的副本")}

    save(testapp, "2026-10-10", "0", "防汛应急")  # reloading the calendar keeps county.toml's word
    assert not platform.calendar.is_working_day(COUNTY_DAY)


# --- other processes ------------------------------------------------------------------------------

def test_other_processes_pick_changes_up_without_a_query_on_every_request(testapp, admin, platform, dbsession,
                                                                         monkeypatch):
    # A process whose last read is older than the interval (here: one that never read) reads on its next request.
    monkeypatch.delitem(platform.extras, EXTRAS_KEY, raising=False)
    dbsession.add(WorkdayOverride(day=WORKING_SATURDAY, working=False, reason="另一进程录入"))
    dbsession.commit()
    assert platform.calendar.is_working_day(WORKING_SATURDAY)
    testapp.get("/admin")
    assert not platform.calendar.is_working_day(WORKING_SATURDAY)

    # Within the interval, a change made elsewhere waits for the next read.
    dbsession.get(WorkdayOverride, WORKING_SATURDAY).working = True
    dbsession.commit()
    testapp.get("/admin")
    assert not platform.calendar.is_working_day(WORKING_SATURDAY)
    # The page itself reads the table, so it already shows the change.
    page = testapp.get("/admin/calendar?year=2026")
    assert "工作日" in cell(page, WORKING_SATURDAY).get_text()
