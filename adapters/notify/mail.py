"""E-mail: a mail folder in development (one .eml file a message), SMTP when configured."""

from __future__ import annotations

import email.message
import email.utils
import smtplib
import ssl
from pathlib import Path
from typing import Any, Mapping

from ports.notifier import MailMessage


def _build(message: MailMessage, sender: str) -> email.message.EmailMessage:
    msg = email.message.EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(message.to)
    msg["Subject"] = message.subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or "govcore.local")
    for name, value in message.headers.items():
        msg[name] = value
    msg.set_content(message.body)
    return msg


class MailDirSender:
    """Writes each message to ``<dir>/<timestamp>-<id>.eml`` so developers can read what was sent."""

    def __init__(self, directory: Path, sender: str):
        self.directory = Path(directory)
        self.sender = sender

    def send(self, message: MailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        msg = _build(message, self.sender)
        stamp = email.utils.parsedate_to_datetime(msg["Date"]).strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}-{msg['Message-ID'].strip('<>').split('@')[0]}.eml"
        tmp = self.directory / f".{name}"
        tmp.write_bytes(bytes(msg))
        tmp.rename(self.directory / name)


class SmtpSender:
    def __init__(self, host: str, port: int, sender: str, username: str = "", password: str = "",
                 starttls: bool = True, timeout: float = 30):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout

    def send(self, message: MailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(_build(message, self.sender))


def mail_sender_from_settings(settings: Mapping[str, Any], var_dir: Path):
    sender = settings.get("govcore.mail.sender", "noreply@govcore.local")
    host = settings.get("govcore.mail.smtp_host")
    if host:
        return SmtpSender(
            host=host,
            port=int(settings.get("govcore.mail.smtp_port", 587)),
            sender=sender,
            username=settings.get("govcore.mail.smtp_user", ""),
            password=settings.get("govcore.mail.smtp_password", ""),
            starttls=str(settings.get("govcore.mail.smtp_starttls", "true")).lower() in ("1", "true", "yes"),
        )
    return MailDirSender(Path(settings.get("govcore.mail.dir") or var_dir / "mail"), sender)
