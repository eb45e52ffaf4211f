"""Running workflows inside a unit of work: definitions, cases, audit, seals, notifications, timers.

Framework-free. The web views, the plugins and the timer job all come through
:class:`Workflows`, so a transition is stored, audited, told and timed the same way whoever
causes it, and a case's final decision is sealed (:mod:`govcore.workflow.sealing`).
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from govcore.audit import SystemAuditor
from govcore.errors import NotFound
from govcore.events import DomainEvent
from govcore.i18n import _
from govcore.integrity import SealLedger
from govcore.notify import notify
from govcore.workflow.case import ESCALATE, EXPIRE, REMIND, Case
from govcore.workflow.definition import Definition, StoredDefinition, check
from govcore.workflow.engine import ConcurrentChange, Directory, Engine, Transition
from govcore.workflow.sealing import CASE_SEAL, case_payload
from ports.notifier import Notification
from ports.persistence import UnitOfWork

if TYPE_CHECKING:  # pragma: no cover
    from govcore.platform import Platform

log = logging.getLogger(__name__)

TIMER_FUNC = "govcore.workflow.service:fire_timer"
ORIGIN_PLUGIN = "plugin"
ORIGIN_COUNTY = "county"
# How long a timer that lost a race with a person waits before it tries again.
TIMER_RETRY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class CaseTransitioned(DomainEvent):
    """A case moved: plugins react to the statuses of their own subjects (publish on approval …)."""

    case_id: int
    definition_key: str
    subject_type: str
    subject_id: str
    action: str
    from_step: str | None
    to_step: str | None
    status: str


class DefinitionStore(Protocol):
    def latest(self, key: str) -> StoredDefinition | None:
        """The newest stored version of ``key``."""

    def get(self, key: str, version: int) -> StoredDefinition | None:
        """One stored version."""

    def versions(self, key: str) -> list[StoredDefinition]:
        """Every stored version of ``key``, newest first."""

    def keys(self) -> list[str]:
        """The keys that have at least one stored version."""

    def add(self, definition: Definition, *, origin: str, author_id: int | None, note: str,
            at: dt.datetime) -> StoredDefinition:
        """Store ``definition`` as the next version of its key and return it as stored."""


class CaseStore(Protocol):
    def add(self, case: Case) -> None:
        """Store a new case, giving it, its tasks and its history ids."""

    def get(self, case_id: int) -> Case | None:
        """The case with its tasks, objections and history."""

    def save(self, case: Case) -> None:
        """Store the changes to ``case`` if nobody saved it since it was read.

        Raises ConcurrentChange otherwise (nothing of the case is written then); on success the
        case's ``version`` goes up by one and new tasks, objections and history entries get ids.
        """


class Auditor(Protocol):
    def __call__(self, action: str, object_type: str, object_id: object, summary: dict) -> None:
        """Append an audit record for the acting person (the web) or the system (timers)."""


class Workflows:
    def __init__(self, platform: Platform, uow: UnitOfWork, auditor: Auditor | None = None):
        self.platform = platform
        self.uow = uow
        self.audit = auditor or SystemAuditor(uow, platform.clock)
        self.directory = uow.repository(Directory)
        self.definitions = uow.repository(DefinitionStore)
        self.cases = uow.repository(CaseStore)
        self.engine = Engine(self.directory, platform.clock, platform.calendar)

    # -- definitions --------------------------------------------------------------------------

    @property
    def defaults(self) -> dict[str, Definition]:
        return self.platform.plugins.workflows

    def keys(self) -> list[str]:
        """Every procedure a county has: the enabled plugins' defaults and the county's own."""
        return sorted(set(self.defaults) | set(self.definitions.keys()))

    def current(self, key: str) -> StoredDefinition:
        """The version new cases of ``key`` run on, storing a plugin's default on first use."""
        stored = self.definitions.latest(key)
        if stored is not None:
            return stored
        if key not in self.defaults:
            raise NotFound(_("没有这个流程"), f"no workflow definition {key!r}")
        return self.definitions.add(self.defaults[key], origin=ORIGIN_PLUGIN, author_id=None,
                                    note=_("插件提供的默认流程"), at=self.platform.clock.now())

    def version(self, key: str, version: int) -> Definition:
        stored = self.definitions.get(key, version)
        if stored is None:
            raise NotFound(_("没有这个流程版本"), f"no version {version} of workflow {key!r}")
        return stored.definition

    def save_definition(self, definition: Definition, *, author_id: int, note: str = "",
                        origin: str = ORIGIN_COUNTY) -> StoredDefinition:
        """Check ``definition`` and store it as a new version; an unchanged one is not stored again."""
        check(definition, self.known_roles())
        latest = self.definitions.latest(definition.key)
        if latest is not None and latest.definition.same_procedure(definition):
            return latest
        stored = self.definitions.add(definition, origin=origin, author_id=author_id, note=note.strip()[:200],
                                      at=self.platform.clock.now())
        self.audit("workflow.definition_save", "workflow_definition", definition.key,
                   {"version": stored.definition.version, "origin": origin, "note": note})
        return stored

    def restore_default(self, key: str, *, author_id: int) -> StoredDefinition:
        if key not in self.defaults:
            raise NotFound(_("这个流程没有插件提供的默认版本"), f"workflow {key!r} has no default")
        return self.save_definition(self.defaults[key], author_id=author_id, note=_("恢复为默认流程"),
                                    origin=ORIGIN_PLUGIN)

    def known_roles(self) -> set[str]:
        return set(self.directory.role_names())

    # -- cases --------------------------------------------------------------------------------

    def start(self, key: str, *, subject_type: str, subject_id: object, title: str, initiator_id: int,
              org_unit_id: int | None, link: str = "", body: str = "", scope_type: str | None = None,
              scope_id: int | None = None) -> Case:
        definition = self.current(key).definition
        transition = self.engine.start(definition, subject_type=subject_type, subject_id=str(subject_id),
                                       title=title, initiator_id=initiator_id, org_unit_id=org_unit_id,
                                       link=link, body=body, scope_type=scope_type, scope_id=scope_id)
        self.cases.add(transition.case)
        self._follow_up(transition, definition, before=0, actor_id=initiator_id)
        return transition.case

    def case(self, case_id: int) -> Case:
        case = self.cases.get(case_id)
        if case is None:
            raise NotFound(_("没有这个事项"), f"no workflow case {case_id}")
        return case

    def definition_of(self, case: Case) -> Definition:
        return self.version(case.definition_key, case.definition_version)

    def act(self, case_id: int, *, actor_id: int, action: str, expected_version: int, opinion: str = "",
            target: str | None = None, person_id: int | None = None) -> Case:
        """Carry out a person's action on the version of the case the person saw.

        ``expected_version`` is the version shown on the person's form: when somebody acted in
        between, ConcurrentChange is raised rather than acting on a case the person has not seen.
        """
        case = self.case(case_id)
        if case.version != expected_version:
            raise ConcurrentChange()
        definition, before = self.definition_of(case), case.activation
        transition = self.engine.act(case, definition, actor_id=actor_id, action=action, opinion=opinion,
                                     target=target, person_id=person_id)
        self.cases.save(case)
        self._follow_up(transition, definition, before, actor_id)
        return case

    def lodge_public_objection(self, case_id: int, *, name: str, text: str) -> Case:
        case = self.case(case_id)
        definition, before = self.definition_of(case), case.activation
        transition = self.engine.lodge_public_objection(case, definition, name=name, text=text)
        self.cases.save(case)
        self._follow_up(transition, definition, before)
        return case

    def fire(self, case_id: int, kind: str, activation: int) -> Case | None:
        """Carry out a timer; a stale one (the case moved on) does nothing."""
        case = self.cases.get(case_id)
        if case is None:
            return None
        definition, before = self.definition_of(case), case.activation
        transition = self.engine.fire(case, definition, kind=kind, activation=activation)
        if transition is None:
            return None
        if kind == REMIND:
            # A reminder only tells people: saving the unchanged case would make every open form stale.
            for message in transition.messages:
                self._tell(case, message)
            return case
        self.cases.save(case)
        self._follow_up(transition, definition, before)
        return case

    # -- what follows a transition ------------------------------------------------------------

    def _follow_up(self, transition: Transition, definition: Definition, before: int,
                   actor_id: int | None = None) -> None:
        """Seal, audit, tell, re-time and announce a stored transition; ``before`` is the activation it
        left, ``actor_id`` the person who caused it (None: the system)."""
        case = transition.case
        if not case.is_open:
            # The decision and the seal of its content are committed together or not at all.
            self.uow.repository(SealLedger).seal(CASE_SEAL, str(case.id), case_payload(case), actor_id)
        self.audit(f"workflow.{transition.action}", "workflow_case", case.id, {
            "definition": f"{definition.key}@{definition.version}", "from": transition.from_step,
            "to": case.step_key, "status": case.status, "subject": f"{case.subject_type}:{case.subject_id}",
        })
        for message in transition.messages:
            self._tell(case, message)
        if transition.rearm:
            self._rearm(case, transition, definition, before)
        self.uow.record(CaseTransitioned(case.id, case.definition_key, case.subject_type, case.subject_id,
                                         transition.action, transition.from_step, case.step_key, case.status))

    def _tell(self, case: Case, message) -> None:
        fill = lambda template: string.Template(template).safe_substitute(message.mapping)  # noqa: E731
        notify(self.uow, self.platform.mail, Notification(
            recipient_id=message.user_id, subject=fill(message.subject), body=fill(message.body),
            link=f"/admin/tasks/cases/{case.id}", email=self.directory.email(message.user_id)))

    def _rearm(self, case: Case, transition: Transition, definition: Definition, before: int) -> None:
        """Disarm the timers of the step the case left (only that step can have any) and arm the new ones."""
        scheduler = self.platform.scheduler
        timers = list(transition.timers)
        case_id = case.id
        stale = [timer_id(case_id, kind, before) for kind in armed_kinds(definition, transition.from_step)]

        def arm() -> None:
            for job_id in stale:
                scheduler.cancel(job_id)
            for timer in timers:
                scheduler.run_at(timer_id(case_id, timer.kind, timer.activation), TIMER_FUNC, timer.when,
                                 case_id=case_id, kind=timer.kind, activation=timer.activation)

        self.uow.after_commit(arm)


