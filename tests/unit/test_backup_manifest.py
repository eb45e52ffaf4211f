"""The backup manifest: its JSON form, and finding every missing or altered file of a backup."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from adapters.backup import BackupError
from adapters.backup.manifest import (BLOB_LIST, MANIFEST_NAME, Manifest, blob_path, entry_for, problems,
                                      read_manifest, verify, write_manifest)

BLOB = b"%PDF-1.7 a county notice"
BLOB_KEY = hashlib.sha256(BLOB).hexdigest()


@pytest.fixture
def backup(tmp_path):
    """A small complete backup folder: a database file, one blob, a settings file."""
    (tmp_path / "database.sqlite3").write_bytes(b"SQLite format 3\x00" + bytes(100))
    blob = blob_path(tmp_path, BLOB_KEY)
    blob.parent.mkdir(parents=True)
    blob.write_bytes(BLOB)
    (tmp_path / BLOB_LIST).write_text(f"{BLOB_KEY} {len(BLOB)}\n", encoding="ascii")
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "county.toml").write_text('[county]\nname = "示例县"\n', encoding="utf-8")
    manifest = Manifest(
        created_at=dt.datetime(2026, 9, 28, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        govcore_version="0.1.0", county="示例县", deployment="example-county", timezone="Asia/Shanghai",
        config="production.ini", database_kind="sqlite", database_file="database.sqlite3",
        alembic_heads={"core": ["core_0003"], "content": ["content_0002"]}, blob_count=1, blob_bytes=len(BLOB),
        key_ids=["25f57235"], includes_keys=False,
        files=[entry_for(tmp_path, tmp_path / name)
               for name in ("database.sqlite3", BLOB_LIST, "settings/county.toml")],
    )
    write_manifest(tmp_path, manifest)
    return tmp_path, manifest


def test_the_manifest_reads_back_as_written(backup):
    folder, manifest = backup
    assert read_manifest(folder) == manifest
    assert read_manifest(folder).created_at == dt.datetime(2026, 9, 27, 18, 30, tzinfo=dt.timezone.utc)
    assert manifest.total_bytes == len(BLOB) + sum(entry.size for entry in manifest.files)
    assert [path.name for path in folder.iterdir() if path.name.startswith(".")] == []  # no draft left


def test_an_intact_backup_has_no_problems(backup):
    folder, manifest = backup
    assert problems(folder, manifest) == []
    verify(folder, manifest)


def test_an_altered_or_missing_file_is_named(backup):
    folder, manifest = backup
    (folder / "settings" / "county.toml").write_text('[county]\nname = "乙县"\n', encoding="utf-8")
    (folder / "database.sqlite3").unlink()
    assert problems(folder, manifest) == ["database.sqlite3: missing", "settings/county.toml: checksum mismatch"]
    with pytest.raises(BackupError) as refused:
        verify(folder, manifest)
    assert "备份校验失败" in refused.value.message_zh and "settings/county.toml" in refused.value.message_en


def test_a_damaged_or_missing_blob_is_named(backup):
    folder, manifest = backup
    blob_path(folder, BLOB_KEY).write_bytes(BLOB.replace(b"county", b"c0unty"))
    assert problems(folder, manifest) == [f"blobs/{BLOB_KEY[:2]}/{BLOB_KEY[2:4]}/{BLOB_KEY}: checksum mismatch"]
    blob_path(folder, BLOB_KEY).unlink()
    assert problems(folder, manifest) == [f"blobs/{BLOB_KEY[:2]}/{BLOB_KEY[2:4]}/{BLOB_KEY}: missing"]


def test_a_blob_list_that_disagrees_with_the_manifest_is_a_problem(backup):
    folder, manifest = backup
    fewer = dataclasses.replace(manifest, blob_count=2)
    size = len(BLOB)
    assert problems(folder, fewer) == [f"{BLOB_LIST}: lists 1 blobs of {size} bytes, the manifest 2 of {size}"]


def test_a_folder_without_manifest_is_an_incomplete_backup(backup):
    folder, _manifest = backup
    (folder / MANIFEST_NAME).unlink()
    with pytest.raises(BackupError, match="不是完整的备份"):
        read_manifest(folder)


def test_a_newer_format_is_refused_with_the_reason(backup):
    folder, _manifest = backup
    path = folder / MANIFEST_NAME
    path.write_text(path.read_text(encoding="utf-8").replace('"format_version": 1', '"format_version": 2'),
                    encoding="utf-8")
    with pytest.raises(BackupError, match="备份格式版本为 2"):
        read_manifest(folder)


def test_paths_leading_out_of_the_backup_are_refused(backup):
    folder, _manifest = backup
    path = folder / MANIFEST_NAME
    path.write_text(path.read_text(encoding="utf-8").replace('"settings/county.toml"', '"settings/../../evil.toml"'),
                    encoding="utf-8")
    with pytest.raises(BackupError, match="leads outside the backup"):
        read_manifest(folder)
