"""The backups of one deployment in a folder: ``govcore-<deployment>-<YYYYmmddTHHMMSS>[-n]``.

A folder of that name with a readable manifest is a complete backup; one without is incomplete
(still being written, or left by a backup that died). Anything else in the folder is not ours and
is never touched.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from adapters.backup import BackupError
from adapters.backup.manifest import MANIFEST_NAME, Manifest, read_manifest

PREFIX = "govcore-"
STAMP_FORMAT = "%Y%m%dT%H%M%S"


@dataclass(frozen=True)
class BackupFolder:
    path: Path
    manifest: Manifest | None  # None: incomplete

    @property
    def complete(self) -> bool:
        return self.manifest is not None


def deployment_slug(deployment_dir: Path) -> str:
    """The deployment folder's name made safe for file names (backups are named after it)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(deployment_dir).name).strip("-.")
    return slug or "county"


def folder_name(slug: str, moment: dt.datetime, attempt: int = 1) -> str:
    suffix = f"-{attempt}" if attempt > 1 else ""
    return f"{PREFIX}{slug}-{moment.strftime(STAMP_FORMAT)}{suffix}"


def backups_in(directory: Path, slug: str) -> list[BackupFolder]:
    """This deployment's backup folders in ``directory``, oldest first."""
    return [BackupFolder(path, _manifest_or_none(path)) for path in _folders(directory, slug)]


def newest_complete(directory: Path, slug: str) -> BackupFolder | None:
    """The most recent complete backup, reading as few manifests as possible (the dashboard asks)."""
    for path in reversed(_folders(directory, slug)):
        manifest = _manifest_or_none(path)
        if manifest is not None:
            return BackupFolder(path, manifest)
    return None


def _folders(directory: Path, slug: str) -> list[Path]:
    """Folders named like this deployment's backups, oldest first (their names tell the time)."""
    pattern = re.compile(rf"{re.escape(PREFIX + slug)}-(\d{{8}}T\d{{6}})(?:-(\d+))?")
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = pattern.fullmatch(path.name)
        if match and path.is_dir() and not path.is_symlink():
            found.append(((match.group(1), int(match.group(2) or 1)), path))
    return [path for _order, path in sorted(found)]


def _manifest_or_none(folder: Path) -> Manifest | None:
    if not (folder / MANIFEST_NAME).is_file():
        return None
    try:
        return read_manifest(folder)
    except BackupError:
        return None
