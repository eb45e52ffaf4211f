"""The task inbox (待办 / 已办 / 我发起的), general approvals, case pages, approval sheets and the
overview of a unit's open and overdue cases, driven through the web like staff use them."""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from adapters.db.orm import AuditRecord, OrgUnit, Role, RoleAssignment, User
from adapters.db.workflow_orm import WorkflowCaseRow, WorkflowHistoryRow
from adapters.testing.pytest_plugin import TEST_PASSWORD
from govcore.workflow.definition import (ACTOR_PERSON, MODE_ALL, STEP_PUBLICITY, UNIT_CALENDAR_DAYS,
                                         UNIT_WORKING_DAYS, Actor, Definition, Duration, Step)
from govcore.workflow.service import Workflows
from tests.functional.signin import person

KEY = "test.purchase"
# A Wednesday clear of holidays: two working days later is the end of Friday 5 June.
STARTED = dt.datetime(2026, 6, 3, 10, 0)
DUE_LOCAL = "2026-06-05 24:00"


@pytest.fixture
def clock(stop_clock):
    """A clock the test moves (db_connection keeps the timers in memory: these tests look at pages)."""
    return stop_clock(STARTED)


@pytest.fixture
def units(dbsession):
    """测试局 with two sections under it."""
    bureau = OrgUnit(name="测试局", kind="department", position=90)
    dbsession.add(bureau)
    dbsession.flush()
    first = OrgUnit(name="一科", kind="department", parent_id=bureau.id, position=1)
    second = OrgUnit(name="二科", kind="department", parent_id=bureau.id, position=2)
    dbsession.add_all([first, second])
    dbsession.commit()
    return SimpleNamespace(bureau=bureau.id, first=first.id, second=second.id)


@pytest.fixture
def staff(dbsession, make_user, clock, units):
    made = SimpleNamespace(**{name: make_user(f"wf-{name}") for name in
                              ("initiator", "reviewer", "signer1", "signer2", "outsider", "spare")})
    for user in vars(made).values():
        user.org_unit_id = units.first
    made.outsider.org_unit_id = units.second
    dbsession.commit()
    return made


def purchase(staff) -> Definition:
    return Definition(KEY, "采购审批", (
        Step("review", "科室审核", actors=(Actor(ACTOR_PERSON, user_id=staff.reviewer.id),),
             deadline=Duration(2, UNIT_WORKING_DAYS)),
        Step("sign", "领导会签", actors=(Actor(ACTOR_PERSON, user_id=staff.signer1.id),
                                      Actor(ACTOR_PERSON, user_id=staff.signer2.id)),
             mode=MODE_ALL, opinion_required=True),
    ), description="办公设备等采购事项", general=True)


@pytest.fixture
def procedure(platform, db_connection, staff):
    with platform.unit_of_work() as uow:
        return Workflows(platform, uow).save_definition(purchase(staff), author_id=staff.initiator.id).definition


def sign_in_as(testapp, login, user):
    testapp.reset()
    login(user.login)


def start_case(testapp, title: str, body: str = "", key: str = KEY) -> int:
    form = testapp.get("/admin/tasks/new").forms["start-form"]
    form["procedure"] = key
    form["title"] = title
    form["body"] = body
    response = form.submit(status=302)
    return int(re.fullmatch(r".*/admin/tasks/cases/(\d+)", response.location).group(1))


def case_page(testapp, case_id: int, status: int = 200):
    return testapp.get(f"/admin/tasks/cases/{case_id}", status=status)


def act(testapp, case_id: int, action: str, status: int = 302, **fields):
    form = case_page(testapp, case_id).forms[f"act-{action}"]
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def action_forms(page) -> list[str]:
    return [form["id"] for form in page.html.select('form[id^="act-"]')]


def inbox(testapp, tab: str = "todo"):
    return testapp.get("/admin/tasks", {"tab": tab})


def listed(page, case_id: int):
    return page.html.select_one(f'#task-list tr[data-case="{case_id}"]')


def text(element) -> str:
    return " ".join(element.get_text(" ").split())


def history(dbsession, case_id: int) -> list[tuple[str, str, str]]:
    dbsession.expire_all()
    rows = dbsession.scalars(select(WorkflowHistoryRow).where(WorkflowHistoryRow.case_id == case_id)
                             .order_by(WorkflowHistoryRow.id))
    return [(row.actor_name, row.action, row.opinion) for row in rows]


