"""When the daily backup is due, and how its settings are read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from adapters.backup.schedule import BackupSettings, is_due, latest_slot
from govcore.errors import ConfigurationError

CST = dt.timezone(dt.timedelta(hours=8))
AT = dt.time(2, 30)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 9, day, hour, minute, tzinfo=CST)


def test_the_latest_slot_is_today_after_the_time_and_yesterday_before_it():
    assert latest_slot(at(28, 2, 30), AT, "Asia/Shanghai") == at(28, 2, 30)
    assert latest_slot(at(28, 14), AT, "Asia/Shanghai") == at(28, 2, 30)
    assert latest_slot(at(28, 1), AT, "Asia/Shanghai") == at(27, 2, 30)
    # A clock in UTC gives the same slot: the time is the county's.
    assert latest_slot(at(28, 1).astimezone(dt.timezone.utc), AT, "Asia/Shanghai") == at(27, 2, 30)


def test_a_backup_is_due_once_per_slot_and_retried_an_hour_after_a_failure():
    slot = at(28, 2, 30)
    assert is_due(at(28, 2, 31), slot, last_backup=None, last_failure=None)
    assert is_due(at(28, 9), slot, last_backup=at(27, 2, 31), last_failure=None)  # the machine was off at 02:30
    assert not is_due(at(28, 9), slot, last_backup=at(28, 2, 31), last_failure=None)
    assert not is_due(at(28, 3), slot, last_backup=at(27, 2, 31), last_failure=at(28, 2, 31))
    assert is_due(at(28, 3, 31), slot, last_backup=at(27, 2, 31), last_failure=at(28, 2, 31))
    assert is_due(at(28, 2, 31), slot, last_backup=None, last_failure=at(28, 2, 20))  # yesterday's slot failed


def platform_with(tmp_path, **settings):
    return SimpleNamespace(settings=settings, var_dir=tmp_path)


def test_settings_default_to_a_daily_backup_into_the_var_folder(tmp_path):
    assert BackupSettings.of(platform_with(tmp_path)) == BackupSettings(True, tmp_path / "backups", AT, 14)
    configured = BackupSettings.of(platform_with(tmp_path, **{
        "govcore.backup.enabled": "false", "govcore.backup.dir": str(tmp_path / "nas"),
        "govcore.backup.at": "3:05", "govcore.backup.keep_days": "30"}))
    assert configured == BackupSettings(False, Path(tmp_path / "nas"), dt.time(3, 5), 30)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("govcore.backup.at", "2:30am", "时:分"),
    ("govcore.backup.at", "24:00", "时:分"),
    ("govcore.backup.keep_days", "-1", "不小于 0 的整数"),
    ("govcore.backup.enabled", "maybe", "true 或 false"),
])
def test_wrong_settings_are_named_in_chinese(tmp_path, name, value, expected):
    with pytest.raises(ConfigurationError) as wrong:
        BackupSettings.of(platform_with(tmp_path, **{name: value}))
    assert name in wrong.value.message_zh and expected in wrong.value.message_zh
