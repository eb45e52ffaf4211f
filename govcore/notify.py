"""Notifying people: in the in-app inbox within the transaction, by e-mail after the commit."""

from __future__ import annotations

import logging

from ports.notifier import Inbox, MailMessage, MailSender, Notification
from ports.persistence import UnitOfWork

log = logging.getLogger(__name__)


def notify(uow: UnitOfWork, mail: MailSender, notification: Notification) -> None:
    if "inbox" in notification.channels:
        uow.repository(Inbox).deliver(notification)
    if "mail" in notification.channels and notification.email:
        message = MailMessage(to=(notification.email,), subject=notification.subject,
                              body=_mail_body(notification))
        # Mail cannot be recalled: send it only once the inbox entry and the cause are saved.
        uow.after_commit(lambda: mail.send(message))


def _mail_body(notification: Notification) -> str:
    if notification.link:
        return f"{notification.body}\n\n详情：{notification.link}"
    return notification.body
