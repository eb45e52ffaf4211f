"""Backup and restore end to end, on each database kind.

A fresh example county (its demo content, a workflow case in its publicity period, an upload
added by an editor and a 依申请公开 request filed through the public form) is backed up with
``govcore backup`` and restored with ``govcore restore`` into an empty folder and an empty
database; the restored site must hold every row and every file, and find things again. The
deployment, the backup and the restore are made once per database kind for the whole module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import pytest
import webtest
from click.testing import CliRunner
from sqlalchemy import MetaData, func, select
from sqlalchemy.engine import Engine

from adapters.backup import BackupError
from adapters.backup.catalogue import backups_in, deployment_slug, folder_name
from adapters.backup.create import create_backup
from adapters.backup.manifest import MANIFEST_NAME, blob_path, read_manifest, write_manifest
from adapters.backup.schedule import AUDIT_ACTION, run_if_due
from adapters.bootstrap import build_platform
from adapters.cli.main import cli
from adapters.cli.options import load_settings
from adapters.cli.setup import initialise
from adapters.db.orm import AuditRecord, Role, RoleAssignment, User
from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token, deployment_settings
from adapters.web.app import make_app
from govcore.audit import FAILURE, SUCCESS
from plugins.content.items import PUBLISHED
from plugins.content.orm import Item, Upload
from plugins.disclosure.orm import DisclosureRequest

EXAMPLE = Path(__file__).resolve().parents[2] / "deployments" / "example-county"
UPLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
LAYOUT_OVERRIDE = Path("templates") / "adapters.web" / "layout.pt"
ENVIRON = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}
# Rows of these tables must be there, or the comparison would prove little.
MUST_HAVE_ROWS = ("content_item", "content_upload", "disclosure_request", "wf_case", "core_audit", "core_user")


@dataclasses.dataclass
class Restored:
    source: object  # the source site's platform
    source_args: list[str]  # the deployment folder, --database and --var, as the CLI takes them
    digests: dict[str, tuple[int, str]]  # the source's tables just before the backup
    backup: Path
    platform: object  # the restored site's platform, built from its restored ini file
    folder: Path
    tracking_no: str
    upload_key: str
    output: str  # what govcore restore printed

    @property
    def source_database(self) -> str:
        """A database that is not empty: refusals name it as the target, and must never write to it."""
        return self.source_args[2]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def restored(database_kind, _govcore_sites, tmp_path_factory) -> Restored:
    databases = _govcore_sites["databases"]
    root = tmp_path_factory.mktemp("backup")
    deployment = root / "example-county"
    shutil.copytree(EXAMPLE, deployment, ignore=shutil.ignore_patterns("var"))
    (deployment / LAYOUT_OVERRIDE).parent.mkdir(parents=True)
    shutil.copyfile(Path(__file__).resolve().parents[2] / "adapters" / "web" / "templates" / "layout.pt",
                    deployment / LAYOUT_OVERRIDE)
    source_url = databases.create(database_kind)
    settings = deployment_settings(deployment, source_url, root / "var")
    initialise(dict(settings), demo=True, echo=lambda line: None)
    source = build_platform(dict(settings))
    app = webtest.TestApp(make_app(source), extra_environ=ENVIRON)
    upload_key = _upload_as_editor(source, app)
    tracking_no = _file_disclosure_request(app)
    digests = table_digests(source.extras["engine"])

    source_args = [str(deployment), "--database", source_url, "--var", str(root / "var")]
    made = run("backup", *source_args, "--to", str(root / "backups"), "--include-keys")
    assert made.exit_code == 0, made.output
    (backup,) = [b.path for b in backups_in(root / "backups", deployment_slug(deployment))]

    folder, target_url = root / "restored", databases.create(database_kind)
    answer = run("restore", str(backup), "--into", str(folder), "--database", target_url, "--var",
                 str(root / "restored-var"))
    assert answer.exit_code == 0, answer.output
    restored_settings = load_settings(str(folder), "development.ini", None, None)
    # Its ini runs the scheduler in the web process; a test's app must leave no job thread behind.
    restored_settings["govcore.scheduler"] = "off"
    platform = build_platform(restored_settings)
    yield Restored(source, source_args, digests, backup, platform, folder, tracking_no, upload_key, answer.output)
    platform.extras["engine"].dispose()
    source.extras["engine"].dispose()


def _upload_as_editor(platform, app) -> str:
    with platform.unit_of_work() as uow:
        editor = User(login="backup-editor", display_name="backup-editor", kind="staff", is_active=True,
                      must_change_password=False, created_at=platform.clock.now(),
                      password_hash=platform.extras["passwords"].hash(TEST_PASSWORD))
        editor.assignments.append(RoleAssignment(role=uow.session.scalar(select(Role).where(Role.name == "editor"))))
        uow.session.add(editor)
    signed_in = app.post("/login", {"login": "backup-editor", "password": TEST_PASSWORD, "csrf_token": csrf_token(app)})
    assert signed_in.status_int == 302, signed_in.text
    answer = app.post("/admin/content/uploads", {"csrf_token": csrf_token(app), "kind": "attachment"},
                      upload_files=[("files", "notice.pdf", (UPLOADS / "notice.pdf").read_bytes())]).json
    assert answer["success"] is True, answer
    app.reset()  # signed out: the request below is filed by an anonymous citizen
    return answer["data"]["uploads"][0]["key"]


def _file_disclosure_request(app) -> str:
    page = app.get("/disclosure/requests/apply")
    form = next(f for f in page.forms.values() if f.action.endswith("/disclosure/requests/apply"))
    values = {"applicant_type": "citizen", "name": "张三", "id_type": "居民身份证", "id_number": "33010619900101123X",
              "phone": "13812345678", "email": "zhangsan@example.com", "address": "示例县人民路2号",
              "description": "2026年示例县城区道路改造工程的立项批复文件", "delivery": "email", "agree": "1"}
    for name, value in values.items():
        form[name] = value if name != "agree" else True
    response = form.submit()
    assert response.status_int == 302, response.text
    receipt = app.get(response.location)
    return re.search(r'id="tracking-no">(YSQ-\d{4}-\d{6})<', receipt.text).group(1)


def table_digests(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a digest of every row, in primary-key order."""
    metadata = MetaData()
    metadata.reflect(engine)
    digests = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest, count = hashlib.sha256(), 0
            for row in connection.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            digests[table.name] = (count, digest.hexdigest())
    return digests


