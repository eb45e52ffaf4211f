"""The content plugin's tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        select)
from sqlalchemy.orm import Mapped, Session, mapped_column

from adapters.db.meta import Base
from adapters.db.types import UtcDateTime
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
    # Per-column settings: how the portal shows it, which review procedure its items go through
    # ("" publishes on submission), whether visitors may comment, and where a link column points.
    template: Mapped[str] = mapped_column(String(64), default="")
    workflow_key: Mapped[str] = mapped_column(String(100), default="content.article_review")
    comments_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    link_url: Mapped[str] = mapped_column(String(500), default="")

    def node(self) -> ColumnNode:
        return ColumnNode(self.id, self.parent_id, self.title, self.slug, self.kind, self.position, self.hidden,
                          self.template, self.link_url)


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
            # A stable address for columns created without one; someone may have chosen "c<id>" by hand.
            taken = set(self.session.scalars(select(Column.slug).where(Column.slug.like(f"c{row.id}%"))))
            row.slug = next(slug for slug in (f"c{row.id}", *(f"c{row.id}-{n}" for n in range(2, len(taken) + 3)))
                            if slug not in taken)
            self.session.flush()
        return row.node()

    def child_count(self, parent_id: int | None) -> int:
        condition = Column.parent_id.is_(None) if parent_id is None else Column.parent_id == parent_id
        return len(self.session.scalars(select(Column.id).where(condition)).all())

    def all_nodes(self) -> list[ColumnNode]:
        return [row.node() for row in self.session.scalars(select(Column))]


class Item(Base):
    """A piece of content (article, notice, picture story, video, link, single page), stored once.

    ``column_id`` is its home column; further columns that show it (引用) are placements. The
    disclosure fields (政务公开) are columns rather than JSON because the catalogue filters and sorts
    by them. ``fields`` holds the values of the county's own fields from county.toml.
    """

    __tablename__ = "content_item"
    __table_args__ = (
        Index("ix_content_item_status_updated", "status", "updated_at"),
        Index("ix_content_item_disclosure", "issuing_org", "theme", "published_at"),
        Index("ix_content_item_updated", "updated_at", "id"),  # the staff list, newest change first
        Index("ix_content_item_headlines", "pinned", "status", "published_at"),  # the home page carousel
        Index("ix_content_item_type_status", "type", "status", "published_at"),  # notices on the home page
        Index("ix_content_item_published", "status", "published_at", "id"),  # the disclosure catalogue
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("content_column.id", ondelete="RESTRICT"), index=True)
    type: Mapped[str] = mapped_column(String(32), default="article")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    cover_key: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    author: Mapped[str] = mapped_column(String(100), default="")
    link_url: Mapped[str] = mapped_column(String(500), default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # the date shown and sorted by
    publish_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # scheduled publication
    unpublish_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # scheduled withdrawal
    expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # archived by rule after this
    archived_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    archived_from: Mapped[str] = mapped_column(String(16), default="")  # the status a restore returns to
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the review case, while there is one
    lock_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    lock_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # 政务公开
    index_no: Mapped[str] = mapped_column(String(64), default="", index=True)  # 索引号
    doc_number: Mapped[str] = mapped_column(String(100), default="")  # 发文字号
    issuing_org: Mapped[str] = mapped_column(String(100), default="")  # 发布机构
    written_on: Mapped[dt.date | None] = mapped_column(Date)  # 成文日期
    theme: Mapped[str] = mapped_column(String(50), default="")  # 主题分类
    disclosure_mode: Mapped[str] = mapped_column(String(20), default="")  # 公开方式
    validity: Mapped[str] = mapped_column(String(20), default="")  # 有效性


class Placement(Base):
    """An item shown in a column: its home column and each further one (引用).

    The listing order (pinned first, then newest) is copied here from the item so that a column
    page is one index range scan however long the column has been published: keyset pagination on
    ``(column_id, public, pinned, published_at, item_id)``.
    """

    __tablename__ = "content_placement"
    __table_args__ = (
        Index("ix_content_placement_listing", "column_id", "public", "pinned", "published_at", "item_id"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("content_item.id", ondelete="CASCADE"), primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("content_column.id", ondelete="CASCADE"), primary_key=True)
    home: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Upload(Base):
    """A file in the blob store that an editor uploaded: an image, audio, video or an attachment.

    ``item_id`` is set once the item that uses it is saved; ``attachment`` marks the files listed
    under the item (images and media inside the body are not listed).
    """

    __tablename__ = "content_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    blob_key: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("content_item.id", ondelete="SET NULL"), index=True)
    attachment: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Revision(Base):
    """A saved state of an item: every save, each publication, and one autosave per person."""

    __tablename__ = "content_revision"
    __table_args__ = (Index("ix_content_revision_item", "item_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_item.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 0 for an autosave, else 1, 2, … per item
    kind: Mapped[str] = mapped_column(String(16))  # save, publish, restore, autosave
    saved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the other editable fields
    note: Mapped[str] = mapped_column(String(200), default="")


class Topic(Base):
    """信息专题: gathers items from any columns on a page of its own, in sections."""

    __tablename__ = "content_topic"
    __table_args__ = (UniqueConstraint("slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    banner_key: Mapped[str] = mapped_column(String(64), default="")
    layout: Mapped[str] = mapped_column(String(32), default="sections")  # sections, list
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class TopicSection(Base):
    __tablename__ = "content_topic_section"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("content_topic.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class TopicItem(Base):
    __tablename__ = "content_topic_item"
    __table_args__ = (Index("ix_content_topic_item_item", "item_id"),)

    topic_id: Mapped[int] = mapped_column(ForeignKey("content_topic.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_item.id", ondelete="CASCADE"), primary_key=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("content_topic_section.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class IndexCounter(Base):
    """The last 索引号 sequence number per organisation and year, taken under a row lock."""

    __tablename__ = "content_index_counter"

    scope: Mapped[str] = mapped_column(String(150), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class PortalState(Base):
    """One row: the generation of what anonymous visitors see, bumped by every change that shows.

    Cached portal pages and their ETags carry the generation, so a publication anywhere empties
    every worker's cache without the workers talking to each other.
    """

    __tablename__ = "content_portal_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
