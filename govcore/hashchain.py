"""Hash chains: append-only records that each carry the hash of the one before. Framework-free.

The audit trail (:mod:`govcore.audit`) and the integrity seals (:mod:`govcore.integrity`) are both
such chains. A link's hash is SHA-256 over the previous link's hash and the canonical JSON of the
link's own fields, so altering, inserting or deleting a link breaks every link after it. Deleting
the newest links leaves an intact shorter chain, and a well-forged link added at the end extends
it: a one-row head stored beside the chain (the last id and hash, updated with every append, in
the same transaction) shows both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, TypeVar

GENESIS_HASH = "0" * 64


def canonical_json(data: Any) -> str:
    """The one JSON spelling of ``data`` that hashing and storage use."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def content_hash(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data``."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def moment(value: dt.datetime | None) -> str | None:
    """A moment as hashed: UTC with microseconds, so every database and timezone spells it alike."""
    return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds") if value is not None else None


def link_hash(prev_hash: str, fields: list[Any]) -> str:
    """The hash of a link holding ``fields`` after the link whose hash is ``prev_hash``."""
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(fields)}".encode()).hexdigest()


class Link(Protocol):
    id: int
    prev_hash: str
    hash: str


L = TypeVar("L", bound=Link)


@dataclass(frozen=True)
class ChainHead:
    """The head row: the id and hash of the newest link (0 and GENESIS_HASH for an empty chain)."""

    last_id: int
    last_hash: str


@dataclass(frozen=True)
class ChainStatus:
    """What walking a chain found; ``intact`` when nothing is amiss."""

    length: int
    last_id: int  # the id of the last link found (0 for none)
    broken_at: int | None  # the first link that does not hold
    head: ChainHead | None  # as read before the walk; None: the head row is missing
    tail_cut: bool  # the head names a link that is no longer the one found (the newest were deleted)
    unrecorded: bool  # links lie beyond the head even as read after the walk (added behind its back)

    @property
    def intact(self) -> bool:
        return self.broken_at is None and self.head is not None and not self.tail_cut and not self.unrecorded


def first_broken(links: Iterable[L], expected_hash: Callable[[L], str]) -> int | None:
    """The id of the first link (in id order) that does not hold, or None when all hold.

    A link is broken when its stored hash is not ``expected_hash(link)`` (its fields were altered),
    or when it does not point at the hash of the link before it (a link was deleted or inserted there).
    """
    previous = GENESIS_HASH
    for link in links:
        if link.prev_hash != previous or link.hash != expected_hash(link):
            return link.id
        previous = link.hash
    return None


def check_chain(links: Iterable[L], expected_hash: Callable[[L], str],
                read_head: Callable[[], ChainHead | None]) -> ChainStatus:
    """Walk every link and compare the chain's end with its head.

    The head is read before the walk (``links`` must be lazy, read only as the walk goes), so links
    appended meanwhile lie beyond it and are no alarm; and again after it, when every link legitimately
    appended is behind the head: a link still beyond it was added without it.
    """
    head = read_head()
    length, last_id, hash_at_head = 0, 0, None
    remaining = iter(links)

    def walk() -> Iterable[L]:
        nonlocal length, last_id, hash_at_head
        for link in remaining:
            length, last_id = length + 1, link.id
            if head is not None and link.id == head.last_id:
                hash_at_head = link.hash
            yield link

    broken = first_broken(walk(), expected_hash)
    for _link in walk():  # past a break the walk goes on: length, last_id and the head are the whole chain's
        pass
    tail_cut = head is not None and head.last_hash != (hash_at_head if head.last_id else GENESIS_HASH)
    after = read_head()
    unrecorded = after is not None and last_id > after.last_id
    return ChainStatus(length, last_id, broken, head, tail_cut, unrecorded)
