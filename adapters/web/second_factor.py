"""The TOTP second factor (RFC 6238, pyotp): secrets, QR codes, and accepting a code once.

A code is accepted within one 30-second step either side of now, and never twice: the step of
every accepted code is written into the audit record of the sign-in or enrolment that used it
(``totp_step`` in the summary), and a code is refused unless its step is later than the last one
recorded for the account. The audit trail is shared by every worker and outlives sessions, so a
code seen by an eavesdropper cannot be replayed in another session either. Concurrent attempts
take turns on the account's row (``FOR UPDATE``) before reading it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json

import pyotp
import qrcode
import qrcode.image.svg
from pyramid.request import Request
from sqlalchemy import select

from adapters.db.orm import AuditRecord, User
from govcore.audit import SUCCESS
from govcore.core_plugin import SEPARATED_ADMIN_ROLES

# Audit actions whose successful records carry the step of the code they used.
LOGIN = "login"
ENABLE = "account.totp_enable"
DISABLE = "account.totp_disable"
STEP_ACTIONS = (LOGIN, ENABLE, DISABLE)
STEP_KEY = "totp_step"
DIGITS = 6


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline SVG element (no script, no style attribute)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    return image.to_string(encoding="unicode")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step (previous, current or next) whose code is ``code``, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def last_used_step(request: Request, user_id: int) -> int | None:
    row = request.dbsession.scalar(
        select(AuditRecord.summary)
        .where(AuditRecord.actor_id == user_id, AuditRecord.action.in_(STEP_ACTIONS),
               AuditRecord.result == SUCCESS, AuditRecord.summary.contains(f'"{STEP_KEY}":', autoescape=True))
        .order_by(AuditRecord.id.desc())
        .limit(1)
    )
    return json.loads(row)[STEP_KEY] if row is not None else None


def accept_code(request: Request, user: User, code: str) -> int | None:
    """The step of ``code`` when it is valid for ``user``'s secret and was never used; else None.

    The caller must record the returned step under ``STEP_KEY`` in a successful audit record of
    one of ``STEP_ACTIONS``, in the same transaction.
    """
    if not user.totp_secret:
        return None
    request.dbsession.execute(select(User.id).where(User.id == user.id).with_for_update())
    step = matching_step(user.totp_secret, code, request.platform.clock.now())
    if step is None:
        return None
    last = last_used_step(request, user.id)
    return step if last is None or step > last else None


def second_factor_mandatory(user: User, settings) -> bool:
    """Always for the three administrators of 三员分立; for all staff when the county sets
    ``[security] require_staff_totp = true``; optional for everybody else."""
    if user.kind != "staff":
        return False
    return settings.require_staff_totp or any(a.role.name in SEPARATED_ADMIN_ROLES for a in user.assignments)


def enrolment_required(user: User, settings) -> bool:
    """Whether the account may do nothing before it enrols a second factor."""
    return not user.totp_enabled and second_factor_mandatory(user, settings)
