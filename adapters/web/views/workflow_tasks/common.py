"""What the task pages share: a Workflows that audits through the request, who may see a case,
names, and times shown in the county's timezone."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from sqlalchemy import and_, select

from adapters.db.orm import User
from adapters.db.workflow_orm import WorkflowCaseRow, WorkflowDefinitionRow
from govcore.core_plugin import ORG_UNIT_SCOPE, WORKFLOW_OVERSEE
from govcore.workflow.case import Case
from govcore.workflow.service import Workflows

SOON = dt.timedelta(hours=24)  # a task due within this long is marked 即将到期
PAGE_SIZE = 50


def workflows(request: Request, detail: dict[str, Any] | None = None) -> Workflows:
    """Workflows whose audit records carry the request's address, plus ``detail`` (the opinion …)."""
    extra = detail or {}

    def auditor(action: str, object_type: str, object_id: object, summary: dict) -> None:
        request.audit(action, object_type, object_id, summary={**summary, **extra})

    return Workflows(request.platform, request.uow, auditor)


def may_see(request: Request, case: Case) -> bool:
    """The initiator, whoever holds or held a task on it or acted on it, and overseers of its unit."""
    me = request.current_user.id
    if case.initiator_id == me or any(task.assignee_id == me for task in case.tasks):
        return True
    if any(entry.actor_id == me for entry in case.history):
        return True
    scopes = request.permission_scopes(WORKFLOW_OVERSEE, ORG_UNIT_SCOPE)
    if scopes is None:
        return True
    if not scopes or case.org_unit_id is None:
        return False
    return not scopes.isdisjoint(request.scope_ancestors(ORG_UNIT_SCOPE, case.org_unit_id))


def visible_case(request: Request, wf: Workflows) -> Case:
    """The case the URL names; 404 for one the user may not see, so its existence is not told."""
    case = wf.cases.get(int(request.matchdict["id"]))
    if case is None or not may_see(request, case):
        raise HTTPNotFound()
    return case


def names(request: Request, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if not ids:
        return {}
    return dict(request.dbsession.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def procedure_join():
    """The join from a case to the definition version it runs on (for the procedure's title)."""
    return and_(WorkflowDefinitionRow.key == WorkflowCaseRow.definition_key,
                WorkflowDefinitionRow.version == WorkflowCaseRow.definition_version)


class Times:
    """Moments as the county reads them: local time, and deadlines that end at midnight as 24:00."""

    def __init__(self, request: Request):
        self.tz = request.platform.clock.tz
        self.now = request.platform.clock.now()

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def when(self, moment: dt.datetime | None) -> str:
        return self.local(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""

    def date(self, moment: dt.datetime | None) -> str:
        return self.local(moment).strftime("%Y-%m-%d") if moment is not None else ""

    def deadline(self, moment: dt.datetime | None) -> str:
        """A working-day deadline is the midnight after the last day: shown as that day's 24:00."""
        if moment is None:
            return ""
        local = self.local(moment)
        if local.time() == dt.time(0, 0):
            return (local.date() - dt.timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
        return local.strftime("%Y-%m-%d %H:%M")

    def overdue(self, due: dt.datetime | None) -> bool:
        return due is not None and self.now > due

    def soon(self, due: dt.datetime | None) -> bool:
        return due is not None and not self.overdue(due) and due - self.now <= SOON

    def days_overdue(self, due: dt.datetime) -> int:
        """Whole days past the deadline, a started day counting as one."""
        return max(1, -(-(self.now - due) // dt.timedelta(days=1)))


def int_param(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None
