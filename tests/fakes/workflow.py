"""In-memory fakes of what the workflow service needs: people, stores, a unit of work, a platform.

The stores copy cases in and out, as a database would, so a test that forgets to save sees it,
and the case store enforces the optimistic lock like the SQL one.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from govcore.audit import AuditLog
from govcore.calendar import WorkCalendar
from govcore.clock import FixedClock
from govcore.integrity import SealLedger
from govcore.workflow.case import Case
from govcore.workflow.definition import Definition, StoredDefinition
from govcore.workflow.engine import ConcurrentChange, Directory
from govcore.workflow.service import CaseStore, DefinitionStore
from ports.notifier import Inbox, Notification
from tests.fakes.calendar import Arrangement2026
from tests.fakes.integrity import MemorySealLedger
from adapters.testing.scheduler import FakeScheduler


@dataclasses.dataclass
class Person:
    id: int
    name: str
    roles: list[tuple[str, str | None, int | None]] = dataclasses.field(default_factory=list)  # (role, scope type, id)
    active: bool = True
    email: str | None = None


class FakeDirectory:
    """People and an org tree given as {unit: parent}; a scoped role covers the unit's subtree."""

    def __init__(self, people: list[Person], parents: dict[int, int | None], roles: set[str] | None = None):
        self.people = {person.id: person for person in people}
        self.parents = parents
        self.roles = roles if roles is not None else {role for p in people for role, _t, _i in p.roles} | {"unit_leader"}

    def _ancestors(self, unit: int | None) -> list[int]:
        chain = []
        while unit is not None:
            chain.append(unit)
            unit = self.parents.get(unit)
        return chain

    def holders(self, role: str, scope_type: str | None, scope_id: int | None) -> list[int]:
        above = self._ancestors(scope_id) if scope_type == "org_unit" else ([scope_id] if scope_id else [])
        return sorted(person.id for person in self.people.values() if person.active and any(
            name == role and (held_type is None or (held_type == scope_type and held_id in above))
            for name, held_type, held_id in person.roles))

    def parent_unit(self, org_unit_id: int) -> int | None:
        return self.parents.get(org_unit_id)

    def display_name(self, user_id: int) -> str:
        return self.people[user_id].name if user_id in self.people else f"#{user_id}"

    def is_active_staff(self, user_id: int) -> bool:
        return user_id in self.people and self.people[user_id].active

    def email(self, user_id: int) -> str | None:
        return self.people[user_id].email if user_id in self.people else None

    def role_names(self) -> list[str]:
        return sorted(self.roles)


class MemoryDefinitionStore:
    def __init__(self):
        self.stored: dict[str, list[StoredDefinition]] = {}

    def latest(self, key: str) -> StoredDefinition | None:
        return self.stored.get(key, [None])[-1]

    def get(self, key: str, version: int) -> StoredDefinition | None:
        return next((s for s in self.stored.get(key, []) if s.definition.version == version), None)

    def versions(self, key: str) -> list[StoredDefinition]:
        return list(reversed(self.stored.get(key, [])))

    def keys(self) -> list[str]:
        return sorted(self.stored)

    def add(self, definition: Definition, *, origin: str, author_id: int | None, note: str,
            at: dt.datetime) -> StoredDefinition:
        versions = self.stored.setdefault(definition.key, [])
        numbered = dataclasses.replace(definition, version=len(versions) + 1)
        stored = StoredDefinition(numbered, origin, author_id, at, note)
        versions.append(stored)
        return stored


class MemoryCaseStore:
    def __init__(self):
        self.rows: dict[int, Case] = {}
        self._next_id = 0

    def _number(self, case: Case) -> None:
        for item in [*case.tasks, *case.objections, *case.history]:
            if item.id is None:
                self._next_id += 1
                item.id = self._next_id

    def add(self, case: Case) -> None:
        self._next_id += 1
        case.id = self._next_id
        case.version = 1
        self._number(case)
        self.rows[case.id] = copy.deepcopy(case)

    def get(self, case_id: int) -> Case | None:
        return copy.deepcopy(self.rows.get(case_id))

    def save(self, case: Case) -> None:
        if self.rows[case.id].version != case.version:
            raise ConcurrentChange()
        case.version += 1
        self._number(case)
        self.rows[case.id] = copy.deepcopy(case)


class MemoryInbox:
    def __init__(self):
        self.delivered: list[Notification] = []

    def deliver(self, notification: Notification) -> None:
        self.delivered.append(notification)


class MemoryAuditLog:
    def __init__(self):
        self.entries = []

    def append(self, entry):
        self.entries.append(entry)
        return entry


class FakeUnitOfWork:
    def __init__(self, repositories: dict[type, Any]):
        self.repositories = repositories
        self.events: list[Any] = []
        self.callbacks: list[Callable[[], None]] = []

    def repository(self, kind):
        return self.repositories[kind]

    def record(self, event) -> None:
        self.events.append(event)

    def after_commit(self, callback) -> None:
        self.callbacks.append(callback)


class Mailbag:
    def __init__(self):
        self.sent = []

    def send(self, message) -> None:
        self.sent.append(message)


def workflow_platform(directory: FakeDirectory, defaults: list[Definition] = (),
                      at: dt.datetime = dt.datetime(2026, 9, 28, 9, 0)) -> SimpleNamespace:
    """A platform with fakes of every port the workflow service touches.

    ``platform.unit_of_work()`` commits by running the after-commit callbacks and dispatching
    nothing (no plugins listen); an exception inside it drops them, like a rollback. Stores are
    shared between units of work, as a database is.
    """
    clock = FixedClock(at)
    repositories = {Directory: directory, DefinitionStore: MemoryDefinitionStore(), CaseStore: MemoryCaseStore(),
                    Inbox: MemoryInbox(), AuditLog: MemoryAuditLog(), SealLedger: MemorySealLedger(clock)}
    platform = SimpleNamespace(
        clock=clock, calendar=WorkCalendar(Arrangement2026()), scheduler=FakeScheduler(clock), mail=Mailbag(),
        plugins=SimpleNamespace(workflows={d.key: d for d in defaults}), repositories=repositories, events=[],
    )

    @contextlib.contextmanager
    def unit_of_work() -> Iterator[FakeUnitOfWork]:
        uow = FakeUnitOfWork(repositories)
        yield uow
        for callback in uow.callbacks:
            callback()
        platform.events.extend(uow.events)

    platform.unit_of_work = unit_of_work
    return platform


