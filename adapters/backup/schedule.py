"""The daily backup: its settings, when it is due, and the job that writes it and prunes old ones.

Settings (deployment ini, ``[app:main]``):

* ``govcore.backup.enabled`` (default true)
* ``govcore.backup.dir`` (default ``<var>/backups``)
* ``govcore.backup.at`` (the county's local time, default 02:30)
* ``govcore.backup.keep_days`` (default 14)

The job looks every few minutes whether a backup is due: one is when no complete backup was made
since the latest scheduled moment. A machine that was off at 02:30 thus backs up when it is back,
and a failed attempt is retried an hour later rather than the next night. Every attempt is written
to the audit trail (a backup copies all the county's data) and a failure is also logged.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from adapters.backup.catalogue import deployment_slug, newest_complete
from adapters.backup.create import create_backup
from adapters.backup.retention import prune
from adapters.db.orm import AuditRecord
from govcore.audit import FAILURE, SUCCESS, SystemAuditor, operating_system_account
from govcore.errors import ConfigurationError
from govcore.platform import Platform

CHECK_SECONDS = 300
RETRY_AFTER = dt.timedelta(hours=1)
AUDIT_ACTION = "backup.create"
AUDIT_OBJECT = "backup"
DEFAULT_AT = dt.time(2, 30)
DEFAULT_KEEP_DAYS = 14
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupSettings:
    enabled: bool
    directory: Path
    at: dt.time
    keep_days: int

    @classmethod
    def of(cls, platform: Platform) -> "BackupSettings":
        settings = platform.settings
        enabled = str(settings.get("govcore.backup.enabled", "true")).strip().lower()
        if enabled not in TRUE_WORDS | FALSE_WORDS:
            raise _invalid("govcore.backup.enabled", enabled, "true 或 false", "true or false")
        at = str(settings.get("govcore.backup.at", "")).strip() or DEFAULT_AT.strftime("%H:%M")
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", at)
        try:
            time = dt.time(int(match.group(1)), int(match.group(2)))
        except (AttributeError, ValueError):  # no match, or no such time of day
            raise _invalid("govcore.backup.at", at, "时:分，如 02:30", "HH:MM, e.g. 02:30") from None
        keep = str(settings.get("govcore.backup.keep_days", DEFAULT_KEEP_DAYS)).strip()
        if not keep.isdigit():
            raise _invalid("govcore.backup.keep_days", keep, "不小于 0 的整数", "a whole number of days, 0 or more")
        directory = settings.get("govcore.backup.dir") or Path(platform.var_dir) / "backups"
        return cls(enabled in TRUE_WORDS, Path(directory).resolve(), time, int(keep))


def _invalid(name: str, value: str, zh: str, en: str) -> ConfigurationError:
    return ConfigurationError(f"{name} 的值 {value!r} 无效，应为{zh}", f"{name} = {value!r} is invalid; expected {en}")


def latest_slot(now: dt.datetime, at: dt.time, timezone: str) -> dt.datetime:
    """The most recent moment at or before ``now`` when the daily backup was to run."""
    local = now.astimezone(ZoneInfo(timezone))
    slot = dt.datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    return slot if slot <= local else slot - dt.timedelta(days=1)


def is_due(now: dt.datetime, slot: dt.datetime, last_backup: dt.datetime | None,
           last_failure: dt.datetime | None) -> bool:
    if last_backup is not None and last_backup >= slot:
        return False
    return last_failure is None or last_failure < slot or now - last_failure >= RETRY_AFTER


def run_if_due(platform: Platform, uow) -> None:
    """The recurring job (every few minutes): start the daily backup when it is due."""
    settings = BackupSettings.of(platform)
    if not settings.enabled:
        return
    now = platform.clock.now()
    slot = latest_slot(now, settings.at, platform.county.timezone)
    try:
        newest = newest_complete(settings.directory, deployment_slug(platform.deployment_dir))
    except OSError:
        newest = None  # the backup itself will fail on the folder, and be logged and audited
    if newest is not None and newest.manifest.created_at >= slot:
        return  # the usual answer, found without touching the database
    last_failure = uow.session.scalar(
        select(AuditRecord.at).where(AuditRecord.action == AUDIT_ACTION, AuditRecord.result == FAILURE)
        .order_by(AuditRecord.id.desc()).limit(1))
    if is_due(now, slot, newest.manifest.created_at if newest else None, last_failure):
        # After this job's transaction, which holds SQLite's write lock: the copy may take minutes.
        uow.after_commit(functools.partial(scheduled_backup, platform, settings))


def scheduled_backup(platform: Platform, settings: BackupSettings) -> None:
    """Write a backup, prune the old ones, and audit the outcome; a failure is logged, not raised."""
    try:
        result = create_backup(platform, settings.directory)
    except Exception as exc:  # noqa: BLE001 - any failure is reported the same way
        log.exception("the daily backup into %s failed", settings.directory)
        audit_backup(platform, FAILURE, "", {"trigger": "schedule", "directory": str(settings.directory),
                                             "error": _reason(exc)})
        return
    details = {"trigger": "schedule", "directory": str(settings.directory), "bytes": result.manifest.total_bytes,
               "blobs": result.manifest.blob_count}
    try:
        pruned = prune(settings.directory, deployment_slug(platform.deployment_dir), settings.keep_days,
                       platform.clock.now())
        details["pruned"] = [path.name for path in pruned]
    except OSError as exc:  # the new backup is good; old ones stay until the next run manages
        log.exception("deleting old backups in %s failed", settings.directory)
        details["prune_error"] = str(exc)
    log.info("daily backup written to %s (%d bytes)", result.folder, result.manifest.total_bytes)
    audit_backup(platform, SUCCESS, result.folder.name, details)


def audit_backup(platform: Platform, result: str, folder_name: str, details: dict) -> None:
    """An audit record of a backup; a hand-run one names the machine account that ran it."""
    if details.get("trigger") == "command":
        details = {**details, "os_user": operating_system_account()}
    with platform.unit_of_work() as uow:
        SystemAuditor(uow, platform.clock)(AUDIT_ACTION, AUDIT_OBJECT, folder_name[:64], details, result)


def _reason(exc: Exception) -> str:
    return getattr(exc, "message_en", None) or f"{type(exc).__name__}: {exc}"
