"""Storage of attachments, images and uploads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator, Protocol


@dataclass(frozen=True)
class BlobRef:
    """What the database keeps of a stored blob: its content address and size."""

    key: str  # hex SHA-256 of the content
    size: int


class BlobStore(Protocol):
    def put(self, data: bytes | BinaryIO) -> BlobRef:
        """Store the content and return its reference; storing the same bytes twice is a no-op."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the blob; raises KeyError when it does not exist."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob if present (callers make sure nothing references it any more)."""

    def keys(self) -> Iterator[str]:
        """Every stored key, for sweeping orphans and for backups."""
