"""The dashboard's 数据备份 panel: the last good backup, and a warning when there is none for a day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from adapters.backup.catalogue import deployment_slug, folder_name
from adapters.backup.manifest import FileEntry, Manifest, write_manifest

DATABASE_BYTES = 3 * 1024 * 1024


@pytest.fixture
def backups(platform, monkeypatch, tmp_path):
    """The site's backup folder, empty for the test."""
    monkeypatch.setitem(platform.settings, "govcore.backup.dir", str(tmp_path))
    return tmp_path


def make_backup(platform, directory, hours_ago: float, complete: bool = True):
    moment = (platform.clock.now() - dt.timedelta(hours=hours_ago)).astimezone(ZoneInfo(platform.county.timezone))
    folder = directory / folder_name(deployment_slug(platform.deployment_dir), moment)
    folder.mkdir()
    if complete:
        write_manifest(folder, Manifest(
            created_at=moment, govcore_version="0.1.0", county=platform.county.name, deployment="example-county",
            timezone=platform.county.timezone, config="production.ini", database_kind="sqlite",
            database_file="database.sqlite3", alembic_heads={}, blob_count=3, blob_bytes=512 * 1024, key_ids=[],
            includes_keys=False, files=[FileEntry("database.sqlite3", DATABASE_BYTES, "0" * 64)]))
    return folder, moment


@pytest.fixture
def administrator(make_user, login):
    make_user("backup-sysadmin", roles=["system_admin"])
    login("backup-sysadmin")


def panel(testapp):
    return testapp.get("/admin").html.select_one("#backup-status")


def test_without_any_backup_the_administrator_is_warned(testapp, administrator, backups, platform):
    make_backup(platform, backups, hours_ago=0.5, complete=False)  # one being written does not count
    status = panel(testapp)
    assert "尚无完整的备份" in status.select_one("#backup-missing.flash-warning").get_text()
    assert status.select_one("#backup-stale") is None


def test_a_backup_older_than_a_day_is_warned_about(testapp, administrator, backups, platform):
    folder, moment = make_backup(platform, backups, hours_ago=25)
    status = panel(testapp)
    assert "已超过 24 小时" in status.select_one("#backup-stale.flash-warning").get_text()
    assert moment.strftime("%Y-%m-%d %H:%M") in status.get_text() and str(folder) in status.get_text()


def test_a_recent_backup_is_shown_with_its_time_size_and_place(testapp, administrator, backups, platform):
    make_backup(platform, backups, hours_ago=30)
    folder, moment = make_backup(platform, backups, hours_ago=2)
    status = panel(testapp)
    assert status.select(".flash-warning") == []
    facts = {term.get_text(strip=True): " ".join(value.get_text().split())
             for term, value in zip(status.select("dt"), status.select("dd"))}
    assert facts["最近备份"] == moment.strftime("%Y-%m-%d %H:%M")  # the county's time
    assert facts["大小"] == "3.5 MB" and facts["位置"] == str(folder)
    assert facts["自动备份"] == "每天 02:30，保留 14 天"
    # The test's folder lies on the disk of the site's var folder, as the default does.
    assert "同一块磁盘" in status.select_one("#backup-same-disk").get_text()


def test_disabled_backups_and_wrong_settings_are_said_plainly(testapp, administrator, backups, platform, monkeypatch):
    make_backup(platform, backups, hours_ago=1)
    monkeypatch.setitem(platform.settings, "govcore.backup.enabled", "false")
    assert "已关闭" in panel(testapp).get_text()
    monkeypatch.setitem(platform.settings, "govcore.backup.at", "半夜")
    assert "govcore.backup.at" in panel(testapp).select_one(".flash-warning").get_text()


def test_only_the_system_administrator_sees_the_panel(testapp, make_user, login, backups):
    make_user("backup-editor", roles=["editor"])
    login("backup-editor")
    assert testapp.get("/admin").html.select_one("#backup-status") is None
