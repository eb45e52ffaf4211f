"""Telling people about things: the in-app inbox, e-mail, later SMS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Notification:
    recipient_id: int  # a user id
    subject: str
    body: str
    link: str | None = None  # a path inside the site, e.g. /admin/tasks/12
    channels: tuple[str, ...] = ("inbox", "mail")
    email: str | None = None  # the recipient's address, when mail is among the channels


@dataclass(frozen=True)
class MailMessage:
    to: tuple[str, ...]
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class MailSender(Protocol):
    def send(self, message: MailMessage) -> None:
        """Deliver or queue one message; raises on a delivery error the caller should know of."""


class Inbox(Protocol):
    def deliver(self, notification: Notification) -> None:
        """Store the notification in the recipient's in-app inbox (inside the current transaction)."""


class Notifier(Protocol):
    def notify(self, notification: Notification) -> None:
        """Send through each of the notification's channels; mail goes out only after commit."""