def audits(dbsession, action: str, case_id: int):
    rows = dbsession.scalars(select(AuditRecord).where(AuditRecord.action == action,
                                                       AuditRecord.object_id == str(case_id))
                             .order_by(AuditRecord.id)).all()
    return [(row, json.loads(row.summary)) for row in rows]


def audit_count(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(AuditRecord))


# --- a case from start to approval ---------------------------------------------------------------

def test_a_general_approval_runs_from_start_to_approval(testapp, login, dbsession, staff, procedure, platform):
    sign_in_as(testapp, login, staff.initiator)
    new = testapp.get("/admin/tasks/new")
    assert "采购审批" in new.text and "办公设备等采购事项" in new.text
    case_id = start_case(testapp, "购买激光打印机", "打印量大，需要一台激光打印机。\n预算 3000 元。")
    page = case_page(testapp, case_id)
    assert page.html.select_one("h1").get_text() == "购买激光打印机"
    assert text(page.html.select_one("#case-status")) == "办理中"
    assert text(page.html.select_one("#case-step")) == "科室审核"
    assert DUE_LOCAL in text(page.html.select_one("#case-due"))
    assert "预算 3000 元。" in page.html.select_one("#case-body").get_text()
    assert page.html.select_one('#case-diagram svg g.wf-current[data-step="review"]') is not None
    assert action_forms(page) == ["act-withdraw"]
    mine = listed(inbox(testapp, "mine"), case_id)
    assert "购买激光打印机" in text(mine) and "办理中" in text(mine) and "科室审核" in text(mine)
    assert inbox(testapp).html.select_one("#task-empty") is not None

    # The reviewer finds it in 待办 and approves with an opinion.
    sign_in_as(testapp, login, staff.reviewer)
    row = listed(inbox(testapp), case_id)
    assert row is not None
    for expected in ("购买激光打印机", "采购审批", "科室审核", "wf-initiator", "2026-06-03 10:00", DUE_LOCAL):
        assert expected in text(row)
    assert "已超期" not in text(row) and "即将到期" not in text(row)
    before = audit_count(dbsession)
    act(testapp, case_id, "approve", opinion="情况属实，同意采购。")
    assert audit_count(dbsession) == before + 1
    assert listed(inbox(testapp), case_id) is None
    done = listed(inbox(testapp, "done"), case_id)
    assert "同意（科室审核）" in text(done) and "办理中：领导会签" in text(done)

    # One of the countersigners returns it to the initiator.
    sign_in_as(testapp, login, staff.signer1)
    assert listed(inbox(testapp), case_id) is not None
    page = case_page(testapp, case_id)
    assert {option["value"] for option in page.html.select("#target-return option")} == {"", "start", "review"}
    act(testapp, case_id, "return", target="start", opinion="请补充三家报价单。")
    assert listed(inbox(testapp, "done"), case_id) is not None

    # The initiator resubmits; it runs through both steps again and is approved.
    sign_in_as(testapp, login, staff.initiator)
    page = case_page(testapp, case_id)
    assert text(page.html.select_one("#case-status")) == "待发起人处理"
    assert action_forms(page) == ["act-resubmit", "act-cancel"]
    assert "退回至：发起人" in text(page.html.select_one("#case-timeline"))
    assert "待发起人处理" in text(listed(inbox(testapp, "mine"), case_id))
    act(testapp, case_id, "resubmit", opinion="已补充报价单。")

    sign_in_as(testapp, login, staff.reviewer)
    act(testapp, case_id, "approve", opinion="同意。")
    sign_in_as(testapp, login, staff.signer1)
    act(testapp, case_id, "approve", opinion="同意采购。")
    page = case_page(testapp, case_id)
    assert text(page.html.select_one("#case-status")) == "办理中"
    assert [text(th) for th in page.html.select("#case-pending tbody th")] == ["wf-signer2"]
    sign_in_as(testapp, login, staff.signer2)
    act(testapp, case_id, "approve", opinion="同意，尽快采购。")

    page = case_page(testapp, case_id)
    assert text(page.html.select_one("#case-status")) == "已办结（通过）"
    assert page.html.select_one("#actions") is None
    assert history(dbsession, case_id) == [
        ("wf-initiator", "start", ""),
        ("wf-reviewer", "approve", "情况属实，同意采购。"),
        ("wf-signer1", "return", "请补充三家报价单。"),
        ("wf-initiator", "resubmit", "已补充报价单。"),
        ("wf-reviewer", "approve", "同意。"),
        ("wf-signer1", "approve", "同意采购。"),
        ("wf-signer2", "approve", "同意，尽快采购。"),
    ]
    done = listed(inbox(testapp, "done"), case_id)
    assert "同意（领导会签）" in text(done) and "已办结（通过）" in text(done)
    sign_in_as(testapp, login, staff.initiator)
    assert "已办结（通过）" in text(listed(inbox(testapp, "mine"), case_id))
    assert listed(inbox(testapp, "done"), case_id) is not None  # the resubmission

    # The approval sheet holds every decision with its opinion, in order, and the result.
    sheet = testapp.get(f"/admin/tasks/cases/{case_id}/sheet")
    assert platform.county.full_name in sheet.text
    assert text(sheet.html.select_one("#sheet-number")) == f"2026-{case_id:06d}"
    assert text(sheet.html.select_one("#sheet-title")) == "购买激光打印机"
    decisions = [[text(cell) for cell in row.select("td")] for row in sheet.html.select("#sheet-decisions tbody tr")]
    assert [(row[0], row[1], row[2], row[3].split(" ")[0]) for row in decisions] == [
        ("科室审核", "wf-reviewer", "情况属实，同意采购。", "同意"),
        ("领导会签", "wf-signer1", "请补充三家报价单。", "退回"),
        ("—", "wf-initiator", "已补充报价单。", "重新提交"),
        ("科室审核", "wf-reviewer", "同意。", "同意"),
        ("领导会签", "wf-signer1", "同意采购。", "同意"),
        ("领导会签", "wf-signer2", "同意，尽快采购。", "同意"),
    ]
    assert "已办结（通过）" in text(sheet.html.select_one("#sheet-result"))

    # Every action left exactly one audit record, from the person's address, with its opinion.
    approvals = audits(dbsession, "workflow.approve", case_id)
    assert [(row.actor_login, summary["opinion"]) for row, summary in approvals] == [
        ("wf-reviewer", "情况属实，同意采购。"), ("wf-reviewer", "同意。"), ("wf-signer1", "同意采购。"),
        ("wf-signer2", "同意，尽快采购。")]
    assert all(row.ip == "127.0.0.1" and row.result == "success" for row, _summary in approvals)
    (returned, summary), = audits(dbsession, "workflow.return", case_id)
    assert (returned.actor_login, summary["target"], summary["opinion"]) == ("wf-signer1", "start", "请补充三家报价单。")
    assert [row.actor_login for row, _summary in audits(dbsession, "workflow.start", case_id)] == ["wf-initiator"]
    assert len(audits(dbsession, "workflow.resubmit", case_id)) == 1


