"""The task inbox (待办 / 已办 / 我发起的) and the overview of a unit's open and overdue cases.

Lists read the workflow tables directly, one query a page, paged by keyset on a growing id
(newest first), so a long-serving member of staff's 已办 stays as fast as a newcomer's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pyramid.request import Request
from sqlalchemy import and_, case as when_then, func, select
from sqlalchemy.orm import aliased

from adapters.db.orm import User
from adapters.db.workflow_orm import WorkflowCaseRow, WorkflowDefinitionRow, WorkflowHistoryRow, WorkflowTaskRow
from adapters.web.i18n import _
from adapters.web.views.org_staff.forms import load_tree
from adapters.web.views.workflow_tasks.common import PAGE_SIZE, Times, int_param, names, procedure_join
from govcore.core_plugin import ORG_UNIT_SCOPE, WORKFLOW_OVERSEE
from govcore.workflow.case import (ACTION_TITLES, OPEN_STATUSES, START_CASE, STATUS_RUNNING, STATUS_TITLES,
                                   TASK_PENDING)

PENDING_TAB, DONE_TAB, MINE_TAB = "todo", "done", "mine"
TABS = ((PENDING_TAB, _("待办")), (DONE_TAB, _("已办")), (MINE_TAB, _("我发起的")))
OVERDUE_LIMIT = 200  # the overview lists this many overdue cases, the longest overdue first


@dataclass(frozen=True)
class Todo:
    case_id: int
    title: str
    procedure: str
    step: str
    initiator: str
    received: dt.datetime
    due: dt.datetime | None
    overdue: bool
    soon: bool


@dataclass(frozen=True)
class Done:
    case_id: int
    title: str
    procedure: str
    action: str  # a title of ACTION_TITLES
    step: str  # where I acted
    at: dt.datetime
    status: str  # a title of STATUS_TITLES
    current_step: str


@dataclass(frozen=True)
class Started:
    case_id: int
    title: str
    procedure: str
    started: dt.datetime
    status: str
    step: str
    due: dt.datetime | None
    overdue: bool


def _keyset(request: Request, query, key, after: int | None, before: int | None) -> tuple[list, int | None, int | None]:
    """One page, newest first, of ``query`` whose first column is the growing ``key``.

    Returns the rows and the keys for the newer and the older page (None where there is none).
    """
    session = request.dbsession
    if before is not None:
        rows = session.execute(query.where(key > before).order_by(key.asc()).limit(PAGE_SIZE + 1)).all()
        more_newer = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        return rows, rows[0][0] if rows and more_newer else None, rows[-1][0] if rows else None
    if after is not None:
        query = query.where(key < after)
    rows = session.execute(query.order_by(key.desc()).limit(PAGE_SIZE + 1)).all()
    more_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, rows[0][0] if rows and after is not None else None, rows[-1][0] if more_older else None


def _todo(request: Request, times: Times, after, before):
    initiator = aliased(User)
    query = (
        select(WorkflowTaskRow.id, WorkflowTaskRow, WorkflowCaseRow, initiator.display_name, WorkflowDefinitionRow.title)
        .join(WorkflowCaseRow, and_(WorkflowCaseRow.id == WorkflowTaskRow.case_id,
                                    WorkflowCaseRow.activation == WorkflowTaskRow.activation))
        .join(initiator, initiator.id == WorkflowCaseRow.initiator_id)
        .outerjoin(WorkflowDefinitionRow, procedure_join())
        .where(WorkflowTaskRow.assignee_id == request.current_user.id, WorkflowTaskRow.status == TASK_PENDING)
    )
    rows, newer, older = _keyset(request, query, WorkflowTaskRow.id, after, before)
    items = [Todo(case.id, case.title, procedure or case.definition_key, task.step_title or case.step_title,
                  initiator_name, task.created_at, task.due_at, times.overdue(task.due_at), times.soon(task.due_at))
             for _key, task, case, initiator_name, procedure in rows]
    return items, newer, older


def _done(request: Request, after, before):
    history = WorkflowHistoryRow
    mine = (
        select(history.case_id, func.max(history.id).label("last_id"))
        .where(history.actor_id == request.current_user.id, history.action != START_CASE)
        .group_by(history.case_id)
        .subquery()
    )
    query = (
        select(mine.c.last_id, history.action, history.step_title, history.at, WorkflowCaseRow,
               WorkflowDefinitionRow.title)
        .select_from(mine)
        .join(history, history.id == mine.c.last_id)
        .join(WorkflowCaseRow, WorkflowCaseRow.id == mine.c.case_id)
        .outerjoin(WorkflowDefinitionRow, procedure_join())
    )
    rows, newer, older = _keyset(request, query, mine.c.last_id, after, before)
    items = [Done(case.id, case.title, procedure or case.definition_key, ACTION_TITLES.get(action, action),
                  step_title, at, STATUS_TITLES.get(case.status, case.status), case.step_title)
             for _key, action, step_title, at, case, procedure in rows]
    return items, newer, older


def _mine(request: Request, times: Times, after, before):
    query = (
        select(WorkflowCaseRow.id, WorkflowCaseRow, WorkflowDefinitionRow.title)
        .outerjoin(WorkflowDefinitionRow, procedure_join())
        .where(WorkflowCaseRow.initiator_id == request.current_user.id)
    )
    rows, newer, older = _keyset(request, query, WorkflowCaseRow.id, after, before)
    items = [Started(case.id, case.title, procedure or case.definition_key, case.started_at,
                     STATUS_TITLES.get(case.status, case.status), case.step_title, case.due_at,
                     case.status == STATUS_RUNNING and times.overdue(case.due_at))
             for _key, case, procedure in rows]
    return items, newer, older


def pending_count(request: Request) -> tuple[int, int]:
    """How many tasks the user has pending, and how many of them are overdue."""
    now = request.platform.clock.now()
    total, overdue = request.dbsession.execute(
        select(func.count(), func.coalesce(func.sum(when_then((WorkflowTaskRow.due_at < now, 1), else_=0)), 0))
        .select_from(WorkflowTaskRow)
        .join(WorkflowCaseRow, and_(WorkflowCaseRow.id == WorkflowTaskRow.case_id,
                                    WorkflowCaseRow.activation == WorkflowTaskRow.activation))
        .where(WorkflowTaskRow.assignee_id == request.current_user.id, WorkflowTaskRow.status == TASK_PENDING)
    ).one()
    return total, overdue


def inbox(request: Request) -> dict[str, Any]:
    tab = request.GET.get("tab", PENDING_TAB)
    if tab not in dict(TABS):
        tab = PENDING_TAB
    times = Times(request)
    after, before = int_param(request.GET.get("after")), int_param(request.GET.get("before"))
    if tab == PENDING_TAB:
        items, newer, older = _todo(request, times, after, before)
    elif tab == DONE_TAB:
        items, newer, older = _done(request, after, before)
    else:
        items, newer, older = _mine(request, times, after, before)
    pending, overdue = pending_count(request)
    return {
        "tab": tab,
        "tabs": TABS,
        "items": items,
        "pending": pending,
        "overdue": overdue,
        "times": times,
        "newer_url": request.route_path("admin.tasks", _query={"tab": tab, "before": newer}) if newer else None,
        "older_url": request.route_path("admin.tasks", _query={"tab": tab, "after": older}) if older else None,
    }


# --- the overview --------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitCount:
    unit_id: int | None
    name: str
    open: int
    overdue: int


@dataclass(frozen=True)
class Overdue:
    case_id: int
    title: str
    unit: str
    step: str
    people: str
    due: dt.datetime
    days: int


def overview(request: Request) -> dict[str, Any]:
    """Open and overdue cases per org unit, within the units the viewer oversees (all when unscoped)."""
    tree = load_tree(request)
    scopes = request.permission_scopes(WORKFLOW_OVERSEE, ORG_UNIT_SCOPE)
    units = None if scopes is None else tree.subtree(scopes)
    times = Times(request)
    now = times.now
    within = [] if units is None else [WorkflowCaseRow.org_unit_id.in_(sorted(units))]
    late = and_(WorkflowCaseRow.status == STATUS_RUNNING, WorkflowCaseRow.due_at < now)

    counted = request.dbsession.execute(
        select(WorkflowCaseRow.org_unit_id, func.count(), func.coalesce(func.sum(when_then((late, 1), else_=0)), 0))
        .where(WorkflowCaseRow.status.in_(sorted(OPEN_STATUSES)), *within)
        .group_by(WorkflowCaseRow.org_unit_id)
    ).all()
    by_unit = {unit_id: (opened, overdue) for unit_id, opened, overdue in counted}
    order = {unit.id: position for position, (unit, _depth) in enumerate(tree.walk())}
    counts = [UnitCount(unit_id, _unit_name(tree, unit_id), opened, overdue)
              for unit_id, (opened, overdue) in sorted(by_unit.items(),
                                                       key=lambda pair: order.get(pair[0], len(order)))]

    rows = request.dbsession.scalars(
        select(WorkflowCaseRow).where(late, *within).order_by(WorkflowCaseRow.due_at, WorkflowCaseRow.id)
        .limit(OVERDUE_LIMIT)
    ).all()
    people = _pending_people(request, rows)
    overdue = [Overdue(row.id, row.title, _unit_name(tree, row.org_unit_id), row.step_title,
                       "、".join(people.get(row.id, [])), row.due_at, times.days_overdue(row.due_at))
               for row in rows]
    return {
        "counts": counts,
        "total_open": sum(c.open for c in counts),
        "total_overdue": sum(c.overdue for c in counts),
        "overdue": overdue,
        "overdue_limit": OVERDUE_LIMIT,
        "scoped": units is not None,
        "scope_names": sorted(tree.path(unit_id) for unit_id in (scopes or ()) if unit_id in tree.by_id),
        "times": times,
    }


def _unit_name(tree, unit_id: int | None) -> str:
    if unit_id is None or unit_id not in tree.by_id:
        return _("未指定单位")
    return tree.path(unit_id)


def _pending_people(request: Request, cases: list[WorkflowCaseRow]) -> dict[int, list[str]]:
    """The names of the people each case waits for."""
    if not cases:
        return {}
    activation = {row.id: row.activation for row in cases}
    tasks = request.dbsession.execute(
        select(WorkflowTaskRow.case_id, WorkflowTaskRow.activation, WorkflowTaskRow.assignee_id)
        .where(WorkflowTaskRow.case_id.in_(sorted(activation)), WorkflowTaskRow.status == TASK_PENDING)
        .order_by(WorkflowTaskRow.id)
    ).all()
    named = names(request, (assignee for _case, _activation, assignee in tasks))
    people: dict[int, list[str]] = {}
    for case_id, task_activation, assignee in tasks:
        if task_activation == activation[case_id]:
            people.setdefault(case_id, []).append(named.get(assignee, f"#{assignee}"))
    return people
