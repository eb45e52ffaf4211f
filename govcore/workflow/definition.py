"""Workflow definitions as data: steps, who acts, how they decide, deadlines and publicity periods.

A definition is an ordered list of steps. A case starts at the first step; approving a step moves
it to the step's ``next`` (by default the following step, after the last one the case is
approved); rejecting moves it to ``on_reject`` (by default the case ends rejected). A publicity
step (公示) has no approvers: it ends by timer and moves on, unless somebody objected, in which
case it goes to ``on_objection``. Any step may return the case to an earlier step or to the
initiator (退回); that edge is implied, so it is not stored.

Definitions are values: the designer builds new ones, and storing one makes a new version, so a
running case keeps the version it started with. Framework-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Sequence

from govcore.i18n import _
from govcore.orgs import Problem, RulesBroken

# Who acts at a step.
ACTOR_ROLE = "role"  # holders of a role within the case's org unit or column (or above it)
ACTOR_SUPERIOR_ROLE = "superior_role"  # holders of a role in the unit above the case's unit
ACTOR_PERSON = "person"  # one named person
ACTOR_APPLICANT = "applicant"  # the person who started the case
ACTOR_KINDS = (ACTOR_ROLE, ACTOR_SUPERIOR_ROLE, ACTOR_PERSON, ACTOR_APPLICANT)

# How the people at a step decide.
MODE_SINGLE = "single"  # one person (whoever of the candidates acts first) decides
MODE_ALL = "all"  # 会签: every candidate must agree
MODE_ANY = "any"  # 或签: the first of several named signers to agree decides
MODES = (MODE_SINGLE, MODE_ALL, MODE_ANY)

STEP_APPROVAL = "approval"
STEP_PUBLICITY = "publicity"  # 公示: ends by timer
STEP_KINDS = (STEP_APPROVAL, STEP_PUBLICITY)

UNIT_WORKING_DAYS = "working_days"
UNIT_CALENDAR_DAYS = "calendar_days"
UNIT_HOURS = "hours"
DEADLINE_UNITS = (UNIT_WORKING_DAYS, UNIT_HOURS)
PUBLICITY_UNITS = (UNIT_CALENDAR_DAYS, UNIT_WORKING_DAYS)

# Where edges may lead besides steps.
END_APPROVED = "end:approved"
END_REJECTED = "end:rejected"
START = "start"  # with the initiator: returned or withdrawn, waiting to be resubmitted

JSON_FORMAT = "govcore.workflow/1"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
STEP_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
TITLE_MAX = 60
MAX_STEPS = 50
MAX_AMOUNT = 3650

ACTOR_KIND_TITLES = {
    ACTOR_ROLE: _("本单位（栏目）角色"),
    ACTOR_SUPERIOR_ROLE: _("上级单位角色"),
    ACTOR_PERSON: _("指定人员"),
    ACTOR_APPLICANT: _("发起人"),
}
MODE_TITLES = {MODE_SINGLE: _("单人审批"), MODE_ALL: _("会签（全部同意）"), MODE_ANY: _("或签（一人同意即可）")}
UNIT_TITLES = {UNIT_WORKING_DAYS: _("工作日"), UNIT_CALENDAR_DAYS: _("自然日"), UNIT_HOURS: _("小时")}


@dataclass(frozen=True)
class Actor:
    kind: str
    role: str = ""  # for the two role kinds
    user_id: int | None = None  # for a named person


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    kind: str = STEP_APPROVAL
    actors: tuple[Actor, ...] = ()
    mode: str = MODE_SINGLE
    opinion_required: bool = False
    deadline: Duration | None = None
    next: str | None = None  # a step key or END_APPROVED; None means the following step
    on_reject: str = END_REJECTED  # END_REJECTED or a step key
    publicity: Duration | None = None  # publicity steps only
    on_objection: str | None = None  # publicity steps only: where an objection sends the case

    @property
    def is_publicity(self) -> bool:
        return self.kind == STEP_PUBLICITY


@dataclass(frozen=True)
class Definition:
    key: str  # e.g. "content.article_review"; a county's copy keeps the key
    title: str
    steps: tuple[Step, ...]
    description: str = ""
    version: int = 0  # 0: not stored yet (a plugin's default); stored versions count from 1
    general: bool = False  # staff may start it from the task inbox (通用审批)
    reminder_hours: int = 24  # remind the people at a step this long before its deadline; 0: never
    escalate_role: str = "unit_leader"  # told when a step is overdue, in the case's unit

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    def has_step(self, key: str) -> bool:
        return any(step.key == key for step in self.steps)

    def index(self, key: str) -> int:
        return [step.key for step in self.steps].index(key)

    def next_of(self, key: str) -> str:
        """Where approving (or a publicity period ending quietly) at ``key`` leads."""
        step = self.step(key)
        if step.next:
            return step.next
        position = self.index(key)
        return self.steps[position + 1].key if position + 1 < len(self.steps) else END_APPROVED

    def edges(self, key: str) -> list[str]:
        """Every target a case can move to from ``key`` going forward (returns are not counted)."""
        step = self.step(key)
        targets = [self.next_of(key), step.on_reject if not step.is_publicity else None, step.on_objection]
        return [target for target in targets if target]

    def earlier_steps(self, key: str) -> list[Step]:
        """The steps a case at ``key`` may be returned to."""
        return list(self.steps[: self.index(key)])

    def same_procedure(self, other: "Definition") -> bool:
        """Whether ``other`` describes the same procedure (ignoring its version)."""
        return replace(self, version=0) == replace(other, version=0)


# ---------------------------------------------------------------------------------------------
# Validation


def validate(definition: Definition, known_roles: Iterable[str] | None = None) -> list[Problem]:
    """Everything wrong with ``definition``, for showing in the designer; empty when it may be saved.

    Besides the fields, the graph is checked: every step must be reachable from the first, and
    from every step the case must be able to reach an end (no dead ends, no loops without exit).
    """
    problems: list[Problem] = []
    roles = set(known_roles) if known_roles is not None else None
    if not KEY_PATTERN.match(definition.key or ""):
        problems.append(Problem("key", _("流程标识须以小写字母开头，只含小写字母、数字和 . _ -，长 2–64 个字符")))
    if not definition.title.strip() or len(definition.title) > TITLE_MAX:
        problems.append(Problem("title", _("请填写流程名称（不超过 ${max} 个字）"), {"max": str(TITLE_MAX)}))
    if not definition.steps:
        problems.append(Problem("steps", _("流程至少需要一个步骤")))
        return problems
    if len(definition.steps) > MAX_STEPS:
        problems.append(Problem("steps", _("流程最多 ${max} 个步骤"), {"max": str(MAX_STEPS)}))
    if not 0 <= definition.reminder_hours <= 24 * 30:
        problems.append(Problem("reminder_hours", _("提前提醒时间须在 0–720 小时之间")))
    if roles is not None and definition.escalate_role and definition.escalate_role not in roles:
        problems.append(Problem("escalate_role", _("超期督办角色“${role}”不存在"), {"role": definition.escalate_role}))
    keys = [step.key for step in definition.steps]
    for position, step in enumerate(definition.steps, start=1):
        problems.extend(_step_problems(definition, step, position, keys, roles))
    if not problems:
        problems.extend(_graph_problems(definition))
    return problems


def _step_problems(definition: Definition, step: Step, position: int, keys: list[str],
                   roles: set[str] | None) -> list[Problem]:
    where = f"steps.{position}"
    label = {"n": str(position), "title": step.title}
    found: list[Problem] = []
    if not STEP_KEY_PATTERN.match(step.key or ""):
        found.append(Problem(f"{where}.key", _("第 ${n} 步的标识须以小写字母开头，只含小写字母、数字和下划线"), label))
    elif keys.count(step.key) > 1:
        found.append(Problem(f"{where}.key", _("第 ${n} 步的标识与其他步骤重复"), label))
    if not step.title.strip() or len(step.title) > TITLE_MAX:
        found.append(Problem(f"{where}.title", _("请填写第 ${n} 步的名称（不超过 60 个字）"), label))
    if step.kind not in STEP_KINDS:
        found.append(Problem(f"{where}.kind", _("第 ${n} 步的类型无效"), label))
        return found
    # Approving may end a case approved and rejecting may end it rejected, never the other way round.
    for target, name, end in ((step.next, "next", END_APPROVED), (step.on_reject, "on_reject", END_REJECTED)):
        if target and target not in keys and target != end:
            found.append(Problem(f"{where}.{name}", _("第 ${n} 步“${title}”指向不存在的步骤"), label))
    if step.next == step.key:
        found.append(Problem(f"{where}.next", _("第 ${n} 步“${title}”不能以自己为下一步"), label))
    if step.is_publicity:
        found.extend(_publicity_problems(step, where, label, keys))
    else:
        found.extend(_approval_problems(step, where, label, roles))
    return found


def _publicity_problems(step: Step, where: str, label: dict[str, str], keys: list[str]) -> list[Problem]:
    found = []
    if step.publicity is None or step.publicity.unit not in PUBLICITY_UNITS or not 0 < step.publicity.amount <= MAX_AMOUNT:
        found.append(Problem(f"{where}.publicity", _("第 ${n} 步“${title}”须设置公示天数（自然日或工作日）"), label))
    if not step.on_objection or step.on_objection not in keys:
        found.append(Problem(f"{where}.on_objection", _("第 ${n} 步“${title}”须指定有异议时转到的步骤"), label))
    elif step.on_objection == step.key:
        found.append(Problem(f"{where}.on_objection", _("第 ${n} 步“${title}”有异议时不能转回公示本身"), label))
    if step.actors:
        found.append(Problem(f"{where}.actors", _("公示步骤“${title}”不设审批人"), label))
    return found


def _approval_problems(step: Step, where: str, label: dict[str, str], roles: set[str] | None) -> list[Problem]:
    found = []
    if step.mode not in MODES:
        found.append(Problem(f"{where}.mode", _("第 ${n} 步的审批方式无效"), label))
    if not step.actors:
        found.append(Problem(f"{where}.actors", _("第 ${n} 步“${title}”至少需要一位审批人"), label))
    for actor in step.actors:
        if actor.kind not in ACTOR_KINDS:
            found.append(Problem(f"{where}.actors", _("第 ${n} 步有无效的审批人类型"), label))
        elif actor.kind in (ACTOR_ROLE, ACTOR_SUPERIOR_ROLE) and not actor.role:
            found.append(Problem(f"{where}.actors", _("第 ${n} 步“${title}”须选择角色"), label))
        elif actor.kind in (ACTOR_ROLE, ACTOR_SUPERIOR_ROLE) and roles is not None and actor.role not in roles:
            found.append(Problem(f"{where}.actors", _("第 ${n} 步的角色“${role}”不存在"), {**label, "role": actor.role}))
        elif actor.kind == ACTOR_PERSON and not actor.user_id:
            found.append(Problem(f"{where}.actors", _("第 ${n} 步“${title}”须选择具体人员"), label))
    if step.deadline is not None and (step.deadline.unit not in DEADLINE_UNITS or not 0 < step.deadline.amount <= MAX_AMOUNT):
        found.append(Problem(f"{where}.deadline", _("第 ${n} 步的办理时限须为正数的工作日或小时"), label))
    if step.publicity is not None or step.on_objection:
        found.append(Problem(f"{where}.publicity", _("只有公示步骤才设置公示期"), label))
    return found


def _graph_problems(definition: Definition) -> list[Problem]:
    first = definition.steps[0].key
    reachable = _closure([first], definition)
    problems = [
        Problem("steps", _("步骤“${title}”无法到达：没有任何步骤通向它"), {"title": step.title})
        for step in definition.steps if step.key not in reachable
    ]
    for step in definition.steps:
        if step.key in reachable and not _closure([step.key], definition) & {END_APPROVED, END_REJECTED}:
            problems.append(Problem("steps", _("从步骤“${title}”出发无法结束流程（形成死循环）"), {"title": step.title}))
    if definition.steps[0].is_publicity:
        problems.append(Problem("steps", _("流程不能以公示步骤开始")))
    if END_APPROVED not in _closure([first], definition):
        problems.append(Problem("steps", _("流程无法审批通过：没有步骤通向“办结”")))
    return problems


def _closure(start: Sequence[str], definition: Definition) -> set[str]:
    seen: set[str] = set()
    pending = list(start)
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        seen.add(key)
        if definition.has_step(key):
            pending.extend(definition.edges(key))
    return seen


def check(definition: Definition, known_roles: Iterable[str] | None = None) -> Definition:
    """``definition`` when it is valid; raises RulesBroken listing what is wrong otherwise."""
    problems = validate(definition, known_roles)
    if problems:
        raise RulesBroken(problems)
    return definition


# ---------------------------------------------------------------------------------------------
# JSON, for sharing definitions between counties


def to_data(definition: Definition) -> dict[str, Any]:
    """A JSON-ready dict of ``definition``; named people are kept by id, which another county must re-pick."""
    return {
        "format": JSON_FORMAT,
        "key": definition.key,
        "title": definition.title,
        "description": definition.description,
        "general": definition.general,
        "reminder_hours": definition.reminder_hours,
        "escalate_role": definition.escalate_role,
        "steps": [_step_data(step) for step in definition.steps],
    }


def _step_data(step: Step) -> dict[str, Any]:
    data: dict[str, Any] = {"key": step.key, "title": step.title, "kind": step.kind}
    if step.is_publicity:
        data["publicity"] = _duration_data(step.publicity)
        data["on_objection"] = step.on_objection
    else:
        data["mode"] = step.mode
        data["actors"] = [{k: v for k, v in (("kind", a.kind), ("role", a.role), ("user_id", a.user_id)) if v}
                          for a in step.actors]
        data["opinion_required"] = step.opinion_required
        data["deadline"] = _duration_data(step.deadline)
        data["on_reject"] = step.on_reject
    if step.next:
        data["next"] = step.next
    return data


def _duration_data(duration: Duration | None) -> dict[str, Any] | None:
    return None if duration is None else {"amount": duration.amount, "unit": duration.unit}


def from_data(data: Any) -> Definition:
    """The definition ``data`` (parsed JSON) describes; raises RulesBroken on malformed data.

    Only the shape is checked here; call :func:`check` for the rules.
    """
    if not isinstance(data, Mapping) or data.get("format") != JSON_FORMAT:
        raise RulesBroken([Problem("file", _("不是 govcore 流程定义文件（缺少 format: ${format}）"), {"format": JSON_FORMAT})])
    try:
        steps = tuple(_step_from(item) for item in _list(data.get("steps")))
        return Definition(
            key=_text(data.get("key")),
            title=_text(data.get("title")),
            description=_text(data.get("description", "")),
            general=bool(data.get("general", False)),
            reminder_hours=int(data.get("reminder_hours", 24)),
            escalate_role=_text(data.get("escalate_role", "")),
            steps=steps,
        )
    except (TypeError, ValueError, AttributeError, KeyError):
        raise RulesBroken([Problem("file", _("流程定义文件格式有误"))]) from None


def _step_from(item: Mapping[str, Any]) -> Step:
    return Step(
        key=_text(item["key"]),
        title=_text(item["title"]),
        kind=_text(item.get("kind", STEP_APPROVAL)),
        actors=tuple(Actor(kind=_text(a["kind"]), role=_text(a.get("role", "")),
                           user_id=int(a["user_id"]) if a.get("user_id") else None)
                     for a in _list(item.get("actors", []))),
        mode=_text(item.get("mode", MODE_SINGLE)),
        opinion_required=bool(item.get("opinion_required", False)),
        deadline=_duration_from(item.get("deadline")),
        next=_text(item["next"]) if item.get("next") else None,
        on_reject=_text(item.get("on_reject") or END_REJECTED),
        publicity=_duration_from(item.get("publicity")),
        on_objection=_text(item["on_objection"]) if item.get("on_objection") else None,
    )


def _duration_from(value: Any) -> Duration | None:
    if value is None:
        return None
    return Duration(amount=int(value["amount"]), unit=_text(value["unit"]))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value.strip()


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


@dataclass(frozen=True)
class StoredDefinition:
    """A stored version of a definition, with who made it and whether it is a plugin's default."""

    definition: Definition
    origin: str  # "plugin" (a default, as shipped) or "county" (edited in the designer or imported)
    author_id: int | None = None
    created_at: Any = None  # a datetime, set by the store
    note: str = ""  # what the editor said about this version
