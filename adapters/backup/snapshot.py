"""Consistent database snapshots, and loading one into an empty database.

SQLite is copied with its online backup API (one step, so the copy is one moment of the database
even while the site writes); PostgreSQL is dumped with ``pg_dump --format=custom`` (one
repeatable-read transaction) and loaded with ``pg_restore``. The PostgreSQL tools receive every
connection parameter through libpq's environment variables, the password included, so nothing
secret appears on a command line that ``ps`` shows to every user of the machine.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from adapters.backup import BackupError

SQLITE, POSTGRESQL = "sqlite", "postgresql"
SNAPSHOT_FILES = {SQLITE: "database.sqlite3", POSTGRESQL: "database.pgdump"}
# libpq parameters a SQLAlchemy URL may carry in its query string, and their environment variables.
LIBPQ_QUERY_ENV = {
    "host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS", "service": "PGSERVICE", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "application_name": "PGAPPNAME",
}
CONNECT_TIMEOUT_SECONDS = 10
STDERR_TAIL = 2000  # characters of a failed tool's own explanation kept in the error


def database_kind(url: str | URL) -> str:
    kind = make_url(url).get_backend_name()
    if kind not in SNAPSHOT_FILES:
        raise BackupError(f"不支持备份 {kind} 数据库，只支持 SQLite 和 PostgreSQL",
                          f"{kind} databases cannot be backed up; only SQLite and PostgreSQL can")
    return kind


def dump(url: str | URL, folder: Path) -> str:
    """Write a snapshot of the database at ``url`` into ``folder``; return the file's name."""
    kind = database_kind(url)
    target = folder / SNAPSHOT_FILES[kind]
    if kind == SQLITE:
        _dump_sqlite(_sqlite_path(url), target)
    else:
        _run_tool("pg_dump", ["--format=custom", "--no-password", f"--file={target}"], make_url(url))
    _fsync(target)
    return target.name


def load(kind: str, snapshot: Path, url: str | URL) -> None:
    """Load ``snapshot`` into the (empty) database at ``url``; on failure the database stays empty."""
    if database_kind(url) != kind:
        raise BackupError(
            f"这份备份的数据库是 {kind}，只能恢复到 {kind} 数据库，目标却是 {database_kind(url)}",
            f"this backup holds a {kind} database and can only be restored into {kind}, not {database_kind(url)}",
        )
    if kind == SQLITE:
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        draft = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(snapshot, draft)
        _fsync(draft)
        os.replace(draft, target)
    else:
        parsed = make_url(url)
        # One transaction: a failing object leaves the database as empty as it was.
        _run_tool("pg_restore", ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
                                 "--no-password", f"--dbname={parsed.database}", str(snapshot)], parsed)


def is_empty(url: str | URL) -> bool:
    """Whether the database at ``url`` holds no table, view or sequence (a missing SQLite file is empty)."""
    kind = database_kind(url)
    if kind == SQLITE:
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
        connection = sqlite3.connect(path)
        try:
            return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        except sqlite3.DatabaseError:
            return False  # some other file: certainly not an empty database
        finally:
            connection.close()
    parsed = make_url(url)
    # An unreachable server is reported after a while rather than waited on for ever.
    engine = create_engine(parsed, connect_args={} if "connect_timeout" in parsed.query
                           else {"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    try:
        with engine.connect() as connection:
            found = connection.scalar(text(
                "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
                " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"))
    except SQLAlchemyError as exc:
        shown = parsed.render_as_string(hide_password=True)
        reason = exc.orig or exc
        raise BackupError(f"无法连接目标数据库 {shown}（须事先建好一个空数据库）：{reason}",
                          f"cannot connect to the target database {shown} (create an empty one first): {reason}") from exc
    finally:
        engine.dispose()
    return found == 0


def _sqlite_path(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复", "an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _dump_sqlite(source_path: Path, target: Path) -> None:
    if not source_path.is_file():
        raise BackupError(f"数据库文件不存在：{source_path}", f"database file not found: {source_path}")
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # all pages in one step: a single consistent moment
            # A self-contained file: no -wal beside it to lose when the folder is copied elsewhere.
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    if verdict != "ok":
        raise BackupError(f"数据库快照未通过完整性检查：{verdict}", f"the database snapshot failed its integrity check: {verdict}")


def _libpq_environment(url: URL) -> dict[str, str]:
    environment = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            environment[name] = str(value)
    for parameter, variable in LIBPQ_QUERY_ENV.items():
        value = url.query.get(parameter)
        if value is not None:
            environment[variable] = value if isinstance(value, str) else value[0]
    return environment


def _run_tool(tool: str, arguments: list[str], url: URL) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"找不到 {tool}：请安装与数据库服务器同版本或更新的 PostgreSQL 客户端（postgresql-client）",
                          f"{tool} not found: install the PostgreSQL client tools (postgresql-client), "
                          "of the server's version or newer")
    finished = subprocess.run([executable, *arguments], env=_libpq_environment(url), capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)
    if finished.returncode != 0:
        detail = finished.stderr.strip()[-STDERR_TAIL:]
        raise BackupError(f"{tool} 失败（退出码 {finished.returncode}）：{detail}",
                          f"{tool} failed (exit status {finished.returncode}): {detail}")


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())
