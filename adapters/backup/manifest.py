"""``manifest.json``: what a backup holds, where it comes from, and every file's checksum.

The manifest is written last, so a backup folder without one is incomplete and is never restored.
Blobs are listed in ``blobs.txt`` (one ``<key> <size>`` line each; the list's own checksum is in
the manifest), not in the manifest itself: the manifest stays small enough for the dashboard to
read on every visit, however many uploads the county has. A blob's checksum is its name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

from adapters.backup import BackupError

FORMAT = "govcore-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
BLOB_LIST = "blobs.txt"
BLOB_DIR = "blobs"
CHUNK = 1024 * 1024
BLOB_KEY = re.compile(r"[0-9a-f]{64}")
# How many damaged files an error message names before it says "and N more".
NAMED_PROBLEMS = 10


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the backup folder, "/"-separated
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: dt.datetime  # aware
    govcore_version: str
    county: str  # the county's name, e.g. 示例县
    deployment: str  # the deployment folder's name, which backup folders are named after
    timezone: str
    config: str | None  # the ini file the backup was made with, when known
    database_kind: str  # "sqlite" or "postgresql"
    database_file: str
    alembic_heads: dict[str, list[str]]  # branch -> revisions
    blob_count: int
    blob_bytes: int
    key_ids: list[str]  # ids of the personal-data keys the data was encrypted with
    includes_keys: bool  # secret.key and personal-data.keys are in keys/
    files: list[FileEntry] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return self.blob_bytes + sum(entry.size for entry in self.files)

    def to_json(self) -> str:
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(self)}
        data["created_at"] = self.created_at.astimezone(dt.timezone.utc).isoformat()
        data["total_bytes"] = self.total_bytes
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError("not a govcore backup manifest")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise BackupError(
                f"备份格式版本为 {version}，本版本的 govcore 只能恢复第 {FORMAT_VERSION} 版，请使用制作该备份的 govcore 版本恢复",
                f"backup format version {version} is not supported (this govcore reads version {FORMAT_VERSION})",
            )
        fields = {name: data[name] for name in cls.__dataclass_fields__}
        fields["created_at"] = dt.datetime.fromisoformat(data["created_at"])
        fields["files"] = [FileEntry(**entry) for entry in data["files"]]
        for entry in fields["files"]:
            parts = PurePosixPath(entry.path).parts
            if not parts or entry.path.startswith("/") or ".." in parts:
                raise ValueError(f"file path {entry.path!r} leads outside the backup")
        return cls(**fields)


def file_digest(path: Path) -> tuple[int, str]:
    """Size and hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def entry_for(folder: Path, path: Path) -> FileEntry:
    size, sha256 = file_digest(path)
    return FileEntry(path.relative_to(folder).as_posix(), size, sha256)


def blob_path(folder: Path, key: str) -> Path:
    """Where a blob lies inside a backup: the blob store's own ``ab/cd/<key>`` layout."""
    return folder / BLOB_DIR / key[:2] / key[2:4] / key


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write ``manifest.json`` durably and atomically: it either is there whole or not at all."""
    draft = folder / f".{MANIFEST_NAME}.partial"
    with draft.open("w", encoding="utf-8") as fh:
        fh.write(manifest.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(draft, folder / MANIFEST_NAME)
    fsync_directory(folder)


def fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(
            f"{folder} 不是完整的备份：缺少 {MANIFEST_NAME}（备份未完成或已损坏）",
            f"{folder} is not a complete backup: {MANIFEST_NAME} is missing (the backup never finished or was damaged)",
        )
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} 无法读取：{exc}", f"{path} cannot be read: {exc}") from exc


def blob_listing(folder: Path) -> Iterator[tuple[str, int]]:
    """The (key, size) pairs of ``blobs.txt``."""
    with (folder / BLOB_LIST).open(encoding="ascii") as fh:
        for line in fh:
            key, size = line.split()
            if not BLOB_KEY.fullmatch(key):
                raise BackupError(f"{BLOB_LIST} 中有无效的附件名 {key!r}", f"{BLOB_LIST} names an invalid blob {key!r}")
            yield key, int(size)


def problems(folder: Path, manifest: Manifest) -> list[str]:
    """Every file of the backup that is missing or differs from the manifest (empty: all intact)."""
    found = []
    for entry in manifest.files:
        path = folder / entry.path
        if not path.is_file():
            found.append(f"{entry.path}: missing")
        elif file_digest(path) != (entry.size, entry.sha256):
            found.append(f"{entry.path}: checksum mismatch")
    if any(entry.path == BLOB_LIST for entry in manifest.files) and not found:
        count = total = 0
        for key, size in blob_listing(folder):
            path = blob_path(folder, key)
            relative = path.relative_to(folder).as_posix()
            count, total = count + 1, total + size
            if not path.is_file():
                found.append(f"{relative}: missing")
            elif file_digest(path) != (size, key):
                found.append(f"{relative}: checksum mismatch")
        if (count, total) != (manifest.blob_count, manifest.blob_bytes):
            found.append(f"{BLOB_LIST}: lists {count} blobs of {total} bytes, the manifest {manifest.blob_count} "
                         f"of {manifest.blob_bytes}")
    return found


def verify(folder: Path, manifest: Manifest) -> None:
    """Raise a :class:`BackupError` naming the damaged files unless every checksum matches."""
    found = problems(folder, manifest)
    if not found:
        return
    named = "\n  ".join(found[:NAMED_PROBLEMS])
    more = len(found) - NAMED_PROBLEMS
    tail_zh = f"\n  ……另有 {more} 个" if more > 0 else ""
    tail_en = f"\n  … and {more} more" if more > 0 else ""
    raise BackupError(
        f"备份校验失败，拒绝恢复：以下文件缺失或与清单中的校验和不符，备份可能已损坏或被改动\n  {named}{tail_zh}",
        f"backup verification failed, nothing was restored: these files are missing or do not match the "
        f"manifest's checksums\n  {named}{tail_en}",
    )
