"""The orphan sweep and the missing-blob check, on both databases and from the command line."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from adapters.blobs.filesystem import FileBlobStore
from adapters.blobs.sweep import references, run_daily_sweep, sweep, take_census
from adapters.cli.main import cli
from adapters.db.orm import AuditRecord
from plugins.content.orm import Column, Topic, Upload
from plugins.content.publishing import Publishing
from plugins.disclosure.attachments import DisclosureAttachment
from plugins.disclosure.desk import RequestDesk
from plugins.disclosure.domain import CITIZEN, Applicant

DAY = 24 * 3600
EXAMPLE = Path(__file__).resolve().parents[2] / "deployments" / "example-county"


@pytest.fixture
def store(platform, db_connection, monkeypatch, tmp_path) -> FileBlobStore:
    """A blob store of the test's own, holding exactly the blobs the site's records refer to."""
    own = FileBlobStore(tmp_path / "blobs")
    with platform.unit_of_work() as uow:
        referenced = set().union(*references(platform, uow).values())
    for key in referenced:
        with platform.blobs.open(key) as stream:
            own.put(stream)
    monkeypatch.setattr(platform, "blobs", own)
    return own


def age(store: FileBlobStore, key_or_name: str, seconds: float) -> None:
    """Pretend the blob (or a partial file in the store's folder) was written ``seconds`` ago."""
    key = key_or_name
    path = store.directory / (key if key.startswith(".") else f"{key[:2]}/{key[2:4]}/{key}")
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def referenced_by_every_kind_of_record(platform, dbsession, store: FileBlobStore) -> list[str]:
    """Blobs named by an upload, a topic banner, a link in an item's body, a reply and an applicant's file."""
    keys = [store.put(f"referenced {n}".encode()).key for n in range(5)]
    upload, banner, inline, reply, attachment = keys
    now = platform.clock.now()
    dbsession.add(Upload(blob_key=upload, filename="a.pdf", media_type="application/pdf", size=12, item_id=None,
                         attachment=True, position=0, uploaded_at=now))
    dbsession.add(Topic(slug="sweep-test", title="测试专题", description="", banner_key=banner, layout="sections",
                        hidden=False, position=99, created_at=now))
    dbsession.commit()
    column_id = dbsession.scalar(select(Column.id).limit(1))
    with platform.unit_of_work() as uow:
        Publishing(platform, uow).store.create(column_id=column_id, type="article", title="正文里的图片", user_id=None,
                                               body=f'<p><img src="/files/{inline}/map.png" alt="地图"></p>')
    desk = RequestDesk(dbsession, platform.clock, platform.calendar)
    row, _code = desk.file(Applicant(CITIZEN, name="甲", id_type="居民身份证", phone="13812345678"),
                           {"description": "某信息", "doc_title": "", "doc_number": "", "purpose": "",
                            "delivery": "online"}, None)
    row.reply_blob_key = reply
    dbsession.add(DisclosureAttachment(request_id=row.id, blob_key=attachment, filename="身份证.png",
                                       media_type="image/png", size=19, uploaded_at=now))
    dbsession.commit()
    return keys


def test_the_sweep_removes_old_orphans_and_partial_writes_only(platform, dbsession, store):
    kept = referenced_by_every_kind_of_record(platform, dbsession, store)
    old_orphan = store.put(b"from a request whose worker was killed").key
    young_orphan = store.put(b"from a request still being handled").key
    for key in [*kept, old_orphan]:
        age(store, key, 3 * DAY)
    for name, seconds in ((".incoming-crashed", 2 * DAY), (".incoming-writing", 0)):
        (store.directory / name).write_bytes(b"partial")
        age(store, name, seconds)

    with platform.unit_of_work() as uow:
        run_daily_sweep(platform, uow)

    assert all(store.exists(key) for key in kept) and store.exists(young_orphan)
    assert not store.exists(old_orphan)
    assert sorted(path.name for path in store.directory.glob(".incoming-*")) == [".incoming-writing"]
    record = dbsession.scalar(select(AuditRecord).where(AuditRecord.action == "blobs.sweep")
                              .order_by(AuditRecord.id.desc()))
    assert record.actor_login == "system"
    for fact in ('"swept":1', '"young_orphans":1', '"temporaries":1', '"missing":0', '"trigger":"job"'):
        assert fact in record.summary


def test_a_dry_run_deletes_nothing_and_writing_old_bytes_again_makes_them_young(platform, dbsession, store):
    orphan = store.put(b"an orphan").key
    age(store, orphan, 2 * DAY)
    with platform.unit_of_work() as uow:
        assert sweep(platform, uow, dry_run=True).swept == (orphan,)
    assert store.exists(orphan)
    # A request uploading the same bytes again is on its way to referring to them: hands off.
    store.put(b"an orphan")
    with platform.unit_of_work() as uow:
        report = sweep(platform, uow)
    assert report.swept == () and report.young == 1 and store.exists(orphan)


def test_the_check_names_each_missing_blob_with_the_plugin_that_wants_it(platform, dbsession, store):
    upload, _banner, _inline, reply, _attachment = referenced_by_every_kind_of_record(platform, dbsession, store)
    store.delete(upload)
    store.delete(reply)
    with platform.unit_of_work() as uow:
        census = take_census(platform, uow)
        report = sweep(platform, uow, dry_run=True)
    assert census.missing() == {"content": [upload], "disclosure": [reply]}
    assert report.missing == census.missing() and not census.orphans


def test_the_commands_sweep_and_check_a_deployment(tmp_path):
    """``govcore blobs sweep`` and ``govcore blobs check`` on a fresh example county (SQLite)."""
    deployment = [str(EXAMPLE), "--database", f"sqlite:///{tmp_path / 'db.sqlite'}", "--var", str(tmp_path / "var")]
    runner = CliRunner()
    assert runner.invoke(cli, ["init", *deployment]).exit_code == 0
    store = FileBlobStore(tmp_path / "var" / "blobs")
    (cover,) = list(store.keys())  # the demo headline's picture
    orphan = store.put(b"left behind by a rolled-back request").key

    kept = runner.invoke(cli, ["blobs", "sweep", *deployment])
    assert kept.exit_code == 0 and store.exists(orphan) and "kept (younger than 24 h) 1" in kept.output
    swept = runner.invoke(cli, ["blobs", "sweep", *deployment, "--grace-hours", "0"])
    assert swept.exit_code == 0 and "已删除 swept 1" in swept.output and not store.exists(orphan)
    assert runner.invoke(cli, ["blobs", "check", *deployment]).exit_code == 0

    store.delete(cover)
    check = runner.invoke(cli, ["blobs", "check", *deployment])
    assert check.exit_code != 0 and f"content  {cover}" in check.output and "missing" in check.output
