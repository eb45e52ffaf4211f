"""Retention of backups: old complete ones go after a new good one; nothing else is touched."""

from __future__ import annotations

import datetime as dt
import os

from adapters.backup.catalogue import backups_in, folder_name, newest_complete
from adapters.backup.manifest import Manifest, write_manifest
from adapters.backup.retention import prune

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 9, 28, 2, 31, tzinfo=CST)
SLUG = "example-county"


def make_backup(directory, days_ago: float, complete: bool = True, slug: str = SLUG):
    moment = NOW - dt.timedelta(days=days_ago)
    folder = directory / folder_name(slug, moment)
    folder.mkdir()
    if complete:
        write_manifest(folder, Manifest(
            created_at=moment, govcore_version="0.1.0", county="示例县", deployment=slug, timezone="Asia/Shanghai",
            config=None, database_kind="sqlite", database_file="database.sqlite3", alembic_heads={}, blob_count=0,
            blob_bytes=0, key_ids=[], includes_keys=False))
    else:
        stamp = moment.timestamp()
        os.utime(folder, (stamp, stamp))
    return folder


def test_complete_backups_older_than_the_kept_days_are_deleted(tmp_path):
    kept = [make_backup(tmp_path, days) for days in (0, 1, 13.9)]
    doomed = [make_backup(tmp_path, days) for days in (14.1, 30)]
    assert sorted(prune(tmp_path, SLUG, 14, NOW)) == sorted(doomed)
    assert [backup.path for backup in backups_in(tmp_path, SLUG)] == sorted(kept)


def test_the_newest_complete_backup_is_kept_however_old(tmp_path):
    newest = make_backup(tmp_path, 40)
    make_backup(tmp_path, 50)
    make_backup(tmp_path, 0.1, complete=False)  # a backup being written now does not count
    prune(tmp_path, SLUG, 14, NOW)
    assert newest_complete(tmp_path, SLUG).path == newest
    assert len(backups_in(tmp_path, SLUG)) == 2


def test_leftovers_of_a_dead_backup_go_after_a_day_and_nothing_else_is_touched(tmp_path):
    dead = make_backup(tmp_path, 2, complete=False)
    running = make_backup(tmp_path, 0.01, complete=False)
    other_county = make_backup(tmp_path, 30, slug="other-county")
    (tmp_path / "govcore-example-county-notes").mkdir()
    (tmp_path / "holiday-photos").mkdir()
    make_backup(tmp_path, 0)
    assert prune(tmp_path, SLUG, 0, NOW) == [dead]
    assert running.exists() and other_county.exists()
    assert (tmp_path / "govcore-example-county-notes").exists() and (tmp_path / "holiday-photos").exists()


def test_the_newest_backup_is_found_by_name_and_manifest(tmp_path):
    assert newest_complete(tmp_path / "nowhere", SLUG) is None
    make_backup(tmp_path, 3)
    yesterday = make_backup(tmp_path, 1)
    make_backup(tmp_path, 0, complete=False)
    assert newest_complete(tmp_path, SLUG).path == yesterday
    second = tmp_path / folder_name(SLUG, NOW - dt.timedelta(days=1), attempt=2)
    second.mkdir()
    write_manifest(second, newest_complete(tmp_path, SLUG).manifest)
    assert newest_complete(tmp_path, SLUG).path == second  # "-2" is the later of two in one second
