"""The content plugin's tables."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from adapters.db.meta import Base
from plugins.content.domain import ColumnNode, ColumnSpec


class Column(Base):
    __tablename__ = "content_column"
    __table_args__ = (UniqueConstraint("slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("content_column.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="list")
    position: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")

    def node(self) -> ColumnNode:
        return ColumnNode(self.id, self.parent_id, self.title, self.slug, self.kind, self.position, self.hidden)


class SqlColumnRepository:
    def __init__(self, uow):
        self.session: Session = uow.session

    def find_child(self, parent_id: int | None, title: str) -> ColumnNode | None:
        row = self.session.scalar(
            select(Column).where(Column.parent_id.is_(parent_id) if parent_id is None else Column.parent_id == parent_id,
                                 Column.title == title)
        )
        return row.node() if row else None

    def add(self, parent_id: int | None, spec: ColumnSpec, position: int) -> ColumnNode:
        row = Column(parent_id=parent_id, title=spec.title, slug=spec.slug or "", kind=spec.kind,
                     position=position, hidden=False, description="")
        self.session.add(row)
        self.session.flush()
        if not row.slug:
            row.slug = f"c{row.id}"  # a stable address for columns created without one
        return row.node()

    def child_count(self, parent_id: int | None) -> int:
        condition = Column.parent_id.is_(None) if parent_id is None else Column.parent_id == parent_id
        return len(self.session.scalars(select(Column.id).where(condition)).all())

    def all_nodes(self) -> list[ColumnNode]:
        return [row.node() for row in self.session.scalars(select(Column))]
