"""SQLAlchemy implementations of the core's repository Protocols."""

from __future__ import annotations

from sqlalchemy import func, select

from adapters.db.audit import SqlAuditLog
from adapters.db.orm import InboxMessage, OrgUnit, User
from adapters.db.seals import seal_repositories
from adapters.db.workflow import workflow_repositories
from govcore.audit import AuditLog
from govcore.orgs import OrgUnitNode, OrgUnitRepository
from govcore.staff import StaffDirectory, StaffInput
from ports.notifier import Inbox, Notification


class SqlInbox:
    def __init__(self, uow):
        self.session = uow.session
        self.clock = uow.platform.clock

    def deliver(self, notification: Notification) -> None:
        self.session.add(
            InboxMessage(
                recipient_id=notification.recipient_id,
                subject=notification.subject,
                body=notification.body,
                link=notification.link,
                created_at=self.clock.now(),
            )
        )


class SqlOrgUnitRepository:
    def __init__(self, uow):
        self.session = uow.session

    def all_units(self) -> list[OrgUnitNode]:
        return [_org_node(u) for u in self.session.scalars(select(OrgUnit))]

    def add(self, parent_id: int | None, name: str, kind: str, code: str | None, position: int) -> OrgUnitNode:
        unit = OrgUnit(parent_id=parent_id, name=name, kind=kind, code=code, position=position, disabled=False)
        self.session.add(unit)
        self.session.flush()
        return _org_node(unit)

    def save(self, node: OrgUnitNode) -> None:
        unit = self.session.get(OrgUnit, node.id)
        unit.parent_id, unit.name, unit.kind, unit.code = node.parent_id, node.name, node.kind, node.code
        unit.position, unit.disabled = node.position, node.disabled
        # Flushed at once, so that a following all_units() (the next import row) sees the change.
        self.session.flush()


def _org_node(unit: OrgUnit) -> OrgUnitNode:
    return OrgUnitNode(unit.id, unit.parent_id, unit.name, unit.kind, unit.code, unit.position, unit.disabled)


class SqlStaffDirectory:
    def __init__(self, uow):
        self.session = uow.session
        self.clock = uow.platform.clock

    def login_taken(self, login: str, except_id: int | None = None) -> bool:
        query = select(User.id).where(func.lower(User.login) == login.lower())
        if except_id is not None:
            query = query.where(User.id != except_id)
        return self.session.scalar(query.limit(1)) is not None

    def create(self, account: StaffInput, password_hash: str) -> int:
        now = self.clock.now()
        user = User(login=account.login, display_name=account.display_name, kind="staff",
                    org_unit_id=account.org_unit_id, email=account.email, mobile=account.mobile,
                    password_hash=password_hash, is_active=True, must_change_password=True,
                    created_at=now, password_changed_at=now)
        self.session.add(user)
        self.session.flush()
        return user.id


def core_repositories() -> dict:
    return {Inbox: SqlInbox, OrgUnitRepository: SqlOrgUnitRepository, AuditLog: SqlAuditLog,
            StaffDirectory: SqlStaffDirectory, **workflow_repositories(), **seal_repositories()}