def test_only_the_people_concerned_see_a_case(testapp, login, dbsession, make_user, staff, procedure, units):
    sign_in_as(testapp, login, staff.initiator)
    case_id = start_case(testapp, "办公桌椅更换")
    for user, visible in ((staff.initiator, True), (staff.reviewer, True), (staff.outsider, False),
                          (staff.signer1, False)):
        sign_in_as(testapp, login, user)
        expected = 200 if visible else 404
        case_page(testapp, case_id, status=expected)
        testapp.get(f"/admin/tasks/cases/{case_id}/sheet", status=expected)
    # Overseers of the case's unit (or a unit above it) see it; those of another unit do not.
    for login_name, scope, expected in (("wf-leader-bureau", units.bureau, 200), ("wf-leader-first", units.first, 200),
                                        ("wf-leader-second", units.second, 404)):
        leader = person(dbsession, make_user, login_name, ["unit_leader"], scope=("org_unit", scope))
        sign_in_as(testapp, login, leader)
        case_page(testapp, case_id, status=expected)
        testapp.get(f"/admin/tasks/cases/{case_id}/sheet", status=expected)
    testapp.get("/admin/tasks/cases/999999", status=404)
    testapp.get("/admin/tasks/cases/999999/sheet", status=404)


def test_transfer_and_add_signer(testapp, login, dbsession, staff, procedure):
    sign_in_as(testapp, login, staff.initiator)
    case_id = start_case(testapp, "会议室投影仪维修")
    sign_in_as(testapp, login, staff.reviewer)
    page = case_page(testapp, case_id)
    choices = {option["value"] for option in page.html.select("#person-transfer option")}
    assert str(staff.spare.id) in choices and str(staff.reviewer.id) not in choices
    act(testapp, case_id, "transfer", person=str(staff.spare.id), opinion="由设备管理员办理。")
    assert listed(inbox(testapp), case_id) is None
    case_page(testapp, case_id)  # who handed a task on still sees the case

    sign_in_as(testapp, login, staff.spare)
    assert listed(inbox(testapp), case_id) is not None
    act(testapp, case_id, "add_signer", person=str(staff.outsider.id), opinion="请二科一并确认。")
    act(testapp, case_id, "approve", opinion="可以维修。")
    page = case_page(testapp, case_id)
    assert text(page.html.select_one("#case-step")) == "科室审核"  # the added signer has not agreed yet
    assert [text(th) for th in page.html.select("#case-pending tbody th")] == ["wf-outsider"]
    timeline = text(page.html.select_one("#case-timeline"))
    assert "转办给：wf-spare" in timeline and "加签：wf-outsider" in timeline

    sign_in_as(testapp, login, staff.outsider)
    assert listed(inbox(testapp), case_id) is not None
    act(testapp, case_id, "approve", opinion="同意。")
    assert text(case_page(testapp, case_id).html.select_one("#case-step")) == "领导会签"
    (transferred, summary), = audits(dbsession, "workflow.transfer", case_id)
    assert (transferred.actor_login, summary["person"], summary["opinion"]) == ("wf-reviewer", "wf-spare",
                                                                              "由设备管理员办理。")
    assert audits(dbsession, "workflow.add_signer", case_id)[0][1]["person"] == "wf-outsider"


