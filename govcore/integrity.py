"""Integrity seals: the content hash of each important record, chained like the audit trail. Framework-free.

When a record becomes final (a workflow case decided, a 政务公开 item published, a 依申请公开 request
answered), its owner seals it in the same transaction: the seal keeps the SHA-256 of the record's
payload (its sealed content as canonical JSON, given by the record's :class:`SealKind`) and is a
link of one hash chain of all seals (:mod:`govcore.hashchain`). :func:`verify` walks the chain,
where an altered, inserted or deleted seal breaks a link and the head shows a deleted tail, and
computes each sealed record's payload again: a record that differs from its latest seal was
*altered* behind the application's back, one that no longer exists *vanished*.

A legitimate change to a sealed record seals it again, as its next version (:func:`reseal`). A
legitimate deletion seals ``None``, the payload of a record that does not exist, so that the
record's absence is then what verification expects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Protocol

from govcore import hashchain
from govcore.contributions import SealKind
from govcore.hashchain import ChainHead, ChainStatus
from govcore.plugins import unique_by_name

ALTERED, VANISHED = "altered", "vanished"


@dataclass(frozen=True)
class Seal:
    id: int  # the position in the chain
    kind: str  # a SealKind name, e.g. "workflow.case"
    record_id: str
    version: int  # 1 for the record's first seal, then 2, 3 … for each legitimate change
    payload_hash: str
    sealed_at: dt.datetime
    actor_id: int | None  # who made the record final; None for the system (a timer, a job)
    prev_hash: str
    hash: str


def payload_hash(payload: Any) -> str:
    return hashchain.content_hash(payload)


def seal_hash(seal: Seal) -> str:
    """The hash a seal's own fields and its predecessor's hash give."""
    return hashchain.link_hash(seal.prev_hash, [seal.id, seal.kind, seal.record_id, seal.version, seal.payload_hash,
                                                hashchain.moment(seal.sealed_at), seal.actor_id])


def next_seal(head: ChainHead, kind: str, record_id: str, version: int, payload: Any, sealed_at: dt.datetime,
              actor_id: int | None) -> Seal:
    """The seal that follows ``head``; ledgers store it and move their head to it."""
    unlinked = Seal(head.last_id + 1, kind, record_id, version, payload_hash(payload), sealed_at, actor_id,
                    head.last_hash, "")
    return dataclasses.replace(unlinked, hash=seal_hash(unlinked))


def first_broken_seal(seals: Iterable[Seal]) -> int | None:
    """The id of the first seal whose link does not hold (altered, or one before it deleted or inserted)."""
    return hashchain.first_broken(seals, seal_hash)


class SealLedger(Protocol):
    def seal(self, kind: str, record_id: str, payload: Any, actor_id: int | None = None) -> Seal:
        """Seal ``payload`` as the record's next version, at the end of the chain, inside the current
        transaction (concurrent sealers take turns). ``payload`` None seals a legitimate deletion."""

    def latest(self, kind: str, record_id: str) -> Seal | None:
        """The record's newest seal."""

    def chain(self) -> Iterable[Seal]:
        """Every seal in id order."""

    def head(self) -> ChainHead | None:
        """The newest seal's id and hash as the head row records them; None when the row is missing."""


def reseal(ledger: SealLedger, kind: str, record_id: str, payload: Any, actor_id: int | None = None) -> Seal | None:
    """Seal the record's payload as a new version unless its latest seal already holds it."""
    latest = ledger.latest(kind, record_id)
    if latest is not None and latest.payload_hash == payload_hash(payload):
        return None
    return ledger.seal(kind, record_id, payload, actor_id)


def seal_kinds(plugins) -> dict[str, SealKind]:
    """Every enabled plugin's (and the adapters') seal kinds by name; a name declared twice is an error."""
    contributed = ((plugin, kind) for plugin, kinds in plugins.each("govcore_register_seal_kinds") for kind in kinds)
    return unique_by_name(contributed, lambda kind: kind.name, "印章类型", "seal kind")


@dataclass(frozen=True)
class Finding:
    """A sealed record that no longer matches its latest seal."""

    problem: str  # ALTERED or VANISHED
    seal: Seal  # the record's latest seal


@dataclass
class IntegrityReport:
    chain: ChainStatus
    records: dict[str, int] = field(default_factory=dict)  # sealed records checked, by kind
    unchecked: dict[str, int] = field(default_factory=dict)  # sealed records of kinds no enabled plugin knows
    findings: list[Finding] = field(default_factory=list)  # in the order of their seals

    @property
    def intact(self) -> bool:
        return self.chain.intact and not self.findings

    def altered(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.problem == ALTERED]

    def vanished(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.problem == VANISHED]


def verify(ledger: SealLedger, kinds: Mapping[str, SealKind], uow) -> IntegrityReport:
    """Check the chain of seals, then every sealed record against its latest seal.

    Records of a kind that no enabled plugin declares (a plugin since disabled) cannot be computed
    again: they are counted as unchecked, not reported as altered.
    """
    latest: dict[tuple[str, str], Seal] = {}

    def remember(seals: Iterable[Seal]) -> Iterator[Seal]:
        for seal in seals:
            latest[seal.kind, seal.record_id] = seal
            yield seal

    report = IntegrityReport(hashchain.check_chain(remember(ledger.chain()), seal_hash, ledger.head))
    gone = payload_hash(None)
    for (kind_name, record_id), seal in sorted(latest.items(), key=lambda pair: pair[1].id):
        kind = kinds.get(kind_name)
        if kind is None:
            report.unchecked[kind_name] = report.unchecked.get(kind_name, 0) + 1
            continue
        report.records[kind_name] = report.records.get(kind_name, 0) + 1
        current = kind.payload(uow, record_id)
        if current is None and seal.payload_hash != gone:
            report.findings.append(Finding(VANISHED, seal))
        elif payload_hash(current) != seal.payload_hash:
            report.findings.append(Finding(ALTERED, seal))
    return report
