"""The audit trail: append-only records of staff actions, chained by hash. Framework-free.

Each record's hash covers its own fields and the previous record's hash, so altering, inserting
or deleting any record breaks every link after it; :func:`first_broken_link` finds the first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Protocol

GENESIS_HASH = "0" * 64
SUCCESS, FAILURE, DENIED = "success", "failure", "denied"


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor_id: int | None
    actor_login: str  # kept as text: the trail outlives accounts
    action: str  # e.g. "login", "user.create", or a route name for automatically recorded actions
    object_type: str = ""
    object_id: str = ""
    summary: str = "{}"  # canonical JSON of what changed (see canonical_summary)
    ip: str = ""
    user_agent: str = ""
    result: str = SUCCESS


@dataclass(frozen=True)
class ChainedRecord:
    id: int
    entry: AuditEntry
    prev_hash: str
    hash: str


def canonical_summary(data: Any) -> str:
    """The one JSON spelling of ``data`` that hashing and storage use."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def link_hash(prev_hash: str, record_id: int, entry: AuditEntry) -> str:
    at = entry.at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
    payload = [record_id, at, entry.actor_id, entry.actor_login, entry.action, entry.object_type,
               entry.object_id, entry.summary, entry.ip, entry.user_agent, entry.result]
    return hashlib.sha256(f"{prev_hash}\n{canonical_summary(payload)}".encode()).hexdigest()


def first_broken_link(records: Iterable[ChainedRecord]) -> int | None:
    """The id of the first record (in id order) whose link does not hold, or None when all hold.

    A record is broken when its stored hash is not the hash of its fields, or when it does not
    point at the hash of the record before it (a record was deleted or inserted there).
    """
    previous = GENESIS_HASH
    for record in records:
        if record.prev_hash != previous or record.hash != link_hash(record.prev_hash, record.id, record.entry):
            return record.id
        previous = record.hash
    return None


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> ChainedRecord:
        """Add ``entry`` at the end of the chain, inside the current transaction."""

    def chain(self) -> Iterable[ChainedRecord]:
        """Every record in id order, for verification."""
