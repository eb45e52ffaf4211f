"""An in-memory seal ledger: the chain as a list and a head, hashed exactly as the SQL ledger hashes.

Tests tamper with ``seals`` and ``head_row`` directly, as an intruder would with the tables.
"""

from __future__ import annotations

from typing import Any

from govcore.hashchain import GENESIS_HASH, ChainHead
from govcore.integrity import Seal, next_seal


class MemorySealLedger:
    def __init__(self, clock):
        self.clock = clock
        self.seals: list[Seal] = []
        self.head_row: ChainHead | None = ChainHead(0, GENESIS_HASH)

    def seal(self, kind: str, record_id: str, payload: Any, actor_id: int | None = None) -> Seal:
        latest = self.latest(kind, record_id)
        seal = next_seal(self.head_row, kind, record_id, latest.version + 1 if latest else 1, payload,
                         self.clock.now(), actor_id)
        self.seals.append(seal)
        self.head_row = ChainHead(seal.id, seal.hash)
        return seal

    def latest(self, kind: str, record_id: str) -> Seal | None:
        return next((s for s in reversed(self.seals) if (s.kind, s.record_id) == (kind, record_id)), None)

    def chain(self) -> list[Seal]:
        return sorted(self.seals, key=lambda seal: seal.id)

    def head(self) -> ChainHead | None:
        return self.head_row

    def of(self, kind: str) -> list[Seal]:
        return [seal for seal in self.seals if seal.kind == kind]
