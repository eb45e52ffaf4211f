"""One case: what it asks, where it is, its diagram and timeline, the forms for what the viewer
may do now, and the printable approval sheet (审批单).

Only the people concerned see a case (see :func:`common.may_see`); anyone else gets 404. Each
form carries the case version it was drawn from: when somebody acted in between, nothing is
saved, and the page comes back with the case as it is now and the typed opinion kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from pyramid.httpexceptions import HTTPBadRequest, HTTPFound
from pyramid.i18n import TranslationString
from pyramid.request import Request
from sqlalchemy import select

from adapters.db.orm import Role, User
from adapters.web.i18n import _
from adapters.web.views.org_staff.forms import flash, load_tree
from adapters.web.views.workflow_tasks.common import Times, int_param, names, visible_case, workflows
from adapters.web.views.workflow_tasks.start import plain_text
from govcore.audit import FAILURE
from govcore.orgs import OrgTree
from govcore.workflow.case import (ACTION_TITLES, ADD_SIGNER, APPROVE, CANCEL, ESCALATE, EXPIRE, OBJECT,
                                   PERSON_ACTIONS, REJECT, REMIND, RESUBMIT, RETURN, START_CASE, STATUS_APPROVED,
                                   STATUS_REJECTED, STATUS_RUNNING, STATUS_TITLES, STATUS_WITH_INITIATOR, TASK_VOTE,
                                   TRANSFER, WITHDRAW, Case, HistoryEntry)
from govcore.workflow.definition import ACTOR_PERSON, END_APPROVED, END_REJECTED, START, Definition
from govcore.workflow.diagram import render_svg
from govcore.workflow.engine import OPINION_MAX, ConcurrentChange, TransitionRefused
from govcore.workflow.service import Workflows

T = "adapters.web:templates/"
TARGET, PERSON = "target", "person"


@dataclass(frozen=True)
class ActionSpec:
    button: TranslationString
    label: TranslationString  # of the opinion field
    hint: TranslationString | None = None
    choice: str | None = None  # TARGET or PERSON: the field the action needs besides the opinion
    choice_label: TranslationString | None = None


SPECS = {
    APPROVE: ActionSpec(_("同意"), _("审批意见")),
    REJECT: ActionSpec(_("不同意"), _("理由"), _("不同意后按流程的规定结束或转到指定步骤。")),
    RETURN: ActionSpec(_("退回"), _("退回理由"), _("事项回到所选的步骤重新办理；退回发起人时，由发起人修改后重新提交。"),
                       TARGET, _("退回至")),
    TRANSFER: ActionSpec(_("转办"), _("理由"), _("本步骤改由所选人员办理，您不再办理。"), PERSON, _("转办给")),
    ADD_SIGNER: ActionSpec(_("加签"), _("理由"), _("所选人员也须同意，本步骤才能通过。"), PERSON, _("加签人员")),
    WITHDRAW: ActionSpec(_("撤回"), _("理由"), _("撤回后事项回到您手中，可重新提交或撤销。")),
    RESUBMIT: ActionSpec(_("重新提交"), _("说明"), _("事项从第一步重新开始办理。")),
    CANCEL: ActionSpec(_("撤销"), _("理由"), _("撤销后事项即办结，不能恢复。")),
    OBJECT: ActionSpec(_("提出异议"), _("异议理由"), _("公示期满时，有异议的事项转到流程指定的步骤复核。")),
}
ALWAYS_EXPLAINED = frozenset({REJECT, RETURN, OBJECT})  # the engine refuses these without an opinion
# What the approval sheet leaves out of the timeline: the start is in its heading, timers are no decisions.
NOT_ON_SHEET = frozenset({START_CASE, REMIND, ESCALATE})


@dataclass
class ActionForm:
    action: str
    spec: ActionSpec
    required: bool
    opinion: str = ""
    choice_value: str = ""
    choices: list = field(default_factory=list)  # (value, label) or, for people, (unit, [(value, label)])
    error: TranslationString | None = None
    open: bool = False


@dataclass(frozen=True)
class Pending:
    person: str
    since: dt.datetime
    due: dt.datetime | None
    vote: bool  # 会签 or 加签: this person must agree
    escalated: bool


@dataclass(frozen=True)
class Line:
    at: dt.datetime
    person: str
    action: str  # a title of ACTION_TITLES
    step: str
    opinion: str
    details: list[TranslationString]


def _details(entry: HistoryEntry) -> list[TranslationString]:
    """What the detail of a history entry says: 退回至, 转办给, 加签 …"""
    detail = entry.detail or {}
    found = []
    if "to" in detail:
        text = _("退回至：${to}") if entry.action == RETURN else _("转至：${to}")
        found.append(_(text, mapping={"to": detail["to"]}))
    if "person" in detail:
        text = {TRANSFER: _("转办给：${person}"), ADD_SIGNER: _("加签：${person}"), ESCALATE: _("办理人：${person}"),
                OBJECT: _("异议人：${person}")}.get(entry.action, _("人员：${person}"))
        found.append(_(text, mapping={"person": detail["person"]}))
    if "reason" in detail:
        found.append(_("原因：${reason}", mapping={"reason": detail["reason"]}))
    if entry.action == EXPIRE and "objections" in detail:
        found.append(_("收到异议 ${count} 件", mapping={"count": detail["objections"]}))
    return found


def _line(entry: HistoryEntry) -> Line:
    return Line(entry.at, entry.actor_name, ACTION_TITLES.get(entry.action, entry.action), entry.step_title,
                entry.opinion, _details(entry))


def case_number(times: Times, case: Case) -> str:
    """The number printed on the approval sheet: the year it started and the case id."""
    return f"{times.local(case.started_at).year}-{case.id:06d}"


def _unit(tree: OrgTree, unit_id: int | None) -> str:
    return tree.path(unit_id) if unit_id is not None and unit_id in tree.by_id else ""


def _subject_link(case: Case) -> str | None:
    """The subject's page, only when it is a path inside the site."""
    link = case.link or ""
    return link if link.startswith("/") and not link.startswith("//") else None