def test_every_row_of_every_table_is_restored(restored):
    assert table_digests(restored.platform.extras["engine"]) == restored.digests
    assert all(restored.digests[table][0] > 0 for table in MUST_HAVE_ROWS)
    with restored.platform.unit_of_work() as uow:
        request = uow.session.scalar(select(DisclosureRequest)
                                     .where(DisclosureRequest.tracking_no == restored.tracking_no))
        assert request is not None and request.phone == "13812345678"  # personal data decrypts with the restored keys
        uploads = select(func.count()).select_from(Upload).where(Upload.blob_key == restored.upload_key)
        assert uow.session.scalar(uploads) == 1


def test_every_blob_is_restored_with_its_checksum(restored):
    source_keys = set(restored.source.blobs.keys())
    assert restored.upload_key in source_keys and len(source_keys) >= 2
    assert set(restored.platform.blobs.keys()) == source_keys
    for key in source_keys:
        with restored.platform.blobs.open(key) as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == key
    assert "不在备份中" not in restored.output  # every referenced blob was found


def test_the_restored_site_finds_items_and_runs_on_its_restored_settings(restored):
    with restored.platform.unit_of_work() as uow:
        item = uow.session.scalars(select(Item).where(Item.status == PUBLISHED).order_by(Item.id)).first()
    app = webtest.TestApp(make_app(restored.platform), extra_environ=ENVIRON)
    page = app.get("/search", {"q": item.title})
    assert f"/item/{item.id}" in [a["href"] for a in page.html.select(".search-hit h3 a")]
    source_deployment = Path(restored.source_args[0])
    for name in ("county.toml", "production.ini", str(LAYOUT_OVERRIDE)):
        assert (restored.folder / name).read_bytes() == (source_deployment / name).read_bytes()
    assert Path(restored.platform.var_dir) == restored.folder.parent / "restored-var"
    assert restored.platform.extras["engine"].url.password is None


def test_backups_and_restored_keys_are_readable_by_their_owner_only(restored):
    assert restored.backup.stat().st_mode & 0o077 == 0
    for name in ("secret.key", "personal-data.keys"):
        assert (Path(restored.platform.var_dir) / name).stat().st_mode & 0o077 == 0


