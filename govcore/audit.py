"""The audit trail: append-only records of staff actions, chained by hash. Framework-free.

Each record's hash covers its own fields and the previous record's hash, so altering, inserting
or deleting any record breaks every link after it; :func:`first_broken_link` finds the first.
The chaining itself is :mod:`govcore.hashchain`, shared with the integrity seals.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from typing import Iterable, Protocol

from govcore import hashchain

GENESIS_HASH = hashchain.GENESIS_HASH
canonical_summary = hashchain.canonical_json  # summaries are stored in the spelling that is hashed
SUCCESS, FAILURE, DENIED = "success", "failure", "denied"
SYSTEM_LOGIN = "system"  # the actor of what jobs and timers do


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


def link_hash(prev_hash: str, record_id: int, entry: AuditEntry) -> str:
    return hashchain.link_hash(prev_hash, [
        record_id, hashchain.moment(entry.at), entry.actor_id, entry.actor_login, entry.action, entry.object_type,
        entry.object_id, entry.summary, entry.ip, entry.user_agent, entry.result])


def first_broken_link(records: Iterable[ChainedRecord]) -> int | None:
    """The id of the first record (in id order) whose link does not hold, or None when all hold.

    A record is broken when its stored hash is not the hash of its fields, or when it does not
    point at the hash of the record before it (a record was deleted or inserted there).
    """
    return hashchain.first_broken(records, lambda record: link_hash(record.prev_hash, record.id, record.entry))


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> ChainedRecord:
        """Add ``entry`` at the end of the chain, inside the current transaction."""

    def chain(self) -> Iterable[ChainedRecord]:
        """Every record in id order, for verification."""


class SystemAuditor:
    """Audit records of what no signed-in person does: jobs, timers and commands run on the server."""

    def __init__(self, uow, clock, actor_login: str = SYSTEM_LOGIN):
        self.uow = uow
        self.clock = clock
        self.actor_login = actor_login[:64]

    def __call__(self, action: str, object_type: str, object_id: object, summary: dict,
                 result: str = SUCCESS) -> None:
        self.uow.repository(AuditLog).append(AuditEntry(
            at=self.clock.now(), actor_id=None, actor_login=self.actor_login, action=action,
            object_type=object_type, object_id=str(object_id), summary=canonical_summary(summary), result=result))


def operating_system_account() -> str:
    """The operating-system account running this process, naming who ran a command on the server."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, as in some containers
        return "unknown"
