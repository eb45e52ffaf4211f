"""The audit trail on SQLAlchemy: appends serialised by locking the chain's head row."""

from __future__ import annotations

from typing import Iterator

from sqlalchemy import select

from adapters.db.orm import AuditHead, AuditRecord
from govcore.audit import AuditEntry, ChainedRecord, link_hash

BATCH = 1000


class SqlAuditLog:
    def __init__(self, uow):
        self.session = uow.session

    def append(self, entry: AuditEntry) -> ChainedRecord:
        # FOR UPDATE makes concurrent writers (several web workers) take turns on PostgreSQL;
        # SQLite has a single writer anyway.
        head = self.session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
        record_id = head.last_id + 1
        digest = link_hash(head.last_hash, record_id, entry)
        self.session.add(AuditRecord(
            id=record_id, at=entry.at, actor_id=entry.actor_id, actor_login=entry.actor_login,
            action=entry.action, object_type=entry.object_type, object_id=entry.object_id,
            summary=entry.summary, ip=entry.ip, user_agent=entry.user_agent, result=entry.result,
            prev_hash=head.last_hash, hash=digest,
        ))
        chained = ChainedRecord(record_id, entry, head.last_hash, digest)
        head.last_id, head.last_hash = record_id, digest
        self.session.flush()
        return chained

    def chain(self) -> Iterator[ChainedRecord]:
        last_id = 0
        while True:
            rows = self.session.scalars(
                select(AuditRecord).where(AuditRecord.id > last_id).order_by(AuditRecord.id).limit(BATCH)
            ).all()
            if not rows:
                return
            for row in rows:
                yield ChainedRecord(row.id, to_entry(row), row.prev_hash, row.hash)
            last_id = rows[-1].id


def to_entry(row: AuditRecord) -> AuditEntry:
    return AuditEntry(
        at=row.at, actor_id=row.actor_id, actor_login=row.actor_login, action=row.action,
        object_type=row.object_type, object_id=row.object_id, summary=row.summary, ip=row.ip,
        user_agent=row.user_agent, result=row.result,
    )
