"""Personal data at rest across key changes: the migrations that encrypt existing rows, and
``govcore personal-data`` (status, rotate-keys, new-key), each on a database of its own."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from cryptography.fernet import Fernet

from adapters.bootstrap import build_platform
from adapters.cli.main import cli
from adapters.db import migrate
from adapters.db.orm import AuditRecord, User
from adapters.db.personal_columns import EncryptedColumns, rewrite_batch
from adapters.security.personal_cipher import KEYS_ENV, UndecryptableValue, key_id, new_key
from adapters.testing.pytest_plugin import deployment_settings
from plugins.disclosure.desk import RequestDesk
from plugins.disclosure.domain import CITIZEN, ORGANISATION, Applicant
from plugins.disclosure.orm import DisclosureRequest

EXAMPLE = Path(__file__).resolve().parents[2] / "deployments" / "example-county"
OLD, NEW = new_key(), new_key()
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
APPLICANTS = (
    Applicant(CITIZEN, name="张三", id_type="居民身份证", id_number="33010619900101123X", phone="13812345678",
              email="zhangsan@example.com", address="浙江省杭州市西湖区文三路100号", postcode="310000"),
    Applicant(CITIZEN, name="欧阳小明", id_type="护照", id_number="E12345678", phone="0571-88881234"),
    Applicant(ORGANISATION, org_name="示例科技有限公司", credit_code="91350100M000100Y43", legal_rep="李四",
              contact_name="王五", phone="13987654321", email="office@example.cn"),
)
PERSONAL_USER = {"mobile": "13900001111", "totp_secret": TOTP_SECRET}


class Site:
    """A fresh database and var folder for the example county, and the CLI arguments naming them."""

    def __init__(self, url: str, var: Path, monkeypatch):
        self.url, self.var, self.monkeypatch = url, var, monkeypatch
        self.args = [str(EXAMPLE), "--database", url, "--var", str(var)]
        self._platforms = []

    def use_keys(self, *keys: str) -> None:
        """Configure exactly these keys (the first current) for what starts from now on."""
        self.monkeypatch.setenv(KEYS_ENV, ",".join(keys))

    def platform(self, *keys: str):
        """A platform built with these keys, as a restarted worker would be."""
        self.use_keys(*keys)
        platform = build_platform(deployment_settings(EXAMPLE, self.url, self.var))
        self._platforms.append(platform)
        return platform

    def run(self, *args: str):
        return CliRunner().invoke(cli, ["personal-data", *args, *self.args], catch_exceptions=False)

    def close(self) -> None:
        for platform in self._platforms:
            platform.extras["engine"].dispose()


@pytest.fixture
def site(database_kind, _govcore_sites, tmp_path, monkeypatch):
    site = Site(_govcore_sites["databases"].create(database_kind), tmp_path / "var", monkeypatch)
    yield site
    site.close()


def seed(platform) -> dict[int, Applicant]:
    """The schema, one account with a mobile number and a TOTP secret, and a request of each applicant."""
    migrate.upgrade(platform.extras["engine"], platform.plugins.migration_locations)
    filed = {}
    with platform.unit_of_work() as uow:
        uow.session.add(User(login="pd-keys", display_name="轮换", kind="staff", password_hash="!",
                             created_at=platform.clock.now(), **PERSONAL_USER))
        desk = RequestDesk(uow.session, platform.clock, platform.calendar)
        for applicant in APPLICANTS:
            row, _code = desk.file(applicant, {"description": "某信息", "doc_title": "", "doc_number": "",
                                               "purpose": "", "delivery": "online"}, None)
            filed[row.id] = applicant
    return filed


def read_back(platform) -> tuple[dict, dict[int, Applicant]]:
    with platform.unit_of_work() as uow:
        user = uow.session.scalar(sa.select(User).where(User.login == "pd-keys"))
        rows = uow.session.scalars(sa.select(DisclosureRequest)).all()
        return {"mobile": user.mobile, "totp_secret": user.totp_secret}, {row.id: row.applicant() for row in rows}


def stored_key_ids(platform) -> set[str | None]:
    """The ids of the keys that decrypt each stored value (None for a value none decrypts)."""
    keys = platform.extras["personal_keys"]
    with platform.extras["engine"].connect() as connection:
        values = [*connection.execute(sa.text("SELECT mobile, totp_secret FROM core_user")).scalars(),
                  *connection.execute(sa.text("SELECT name, id_number, phone, email, address, legal_rep, "
                                              "contact_name, postcode FROM disclosure_request")).scalars()]
    return {keys.key_id_of(value) for value in values if value}


def test_rotation_reencrypts_everything_without_loss(site):
    filed = seed(site.platform(OLD))
    values = 2 + sum(len(applicant.personal_fields()) for applicant in APPLICANTS)

    site.use_keys(NEW, OLD)  # the new key goes first; the old one still decrypts
    before = site.run("status")
    assert before.exit_code == 0, before.output
    assert f"合计 / total: {key_id(NEW)}: 0, {key_id(OLD)}: {values}" in before.output

    rotated = site.run("rotate-keys", "--batch-size", "2")
    assert rotated.exit_code == 0, rotated.output
    assert f"当前密钥 / current key: {key_id(NEW)}" in rotated.output
    assert f"完成：共重新加密 {values} 个值" in rotated.output
    after = site.run("status")
    assert f"合计 / total: {key_id(NEW)}: {values}, {key_id(OLD)}: 0" in after.output
    again = site.run("rotate-keys")  # nothing left to do
    assert "完成：共重新加密 0 个值" in again.output

    # Restarted with the new key alone, the county reads everything as it was.
    fresh = site.platform(NEW)
    assert read_back(fresh) == (PERSONAL_USER, filed)
    assert stored_key_ids(fresh) == {key_id(NEW)}
    with fresh.unit_of_work() as uow:
        records = uow.session.scalars(sa.select(AuditRecord).where(
            AuditRecord.action == "personal_data.rotate_keys").order_by(AuditRecord.id)).all()
        first = json.loads(records[0].summary)
    assert [record.result for record in records] == ["success", "success"]
    assert records[0].actor_login.startswith("cli:") and records[0].object_id == key_id(NEW)
    assert first["keys"] == [key_id(NEW), key_id(OLD)]
    assert sum(first["rotated"].values()) == values and first["rotated"]["core_user"] == 2

    # The old key alone no longer reads anything, and says which keys it tried.
    stale = site.platform(OLD)
    with pytest.raises(UndecryptableValue) as caught:
        read_back(stale)
    assert key_id(OLD) in caught.value.message_zh
    refused = site.run("status")
    assert refused.exit_code == 1 and f"无法解密 / undecryptable: {values}" in refused.output
    # Rotating then stops at the first such value, names it, and leaves it as it was.
    refused = site.run("rotate-keys")
    assert refused.exit_code == 1 and "个人信息无法解密" in refused.output and "core_user.mobile" in refused.output
    assert read_back(site.platform(NEW)) == (PERSONAL_USER, filed)
    with stale.unit_of_work() as uow:
        record = uow.session.scalars(sa.select(AuditRecord).where(AuditRecord.action == "personal_data.rotate_keys")
                                     .order_by(AuditRecord.id.desc())).first()
        assert record.result == "failure" and "cannot be decrypted" in json.loads(record.summary)["error"]


def test_a_value_changed_during_rotation_is_left_as_saved(platform, db_connection, make_user, dbsession):
    user = dbsession.get(User, make_user("pd-saving").id)
    user.mobile = "13900001111"
    dbsession.commit()
    keys = platform.extras["personal_keys"]
    saved = keys.encrypt("13700000000")

    def rotate_while_someone_saves(token: str) -> str:
        db_connection.execute(sa.text("UPDATE core_user SET mobile = :value WHERE id = :id"),
                              {"value": saved, "id": user.id})
        return keys.encrypt(keys.decrypt(token))  # a new token, as rotation writes

    target = EncryptedColumns("core_user", "id", ("mobile",))
    batch = rewrite_batch(db_connection, target, rotate_while_someone_saves, user.id - 1, limit=1)
    assert (batch.rows, batch.values, batch.changed, batch.conflicts) == (1, 1, 0, 1)
    dbsession.expire_all()
    assert dbsession.get(User, user.id).mobile == "13700000000"


def test_new_key_prints_a_fernet_key_and_the_procedure():
    result = CliRunner().invoke(cli, ["personal-data", "new-key"], catch_exceptions=False)
    key = result.output.splitlines()[0]
    Fernet(key.encode())  # a valid key
    assert KEYS_ENV in result.output and "rotate-keys" in result.output and "status" in result.output


# -- The migrations ------------------------------------------------------------------------------

def test_the_migrations_encrypt_existing_rows_and_their_downgrades_decrypt_them(site, database_kind):
    platform = site.platform(OLD)
    engine, keys = platform.extras["engine"], platform.extras["personal_keys"]
    locations = dict(migrate.branches(platform.plugins.migration_locations))

    def move(step, branch: str, revision: str) -> None:
        config = migrate._config(branch, locations[branch])
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    move(command.upgrade, "core", "core_0003")
    move(command.upgrade, "disclosure", "disclosure_0001")
    person = APPLICANTS[0]
    with engine.begin() as connection:
        user_id = insert(connection, "core_user", login="pd-migrated", **PERSONAL_USER)
        request_id = insert(connection, "disclosure_request", tracking_no="YSQ-2026-000001",
                            applicant_type=person.applicant_type, **{
                                name: getattr(person, name) for name in person.personal_fields()})

    move(command.upgrade, "core", "core_0004")
    move(command.upgrade, "disclosure", "disclosure_0002")
    user, request = raw_rows(engine, user_id, request_id, person)
    for name, plain in {**PERSONAL_USER, **{name: getattr(person, name) for name in person.personal_fields()}}.items():
        token = {**user, **request}[name]
        assert plain not in token and keys.decrypt(token) == plain
    if database_kind == "postgresql":
        assert column_types(engine, "core_user", "mobile", "totp_secret") == ["TEXT", "TEXT"]

    move(command.downgrade, "disclosure", "disclosure_0001")
    move(command.downgrade, "core", "core_0003")
    user, request = raw_rows(engine, user_id, request_id, person)
    assert user == PERSONAL_USER
    assert request == {name: getattr(person, name) for name in person.personal_fields()}
    if database_kind == "postgresql":
        assert column_types(engine, "core_user", "mobile", "totp_secret") == ["VARCHAR(20)", "VARCHAR(64)"]


def insert(connection, table_name: str, **values) -> int:
    """A row as an older release wrote it: every required column filled with a plain value."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
    filler = {str: "", int: 0, bool: False, dt.date: dt.date(2026, 9, 24),
              dt.datetime: dt.datetime(2026, 9, 24, tzinfo=dt.timezone.utc)}
    row = {column.name: filler[column.type.python_type] for column in table.columns
           if not column.nullable and not column.primary_key}
    return connection.execute(sa.insert(table).values({**row, **values}).returning(table.c.id)).scalar_one()


def raw_rows(engine, user_id: int, request_id: int, person: Applicant) -> tuple[dict, dict]:
    with engine.connect() as connection:
        user = connection.execute(sa.text("SELECT mobile, totp_secret FROM core_user WHERE id = :id"),
                                  {"id": user_id}).mappings().one()
        names = ", ".join(person.personal_fields())
        request = connection.execute(sa.text(f"SELECT {names} FROM disclosure_request WHERE id = :id"),
                                     {"id": request_id}).mappings().one()
    return dict(user), dict(request)


def column_types(engine, table: str, *names: str) -> list[str]:
    columns = {column["name"]: column["type"] for column in sa.inspect(engine).get_columns(table)}
    return [str(columns[name]) for name in names]
