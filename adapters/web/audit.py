"""Recording staff actions from the web: who, from where, with which browser."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from govcore.audit import SUCCESS, AuditEntry, AuditLog, canonical_summary

USER_AGENT_LIMIT = 300


def record_audit(request: Request, action: str, object_type: str = "", object_id: Any = "",
                 summary: Any = None, result: str = SUCCESS, actor=None) -> None:
    """Append an audit record inside the request's transaction.

    ``actor`` defaults to the signed-in user; pass the account concerned for events such as a
    failed login, where nobody is signed in yet.
    """
    user = actor if actor is not None else request.current_user
    request.uow.repository(AuditLog).append(AuditEntry(
        at=request.platform.clock.now(),
        actor_id=user.id if user is not None else None,
        actor_login=user.login if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=canonical_summary(summary if summary is not None else {}),
        ip=request.client_addr or "",
        user_agent=(request.user_agent or "")[:USER_AGENT_LIMIT],
        result=result,
    ))


def includeme(config) -> None:
    config.add_request_method(record_audit, "audit")