def test_a_stale_form_changes_nothing_and_keeps_the_opinion(testapp, login, dbsession, platform, staff, procedure):
    sign_in_as(testapp, login, staff.initiator)
    case_id = start_case(testapp, "购买碎纸机")
    sign_in_as(testapp, login, staff.reviewer)
    stale = case_page(testapp, case_id).forms["act-approve"]
    stale["opinion"] = "同意购买碎纸机。"
    version = int(stale["version"].value)
    # Meanwhile, in another window, the reviewer adds a signer.
    with platform.unit_of_work() as uow:
        Workflows(platform, uow).act(case_id, actor_id=staff.reviewer.id, action="add_signer",
                                     expected_version=version, person_id=staff.spare.id)
    before = history(dbsession, case_id)
    page = stale.submit(status=409)
    assert "该事项刚刚已被他人办理，您的操作未保存" in text(page.html.select_one("#concurrent"))
    form = page.forms["act-approve"]
    assert form["opinion"].value == "同意购买碎纸机。"
    assert int(form["version"].value) == version + 1
    assert [text(th) for th in page.html.select("#case-pending tbody th")] == ["wf-reviewer", "wf-spare"]
    assert history(dbsession, case_id) == before
    (refused, summary), = audits(dbsession, "workflow.approve", case_id)
    assert refused.result == "failure" and summary["opinion"] == "同意购买碎纸机。"

    # The initiator withdraws meanwhile: the form is gone, the opinion is still shown.
    stale = page.forms["act-approve"]
    with platform.unit_of_work() as uow:
        Workflows(platform, uow).act(case_id, actor_id=staff.initiator.id, action="withdraw",
                                     expected_version=version + 1)
    page = stale.submit(status=409)
    assert "act-approve" not in page.forms
    assert "同意购买碎纸机。" in text(page.html.select_one("#unsaved"))


def test_refusals_are_shown_beside_the_form_with_the_input_kept(testapp, login, dbsession, staff, procedure):
    sign_in_as(testapp, login, staff.initiator)
    case_id = start_case(testapp, "购买茶叶")
    sign_in_as(testapp, login, staff.reviewer)
    page = act(testapp, case_id, "reject", status=400, opinion="  ")
    assert text(page.html.select_one("#error-reject")) == "不同意时须填写理由"
    assert page.html.select_one("#action-reject").has_attr("open")
    page = act(testapp, case_id, "return", status=400, opinion="材料不全。")
    assert text(page.html.select_one("#error-return")) == "请选择退回到哪一步"
    assert page.forms["act-return"]["opinion"].value == "材料不全。"
    assert [action for _name, action, _opinion in history(dbsession, case_id)] == ["start"]
    refused = [summary["refused"] for _row, summary in audits(dbsession, "workflow.reject", case_id)]
    assert refused == ["不同意时须填写理由"]

    # Starting refuses an empty title and keeps the body typed.
    sign_in_as(testapp, login, staff.initiator)
    form = testapp.get("/admin/tasks/new").forms["start-form"]
    form["procedure"] = KEY
    form["body"] = "详见附件清单。"
    page = form.submit(status=400)
    assert "请填写事项标题" in text(page.html.select_one("#title-error"))
    assert page.forms["start-form"]["body"].value == "详见附件清单。"


