"""Engines and sessions from settings.

A PostgreSQL engine never lets a request hang on an unreachable server: connecting gives up after
``govcore.database.connect_timeout`` seconds (default 3; libpq's minimum is 2), waiting for a free
pooled connection after ``govcore.database.pool_timeout`` seconds (default 10), and every
connection is pinged when it leaves the pool, so connections that died while the server was away are
replaced rather than handed to a request. The same engine therefore serves again by itself once the
server is back.
"""

from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import engine_from_config, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

CONNECT_TIMEOUT_SETTING = "govcore.database.connect_timeout"
POOL_TIMEOUT_SETTING = "govcore.database.pool_timeout"
DEFAULT_CONNECT_TIMEOUT = 3
DEFAULT_POOL_TIMEOUT = 10.0


def make_engine(settings: Mapping[str, Any], prefix: str = "sqlalchemy.") -> Engine:
    url = settings[prefix + "url"]
    options: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite+pysqlite://"):
            options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            options.update(connect_args={"check_same_thread": False, "timeout": 30})
    else:
        options.update(pool_pre_ping=True,
                       pool_timeout=float(settings.get(POOL_TIMEOUT_SETTING, DEFAULT_POOL_TIMEOUT)))
        parsed = make_url(url)
        # A connect_timeout in the URL's query is left alone: connect_args would override it.
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            timeout = int(settings.get(CONNECT_TIMEOUT_SETTING, DEFAULT_CONNECT_TIMEOUT))
            options["connect_args"] = {"connect_timeout": timeout}
    engine = engine_from_config(settings, prefix, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


# An execution option marking a transaction that will write (see begin_writing).
SQLITE_IMMEDIATE = "govcore_sqlite_immediate"


def _sqlite_begin(connection) -> None:
    # pysqlite begins transactions lazily and on its own terms, which breaks SAVEPOINT; with its
    # own handling switched off (below), SQLAlchemy's BEGIN makes transactions behave as documented.
    immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_writing(session: Session) -> None:
    """Begin ``session``'s transaction as one that is going to write.

    SQLite lets a transaction that has read write only if nobody committed since its first read;
    otherwise the write fails at once ("database is locked"), whatever the busy timeout. A
    transaction that takes the write lock before reading waits its turn instead. PostgreSQL needs
    nothing of the kind, and the option means nothing to it.
    """
    session.connection(execution_options={SQLITE_IMMEDIATE: True})


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        # Readers do not block the writer, so the portal stays up while staff save.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
