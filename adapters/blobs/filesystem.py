"""A content-addressed blob store in a folder: ``ab/cd/abcdef…`` named by SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from ports.blobs import BlobRef

CHUNK = 1024 * 1024


class FileBlobStore:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise KeyError(key)
        return self.directory / key[:2] / key[2:4] / key

    def put(self, data: bytes | BinaryIO) -> BlobRef:
        self.directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        # Write to a temporary file first and rename, so a crash never leaves a truncated blob
        # under a valid name.
        fd, tmp_name = tempfile.mkstemp(dir=self.directory, prefix=".incoming-")
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
            if target.exists():
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
            self._path(key).unlink()
        except (FileNotFoundError, KeyError):
            pass

    def keys(self) -> Iterator[str]:
        if not self.directory.exists():
            return
        for path in self.directory.glob("??/??/*"):
            if path.is_file() and len(path.name) == 64:
                yield path.name


def _chunks(data: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
        return
    while chunk := data.read(CHUNK):
        yield chunk