def test_a_tampered_backup_is_refused_before_anything_is_written(restored, tmp_path):
    for damaged in ("blob", "database"):
        copy = tmp_path / damaged / restored.backup.name
        shutil.copytree(restored.backup, copy)
        manifest = read_manifest(copy)
        path = blob_path(copy, restored.upload_key) if damaged == "blob" else copy / manifest.database_file
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        answer = run("restore", str(copy), "--into", str(tmp_path / damaged / "site"),
                     "--database", restored.source_database, "--var", str(tmp_path / damaged / "var"))
        assert answer.exit_code != 0
        assert "备份校验失败" in answer.output and "checksum mismatch" in answer.output
        assert path.relative_to(copy).as_posix() in answer.output
        assert not (tmp_path / damaged / "site").exists() and not (tmp_path / damaged / "var").exists()


def test_restore_refuses_a_used_folder_or_database_and_leaves_them_as_they_were(restored, tmp_path):
    into_used = run("restore", str(restored.backup), "--into", str(restored.folder),
                    "--database", restored.source_database, "--var", str(tmp_path / "var"))
    assert into_used.exit_code != 0 and "不是空目录" in into_used.output
    database_used = run("restore", str(restored.backup), "--into", str(tmp_path / "site"),
                        "--database", restored.source_database, "--var", str(tmp_path / "var"))
    assert database_used.exit_code != 0 and "不是空的" in database_used.output and "not empty" in database_used.output
    assert not (tmp_path / "site").exists() and not (tmp_path / "var").exists()


def test_restore_names_the_personal_data_keys_it_lacks(restored, tmp_path, monkeypatch):
    monkeypatch.delenv("GOVCORE_PERSONAL_DATA_KEYS", raising=False)
    copy = tmp_path / restored.backup.name
    shutil.copytree(restored.backup, copy, ignore=shutil.ignore_patterns("keys"))
    manifest = json.loads((copy / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["files"] = [entry for entry in manifest["files"] if not entry["path"].startswith("keys/")]
    manifest["includes_keys"], manifest["key_ids"] = False, [*manifest["key_ids"], "0badc0de"]
    (copy / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    answer = run("restore", str(copy), "--into", str(tmp_path / "site"), "--database", restored.source_database,
                 "--var", str(tmp_path / "var"))
    assert answer.exit_code != 0 and "缺少个人信息加密密钥" in answer.output
    assert all(key_id in answer.output for key_id in manifest["key_ids"])
    assert not (tmp_path / "site").exists() and not (tmp_path / "var").exists()


def test_a_damaged_blob_fails_the_backup_and_leaves_no_folder(restored, tmp_path, monkeypatch):
    store = restored.source.blobs
    original_open = store.open
    monkeypatch.setattr(store, "open", lambda key: io.BytesIO(b"damaged") if key == restored.upload_key
                        else original_open(key))
    with pytest.raises(BackupError, match=restored.upload_key):
        create_backup(restored.source, tmp_path)
    assert [path.name for path in tmp_path.iterdir() if not path.name.startswith(".")] == []


def test_the_daily_job_backs_up_when_due_and_audits_failures(restored, tmp_path, monkeypatch):
    source = restored.source
    monkeypatch.setitem(source.settings, "govcore.backup.dir", str(tmp_path / "daily"))
    old = tmp_path / "daily" / folder_name(deployment_slug(source.deployment_dir), dt.datetime(2020, 1, 1, 2, 30))
    old.mkdir(parents=True)
    write_manifest(old, dataclasses.replace(read_manifest(restored.backup),
                                            created_at=dt.datetime(2020, 1, 1, 2, 30, tzinfo=dt.timezone.utc)))
    with source.unit_of_work() as uow:
        run_if_due(source, uow)  # nothing since the latest 02:30: the backup runs after this commit
    (first,) = backups_in(tmp_path / "daily", deployment_slug(source.deployment_dir))  # the old one was deleted
    assert first.complete and first.path != old
    with source.unit_of_work() as uow:
        run_if_due(source, uow)  # done for today
    assert len(backups_in(tmp_path / "daily", deployment_slug(source.deployment_dir))) == 1

    monkeypatch.setitem(source.settings, "govcore.backup.dir", str(tmp_path / "unwritable"))
    (tmp_path / "unwritable").write_text("a file where the folder should be")
    with source.unit_of_work() as uow:
        run_if_due(source, uow)
    with source.unit_of_work() as uow:
        records = uow.session.scalars(select(AuditRecord).where(AuditRecord.action == AUDIT_ACTION)
                                      .order_by(AuditRecord.id.desc()).limit(2)).all()
    assert [record.result for record in records] == [FAILURE, SUCCESS]
    assert json.loads(records[0].summary)["trigger"] == "schedule" and records[1].object_id == first.path.name
