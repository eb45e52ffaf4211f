"""The audit trail in the database: append-only, kept 180 days, and tampering found by ``govcore audit verify``."""

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from adapters.cli.main import cli
from adapters.db.orm import AuditRecord
from govcore.audit import AuditEntry, AuditLog
from tests.integration.cli_deployment import initialised_example


def entry(login: str, at: dt.datetime) -> AuditEntry:
    return AuditEntry(at, 1, login, "user.create", "user", "1", "{}", "192.0.2.7", "pytest", "success")


def append(platform, *entries: AuditEntry) -> list[int]:
    with platform.unit_of_work() as uow:
        return [uow.repository(AuditLog).append(e).id for e in entries]


# -- the database refuses changes ------------------------------------------------------------------

def test_a_record_cannot_be_updated(platform, dbsession):
    [record_id] = append(platform, entry("clerk", platform.clock.now()))
    with pytest.raises(DBAPIError, match="append-only"), dbsession.begin_nested():
        dbsession.execute(text("UPDATE core_audit SET actor_login = 'intruder' WHERE id = :id"), {"id": record_id})
    assert dbsession.get(AuditRecord, record_id).actor_login == "clerk"


def test_a_record_younger_than_180_days_cannot_be_deleted(platform, dbsession):
    young = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=179)
    [record_id] = append(platform, entry("clerk", young))
    with pytest.raises(DBAPIError, match="180 days"), dbsession.begin_nested():
        dbsession.execute(text("DELETE FROM core_audit WHERE id = :id"), {"id": record_id})
    assert dbsession.get(AuditRecord, record_id) is not None


def test_a_record_older_than_180_days_may_be_deleted(platform, dbsession):
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=181)
    [record_id] = append(platform, entry("clerk", old))
    with dbsession.begin_nested():
        dbsession.execute(text("DELETE FROM core_audit WHERE id = :id"), {"id": record_id})
    assert dbsession.scalar(select(func.count()).where(AuditRecord.id == record_id)) == 0


# -- govcore audit verify on a deployment of its own -----------------------------------------------

# Dropped or disabled only inside the verify tests' own throw-away databases.
UNGUARD = {
    "sqlite": ["DROP TRIGGER core_audit_no_update", "DROP TRIGGER core_audit_retention"],
    "postgresql": ["ALTER TABLE core_audit DISABLE TRIGGER core_audit_guard"],
}


@pytest.fixture
def deployment(database_kind, _govcore_sites, tmp_path):
    """The example county on a fresh database, initialised through the CLI, with three records."""
    args, platform = initialised_example(_govcore_sites["databases"], database_kind, tmp_path / "var")
    now = platform.clock.now()
    append(platform, *(entry(login, now) for login in ("zhao", "qian", "sun")))
    yield args, platform
    platform.extras["engine"].dispose()


def verify(args):
    return CliRunner().invoke(cli, ["audit", "verify", *args], catch_exceptions=False)


def tamper(platform, kind: str, *statements: str) -> None:
    with platform.extras["engine"].begin() as connection:
        for statement in UNGUARD[kind] + list(statements):
            connection.execute(text(statement))


def record_ids(platform) -> list[int]:
    with platform.extras["engine"].connect() as connection:
        return list(connection.scalars(select(AuditRecord.id).order_by(AuditRecord.id)))


def test_verify_reports_an_intact_trail(deployment):
    args, platform = deployment
    result = verify(args)
    count = len(record_ids(platform))
    assert result.exit_code == 0, result.output
    assert f"审计日志完整：共 {count} 条" in result.output and f"audit trail intact: {count} records" in result.output


def test_verify_finds_an_altered_record(deployment, database_kind):
    args, platform = deployment
    altered = record_ids(platform)[-2]
    tamper(platform, database_kind, f"UPDATE core_audit SET actor_login = 'intruder' WHERE id = {altered}")
    result = verify(args)
    assert result.exit_code == 1
    assert f"第 {altered} 条" in result.output and f"broken at record {altered}" in result.output


def test_verify_finds_a_deleted_record(deployment, database_kind):
    args, platform = deployment
    ids = record_ids(platform)
    tamper(platform, database_kind, f"DELETE FROM core_audit WHERE id = {ids[-2]}")
    result = verify(args)
    assert result.exit_code == 1 and f"broken at record {ids[-1]}" in result.output


def test_verify_finds_a_deleted_tail(deployment, database_kind):
    args, platform = deployment
    ids = record_ids(platform)
    tamper(platform, database_kind, f"DELETE FROM core_audit WHERE id = {ids[-1]}")
    result = verify(args)
    assert result.exit_code == 1
    assert f"链头指向第 {ids[-1]} 条，现存最后一条是第 {ids[-2]} 条" in result.output
