"""Database outages: a 503 with Retry-After instead of a 500 and a traceback on every request.

An outage is an error saying the database cannot be used at all, whatever the request: the server
refuses or drops connections, the pool has no connection to give, a SQLite file cannot be opened,
read or written (see :func:`is_database_outage`). A transaction conflict that pyramid_retry retries,
a constraint violation or a bug is not one; those keep their usual handling.

During an outage pages answer 503 with a standalone page (``templates/outage.pt``: nothing on it
comes from the database, no navigation and no user lookup), and paths under ``/api/`` answer 503
with the API's error body. Both carry ``Retry-After`` (``govcore.outage.retry_after`` seconds,
default 30) and ``Cache-Control: no-store``. Anonymous pages the page cache still holds are served
from it meanwhile (see ``adapters.web.caching``).

Outage errors are caught where they surface: an exception view (selected by the
``database_outage`` predicate, so it wins over the generic 500 views of pages and of the API)
takes those raised in views, in the security policy's user lookup during view lookup, and in
pyramid_tm's commit; a tween above the page cache takes those raised before any view runs (the
page cache reading the portal generation, pyramid_tm looking up the user for its annotation). They
are not marked retryable, so pyramid_retry answers at once instead of trying three times.

The log gets one line when an outage begins (with the driver's message, no traceback) and one
when a statement succeeds again; nothing per request in between. Recovery needs no restart: the
engine pings pooled connections before use (``adapters.db.engine``) and replaces dead ones.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Callable, Iterator

from pyramid.config import Configurator
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from adapters.web.api.errors import error_response

try:
    import psycopg
except ImportError:  # PostgreSQL support is the optional "postgres" extra
    psycopg = None

log = logging.getLogger(__name__)

REGISTRY_KEY = "govcore.database_outage"
RETRY_AFTER_SETTING = "govcore.outage.retry_after"
DEFAULT_RETRY_AFTER = 30
TEMPLATE = "adapters.web:templates/outage.pt"
API_PREFIX = "/api/"
API_MESSAGE = "数据库暂时无法连接，请稍后重试"

# PostgreSQL SQLSTATEs that mean "no database service", beyond class 08 (connection exception):
# the server shutting down or starting up, and no connection slot left.
POSTGRES_UNAVAILABLE = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite result codes (and their extended codes, e.g. SQLITE_IOERR_SHORT_READ) that mean the file
# cannot be used: missing or unopenable, unreadable, damaged, not a database, read-only, full.
SQLITE_UNUSABLE = ("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_READONLY",
                   "SQLITE_FULL")


class DatabaseUnavailable(Exception):
    """Raised by code that already knows the database is down (e.g. from a failure a moment ago)."""


def is_database_outage(error: BaseException) -> bool:
    """Does ``error``, or an exception it was raised from, say the database cannot be used?"""
    for cause in _chain(error):
        if isinstance(cause, (DatabaseUnavailable, sa_exc.TimeoutError, sa_exc.DisconnectionError)):
            return True
        if isinstance(cause, sa_exc.DBAPIError) and (cause.connection_invalidated or _unusable(cause.orig)):
            return True
        if _unusable(cause):  # a driver error that reached us unwrapped
            return True
    return False


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _unusable(error: BaseException | None) -> bool:
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorname", "") or "").startswith(SQLITE_UNUSABLE)
    if psycopg is not None and isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
        # No SQLSTATE at all: the client library failed to connect or lost the connection.
        state = error.sqlstate
        return state is None or state.startswith("08") or state in POSTGRES_UNAVAILABLE
    return False


def describe(error: BaseException) -> str:
    """One line naming the database's complaint, for the log."""
    reason = error
    for cause in _chain(error):
        if isinstance(cause, sa_exc.DBAPIError) and cause.orig is not None:
            reason = cause.orig  # SQLAlchemy's text repeats the statement; the driver's says why
            break
        if isinstance(cause, sa_exc.SQLAlchemyError) or _unusable(cause):
            reason = cause
            break
    return f"{type(reason).__name__}: {' '.join(str(reason).split())[:300]}"


class OutageLog:
    """Logs an outage once when it begins and once when it ends, whatever the number of requests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._since: float | None = None
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        with self._lock:
            if self._since is not None:
                return
            self._since = self.clock()
        log.error("database unreachable, answering 503 until it is back: %s", describe(error))

    def succeeded(self) -> None:
        if self._since is None:  # every statement passes here: no lock while all is well
            return
        with self._lock:
            since, self._since = self._since, None
        if since is not None:
            log.warning("database reachable again after %.0f s", self.clock() - since)


def outage_log(registry) -> OutageLog:
    return registry[REGISTRY_KEY]


def retry_after(settings) -> int:
    return int(settings.get(RETRY_AFTER_SETTING, DEFAULT_RETRY_AFTER))


def outage_response(request: Request, error: BaseException) -> Response:
    """The 503 of an outage: the standalone page, or the API's error body under ``/api/``."""
    outage_log(request.registry).failed(error)
    seconds = retry_after(request.registry.settings)
    if request.path.startswith(API_PREFIX):
        response = error_response(503, API_MESSAGE)
    else:
        response = render_to_response(TEMPLATE, {"retry_after": seconds}, request=request,
                                      response=Response(status=503))
    response.status_int = 503
    response.headers["Retry-After"] = str(seconds)
    response.cache_control = "no-store"
    return response


def outage_view(error: BaseException, request: Request) -> Response:
    return outage_response(request, error)


class DatabaseOutagePredicate:
    """``database_outage=True``: the exception view applies when the exception is an outage."""

    def __init__(self, value: bool, config: Configurator):
        self.value = bool(value)

    def text(self) -> str:
        return f"database_outage = {self.value}"

    phash = text

    def __call__(self, context, request: Request) -> bool:
        return isinstance(context, BaseException) and is_database_outage(context) == self.value


def outage_tween_factory(handler, registry):
    def outage_tween(request: Request) -> Response:
        try:
            return handler(request)
        except Exception as error:
            if not is_database_outage(error):
                raise
            return outage_response(request, error)

    return outage_tween


def includeme(config: Configurator) -> None:
    monitor = OutageLog()
    config.registry[REGISTRY_KEY] = monitor
    engine = config.registry["platform"].extras["engine"]
    event.listen(engine, "after_cursor_execute", lambda *_args: monitor.succeeded())
    config.add_view_predicate("database_outage", DatabaseOutagePredicate)
    config.add_exception_view(outage_view, context=Exception, database_outage=True)
    config.add_tween("adapters.web.outage.outage_tween_factory",
                     under="adapters.web.headers.security_headers_tween_factory",
                     over="adapters.web.caching.page_cache_tween_factory")
