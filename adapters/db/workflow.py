"""The workflow engine's ports on SQLAlchemy: people, definition versions, cases.

Cases are read and written with Core statements rather than ORM objects: the engine changes plain
dataclasses, and the save is one conditional UPDATE on the case's version (the optimistic lock)
followed by the inserts and updates of its tasks, objections and history. The UPDATE matching no
row means somebody saved the case after it was read: nothing is written and ConcurrentChange is
raised. On PostgreSQL the second of two simultaneous saves waits for the first to commit and then
matches no row; on SQLite it cannot take the write lock from its stale snapshot, which is the same
conflict reported by the driver.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import OperationalError

from adapters.db.orm import OrgUnit, Role, RoleAssignment, User
from adapters.db.workflow_orm import (WorkflowCaseRow, WorkflowDefinitionRow, WorkflowHistoryRow,
                                      WorkflowObjectionRow, WorkflowTaskRow)
from govcore.workflow.case import Case, HistoryEntry, Objection, Task
from govcore.workflow.definition import Definition, StoredDefinition, from_data, to_data
from govcore.workflow.engine import ConcurrentChange, Directory
from govcore.workflow.service import CaseStore, DefinitionStore

STAFF = "staff"


class SqlDirectory:
    def __init__(self, uow):
        self.session = uow.session
        self.scope_types = uow.platform.plugins.scope_types
        self.uow = uow
        self._people: dict[int, tuple[str, str | None, bool] | None] = {}

    def holders(self, role: str, scope_type: str | None, scope_id: int | None) -> list[int]:
        covering = [RoleAssignment.scope_type.is_(None)]
        if scope_type is not None and scope_id is not None and scope_type in self.scope_types:
            above = self.scope_types[scope_type].ancestors(self.uow, scope_id)
            covering.append((RoleAssignment.scope_type == scope_type) & RoleAssignment.scope_id.in_(above))
        query = (
            select(User.id).distinct()
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(Role, Role.id == RoleAssignment.role_id)
            .where(Role.name == role, User.is_active.is_(True), User.kind == STAFF, or_(*covering))
            .order_by(User.id)
        )
        return list(self.session.scalars(query))

    def parent_unit(self, org_unit_id: int) -> int | None:
        return self.session.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == org_unit_id))

    def _person(self, user_id: int):
        """(name, email, active staff) of an account, read once per unit of work: a transition
        names, tells and checks the same few people several times."""
        if user_id not in self._people:
            row = self.session.execute(
                select(User.display_name, User.email, User.is_active, User.kind).where(User.id == user_id)).first()
            self._people[user_id] = (row.display_name, row.email, row.is_active and row.kind == STAFF) if row else None
        return self._people[user_id]

    def display_name(self, user_id: int) -> str:
        person = self._person(user_id)
        return person[0] if person else f"#{user_id}"

    def is_active_staff(self, user_id: int) -> bool:
        person = self._person(user_id)
        return bool(person and person[2])

    def email(self, user_id: int) -> str | None:
        person = self._person(user_id)
        return person[1] if person else None

    def role_names(self) -> list[str]:
        return list(self.session.scalars(select(Role.name).order_by(Role.name)))


class SqlDefinitionStore:
    def __init__(self, uow):
        self.session = uow.session

    def latest(self, key: str) -> StoredDefinition | None:
        row = self.session.scalars(
            select(WorkflowDefinitionRow).where(WorkflowDefinitionRow.key == key)
            .order_by(WorkflowDefinitionRow.version.desc()).limit(1)
        ).first()
        return _stored(row) if row is not None else None

    def get(self, key: str, version: int) -> StoredDefinition | None:
        row = self.session.scalars(
            select(WorkflowDefinitionRow).where(WorkflowDefinitionRow.key == key,
                                                WorkflowDefinitionRow.version == version)
        ).first()
        return _stored(row) if row is not None else None

    def versions(self, key: str) -> list[StoredDefinition]:
        rows = self.session.scalars(
            select(WorkflowDefinitionRow).where(WorkflowDefinitionRow.key == key)
            .order_by(WorkflowDefinitionRow.version.desc())
        )
        return [_stored(row) for row in rows]

    def keys(self) -> list[str]:
        return list(self.session.scalars(select(WorkflowDefinitionRow.key).distinct().order_by(WorkflowDefinitionRow.key)))

    def add(self, definition: Definition, *, origin: str, author_id: int | None, note: str,
            at: dt.datetime) -> StoredDefinition:
        # Two administrators saving the same key at once collide on the (key, version) unique
        # constraint; the later one's transaction fails and nothing of it is stored.
        newest = self.session.scalar(
            select(func.max(WorkflowDefinitionRow.version)).where(WorkflowDefinitionRow.key == definition.key))
        numbered = dataclasses.replace(definition, version=(newest or 0) + 1)
        row = WorkflowDefinitionRow(key=numbered.key, version=numbered.version, title=numbered.title,
                                    data=to_data(numbered), origin=origin, author_id=author_id, created_at=at,
                                    note=note)
        self.session.add(row)
        self.session.flush()
        return _stored(row)


def _stored(row: WorkflowDefinitionRow) -> StoredDefinition:
    definition = dataclasses.replace(from_data(row.data), version=row.version)
    return StoredDefinition(definition, row.origin, row.author_id, row.created_at, row.note)


CASE_FIELDS = ("definition_key", "definition_version", "subject_type", "subject_id", "title", "body", "link",
               "initiator_id", "org_unit_id", "scope_type", "scope_id", "status", "step_key", "step_title",
               "activation", "started_at", "due_at", "ended_at")
TASK_FIELDS = ("activation", "step_key", "step_title", "assignee_id", "kind", "status", "outcome", "created_at",
               "due_at", "acted_at", "escalated")
# What a save may change of an existing task (the rest is fixed when the task is made).
TASK_CHANGES = ("assignee_id", "status", "outcome", "acted_at", "escalated")
OBJECTION_FIELDS = ("activation", "at", "by_id", "by_name", "text")
HISTORY_FIELDS = ("at", "actor_id", "actor_name", "action", "step_key", "step_title", "opinion", "detail")


class SqlCaseStore:
    def __init__(self, uow):
        self.session = uow.session

    def add(self, case: Case) -> None:
        values = _values(case, CASE_FIELDS)
        case.id = self.session.execute(insert(WorkflowCaseRow).values(version=1, **values)
                                       .returning(WorkflowCaseRow.id)).scalar_one()
        case.version = 1
        self._insert_children(case)

    def get(self, case_id: int) -> Case | None:
        row = self.session.execute(select(WorkflowCaseRow.__table__).where(WorkflowCaseRow.id == case_id)).mappings().first()
        if row is None:
            return None
        case = Case(**{name: row[name] for name in CASE_FIELDS}, version=row["version"], id=row["id"])
        case.tasks = [Task(**{name: r[name] for name in TASK_FIELDS}, id=r["id"])
                      for r in self._children(WorkflowTaskRow, case_id)]
        case.objections = [Objection(**{name: r[name] for name in OBJECTION_FIELDS}, id=r["id"])
                           for r in self._children(WorkflowObjectionRow, case_id)]
        case.history = [HistoryEntry(**{name: r[name] for name in HISTORY_FIELDS}, id=r["id"])
                        for r in self._children(WorkflowHistoryRow, case_id)]
        return case

    def _children(self, model, case_id: int):
        table = model.__table__
        return self.session.execute(select(table).where(table.c.case_id == case_id).order_by(table.c.id)).mappings()

    def save(self, case: Case) -> None:
        statement = (update(WorkflowCaseRow)
                     .where(WorkflowCaseRow.id == case.id, WorkflowCaseRow.version == case.version)
                     .values(version=case.version + 1, **_values(case, CASE_FIELDS)))
        try:
            result = self.session.execute(statement, execution_options={"synchronize_session": False})
        except OperationalError as error:
            if "locked" in str(error.orig).lower():
                raise ConcurrentChange() from error
            raise
        if result.rowcount != 1:
            raise ConcurrentChange()
        case.version += 1
        table = WorkflowTaskRow.__table__
        for task in case.tasks:
            if task.id is not None:
                self.session.execute(update(table).where(table.c.id == task.id)
                                     .values(**_values(task, TASK_CHANGES)))
        self._insert_children(case)

    def _insert_children(self, case: Case) -> None:
        for items, model, fields in ((case.tasks, WorkflowTaskRow, TASK_FIELDS),
                                     (case.objections, WorkflowObjectionRow, OBJECTION_FIELDS),
                                     (case.history, WorkflowHistoryRow, HISTORY_FIELDS)):
            for item in items:
                if item.id is None:
                    item.id = self.session.execute(
                        insert(model).values(case_id=case.id, **_values(item, fields)).returning(model.id)
                    ).scalar_one()


def _values(item, fields) -> dict:
    return {name: getattr(item, name) for name in fields}


def workflow_repositories() -> dict:
    return {Directory: SqlDirectory, DefinitionStore: SqlDefinitionStore, CaseStore: SqlCaseStore}
