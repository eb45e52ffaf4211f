"""SQLAlchemy implementations of the core's repository Protocols."""

from __future__ import annotations

from adapters.db.orm import InboxMessage
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


def core_repositories() -> dict:
    return {Inbox: SqlInbox}
