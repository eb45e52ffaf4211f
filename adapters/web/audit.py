"""Recording staff actions from the web: who, from where, with which browser.

Views record what they did with ``request.audit(...)``. Every other state-changing request of a
signed-in user is recorded automatically, by two tweens around pyramid_tm:

- the inner one (under pyramid_tm) appends the record inside the request's transaction, so a
  change and its record are committed together or not at all;
- the outer one (over pyramid_tm) runs after that transaction ended. When it was rolled back (an
  exception, an error page, a failed commit), the records it held were lost with it, so it writes
  them again as failures in a short transaction of its own: failures and denials stay on record.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

from pyramid.request import Request
from pyramid.tweens import EXCVIEW
from pyramid_retry import is_error_retryable

from adapters.db.orm import User
from adapters.web.outage import is_database_outage
from govcore.audit import DENIED, FAILURE, SUCCESS, AuditEntry, AuditLog, canonical_summary

log = logging.getLogger(__name__)

# Column widths of core_audit: PostgreSQL refuses longer values, so they are cut before hashing.
LOGIN_LIMIT = ACTION_LIMIT = OBJECT_LIMIT = 64
IP_LIMIT = 45
USER_AGENT_LIMIT = 300
FIELD_NAMES_LIMIT = 50

STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STATE_KEY = "govcore.audit"
TM_TWEEN = "pyramid_tm.tm_tween_factory"
# Sent with every form; naming it in each record would say nothing.
IGNORED_FIELDS = frozenset({"csrf_token"})


@dataclass
class RequestAudit:
    """What one attempt of one request has recorded so far (pyramid_retry reuses the environ)."""

    actor_id: int | None  # the account signed in when the request arrived
    entries: list[AuditEntry] = field(default_factory=list)  # appended inside the request's transaction
    committed: bool = False
    changes_nothing: bool = False  # the view said so: no automatic record

    def mark_committed(self) -> None:
        self.committed = True


def record_audit(request: Request, action: str, object_type: str = "", object_id: Any = "",
                 summary: Any = None, result: str = SUCCESS, actor=None) -> None:
    """Append an audit record inside the request's transaction.

    ``actor`` defaults to the signed-in user; pass the account concerned for events such as a
    failed login, where nobody is signed in yet. A request that records anything this way gets no
    automatic record; if its transaction is rolled back, its records are written again with
    ``success`` turned into ``failure`` (or ``denied`` for a 403).
    """
    user = actor if actor is not None else request.current_user
    _append(request, _entry(request, user, action, object_type, object_id, summary, result))


def changes_nothing(request: Request) -> None:
    """Tell the automatic audit that this POST changed nothing (a form round trip such as "add a
    row" or "preview"), so it records nothing; a view that then saves records what it saved."""
    state: RequestAudit | None = request.environ.get(STATE_KEY)
    if state is not None:
        state.changes_nothing = True


def _entry(request: Request, user, action: str, object_type: str, object_id: Any, summary: Any,
           result: str) -> AuditEntry:
    return AuditEntry(
        at=request.platform.clock.now(),
        actor_id=user.id if user is not None else None,
        actor_login=user.login[:LOGIN_LIMIT] if user is not None else "",
        action=action[:ACTION_LIMIT],
        object_type=str(object_type)[:OBJECT_LIMIT],
        object_id=str(object_id)[:OBJECT_LIMIT],
        summary=canonical_summary(summary if summary is not None else {}),
        # Not client_addr: X-Forwarded-For is whatever the client sends. Behind a reverse proxy,
        # the server (waitress trusted_proxy) puts the real address into REMOTE_ADDR.
        ip=(request.remote_addr or "")[:IP_LIMIT],
        user_agent=(request.user_agent or "")[:USER_AGENT_LIMIT],
        result=result,
    )


def _append(request: Request, entry: AuditEntry) -> None:
    request.uow.repository(AuditLog).append(entry)
    state: RequestAudit | None = request.environ.get(STATE_KEY)
    if state is None:  # a request built outside the tweens, e.g. by a script
        return
    if not state.entries:
        request.uow.after_commit(state.mark_committed)
    state.entries.append(entry)


def result_for_status(status: int) -> str:
    if status == 403:
        return DENIED
    return SUCCESS if status < 400 else FAILURE


def _automatic_entry(request: Request, user: User, result: str, status: int) -> AuditEntry:
    """The record of a request no view described: its route, its object, the fields it sent."""
    route = request.matched_route
    object_type, object_id = _object(request)
    summary: dict[str, Any] = {"fields": _field_names(request), "status": status}
    if request.matchdict and len(request.matchdict) > 1:
        summary["params"] = {key: _param(value) for key, value in request.matchdict.items()}
    return _entry(request, user, route.name if route is not None else request.path,
                  object_type, object_id, summary, result)


def _param(value: Any) -> str:
    return "/".join(value) if isinstance(value, tuple) else str(value)  # *subpath values are tuples


def _object(request: Request) -> tuple[str, str]:
    """The object a request acted on.

    A scoped context names it; otherwise the route's last placeholder gives the id and the literal
    path segment before it the type: ``/admin/users/{id}/edit`` acts on ``users`` number ``id``.
    """
    # No context when the request failed before traversal.
    scope = getattr(getattr(request, "context", None), "govcore_scope", None)
    if scope is not None:
        return str(scope[0]), str(scope[1])
    matchdict = request.matchdict or {}
    if not matchdict or request.matched_route is None:
        return "", ""
    key = list(matchdict)[-1]
    segments = request.matched_route.pattern.strip("/").split("/")
    object_type = key
    for before, segment in zip(segments, segments[1:]):
        if segment.startswith(("{" + key + "}", "{" + key + ":", "*" + key)) and "{" not in before:
            object_type = before
    return object_type, _param(matchdict[key])


def _field_names(request: Request) -> list[str]:
    """The names of the submitted fields, never their values: those may be passwords or personal data."""
    if request.content_type == "application/json":
        try:
            body = request.json_body
        except ValueError:
            return []
        names = list(body) if isinstance(body, dict) else []
    else:
        names = list(request.POST.keys())
    unique = [name for name in dict.fromkeys(names) if name not in IGNORED_FIELDS]
    return [str(name)[:OBJECT_LIMIT] for name in unique[:FIELD_NAMES_LIMIT]]


def audit_inner_tween_factory(handler, registry):
    """Under pyramid_tm: the automatic record joins the request's transaction."""

    def audit_inner_tween(request: Request):
        response = handler(request)
        state: RequestAudit | None = request.environ.get(STATE_KEY)
        if (state is not None and state.actor_id is not None and not state.entries and not state.changes_nothing
                and getattr(request, "exc_info", None) is None and not request.tm.isDoomed()):
            # pyramid_tm will commit: record it now. After an exception the transaction is lost
            # (and on PostgreSQL possibly unusable); the outer tween records that case.
            user = request.dbsession.get(User, state.actor_id)
            if user is not None:
                status = response.status_int
                _append(request, _automatic_entry(request, user, result_for_status(status), status))
        return response

    return audit_inner_tween


def audit_outer_tween_factory(handler, registry):
    """Over pyramid_tm: what a rolled-back transaction took with it is written again."""

    def audit_outer_tween(request: Request):
        # Read before the view runs: logging out clears the session.
        actor_id = request.session.get("uid") if request.method in STATE_CHANGING_METHODS else None
        state = request.environ[STATE_KEY] = RequestAudit(actor_id)
        try:
            response = handler(request)
        except Exception as exc:
            if not is_error_retryable(request, exc):
                _record_after_rollback(request, state, 500)
            raise
        quiet = state.changes_nothing and not state.entries
        if not state.committed and not quiet and not _retrying(request):
            _record_after_rollback(request, state, response.status_int)
        return response

    return audit_outer_tween


def _retrying(request: Request) -> bool:
    """pyramid_retry will run the request again: the next attempt records it."""
    exception = getattr(request, "exception", None)
    return exception is not None and is_error_retryable(request, exception)


def _record_after_rollback(request: Request, state: RequestAudit, status: int) -> None:
    if not state.entries and state.actor_id is None:
        return
    result = DENIED if status == 403 else FAILURE
    try:
        with request.platform.unit_of_work() as uow:
            # What the view reported as done was undone with the transaction.
            entries = [dataclasses.replace(e, result=result) if e.result == SUCCESS else e for e in state.entries]
            if not entries:
                user = uow.session.get(User, state.actor_id)
                if user is None:
                    return
                entries = [_automatic_entry(request, user, result, status)]
            audit_log = uow.repository(AuditLog)
            for entry in entries:
                audit_log.append(entry)
    except Exception as exc:  # noqa: BLE001 - the request's own outcome must reach the user; log loudly
        if is_database_outage(exc):  # adapters.web.outage has logged the outage itself
            log.error("could not record %s %s (status %s) in the audit trail: the database is unreachable",
                      request.method, request.path, status)
            return
        log.exception("could not record %s %s (status %s) in the audit trail", request.method, request.path, status)


def includeme(config) -> None:
    config.add_request_method(record_audit, "audit")
    config.add_tween("adapters.web.audit.audit_outer_tween_factory", over=TM_TWEEN)
    config.add_tween("adapters.web.audit.audit_inner_tween_factory", under=TM_TWEEN, over=EXCVIEW)
