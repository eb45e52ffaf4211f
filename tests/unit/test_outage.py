"""Which database errors are outages (503, not retried), and the outage log's one line per outage."""

from __future__ import annotations

import logging
import socket
import sqlite3

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from adapters.db.engine import make_engine
from adapters.web.outage import DatabaseUnavailable, OutageLog, describe, is_database_outage


def wrapped(orig: Exception, cls=sa_exc.OperationalError, **kw) -> sa_exc.DBAPIError:
    """The driver's error as SQLAlchemy raises it."""
    return cls("SELECT 1", {}, orig, **kw)


def sqlite_error(make) -> sqlite3.Error:
    try:
        make()
    except sqlite3.Error as error:
        return error
    raise AssertionError("SQLite raised nothing")


def cannot_open(tmp_path) -> None:
    sqlite3.connect(tmp_path).execute("SELECT 1")  # a folder, not a database file


def not_a_database(tmp_path) -> None:
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"\x00garbage" * 512)
    sqlite3.connect(path).execute("SELECT * FROM sqlite_master")


def locked(tmp_path) -> None:
    path = tmp_path / "busy.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    sqlite3.connect(path, timeout=0).execute("SELECT * FROM sqlite_master")


def duplicate(tmp_path) -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    connection.execute("INSERT INTO t VALUES (1), (1)")


@pytest.mark.parametrize("make", [cannot_open, not_a_database])
def test_an_unusable_sqlite_file_is_an_outage(tmp_path, make):
    error = sqlite_error(lambda: make(tmp_path))
    assert is_database_outage(wrapped(error, sa_exc.DatabaseError))


@pytest.mark.parametrize("make", [locked, duplicate])
def test_a_busy_sqlite_file_or_a_constraint_is_not(tmp_path, make):
    error = sqlite_error(lambda: make(tmp_path))
    assert not is_database_outage(wrapped(error, sa_exc.DatabaseError))


@pytest.mark.parametrize("orig", [
    psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE: never connected
    psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
    psycopg.errors.CannotConnectNow("the database system is starting up"),
    psycopg.errors.TooManyConnections("sorry, too many clients already"),
    psycopg.InterfaceError("the connection is closed"),
], ids=["refused", "shutdown", "starting", "full", "closed"])
def test_postgresql_without_service_is_an_outage(orig):
    assert is_database_outage(wrapped(orig))


@pytest.mark.parametrize("orig", [
    psycopg.errors.SerializationFailure("could not serialize access"),  # pyramid_retry's to retry
    psycopg.errors.DeadlockDetected("deadlock detected"),
    psycopg.errors.UniqueViolation("duplicate key"),
    psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
], ids=["serialization", "deadlock", "unique", "cancelled"])
def test_postgresql_errors_of_one_transaction_are_not(orig):
    assert not is_database_outage(wrapped(orig, sa_exc.DBAPIError))


def test_pool_timeouts_lost_connections_and_causes_count():
    assert is_database_outage(sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"))
    assert is_database_outage(wrapped(RuntimeError("reset by peer"), sa_exc.DBAPIError, connection_invalidated=True))
    try:
        try:
            raise wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))
        except sa_exc.OperationalError as error:
            raise RuntimeError("while rendering a block") from error
    except RuntimeError as error:
        assert is_database_outage(error)
    assert not is_database_outage(RuntimeError("a bug"))


def test_the_log_tells_each_outage_once_and_its_end_once(caplog):
    outage = OutageLog(clock=iter([100.0, 130.0, 200.0]).__next__)
    error = wrapped(psycopg.OperationalError("connection failed: Connection refused"))
    with caplog.at_level(logging.INFO, logger="adapters.web.outage"):
        for _ in range(3):
            outage.failed(error)
        assert outage.down
        outage.succeeded()
        outage.succeeded()
        outage.failed(DatabaseUnavailable("the portal generation cannot be read"))

    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "database unreachable, answering 503 until it is back: "
                  "OperationalError: connection failed: Connection refused"),
        ("WARNING", "database reachable again after 30 s"),
        ("ERROR", "database unreachable, answering 503 until it is back: "
                  "DatabaseUnavailable: the portal generation cannot be read"),
    ]
    assert describe(DatabaseUnavailable("x")) == "DatabaseUnavailable: x"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nobody listens once the socket is closed


def connection_parameters(settings: dict) -> tuple[dict, float]:
    """What a PostgreSQL engine made from ``settings`` hands the driver, and its pool timeout."""
    engine = make_engine(settings)
    seen: dict = {}
    event.listen(engine, "do_connect", lambda dialect, record, cargs, cparams: seen.update(cparams))
    with pytest.raises(sa_exc.OperationalError) as refused:
        engine.connect()
    assert is_database_outage(refused.value)
    return seen, engine.pool.timeout()


def test_postgresql_connections_give_up_soon_and_the_pool_does_not_wait_long():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/govcore"

    default, pool_timeout = connection_parameters({"sqlalchemy.url": url})
    assert default["connect_timeout"] == 3 and pool_timeout == 10.0
    chosen, pool_timeout = connection_parameters({"sqlalchemy.url": url, "govcore.database.connect_timeout": "5",
                                                  "govcore.database.pool_timeout": "2"})
    assert chosen["connect_timeout"] == 5 and pool_timeout == 2.0
    in_url, _ = connection_parameters({"sqlalchemy.url": url + "?connect_timeout=7"})
    assert in_url["connect_timeout"] == "7"