def armed_kinds(definition: Definition, step_key: str | None) -> tuple[str, ...]:
    """The kinds of timer a case at ``step_key`` may have armed."""
    if step_key is None or not definition.has_step(step_key):
        return ()
    step = definition.step(step_key)
    if step.is_publicity:
        return (EXPIRE,)
    return (REMIND, ESCALATE) if step.deadline is not None else ()


def timer_id(case_id: int, kind: str, activation: int) -> str:
    """One timer per case, kind and activation: a timer firing now never shares its id with the
    one it arms for the case's next step, which the scheduler could otherwise remove with it."""
    return f"workflow:{case_id}:{kind}:{activation}"


def fire_timer(platform: Platform, uow: UnitOfWork, case_id: int, kind: str, activation: int) -> None:
    """The scheduler's job for every workflow timer (deadline reminders, escalation, publicity).

    When a person acted on the case at the same moment, the timer lost the race: it is armed again
    a minute later, when it will either find the case moved on (and do nothing) or act then.
    """
    try:
        Workflows(platform, uow).fire(case_id, kind, activation)
    except ConcurrentChange:
        retry_at = platform.clock.now() + TIMER_RETRY
        retry_id = f"{timer_id(case_id, kind, activation)}:retry:{retry_at:%Y%m%d%H%M%S}"
        platform.scheduler.run_at(retry_id, TIMER_FUNC, retry_at, case_id=case_id, kind=kind, activation=activation)
        raise

