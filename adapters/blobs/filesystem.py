"""A content-addressed blob store in a folder: ``ab/cd/abcdef…`` named by SHA-256.

A blob's modification time is when it was last put: storing bytes that are already there touches
the file. The orphan sweep reads it to leave young blobs alone (their transaction may not have
committed yet). Putting and the sweep's deletion take a lock on ``.lock`` (shared and exclusive),
so a sweep never deletes a blob between a put finding it present and that put returning.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from ports.blobs import BlobRef

CHUNK = 1024 * 1024
LOCK_NAME = ".lock"
TEMPORARY_PREFIX = ".incoming-"


class FileBlobStore:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise KeyError(key)
        return self.directory / key[:2] / key[2:4] / key

    @contextlib.contextmanager
    def _locked(self, operation: int) -> Iterator[None]:
        fd = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, operation)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def put(self, data: bytes | BinaryIO) -> BlobRef:
        self.directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        # Write to a temporary file first and rename, so a crash never leaves a truncated blob
        # under a valid name.
        fd, tmp_name = tempfile.mkstemp(dir=self.directory, prefix=TEMPORARY_PREFIX)
        try:
            with os.fdopen(fd, "wb") as tmp:
                for chunk in _chunks(data):
                    digest.update(chunk)
                    size += len(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            key = digest.hexdigest()
            target = self._path(key)
            with self._locked(fcntl.LOCK_SH):
                if target.exists():
                    os.utime(target)  # a new reference is on its way: the grace period starts again
                    os.unlink(tmp_name)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(tmp_name, target)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise
        return BlobRef(key=key, size=size)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except KeyError:
            return False

    def delete(self, key: str) -> None:
        try:
            path = self._path(key)
        except KeyError:
            return
        if not self.directory.is_dir():
            return
        with self._locked(fcntl.LOCK_EX):
            path.unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.directory.exists():
            return
        for path in self.directory.glob("??/??/*"):
            if path.is_file() and len(path.name) == 64:
                yield path.name

    def written_at(self, key: str) -> float:
        try:
            return self._path(key).stat().st_mtime
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete_if_older(self, key: str, before: float) -> bool:
        path = self._path(key)
        if not self.directory.is_dir():
            return False
        with self._locked(fcntl.LOCK_EX):
            try:
                if path.stat().st_mtime >= before:
                    return False
                path.unlink()
            except FileNotFoundError:
                return False
        return True

    def sweep_temporaries(self, before: float, dry_run: bool = False) -> int:
        removed = 0
        if not self.directory.is_dir():
            return removed
        for path in self.directory.glob(TEMPORARY_PREFIX + "*"):
            try:
                if path.stat().st_mtime >= before:
                    continue
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:
                continue  # its write just finished (renamed) or failed (cleaned up)
            removed += 1
        return removed


def _chunks(data: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
        return
    while chunk := data.read(CHUNK):
        yield chunk
