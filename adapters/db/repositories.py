"""SQLAlchemy implementations of the core's repository Protocols."""

from __future__ import annotations

from sqlalchemy import select

from adapters.db.audit import SqlAuditLog
from adapters.db.orm import InboxMessage, OrgUnit
from govcore.audit import AuditLog
from govcore.orgs import OrgUnitNode, OrgUnitRepository
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
        return [
            OrgUnitNode(u.id, u.parent_id, u.name, u.kind, u.code, u.position, u.disabled)
            for u in self.session.scalars(select(OrgUnit))
        ]


def core_repositories() -> dict:
    return {Inbox: SqlInbox, OrgUnitRepository: SqlOrgUnitRepository, AuditLog: SqlAuditLog}
