"""A case: one object of some plugin running through one version of a definition. Framework-free.

The case records where it is (``status``, ``step_key``), the tasks of the people who must act now,
the objections lodged during a publicity period, and its history. ``activation`` counts the times
a step was entered: a task, an objection or a timer belongs to one activation, so a timer armed for
a step the case has left since finds a different number and does nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from govcore.i18n import _

STATUS_RUNNING = "running"  # at a step
STATUS_WITH_INITIATOR = "with_initiator"  # returned or withdrawn; the initiator resubmits or cancels
STATUS_APPROVED = "approved"
STATUS_REJECTED = "rejected"
STATUS_CANCELLED = "cancelled"
OPEN_STATUSES = frozenset({STATUS_RUNNING, STATUS_WITH_INITIATOR})
STATUS_TITLES = {
    STATUS_RUNNING: _("办理中"),
    STATUS_WITH_INITIATOR: _("待发起人处理"),
    STATUS_APPROVED: _("已办结（通过）"),
    STATUS_REJECTED: _("已办结（不通过）"),
    STATUS_CANCELLED: _("已撤销"),
}

TASK_POOL = "pool"  # one of several candidates decides; the others' tasks close when one acts
TASK_VOTE = "vote"  # this person must decide (会签, 加签)

TASK_PENDING = "pending"
TASK_DONE = "done"
TASK_CLOSED = "closed"  # closed without this person acting (someone else decided, the case moved)

# Transitions a person asks for.
APPROVE = "approve"
REJECT = "reject"
RETURN = "return"
TRANSFER = "transfer"
ADD_SIGNER = "add_signer"
WITHDRAW = "withdraw"
RESUBMIT = "resubmit"
CANCEL = "cancel"
OBJECT = "object"
PERSON_ACTIONS = (APPROVE, REJECT, RETURN, TRANSFER, ADD_SIGNER, WITHDRAW, RESUBMIT, CANCEL, OBJECT)

# What timers and the engine itself record.
START_CASE = "start"
EXPIRE = "expire"  # a publicity period ended
REMIND = "remind"
ESCALATE = "escalate"
TIMER_KINDS = (REMIND, ESCALATE, EXPIRE)

ACTION_TITLES = {
    START_CASE: _("发起"),
    APPROVE: _("同意"),
    REJECT: _("不同意"),
    RETURN: _("退回"),
    TRANSFER: _("转办"),
    ADD_SIGNER: _("加签"),
    WITHDRAW: _("撤回"),
    RESUBMIT: _("重新提交"),
    CANCEL: _("撤销"),
    OBJECT: _("提出异议"),
    EXPIRE: _("公示期满"),
    REMIND: _("到期提醒"),
    ESCALATE: _("超期督办"),
}


@dataclass
class Task:
    activation: int
    step_key: str
    assignee_id: int
    kind: str  # TASK_POOL or TASK_VOTE
    created_at: dt.datetime
    due_at: dt.datetime | None = None
    status: str = TASK_PENDING
    outcome: str = ""  # the action that closed it, or "" when closed by someone else's decision
    acted_at: dt.datetime | None = None
    escalated: bool = False
    step_title: str = ""  # kept with the task, so lists need not load definitions
    id: int | None = None


@dataclass
class Objection:
    activation: int
    at: dt.datetime
    by_id: int | None
    by_name: str
    text: str
    id: int | None = None


@dataclass
class HistoryEntry:
    at: dt.datetime
    actor_id: int | None  # None: the system (a timer)
    actor_name: str  # kept as text: the history outlives accounts
    action: str
    step_key: str | None
    step_title: str
    opinion: str = ""
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. {"to": "主编审核"}, {"person": "张三"}
    id: int | None = None


@dataclass
class Case:
    definition_key: str
    definition_version: int
    subject_type: str  # e.g. "content.item", "general"
    subject_id: str
    title: str
    initiator_id: int
    org_unit_id: int | None
    started_at: dt.datetime
    link: str = ""  # where the subject is seen, inside the site
    scope_type: str | None = None  # what role actors are looked up in: "org_unit", "column" …
    scope_id: int | None = None
    body: str = ""  # what a general approval asks for, as plain text
    status: str = STATUS_RUNNING
    step_key: str | None = None
    step_title: str = ""
    activation: int = 0
    due_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    version: int = 0  # optimistic lock: the store refuses to save over a newer version
    tasks: list[Task] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def pending_tasks(self) -> list[Task]:
        return [task for task in self.tasks if task.status == TASK_PENDING and task.activation == self.activation]

    def pending_for(self, user_id: int) -> list[Task]:
        return [task for task in self.pending_tasks() if task.assignee_id == user_id]

    def current_objections(self) -> list[Objection]:
        return [objection for objection in self.objections if objection.activation == self.activation]

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.status == STATUS_RUNNING and self.due_at is not None and now > self.due_at
