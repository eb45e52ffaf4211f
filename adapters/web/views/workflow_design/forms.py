"""The designer's form: what was posted, the edits its buttons ask for, and the definition it describes.

The editor works without JavaScript: every button submits the whole form, and adding, removing
or moving a step (or an approver row) re-renders it with the change, saving nothing. Each step
carries a hidden form id (``uid``), and the selects that point at steps (下一步, 不同意时,
有异议时) hold that id, not the step key: renaming or reordering steps keeps those choices.

Fields are named ``step-<i>-<field>`` and ``step-<i>-actor-<j>-<field>``, counted by the hidden
``steps`` and ``step-<i>-actors`` fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from govcore.i18n import _
from govcore.orgs import Problem
from govcore.workflow.definition import (ACTOR_KINDS, ACTOR_PERSON, ACTOR_ROLE, ACTOR_SUPERIOR_ROLE, END_APPROVED,
                                         END_REJECTED, MAX_STEPS, MODE_SINGLE, STEP_APPROVAL, STEP_PUBLICITY,
                                         TITLE_MAX, UNIT_CALENDAR_DAYS, UNIT_WORKING_DAYS, Actor, Definition,
                                         Duration, Step)

MAX_ACTORS = 20  # approver rows per step
DESCRIPTION_MAX = 500
NOTE_MAX = 200
UID_PATTERN = re.compile(r"^u\d{1,4}$")
# Buttons: "<command>" or "<command>-<step>" or "<command>-<step>-<actor row>".
COMMAND_PATTERN = re.compile(r"^(?P<name>[a-z_]+)(?:-(?P<step>\d{1,3}))?(?:-(?P<row>\d{1,3}))?$")
ADD_STEP, REMOVE_STEP, UP, DOWN = "add_step", "remove_step", "up", "down"
ADD_ACTOR, REMOVE_ACTOR, PREVIEW, SAVE = "add_actor", "remove_actor", "preview", "save"
EDITS = (ADD_STEP, REMOVE_STEP, UP, DOWN, ADD_ACTOR, REMOVE_ACTOR)


@dataclass
class ActorRow:
    kind: str = ACTOR_ROLE
    role: str = ""
    person: str = ""  # a user id, as posted

    @property
    def blank(self) -> bool:
        """An untouched row: left out of the definition (a fresh step offers one)."""
        return self.kind == ACTOR_ROLE and not self.role and not self.person


@dataclass
class StepForm:
    uid: str
    key: str = ""
    title: str = ""
    kind: str = STEP_APPROVAL
    mode: str = MODE_SINGLE
    opinion_required: bool = False
    deadline_amount: str = ""
    deadline_unit: str = UNIT_WORKING_DAYS
    next: str = ""  # "" (the following step), END_APPROVED or a step's uid
    on_reject: str = END_REJECTED  # END_REJECTED or a step's uid
    publicity_amount: str = ""
    publicity_unit: str = UNIT_CALENDAR_DAYS
    on_objection: str = ""  # a step's uid
    actors: list[ActorRow] = field(default_factory=list)


@dataclass
class DefinitionForm:
    key: str = ""
    title: str = ""
    description: str = ""
    general: bool = False
    reminder_hours: str = "24"
    escalate_role: str = "unit_leader"
    note: str = ""
    steps: list[StepForm] = field(default_factory=list)

    def position(self, uid: str) -> int | None:
        return next((n for n, step in enumerate(self.steps) if step.uid == uid), None)

    def new_uid(self) -> str:
        taken = {step.uid for step in self.steps}
        number = len(self.steps) + 1
        while f"u{number}" in taken:
            number += 1
        return f"u{number}"

    def suggested_key(self) -> str:
        """s1, s2 …: the first free one counting from the number of the new step."""
        taken = {step.key for step in self.steps}
        number = len(self.steps) + 1
        while f"s{number}" in taken:
            number += 1
        return f"s{number}"


@dataclass(frozen=True)
class Command:
    name: str
    step: int | None = None
    row: int | None = None


# --- reading the post ---------------------------------------------------------------------------

def parse_command(value: object) -> Command:
    """The button pressed; anything unknown previews, which changes and saves nothing."""
    match = COMMAND_PATTERN.match(value) if isinstance(value, str) else None
    if match is None or match["name"] not in (*EDITS, PREVIEW, SAVE):
        return Command(PREVIEW)
    number = lambda text: int(text) if text is not None else None  # noqa: E731
    return Command(match["name"], number(match["step"]), number(match["row"]))


def posted_text(post: Mapping[str, object], name: str) -> str:
    """A posted text field; a file sent under its name counts as nothing."""
    value = post.get(name)
    return value.strip() if isinstance(value, str) else ""


def _count(post: Mapping[str, object], name: str, limit: int) -> int:
    text = posted_text(post, name)
    return min(int(text), limit) if text.isdigit() and len(text) < 4 else 0


def form_from_post(post: Mapping[str, object], *, key: str | None = None) -> DefinitionForm:
    """The form as posted; ``key`` is the key of the procedure edited (a new one's is posted)."""
    text = lambda name, limit=TITLE_MAX * 2: posted_text(post, name)[:limit]  # noqa: E731
    form = DefinitionForm(
        key=key if key is not None else text("key", 64).lower(),
        title=text("title"),
        description=text("description", DESCRIPTION_MAX),
        general=bool(post.get("general")),
        reminder_hours=text("reminder_hours", 8),
        escalate_role=text("escalate_role", 64),
        note=text("note", NOTE_MAX),
    )
    seen: set[str] = set()
    for n in range(_count(post, "steps", MAX_STEPS)):
        prefix = f"step-{n}-"
        uid = text(prefix + "uid", 8)
        if not UID_PATTERN.match(uid) or uid in seen:
            uid = ""  # given a fresh one below, once every valid one is known
        seen.add(uid)
        step = StepForm(
            uid=uid,
            key=text(prefix + "key", 32).lower(),
            title=text(prefix + "title"),
            kind=text(prefix + "kind", 16),
            mode=text(prefix + "mode", 16),
            opinion_required=bool(post.get(prefix + "opinion_required")),
            deadline_amount=text(prefix + "deadline_amount", 8),
            deadline_unit=text(prefix + "deadline_unit", 16),
            next=text(prefix + "next", 16),
            on_reject=text(prefix + "on_reject", 16),
            publicity_amount=text(prefix + "publicity_amount", 8),
            publicity_unit=text(prefix + "publicity_unit", 16),
            on_objection=text(prefix + "on_objection", 16),
            actors=[ActorRow(kind=text(f"{prefix}actor-{m}-kind", 16), role=text(f"{prefix}actor-{m}-role", 64),
                             person=text(f"{prefix}actor-{m}-person", 12))
                    for m in range(_count(post, prefix + "actors", MAX_ACTORS))],
        )
        form.steps.append(step)
    for step in form.steps:
        if not step.uid:
            step.uid = form.new_uid()
    uids = {step.uid for step in form.steps}
    for step in form.steps:  # a choice naming no step of this form (a forged post) falls back to the default
        if step.next not in uids and step.next != END_APPROVED:
            step.next = ""
        if step.on_reject not in uids:
            step.on_reject = END_REJECTED
        if step.on_objection not in uids:
            step.on_objection = ""
    return form


# --- the edit buttons ---------------------------------------------------------------------------

def new_step(form: DefinitionForm) -> StepForm:
    return StepForm(uid=form.new_uid(), key=form.suggested_key(), actors=[ActorRow()])


def blank_form() -> DefinitionForm:
    form = DefinitionForm()
    form.steps.append(new_step(form))
    return form


@dataclass(frozen=True)
class Edited:
    form: DefinitionForm
    focus: str = ""  # the id of the field to put the cursor in when the form comes back
    notice: Problem | None = None  # what the edit changed besides the obvious, or why it did nothing


def apply(form: DefinitionForm, command: Command) -> Edited:
    """Carry out an edit button; the form is changed in place."""
    steps = form.steps
    n = command.step
    if command.name == ADD_STEP:
        if len(steps) >= MAX_STEPS:
            return Edited(form, "add-step", Problem("steps", _("流程最多 ${max} 个步骤"), {"max": str(MAX_STEPS)}))
        steps.append(new_step(form))
        return Edited(form, f"step-{len(steps) - 1}-title")
    if n is None or not 0 <= n < len(steps):
        return Edited(form)
    if command.name == REMOVE_STEP:
        removed = steps.pop(n)
        pointed = [step for step in steps if removed.uid in (step.next, step.on_reject, step.on_objection)]
        for step in pointed:
            step.next = "" if step.next == removed.uid else step.next
            step.on_reject = END_REJECTED if step.on_reject == removed.uid else step.on_reject
            step.on_objection = "" if step.on_objection == removed.uid else step.on_objection
        notice = None
        if pointed:
            notice = Problem("steps", _("已删除步骤“${title}”；指向它的步骤（${steps}）已改为默认去向，请检查。"),
                             {"title": removed.title or removed.key,
                              "steps": "、".join(step.title or step.key for step in pointed)})
        return Edited(form, "add-step", notice)
    if command.name in (UP, DOWN):
        other = n - 1 if command.name == UP else n + 1
        if not 0 <= other < len(steps):
            return Edited(form)
        steps[n], steps[other] = steps[other], steps[n]
        # The same button again, for moving on; at the top or bottom there is none.
        again = other > 0 if command.name == UP else other < len(steps) - 1
        return Edited(form, f"step-{other}-{command.name}" if again else f"step-{other}-title")
    step = steps[n]
    if command.name == ADD_ACTOR:
        if len(step.actors) >= MAX_ACTORS:
            return Edited(form, f"step-{n}-add-actor",
                          Problem(f"steps.{n + 1}.actors", _("每个步骤最多 ${max} 行审批人"), {"max": str(MAX_ACTORS)}))
        step.actors.append(ActorRow())
        return Edited(form, f"step-{n}-actor-{len(step.actors) - 1}-kind")
    if command.name == REMOVE_ACTOR and command.row is not None and 0 <= command.row < len(step.actors):
        step.actors.pop(command.row)
        return Edited(form, f"step-{n}-add-actor")
    return Edited(form)


# --- to and from definitions --------------------------------------------------------------------

def form_from_definition(definition: Definition) -> DefinitionForm:
    uids = {step.key: f"u{n}" for n, step in enumerate(definition.steps, start=1)}
    form = DefinitionForm(key=definition.key, title=definition.title, description=definition.description,
                          general=definition.general, reminder_hours=str(definition.reminder_hours),
                          escalate_role=definition.escalate_role)
    for n, step in enumerate(definition.steps, start=1):
        form.steps.append(StepForm(
            uid=f"u{n}", key=step.key, title=step.title, kind=step.kind, mode=step.mode,
            opinion_required=step.opinion_required,
            deadline_amount=str(step.deadline.amount) if step.deadline else "",
            deadline_unit=step.deadline.unit if step.deadline else UNIT_WORKING_DAYS,
            next=END_APPROVED if step.next == END_APPROVED else uids.get(step.next or "", ""),
            on_reject=uids.get(step.on_reject, END_REJECTED),
            publicity_amount=str(step.publicity.amount) if step.publicity else "",
            publicity_unit=step.publicity.unit if step.publicity else UNIT_CALENDAR_DAYS,
            on_objection=uids.get(step.on_objection or "", ""),
            actors=[ActorRow(actor.kind, actor.role, str(actor.user_id) if actor.user_id else "")
                    for actor in step.actors] or [ActorRow()],  # a row to fill should the kind change
        ))
    return form


def copy_form(definition: Definition) -> DefinitionForm:
    """A new procedure's form filled from ``definition``: everything but the key."""
    form = form_from_definition(definition)
    suffix = "（副本）"
    return replace(form, key="", title=definition.title[:TITLE_MAX - len(suffix)] + suffix)


def to_definition(form: DefinitionForm) -> tuple[Definition, list[Problem]]:
    """The definition the form describes, and what could not be read from it.

    Fields that do not apply to a step's kind (an approval step's deadline on a publicity step)
    are left out rather than refused, so switching a step's kind loses nothing until saving.
    """
    problems: list[Problem] = []
    keys = {step.uid: step.key for step in form.steps}
    reminder = _whole(form.reminder_hours)
    if reminder is None:
        problems.append(Problem("reminder_hours", _("提前提醒时间须为整数小时（0 表示不提醒）")))
    steps = []
    for n, item in enumerate(form.steps, start=1):
        label = {"n": str(n), "title": item.title}
        publicity = item.kind == STEP_PUBLICITY
        deadline = publicity_period = None
        if not publicity and item.deadline_amount:
            amount = _whole(item.deadline_amount)
            if amount is None:
                problems.append(Problem(f"steps.{n}.deadline", _("第 ${n} 步的办理时限须为整数"), label))
            else:
                deadline = Duration(amount, item.deadline_unit)
        if publicity and item.publicity_amount:
            amount = _whole(item.publicity_amount)
            if amount is None:
                problems.append(Problem(f"steps.{n}.publicity", _("第 ${n} 步的公示天数须为整数"), label))
            else:
                publicity_period = Duration(amount, item.publicity_unit)
        actors = []
        if not publicity:
            for row in item.actors:
                if row.blank:
                    continue
                if row.kind not in ACTOR_KINDS:
                    problems.append(Problem(f"steps.{n}.actors", _("第 ${n} 步有无效的审批人类型"), label))
                    continue
                person = _whole(row.person) if row.kind == ACTOR_PERSON else None
                role = row.role if row.kind in (ACTOR_ROLE, ACTOR_SUPERIOR_ROLE) else ""
                actors.append(Actor(row.kind, role, person or None))
        steps.append(Step(
            key=item.key, title=item.title, kind=item.kind, actors=tuple(actors),
            mode=MODE_SINGLE if publicity else item.mode,
            opinion_required=False if publicity else item.opinion_required,
            deadline=deadline,
            next=END_APPROVED if item.next == END_APPROVED else (keys.get(item.next) or None),
            on_reject=END_REJECTED if publicity else keys.get(item.on_reject, END_REJECTED),
            publicity=publicity_period,
            on_objection=keys.get(item.on_objection) if publicity else None,
        ))
    definition = Definition(key=form.key, title=form.title, steps=tuple(steps), description=form.description,
                            general=form.general, reminder_hours=reminder if reminder is not None else 24,
                            escalate_role=form.escalate_role)
    return definition, problems


def _whole(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


def unknown_people(definition: Definition, people: Iterable[int]) -> list[Problem]:
    """Named approvers who are not active staff here (an imported file's ids belong to another county)."""
    known = set(people)
    problems = []
    for n, step in enumerate(definition.steps, start=1):
        for actor in step.actors:
            if actor.kind == ACTOR_PERSON and actor.user_id and actor.user_id not in known:
                problems.append(Problem(f"steps.{n}.actors", _("第 ${n} 步“${title}”的指定人员（编号 ${id}）不是本系统在职的工作人员，请重新选择"),
                                        {"n": str(n), "title": step.title, "id": str(actor.user_id)}))
    return problems