def _diagram_node(case: Case) -> str | None:
    """Where the case is, as the diagram names it: a step, the initiator, or an end."""
    if case.step_key is not None:
        return case.step_key
    return {STATUS_WITH_INITIATOR: START, STATUS_APPROVED: END_APPROVED, STATUS_REJECTED: END_REJECTED}.get(case.status)


def _diagram(request: Request, definition: Definition, case: Case) -> Markup:
    role_titles = dict(request.dbsession.execute(select(Role.name, Role.title)).all())
    people = [actor.user_id for step in definition.steps for actor in step.actors
              if actor.kind == ACTOR_PERSON and actor.user_id]
    translate = request.localizer.translate
    # render_svg escapes every text it draws.
    return Markup(render_svg(definition, current_step=_diagram_node(case), role_titles=role_titles,
                             person_names=names(request, people), translate=lambda text: translate(_(text))))


def _staff_choices(request: Request, tree: OrgTree, leave_out: set[int]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Active staff to transfer to or add, grouped by unit in the order of the organisation tree."""
    rows = request.dbsession.execute(
        select(User.id, User.display_name, User.login, User.org_unit_id)
        .where(User.kind == "staff", User.is_active.is_(True)).order_by(User.display_name, User.id)
    ).all()
    groups: dict[int | None, list[tuple[int, str]]] = {}
    for user_id, name, login, unit_id in rows:
        if user_id not in leave_out:
            groups.setdefault(unit_id if unit_id in tree.by_id else None, []).append((user_id, f"{name}（{login}）"))
    order = {unit.id: position for position, (unit, _depth) in enumerate(tree.walk())}
    return [(_unit(tree, unit_id) or request.localizer.translate(_("未指定单位")), people)
            for unit_id, people in sorted(groups.items(), key=lambda pair: order.get(pair[0], len(order)))]


def _forms(request: Request, wf: Workflows, case: Case, definition: Definition, tree: OrgTree,
           posted: dict | None, error: TranslationString | None) -> list[ActionForm]:
    me = request.current_user.id
    allowed = wf.engine.allowed_actions(case, definition, me)
    step = definition.step(case.step_key) if case.step_key else None
    staff = None
    forms = []
    for action in allowed:
        spec = SPECS[action]
        required = action in ALWAYS_EXPLAINED or (action == APPROVE and step is not None and step.opinion_required)
        form = ActionForm(action, spec, required)
        if spec.choice == TARGET:
            form.choices = wf.engine.return_targets(case, definition)
        elif spec.choice == PERSON:
            if staff is None:
                staff = _staff_choices(request, tree, {me} | {task.assignee_id for task in case.pending_tasks()})
            form.choices = staff
        if posted is not None and posted["action"] == action:
            form.opinion, form.choice_value, form.error, form.open = posted["opinion"], posted["choice"], error, True
        forms.append(form)
    if forms and not any(form.open for form in forms):
        forms[0].open = True
    return forms


def _page(request: Request, wf: Workflows, case: Case, *, posted: dict | None = None,
          error: TranslationString | None = None, concurrent: TranslationString | None = None) -> dict[str, Any]:
    definition = wf.definition_of(case)
    times = Times(request)
    tree = load_tree(request)
    forms = _forms(request, wf, case, definition, tree, posted, error)
    people = names(request, [case.initiator_id] + [task.assignee_id for task in case.pending_tasks()])
    # An opinion typed for an action the fresh case no longer offers is shown, not lost.
    offered = {form.action for form in forms}
    unsaved = posted["opinion"] if posted and concurrent and posted["action"] not in offered else ""
    return {
        "case": case,
        "procedure": definition.title,
        "status": STATUS_TITLES.get(case.status, case.status),
        "running": case.status == STATUS_RUNNING,
        "overdue": case.is_overdue(times.now),
        "soon": case.status == STATUS_RUNNING and times.soon(case.due_at),
        "initiator": people.get(case.initiator_id, f"#{case.initiator_id}"),
        "unit": _unit(tree, case.org_unit_id),
        "subject_link": _subject_link(case),
        "diagram": _diagram(request, definition, case),
        "pending": [Pending(people.get(task.assignee_id, f"#{task.assignee_id}"), task.created_at, task.due_at,
                            task.kind == TASK_VOTE, task.escalated) for task in case.pending_tasks()],
        "objections": case.objections,
        "timeline": [_line(entry) for entry in case.history],
        "forms": forms,
        "opinion_max": OPINION_MAX,
        "concurrent": concurrent,
        "unsaved": unsaved,
        "times": times,
    }


def case_page(request: Request) -> dict[str, Any]:
    wf = workflows(request)
    return _page(request, wf, visible_case(request, wf))


def act(request: Request):
    post = request.POST
    action = post.get("action", "")
    version = int_param(post.get("version"))
    if action not in PERSON_ACTIONS or version is None:
        raise HTTPBadRequest()
    opinion = plain_text(post.get("opinion", ""))
    target = post.get(TARGET, "").strip() or None
    person_id = int_param(post.get(PERSON))
    detail: dict[str, Any] = {"opinion": opinion}
    if target is not None:
        detail["target"] = target
    if person_id is not None:
        detail["person_id"] = person_id
        detail["person"] = names(request, [person_id]).get(person_id, "")
    wf = workflows(request, detail)
    case = visible_case(request, wf)
    posted = {"action": action, "opinion": opinion,
              "choice": target if SPECS[action].choice == TARGET else str(person_id or "")}
    try:
        wf.act(case.id, actor_id=request.current_user.id, action=action, expected_version=version,
               opinion=opinion, target=target, person_id=person_id)
    except TransitionRefused as refused:
        request.audit(f"workflow.{action}", "workflow_case", case.id, result=FAILURE,
                      summary={**detail, "refused": refused.message_zh})
        request.response.status_int = 400
        return _page(request, wf, case, posted=posted, error=_(refused.template, mapping=refused.mapping))
    except ConcurrentChange as changed:
        request.audit(f"workflow.{action}", "workflow_case", case.id, result=FAILURE,
                      summary={**detail, "refused": changed.message_zh, "version": version})
        request.response.status_int = 409
        return _page(request, wf, wf.case(case.id), posted=posted, concurrent=_(changed.message_zh))
    flash(request, _("已办理：${action}", mapping={"action": request.localizer.translate(SPECS[action].button)}))
    return HTTPFound(location=request.route_path("admin.case", id=case.id))


# --- the approval sheet --------------------------------------------------------------------------

def sheet(request: Request) -> dict[str, Any]:
    wf = workflows(request)
    case = visible_case(request, wf)
    definition = wf.definition_of(case)
    times = Times(request)
    tree = load_tree(request)
    initiator = names(request, [case.initiator_id]).get(case.initiator_id, f"#{case.initiator_id}")
    return {
        "case": case,
        "county_name": request.platform.county.full_name,
        "procedure": definition.title,
        "version": definition.version,
        "number": case_number(times, case),
        "initiator": initiator,
        "unit": _unit(tree, case.org_unit_id),
        "rows": [_line(entry) for entry in case.history if entry.action not in NOT_ON_SHEET],
        "status": STATUS_TITLES.get(case.status, case.status),
        "times": times,
    }