def test_a_step_without_people_refuses_to_start(testapp, login, dbsession, staff, procedure):
    reviewer = dbsession.get(User, staff.reviewer.id)
    reviewer.is_active = False
    dbsession.commit()
    sign_in_as(testapp, login, staff.initiator)
    form = testapp.get("/admin/tasks/new").forms["start-form"]
    form["procedure"] = KEY
    form["title"] = "购买扫描仪"
    form["body"] = "一台。"
    page = form.submit(status=400)
    assert "步骤“科室审核”目前没有可办理的人员" in text(page.html.select_one("#start-refused"))
    again = page.forms["start-form"]
    assert (again["title"].value, again["body"].value, again["procedure"].value) == ("购买扫描仪", "一台。", KEY)
    assert dbsession.scalar(select(func.count()).select_from(WorkflowCaseRow)
                            .where(WorkflowCaseRow.title == "购买扫描仪")) == 0


def test_objections_during_a_publicity_period(testapp, login, platform, staff):
    notice = Definition("test.notice", "结果公示", (
        Step("review", "科室审核", actors=(Actor(ACTOR_PERSON, user_id=staff.reviewer.id),)),
        Step("notice", "公示", kind=STEP_PUBLICITY, publicity=Duration(5, UNIT_CALENDAR_DAYS), on_objection="review"),
    ), general=True)
    with platform.unit_of_work() as uow:
        Workflows(platform, uow).save_definition(notice, author_id=staff.initiator.id)
    sign_in_as(testapp, login, staff.initiator)
    case_id = start_case(testapp, "评优结果", key="test.notice")
    sign_in_as(testapp, login, staff.reviewer)
    act(testapp, case_id, "approve")
    page = act(testapp, case_id, "object", status=400, opinion="")
    assert text(page.html.select_one("#error-object")) == "请写明异议内容"
    act(testapp, case_id, "object", opinion="得票统计有误。")
    page = case_page(testapp, case_id)
    assert "wf-reviewer" in text(page.html.select_one("#case-objections"))
    assert "得票统计有误。" in text(page.html.select_one("#case-objections"))
    assert "提出异议" in text(page.html.select_one("#case-timeline"))


def test_lists_are_paged_fifty_at_a_time(testapp, login, platform, staff, procedure):
    with platform.unit_of_work() as uow:
        workflows = Workflows(platform, uow)
        ids = [workflows.start(KEY, subject_type="general", subject_id=f"page-{number}", title=f"申请 {number:02d}",
                               initiator_id=staff.initiator.id, org_unit_id=None).id for number in range(51)]
    newest_first = ids[::-1]

    def shown(page):
        return [int(row["data-case"]) for row in page.html.select("#task-list tbody tr")]

    def pager(page, rel):
        link = page.html.select_one(f'.pager a[rel="{rel}"]')
        return link["href"] if link is not None else None

    for user, tab in ((staff.reviewer, "todo"), (staff.initiator, "mine")):
        sign_in_as(testapp, login, user)
        first = inbox(testapp, tab)
        assert shown(first) == newest_first[:50] and pager(first, "prev") is None
        second = testapp.get(pager(first, "next"))
        assert shown(second) == newest_first[50:] and pager(second, "next") is None
        back = testapp.get(pager(second, "prev"))
        assert shown(back) == newest_first[:50] and pager(back, "prev") is None


