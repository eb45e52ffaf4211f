"""The integrity seals on SQLAlchemy: the chain table, its head row, and the ledger.

Like the audit trail, the chain has a one-row head (the newest seal's id and hash) that every seal
updates: deleting the newest seals leaves an intact shorter chain, which only the head betrays,
and locking the head row makes concurrent sealers (several web workers) take turns. Migration
core_0006 also makes the chain append-only in the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from adapters.db.meta import Base
from adapters.db.orm import AuditHead
from adapters.db.types import UtcDateTime
from govcore.hashchain import ChainHead
from govcore.integrity import Seal, SealLedger, next_seal

BATCH = 1000


class SealRecord(Base):
    """One seal. No foreign keys: the seals must outlive the records and accounts they speak of."""

    __tablename__ = "core_seal"
    __table_args__ = (UniqueConstraint("kind", "record_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    payload_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# Read as plain rows: verification walks every seal, which ORM objects would only slow down.
SEAL_COLUMNS = (SealRecord.id, SealRecord.kind, SealRecord.record_id, SealRecord.version, SealRecord.payload_hash,
                SealRecord.sealed_at, SealRecord.actor_id, SealRecord.prev_hash, SealRecord.hash)


class SealHead(Base):
    """The newest link of the seal chain."""

    __tablename__ = "core_seal_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class SqlSealLedger:
    """Built on a session and a clock, so that code holding only a session (the disclosure desk) can seal."""

    def __init__(self, session: Session, clock):
        self.session = session
        self.clock = clock

    def seal(self, kind: str, record_id: str, payload: Any, actor_id: int | None = None) -> Seal:
        # A transaction that seals also writes the audit trail, in either order: taking the audit
        # head's lock first keeps one lock order for both chains, so two writers cannot deadlock.
        self.session.execute(select(AuditHead.id).where(AuditHead.id == 1).with_for_update())
        head = self.session.scalars(select(SealHead).where(SealHead.id == 1).with_for_update()).one()
        latest = self.latest(kind, record_id)
        seal = next_seal(ChainHead(head.last_id, head.last_hash), kind, record_id,
                         latest.version + 1 if latest is not None else 1, payload, self.clock.now(), actor_id)
        self.session.add(SealRecord(id=seal.id, kind=seal.kind, record_id=seal.record_id, version=seal.version,
                                    payload_hash=seal.payload_hash, sealed_at=seal.sealed_at, actor_id=seal.actor_id,
                                    prev_hash=seal.prev_hash, hash=seal.hash))
        head.last_id, head.last_hash = seal.id, seal.hash
        self.session.flush()
        return seal

    def latest(self, kind: str, record_id: str) -> Seal | None:
        row = self.session.execute(select(*SEAL_COLUMNS).where(SealRecord.kind == kind, SealRecord.record_id == record_id)
                                   .order_by(SealRecord.version.desc()).limit(1)).first()
        return Seal(*row) if row is not None else None

    def chain(self) -> Iterator[Seal]:
        last_id = 0
        while True:
            rows = self.session.execute(
                select(*SEAL_COLUMNS).where(SealRecord.id > last_id).order_by(SealRecord.id).limit(BATCH)).all()
            if not rows:
                return
            yield from (Seal(*row) for row in rows)
            last_id = rows[-1].id

    def head(self) -> ChainHead | None:
        row = self.session.execute(select(SealHead.last_id, SealHead.last_hash).where(SealHead.id == 1)).first()
        return ChainHead(row.last_id, row.last_hash) if row is not None else None


def seal_ledger(uow) -> SqlSealLedger:
    return SqlSealLedger(uow.session, uow.platform.clock)


def seal_repositories() -> dict:
    return {SealLedger: seal_ledger}
