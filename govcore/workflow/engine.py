"""The workflow engine: what each action does to a case. Framework-free and storage-free.

The engine changes a :class:`Case` in memory and says what should follow (timers to arm, people to
tell); :mod:`govcore.workflow.service` stores the case, audits, notifies and arms the timers. Every
refusal is a :class:`TransitionRefused` with a message for the person who tried.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field
from typing import Protocol

from govcore.calendar import WorkCalendar
from govcore.errors import GovcoreError, ValidationError
from govcore.i18n import _
from govcore.workflow.case import (ACTION_TITLES, ADD_SIGNER, APPROVE, CANCEL, ESCALATE, EXPIRE, OBJECT, REJECT, REMIND, RESUBMIT,
                                   RETURN, START_CASE, STATUS_APPROVED, STATUS_CANCELLED, STATUS_REJECTED,
                                   STATUS_RUNNING, STATUS_WITH_INITIATOR, TASK_CLOSED, TASK_DONE, TASK_POOL,
                                   TASK_VOTE, TRANSFER, WITHDRAW, Case, HistoryEntry, Objection, Task)
from govcore.workflow.definition import (ACTOR_APPLICANT, ACTOR_PERSON, ACTOR_ROLE, ACTOR_SUPERIOR_ROLE, END_APPROVED,
                                         END_REJECTED, MODE_ALL, START, UNIT_CALENDAR_DAYS, UNIT_HOURS, Definition,
                                         Duration, Step)
from ports.clock import Clock

OPINION_MAX = 2000
SYSTEM_NAME = _("系统")


class TransitionRefused(ValidationError):
    """The action is not possible now; the message says why, in Chinese (a ``${name}`` template)."""

    def __init__(self, template: str, mapping: dict[str, str] | None = None, field: str | None = None):
        self.template = template
        self.mapping = dict(mapping or {})
        super().__init__(string.Template(template).safe_substitute(self.mapping), field=field)


class ConcurrentChange(GovcoreError):
    """Somebody else changed the case since it was read; nothing was saved."""

    def __init__(self) -> None:
        super().__init__(_("该事项刚刚已被他人办理，您的操作未保存。请查看最新状态后再操作。"),
                         "the case was changed by someone else since it was read; nothing was saved")


class Directory(Protocol):
    """What the engine needs to know about people and units."""

    def holders(self, role: str, scope_type: str | None, scope_id: int | None) -> list[int]:
        """Active staff holding ``role`` with an assignment covering the scope (or unscoped)."""

    def parent_unit(self, org_unit_id: int) -> int | None:
        """The unit above ``org_unit_id``."""

    def display_name(self, user_id: int) -> str:
        """How a person is named in histories and messages."""

    def is_active_staff(self, user_id: int) -> bool:
        """Whether ``user_id`` is an active staff account (tasks may be given to it)."""

    def email(self, user_id: int) -> str | None:
        """Where mail to the person goes, if anywhere."""

    def role_names(self) -> list[str]:
        """The names of every role the county has."""


@dataclass(frozen=True)
class TimerRequest:
    kind: str  # REMIND, ESCALATE or EXPIRE
    when: dt.datetime
    activation: int


@dataclass(frozen=True)
class Message:
    """A notification to send: Chinese templates with ``${name}`` placeholders."""

    user_id: int
    subject: str
    body: str
    mapping: dict[str, str] = field(default_factory=dict)


@dataclass
class Transition:
    """What an action did: the case (changed in place) and what must follow it."""

    case: Case
    action: str
    from_step: str | None
    timers: list[TimerRequest] = field(default_factory=list)
    rearm: bool = False  # the case entered a step (or left all steps): the old timers are void
    messages: list[Message] = field(default_factory=list)


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The first instant after ``day``: a deadline "by day D" includes all of D."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)


class Engine:
    def __init__(self, directory: Directory, clock: Clock, calendar: WorkCalendar):
        self.directory = directory
        self.clock = clock
        self.calendar = calendar

    # -- what people ask for ------------------------------------------------------------------

    def start(self, definition: Definition, *, subject_type: str, subject_id: str, title: str,
              initiator_id: int, org_unit_id: int | None, link: str = "", body: str = "",
              scope_type: str | None = None, scope_id: int | None = None) -> Transition:
        if definition.version < 1:
            raise ValueError("a case runs on a stored definition version")
        if not title.strip():
            raise TransitionRefused(_("请填写事项标题"), field="title")
        now = self.clock.now()
        if scope_type is None and org_unit_id is not None:
            scope_type, scope_id = "org_unit", org_unit_id
        case = Case(definition_key=definition.key, definition_version=definition.version,
                    subject_type=subject_type, subject_id=str(subject_id), title=title.strip(), link=link,
                    body=body, initiator_id=initiator_id, org_unit_id=org_unit_id, scope_type=scope_type,
                    scope_id=scope_id, started_at=now, step_key=None)
        transition = Transition(case, START_CASE, None)
        self._record(case, initiator_id, START_CASE, None)
        self._enter(transition, definition, definition.steps[0].key, strict=True)
        return transition

    def act(self, case: Case, definition: Definition, *, actor_id: int, action: str, opinion: str = "",
            target: str | None = None, person_id: int | None = None) -> Transition:
        """Carry out ``action`` by ``actor_id``; raises TransitionRefused when it is not allowed."""
        opinion = (opinion or "").strip()
        if len(opinion) > OPINION_MAX:
            raise TransitionRefused(_("意见不能超过 ${max} 字"), {"max": str(OPINION_MAX)}, field="opinion")
        if action not in self.allowed_actions(case, definition, actor_id):
            raise TransitionRefused(_("您现在不能对该事项执行“${action}”操作"), {"action": _action_title(action)})
        transition = Transition(case, action, case.step_key)
        handler = {
            APPROVE: self._approve, REJECT: self._reject, RETURN: self._return, TRANSFER: self._transfer,
            ADD_SIGNER: self._add_signer, WITHDRAW: self._withdraw, RESUBMIT: self._resubmit,
            CANCEL: self._cancel, OBJECT: self._object,
        }[action]
        handler(transition, definition, actor_id, opinion, target, person_id)
        return transition

    def allowed_actions(self, case: Case, definition: Definition, user_id: int) -> list[str]:
        """The actions ``user_id`` may take on ``case`` now, in the order a form offers them."""
        if case.status == STATUS_WITH_INITIATOR:
            return [RESUBMIT, CANCEL] if user_id == case.initiator_id else []
        if case.status != STATUS_RUNNING:
            return []
        step = definition.step(case.step_key)
        actions = []
        if step.is_publicity:
            actions.append(OBJECT)
        elif case.pending_for(user_id):
            actions += [APPROVE, REJECT, RETURN, TRANSFER, ADD_SIGNER]
        if user_id == case.initiator_id:
            actions.append(WITHDRAW)
        return actions

    def return_targets(self, case: Case, definition: Definition) -> list[tuple[str, str]]:
        """(key, title) pairs a case at its step may be returned to, the initiator first."""
        if case.step_key is None:
            return []
        earlier = [(step.key, step.title) for step in definition.earlier_steps(case.step_key)]
        return [(START, _("发起人"))] + earlier

    # -- what timers do -----------------------------------------------------------------------

    def fire(self, case: Case, definition: Definition, *, kind: str, activation: int) -> Transition | None:
        """Carry out a timer; None when it is stale (the case moved on since it was armed)."""
        if case.status != STATUS_RUNNING or case.activation != activation:
            return None
        step = definition.step(case.step_key)
        transition = Transition(case, kind, case.step_key)
        if kind == EXPIRE and step.is_publicity:
            objections = case.current_objections()
            self._record(case, None, EXPIRE, step, detail={"objections": str(len(objections))})
            target = step.on_objection if objections else definition.next_of(step.key)
            self._enter(transition, definition, target, strict=False)
        elif kind == REMIND and not step.is_publicity:
            for task in case.pending_tasks():
                transition.messages.append(Message(
                    task.assignee_id, _("即将到期：${title}"),
                    _("您的待办“${title}”（${step}）将于 ${due} 到期，请及时办理。"),
                    {"title": case.title, "step": step.title, "due": _when(case.due_at)}))
        elif kind == ESCALATE and not step.is_publicity:
            self._escalate(transition, definition, step)
        else:
            return None
        return transition

    # -- transitions --------------------------------------------------------------------------

    def _approve(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        case = transition.case
        step = definition.step(case.step_key)
        if step.opinion_required and not opinion:
            raise TransitionRefused(_("本步骤须填写审批意见"), field="opinion")
        now = self.clock.now()
        for task in case.pending_for(actor_id):
            task.status, task.outcome, task.acted_at = TASK_DONE, APPROVE, now
            if task.kind == TASK_POOL:
                self._close_pool(case)
        self._record(case, actor_id, APPROVE, step, opinion)
        if not case.pending_tasks():
            self._enter(transition, definition, definition.next_of(step.key), strict=True)

    def _reject(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        case = transition.case
        step = definition.step(case.step_key)
        if not opinion:
            raise TransitionRefused(_("不同意时须填写理由"), field="opinion")
        self._finish_tasks(case, actor_id, REJECT)
        self._record(case, actor_id, REJECT, step, opinion, {"to": self._target_title(definition, step.on_reject)})
        self._enter(transition, definition, step.on_reject, strict=True)

    def _return(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        case = transition.case
        step = definition.step(case.step_key)
        allowed = dict(self.return_targets(case, definition))
        if target not in allowed:
            raise TransitionRefused(_("请选择退回到哪一步"), field="target")
        if not opinion:
            raise TransitionRefused(_("退回时须填写理由"), field="opinion")
        self._finish_tasks(case, actor_id, RETURN)
        self._record(case, actor_id, RETURN, step, opinion, {"to": allowed[target]})
        self._enter(transition, definition, target, strict=True)

    def _transfer(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        case = transition.case
        step = definition.step(case.step_key)
        self._check_new_person(case, person_id, actor_id)
        for task in case.pending_for(actor_id):
            task.assignee_id = person_id
        self._record(case, actor_id, TRANSFER, step, opinion, {"person": self.directory.display_name(person_id)})
        transition.messages.append(self._task_message(case, step, person_id))

    def _add_signer(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        case = transition.case
        step = definition.step(case.step_key)
        self._check_new_person(case, person_id, actor_id)
        case.tasks.append(Task(case.activation, step.key, person_id, TASK_VOTE, self.clock.now(), case.due_at,
                               step_title=step.title))
        self._record(case, actor_id, ADD_SIGNER, step, opinion, {"person": self.directory.display_name(person_id)})
        transition.messages.append(self._task_message(case, step, person_id))

    def _withdraw(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        case = transition.case
        self._finish_tasks(case, None, "")
        self._record(case, actor_id, WITHDRAW, definition.step(case.step_key), opinion)
        self._enter(transition, definition, START, strict=True)

    def _resubmit(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        self._record(transition.case, actor_id, RESUBMIT, None, opinion)
        self._enter(transition, definition, definition.steps[0].key, strict=True)

    def _cancel(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        self._record(transition.case, actor_id, CANCEL, None, opinion)
        self._close(transition, STATUS_CANCELLED)

    def _object(self, transition, definition, actor_id, opinion, target, person_id) -> None:
        case = transition.case
        if not opinion:
            raise TransitionRefused(_("请写明异议内容"), field="opinion")
        name = self.directory.display_name(actor_id)
        case.objections.append(Objection(case.activation, self.clock.now(), actor_id, name, opinion))
        self._record(case, actor_id, OBJECT, definition.step(case.step_key), opinion)

    def lodge_public_objection(self, case: Case, definition: Definition, *, name: str, text: str) -> Transition:
        """An objection from somebody without a staff account (a villager at the notice board)."""
        if case.status != STATUS_RUNNING or not definition.step(case.step_key).is_publicity:
            raise TransitionRefused(_("该事项不在公示期内，不能提出异议"))
        text, name = (text or "").strip(), (name or "").strip()
        if not text or not name:
            raise TransitionRefused(_("请填写姓名和异议内容"), field="opinion")
        transition = Transition(case, OBJECT, case.step_key)
        case.objections.append(Objection(case.activation, self.clock.now(), None, name[:100], text[:OPINION_MAX]))
        self._record(case, None, OBJECT, definition.step(case.step_key), text[:OPINION_MAX], {"person": name[:100]})
        return transition

    def _escalate(self, transition: Transition, definition: Definition, step: Step) -> None:
        case = transition.case
        pending = case.pending_tasks()
        if not pending:
            return
        for task in pending:
            task.escalated = True
        leaders = self.directory.holders(definition.escalate_role, "org_unit", case.org_unit_id) \
            if definition.escalate_role and case.org_unit_id is not None else []
        names = "、".join(self.directory.display_name(task.assignee_id) for task in pending)
        self._record(case, None, ESCALATE, step, detail={"person": names})
        mapping = {"title": case.title, "step": step.title, "due": _when(case.due_at), "people": names}
        for task in pending:
            transition.messages.append(Message(task.assignee_id, _("已超期：${title}"),
                                               _("您的待办“${title}”（${step}）已于 ${due} 到期，已报送单位负责人督办。"),
                                               mapping))
        for leader in leaders:
            transition.messages.append(Message(leader, _("超期督办：${title}"),
                                               _("“${title}”在“${step}”步骤已超期（${due} 到期），办理人：${people}。"),
                                               mapping))

    # -- entering steps -----------------------------------------------------------------------

    def _enter(self, transition: Transition, definition: Definition, target: str, *, strict: bool) -> None:
        """Move the case to ``target``: a step, the initiator, or an end.

        ``strict`` (a person acting) refuses a step nobody can act at, so nothing is saved and the
        person is told; a timer cannot be refused, so it sends the case back to the initiator.
        """
        case = transition.case
        self._finish_tasks(case, None, "")
        transition.rearm = True
        if target == END_APPROVED:
            return self._close(transition, STATUS_APPROVED)
        if target == END_REJECTED:
            return self._close(transition, STATUS_REJECTED)
        if target == START:
            case.status, case.step_key, case.step_title, case.due_at = STATUS_WITH_INITIATOR, None, "", None
            case.activation += 1
            transition.messages.append(Message(case.initiator_id, _("待处理：${title}"),
                                               _("您发起的“${title}”已退回或撤回，请修改后重新提交或撤销。"),
                                               {"title": case.title}))
            return None
        step = definition.step(target)
        now = self.clock.now()
        if step.is_publicity:
            case.activation += 1
            case.status, case.step_key, case.step_title = STATUS_RUNNING, step.key, step.title
            case.due_at = self._publicity_end(step.publicity, now)
            transition.timers.append(TimerRequest(EXPIRE, case.due_at, case.activation))
            return None
        people = self._candidates(case, step)
        if not people:
            if strict:
                raise TransitionRefused(_("步骤“${step}”目前没有可办理的人员，请联系管理员设置审批人"), {"step": step.title})
            self._record(case, None, RETURN, step, detail={"to": _("发起人"), "reason": _("无可办理人员")})
            return self._enter(transition, definition, START, strict=False)
        case.activation += 1
        case.status, case.step_key, case.step_title = STATUS_RUNNING, step.key, step.title
        case.due_at = self._deadline(step.deadline, now)
        kind = TASK_VOTE if step.mode == MODE_ALL else TASK_POOL
        for person in people:
            case.tasks.append(Task(case.activation, step.key, person, kind, now, case.due_at, step_title=step.title))
            transition.messages.append(self._task_message(case, step, person))
        if case.due_at is not None:
            remind_at = case.due_at - dt.timedelta(hours=definition.reminder_hours)
            if definition.reminder_hours and remind_at > now:
                transition.timers.append(TimerRequest(REMIND, remind_at, case.activation))
            transition.timers.append(TimerRequest(ESCALATE, case.due_at, case.activation))
        return None

    def _close(self, transition: Transition, status: str) -> None:
        case = transition.case
        self._finish_tasks(case, None, "")
        case.status, case.step_key, case.step_title, case.due_at = status, None, "", None
        case.ended_at = self.clock.now()
        case.activation += 1
        transition.rearm = True
        subject = {STATUS_APPROVED: _("已通过：${title}"), STATUS_REJECTED: _("未通过：${title}"),
                   STATUS_CANCELLED: _("已撤销：${title}")}[status]
        transition.messages.append(Message(case.initiator_id, subject, _("您发起的“${title}”已办结。"),
                                           {"title": case.title}))

    def _candidates(self, case: Case, step: Step) -> list[int]:
        people: list[int] = []
        for actor in step.actors:
            if actor.kind == ACTOR_ROLE:
                found = self.directory.holders(actor.role, case.scope_type, case.scope_id)
            elif actor.kind == ACTOR_SUPERIOR_ROLE:
                parent = self.directory.parent_unit(case.org_unit_id) if case.org_unit_id is not None else None
                found = self.directory.holders(actor.role, "org_unit", parent) if parent is not None else []
            elif actor.kind == ACTOR_PERSON:
                found = [actor.user_id] if actor.user_id and self.directory.is_active_staff(actor.user_id) else []
            elif actor.kind == ACTOR_APPLICANT:
                found = [case.initiator_id]
            else:
                found = []
            people.extend(person for person in found if person not in people)
        return people

    def _deadline(self, deadline: Duration | None, now: dt.datetime) -> dt.datetime | None:
        if deadline is None:
            return None
        if deadline.unit == UNIT_HOURS:
            return now + dt.timedelta(hours=deadline.amount)
        local = now.astimezone(self.clock.tz)
        return end_of_day(self.calendar.add_working_days(local.date(), deadline.amount), local.tzinfo)

    def _publicity_end(self, period: Duration, now: dt.datetime) -> dt.datetime:
        local = now.astimezone(self.clock.tz)
        if period.unit == UNIT_CALENDAR_DAYS:
            last_day = local.date() + dt.timedelta(days=period.amount)
        else:
            last_day = self.calendar.add_working_days(local.date(), period.amount)
        return end_of_day(last_day, local.tzinfo)

    # -- helpers ------------------------------------------------------------------------------

    def _finish_tasks(self, case: Case, actor_id: int | None, outcome: str) -> None:
        """Close the step's open tasks; the actor's own are marked done with ``outcome``."""
        now = self.clock.now()
        for task in case.pending_tasks():
            if actor_id is not None and task.assignee_id == actor_id:
                task.status, task.outcome, task.acted_at = TASK_DONE, outcome, now
            else:
                task.status = TASK_CLOSED

    def _close_pool(self, case: Case) -> None:
        for task in case.pending_tasks():
            if task.kind == TASK_POOL:
                task.status = TASK_CLOSED

    def _check_new_person(self, case: Case, person_id: int | None, actor_id: int) -> None:
        if not person_id or not self.directory.is_active_staff(person_id):
            raise TransitionRefused(_("请选择一位在职的工作人员"), field="person")
        # Whoever already decided at this step may not take another's vote: 会签 needs each one's own.
        decided = any(task.assignee_id == person_id and task.activation == case.activation and task.status == TASK_DONE
                      for task in case.tasks)
        if person_id == actor_id or case.pending_for(person_id) or decided:
            raise TransitionRefused(_("${person} 已是本步骤的办理人"), {"person": self.directory.display_name(person_id)},
                                    field="person")

    def _target_title(self, definition: Definition, target: str) -> str:
        if target == END_REJECTED:
            return _("办结（不通过）")
        return definition.step(target).title

    def _task_message(self, case: Case, step: Step, person: int) -> Message:
        mapping = {"title": case.title, "step": step.title, "due": _when(case.due_at) if case.due_at else _("无")}
        return Message(person, _("待办：${title}"), _("请办理“${title}”的“${step}”步骤，办理时限：${due}。"), mapping)

    def _record(self, case: Case, actor_id: int | None, action: str, step: Step | None, opinion: str = "",
                detail: dict[str, str] | None = None) -> None:
        name = self.directory.display_name(actor_id) if actor_id is not None else SYSTEM_NAME
        case.history.append(HistoryEntry(self.clock.now(), actor_id, name, action, step.key if step else None,
                                         step.title if step else "", opinion, dict(detail or {})))


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _action_title(action: str) -> str:
    return ACTION_TITLES.get(action, action)