def test_deadlines_overdue_cases_and_the_overview(testapp, login, dbsession, make_user, clock, staff, procedure,
                                                  units):
    sign_in_as(testapp, login, staff.initiator)
    case_id = start_case(testapp, "购买空调")
    other = start_case(testapp, "购买饮水机")
    sign_in_as(testapp, login, staff.reviewer)
    act(testapp, other, "approve", opinion="同意。")

    clock.set(dt.datetime(2026, 6, 5, 9, 0))
    sign_in_as(testapp, login, staff.reviewer)  # the idle staff session ended while the clock moved
    assert "即将到期" in text(listed(inbox(testapp), case_id))
    clock.set(dt.datetime(2026, 6, 9, 9, 0))
    sign_in_as(testapp, login, staff.reviewer)
    row = listed(inbox(testapp), case_id)
    assert "已超期" in text(row) and "即将到期" not in text(row)
    assert "其中 1 件已超期" in text(inbox(testapp).html.select_one("#task-summary"))

    for login_name, scope in (("wf-leader-bureau", units.bureau), ("wf-leader-second", units.second)):
        person(dbsession, make_user, login_name, ["unit_leader"], scope=("org_unit", scope))
    testapp.reset()
    login("wf-leader-bureau")
    page = testapp.get("/admin/tasks/overview")
    counts = {text(row.select_one("th")): [text(cell) for cell in row.select("td")]
              for row in page.html.select("#overview-counts tbody tr")}
    assert counts == {"测试局 / 一科": ["2", "1"]}
    overdue = page.html.select_one(f'#overdue-list tr[data-case="{case_id}"]')
    for expected in ("购买空调", "科室审核", "wf-reviewer", DUE_LOCAL, "已超期 4 天"):
        assert expected in text(overdue)
    assert page.html.select_one(f'#overdue-list tr[data-case="{other}"]') is None
    assert overdue.select_one("a")["href"] == f"/admin/tasks/cases/{case_id}"
    testapp.get(overdue.select_one("a")["href"], status=200)

    testapp.reset()
    login("wf-leader-second")
    page = testapp.get("/admin/tasks/overview")
    assert page.html.select_one("#overview-empty") is not None
    assert page.html.select_one("#overdue-empty") is not None

    sign_in_as(testapp, login, staff.outsider)
    testapp.get("/admin/tasks/overview", status=403)


def test_the_dashboard_counts_my_tasks(testapp, login, dbsession, clock, staff, procedure, units):
    # The dashboard is for holders of a staff-area role: make the reviewer 单位负责人 of another unit.
    reviewer = dbsession.get(User, staff.reviewer.id)
    role = dbsession.scalar(select(Role).where(Role.name == "unit_leader"))
    reviewer.assignments.append(RoleAssignment(role=role, scope_type="org_unit", scope_id=units.second))
    dbsession.commit()
    sign_in_as(testapp, login, staff.initiator)
    start_case(testapp, "购买文件柜")
    start_case(testapp, "购买书架")

    sign_in_as(testapp, login, staff.reviewer)
    widget = testapp.get("/admin").html.select_one(".task-widget")
    assert (text(widget.select_one("#widget-pending")), text(widget.select_one("#widget-overdue"))) == ("2", "0")
    assert widget.select_one("a")["href"] == "/admin/tasks"
    clock.set(dt.datetime(2026, 6, 9, 9, 0))
    sign_in_as(testapp, login, staff.reviewer)  # the idle staff session ended while the clock moved
    widget = testapp.get("/admin").html.select_one(".task-widget")
    assert (text(widget.select_one("#widget-pending")), text(widget.select_one("#widget-overdue"))) == ("2", "2")


def test_the_demo_county_has_a_village_case_in_its_publicity_period(testapp, platform, login, dbsession):
    """The seeded 低保评议 waits out its 公示 in 东关村: its cadre sees it among the cases they started."""
    case = dbsession.scalar(select(WorkflowCaseRow).where(WorkflowCaseRow.definition_key == "village.low_income_review"))
    assert (case.status, case.step_title) == ("running", "评议结果公示")
    cadre = dbsession.get(User, case.initiator_id)
    assert cadre.login == "demo-village-admin"
    cadre.must_change_password = False
    cadre.password_hash = platform.extras["passwords"].hash(TEST_PASSWORD)
    dbsession.commit()
    login("demo-village-admin")
    assert "低保评议" in testapp.get("/admin/tasks", params={"tab": "mine"}).text
    page = testapp.get(f"/admin/tasks/cases/{case.id}")
    assert "经村民代表会议民主评议" in page.text and "提出异议" in page.text
