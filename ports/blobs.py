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
    """Blobs are written before the transaction that refers to them commits, and never rewritten.

    A blob whose transaction rolled back (or whose process died) stays behind as an orphan; the
    orphan sweep (adapters/blobs/sweep.py) deletes orphans once they are older than a grace period,
    which is why a store remembers when each blob was last written.
    """

    def put(self, data: bytes | BinaryIO) -> BlobRef:
        """Store the content and return its reference; storing the same bytes twice keeps one copy
        and counts as a new write for :meth:`written_at`."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the blob; raises KeyError when it does not exist."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob if present (callers make sure nothing references it any more)."""

    def keys(self) -> Iterator[str]:
        """Every stored key, for sweeping orphans and for backups."""

    def written_at(self, key: str) -> float:
        """When the blob was last put, as a POSIX timestamp; raises KeyError when it does not exist."""

    def delete_if_older(self, key: str, before: float) -> bool:
        """Delete the blob unless it was put at or after ``before`` (a POSIX timestamp); True if deleted.

        Atomic with respect to :meth:`put`: a concurrent put of the same bytes either makes the blob
        young again before the check, or writes it anew after the deletion.
        """

    def sweep_temporaries(self, before: float, dry_run: bool = False) -> int:
        """Remove the partial files of writes that were interrupted before ``before``; returns how many."""
