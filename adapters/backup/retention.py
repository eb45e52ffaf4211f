"""Deleting old backups once a new one is good (``govcore.backup.keep_days``)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from adapters.backup.catalogue import backups_in

# An incomplete folder this old belongs to a backup that died; a younger one may still be written.
INCOMPLETE_GRACE = dt.timedelta(days=1)

log = logging.getLogger(__name__)


def prune(directory: Path, slug: str, keep_days: int, now: dt.datetime) -> list[Path]:
    """Delete this deployment's complete backups older than ``keep_days`` and incomplete leftovers.

    The newest complete backup is always kept, however old, so pruning can never leave the county
    without a backup. Call it only after a new backup was written successfully. Returns the deleted
    folders.
    """
    backups = backups_in(directory, slug)
    complete = [backup for backup in backups if backup.manifest is not None]
    newest = max(complete, key=lambda backup: backup.manifest.created_at, default=None)
    cutoff = now - dt.timedelta(days=keep_days)
    doomed = [backup.path for backup in complete
              if backup is not newest and backup.manifest.created_at < cutoff]
    doomed += [backup.path for backup in backups if backup.manifest is None
               and dt.datetime.fromtimestamp(backup.path.stat().st_mtime, dt.timezone.utc) < now - INCOMPLETE_GRACE]
    for path in doomed:
        shutil.rmtree(path)
        log.info("deleted old backup %s", path)
    return doomed
