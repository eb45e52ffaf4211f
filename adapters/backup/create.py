"""Writing a backup: database first, then blobs, then settings, and the manifest last.

The order makes the backup consistent without stopping the site: blobs are content-addressed and
never rewritten, and a record refers to a blob only once it is stored, so every blob the database
snapshot refers to already exists when the blobs are copied after it. Blobs the site stores
meanwhile are copied too, and harm nothing. Each copied blob is checked against its name.

Secrets stay out unless asked for: the var folder's ``secret.key`` and ``personal-data.keys``
are copied only with ``include_keys`` (development and demonstrations). The manifest names the
ids of the personal-data keys the data needs, so a restore can tell which keys to provide.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import importlib.metadata
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from adapters.backup import BackupError, snapshot
from adapters.backup.catalogue import deployment_slug, folder_name
from adapters.backup.manifest import (BLOB_LIST, CHUNK, FileEntry, Manifest, blob_path, entry_for, fsync_directory,
                                      write_manifest)
from adapters.db import migrate
from adapters.security.personal_cipher import KEYS_FILE
from govcore.county import COUNTY_FILE
from govcore.platform import Platform

SETTINGS_DIR = "settings"
KEYS_DIR = "keys"
SECRET_FILE = "secret.key"
TEMPLATES_DIR = "templates"


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    manifest: Manifest


def create_backup(platform: Platform, directory: Path, include_keys: bool = False,
                  config_name: str | None = None) -> BackupResult:
    """Write a new backup folder of ``platform``'s deployment into ``directory``.

    On any failure the half-written folder is removed and the error raised; a folder is never
    left behind with a manifest unless everything it lists was written and checked.
    """
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    slug = deployment_slug(platform.deployment_dir)
    created_at = platform.clock.now().astimezone(ZoneInfo(platform.county.timezone))
    with _exclusive(directory, slug):
        folder = _new_folder(directory, slug, created_at)
        try:
            manifest = _write(platform, folder, slug, created_at, include_keys, config_name)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return BackupResult(folder, manifest)


def _write(platform: Platform, folder: Path, slug: str, created_at: dt.datetime, include_keys: bool,
           config_name: str | None) -> Manifest:
    engine = platform.extras["engine"]
    heads = {branch: list(migrate.current_heads(engine, branch, versions))
             for branch, versions in migrate.branches(platform.plugins.migration_locations)}
    database_file = snapshot.dump(engine.url, folder)
    files = [entry_for(folder, folder / database_file)]
    blob_count, blob_bytes = _copy_blobs(platform, folder)
    files.append(entry_for(folder, folder / BLOB_LIST))
    files += _copy_settings(platform.deployment_dir, folder / SETTINGS_DIR)
    if include_keys:
        files += _copy_keys(platform.var_dir, folder / KEYS_DIR)
    for path, _subfolders, _files in os.walk(folder, topdown=False):
        fsync_directory(Path(path))  # the files' names are as durable as their contents
    manifest = Manifest(
        created_at=created_at,
        govcore_version=importlib.metadata.version("govcore"),
        county=platform.county.name,
        deployment=slug,
        timezone=platform.county.timezone,
        config=config_name,
        database_kind=snapshot.database_kind(engine.url),
        database_file=database_file,
        alembic_heads=heads,
        blob_count=blob_count,
        blob_bytes=blob_bytes,
        key_ids=list(platform.extras["personal_keys"].key_ids),
        includes_keys=include_keys,
        files=files,
    )
    write_manifest(folder, manifest)
    return manifest


@contextlib.contextmanager
def _exclusive(directory: Path, slug: str) -> Iterator[None]:
    """One backup of a deployment at a time (the daily job in several processes, or a hand-run one)."""
    fd = os.open(directory / f".{slug}.backup-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"{directory} 中正在进行本部署的另一个备份，请稍后再试",
                              f"another backup of this deployment into {directory} is under way; try again later",
                              ) from None
        yield
    finally:
        os.close(fd)


def _new_folder(directory: Path, slug: str, moment: dt.datetime) -> Path:
    """A new folder named after the county's local time; only its owner may read it (personal data)."""
    attempt = 1
    while True:
        folder = directory / folder_name(slug, moment, attempt)
        try:
            folder.mkdir(mode=0o700)
            return folder
        except FileExistsError:
            attempt += 1


def _copy_blobs(platform: Platform, folder: Path) -> tuple[int, int]:
    """Copy every blob, checking each against its name; write ``blobs.txt``. Returns count and bytes."""
    count = total = 0
    with (folder / BLOB_LIST).open("w", encoding="ascii") as listing:
        for key in sorted(platform.blobs.keys()):
            try:
                source = platform.blobs.open(key)
            except KeyError:
                continue  # deleted since it was listed: an orphan the sweep removed, which no record needs
            target = blob_path(folder, key)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            with source, target.open("wb") as copy:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    copy.write(chunk)
                copy.flush()
                os.fsync(copy.fileno())
            if digest.hexdigest() != key:
                raise BackupError(
                    f"附件 {key} 已损坏：内容的校验和与文件名不符。请从较早的备份中取回该文件后再备份",
                    f"blob {key} is damaged: its content does not match its name. Recover it from an earlier "
                    "backup, then back up again",
                )
            listing.write(f"{key} {size}\n")
            count, total = count + 1, total + size
        listing.flush()
        os.fsync(listing.fileno())
    return count, total


def settings_files(deployment_dir: Path) -> list[Path]:
    """The files a site is configured by: every ini file, county.toml and the template overrides."""
    found = sorted(deployment_dir.glob("*.ini"))
    if (deployment_dir / COUNTY_FILE).is_file():
        found.append(deployment_dir / COUNTY_FILE)
    templates = deployment_dir / TEMPLATES_DIR
    if templates.is_dir():
        found += sorted(path for path in templates.rglob("*") if path.is_file())
    return found


def _copy_settings(deployment_dir: Path, target: Path) -> list[FileEntry]:
    entries = []
    for path in settings_files(deployment_dir):
        copy = target / path.relative_to(deployment_dir)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        entries.append(_durable_entry(target.parent, copy))
    return entries


def _copy_keys(var_dir: Path, target: Path) -> list[FileEntry]:
    target.mkdir(mode=0o700)
    entries = []
    for name in (SECRET_FILE, KEYS_FILE):
        if (var_dir / name).is_file():
            fd = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as copy, (var_dir / name).open("rb") as source:
                shutil.copyfileobj(source, copy)
            entries.append(_durable_entry(target.parent, target / name))
    return entries


def _durable_entry(folder: Path, path: Path) -> FileEntry:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())
    return entry_for(folder, path)
