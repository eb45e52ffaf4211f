"""The plugin's table and the SQLAlchemy implementation of its repository Protocol.

The table is mapped on govcore's declarative base, so it shares the constraint naming convention
the migrations rely on. It is created by this plugin's alembic branch (``migrations/``), never by
``create_all``: a county that does not enable the plugin has no such table.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from adapters.db.meta import Base
from adapters.db.types import UtcDateTime
from govcore_local_specialties.domain import MAX_LENGTHS, Specialty, SpecialtyDraft


class Product(Base):
    __tablename__ = "specialties_product"
    # The same product name may exist in two townships, but not twice in one.
    __table_args__ = (UniqueConstraint("township", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_LENGTHS["name"]))
    township: Mapped[str] = mapped_column(String(MAX_LENGTHS["township"]))
    description: Mapped[str] = mapped_column(Text)
    price_note: Mapped[str] = mapped_column(String(MAX_LENGTHS["price_note"]), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SqlSpecialtyRepository:
    """:class:`~govcore_local_specialties.domain.SpecialtyRepository` inside one unit of work.

    Times are stored in UTC by govcore's ``UtcDateTime`` column type and handed out in the county's
    time zone, so the domain sees the same aware datetimes on SQLite and PostgreSQL.
    """

    def __init__(self, uow):
        self.session: Session = uow.session
        self.clock = uow.platform.clock
        self.timezone = ZoneInfo(uow.platform.county.timezone)

    def add(self, draft: SpecialtyDraft) -> Specialty:
        row = Product(name=draft.name, township=draft.township, description=draft.description,
                      price_note=draft.price_note, created_at=self.clock.now())
        self.session.add(row)
        self.session.flush()  # assigns the id the event and the search document need
        return self._specialty(row)

    def find(self, name: str, township: str) -> Specialty | None:
        row = self.session.scalar(select(Product).where(Product.name == name, Product.township == township))
        return self._specialty(row) if row is not None else None

    def newest(self, limit: int) -> list[Specialty]:
        rows = self.session.scalars(select(Product).order_by(Product.created_at.desc(), Product.id.desc()).limit(limit))
        return [self._specialty(row) for row in rows]

    def all(self) -> list[Specialty]:
        rows = self.session.scalars(select(Product).order_by(Product.township, Product.name))
        return [self._specialty(row) for row in rows]

    def _specialty(self, row: Product) -> Specialty:
        return Specialty(id=row.id, name=row.name, township=row.township, description=row.description,
                         price_note=row.price_note, created_at=row.created_at.astimezone(self.timezone))
