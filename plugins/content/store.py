"""Items in the database: saving with revisions, placements in columns, listings, 索引号 counters.

Every change that alters what the portal shows goes through :meth:`ItemStore.sync_placements`, so
the listing rows (``content_placement``) cannot drift from the items they list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from sqlalchemy import and_, delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, defer

from plugins.content.items import PUBLISHED, ListingCursor, format_index_number, index_scope
from plugins.content.orm import Column, IndexCounter, Item, Placement, Revision, Upload

# What a revision records besides title and body: everything an editor can change in the form.
REVISED_FIELDS = ("subtitle", "summary", "cover_key", "source", "author", "link_url", "keywords", "fields", "type",
                  "index_no", "doc_number", "issuing_org", "written_on", "theme", "disclosure_mode", "validity")
AUTOSAVE = "autosave"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


class ItemStore:
    def __init__(self, session: Session, now: dt.datetime):
        self.session = session
        self.now = now

    # -- reading ----------------------------------------------------------------------------

    def get(self, item_id: int) -> Item | None:
        return self.session.get(Item, item_id)

    def columns_of(self, item: Item) -> list[int]:
        """The item's further columns (引用), in id order; the home column is ``item.column_id``."""
        return list(self.session.scalars(select(Placement.column_id).where(
            Placement.item_id == item.id, Placement.home.is_(False)).order_by(Placement.column_id)))

    def listing(self, column_id: int, after: ListingCursor | None, size: int) -> tuple[list[Item], ListingCursor | None]:
        """One page of a column's public items, pinned first then newest, and the cursor of the next page."""
        order = (Placement.pinned.desc(), Placement.published_at.desc(), Placement.item_id.desc())
        query = select(Placement.item_id, Placement.pinned, Placement.published_at).where(
            Placement.column_id == column_id, Placement.public.is_(True))
        if after is not None:
            later = tuple_(Placement.published_at, Placement.item_id) < tuple_(after.published_at, after.item_id)
            if after.pinned:
                query = query.where(or_(Placement.pinned.is_(False), and_(Placement.pinned.is_(True), later)))
            else:
                query = query.where(Placement.pinned.is_(False), later)
        rows = self.session.execute(query.order_by(*order).limit(size + 1)).all()
        page = rows[:size]
        # Lists show titles and summaries: the bodies stay in the database unless a page asks.
        items_by_id = {item.id: item for item in self.session.scalars(
            select(Item).options(defer(Item.body), defer(Item.fields))
            .where(Item.id.in_([row.item_id for row in page])))} if page else {}
        items = [items_by_id[row.item_id] for row in page]
        last = page[-1] if len(rows) > size else None
        return items, (ListingCursor(last.pinned, last.published_at, last.item_id) if last else None)

    def public_count(self, column_id: int) -> int:
        return self.session.scalar(select(func.count()).select_from(Placement).where(
            Placement.column_id == column_id, Placement.public.is_(True))) or 0

    def revisions(self, item_id: int) -> list[Revision]:
        return list(self.session.scalars(select(Revision).where(
            Revision.item_id == item_id, Revision.kind != AUTOSAVE).order_by(Revision.number.desc())))

    def autosave_of(self, item_id: int, user_id: int) -> Revision | None:
        return self.session.scalar(select(Revision).where(
            Revision.item_id == item_id, Revision.kind == AUTOSAVE, Revision.saved_by == user_id))

    def attachments(self, item_id: int) -> list[Upload]:
        return list(self.session.scalars(select(Upload).where(
            Upload.item_id == item_id, Upload.attachment.is_(True)).order_by(Upload.position, Upload.id)))

    # -- writing ----------------------------------------------------------------------------

    def create(self, *, column_id: int, type: str, title: str, user_id: int | None, **values: Any) -> Item:
        item = Item(column_id=column_id, type=type, title=title, status="draft", fields={}, created_at=self.now,
                    updated_at=self.now, created_by=user_id, updated_by=user_id, version=1, pinned=False)
        for name, value in values.items():
            setattr(item, name, value)
        self.session.add(item)
        self.session.flush()
        self.session.add(Placement(item_id=item.id, column_id=column_id, home=True, public=False,
                                   pinned=False, published_at=None))
        self._revision(item, "save", user_id, "新建")
        self.sync_placements(item)
        return item

    def update(self, item: Item, values: dict[str, Any], user_id: int | None, note: str = "",
               kind: str = "save") -> None:
        """Apply an editor's changes, bump the version, and record a revision if anything changed."""
        changed = {name: value for name, value in values.items() if getattr(item, name) != value}
        if not changed:
            return
        if "column_id" in changed:
            self.session.execute(delete(Placement).where(Placement.item_id == item.id, Placement.home.is_(True)))
            self.session.execute(delete(Placement).where(Placement.item_id == item.id,
                                                         Placement.column_id == changed["column_id"]))
            self.session.add(Placement(item_id=item.id, column_id=changed["column_id"], home=True, public=False))
        for name, value in changed.items():
            setattr(item, name, value)
        item.updated_at, item.updated_by = self.now, user_id
        item.version += 1
        if changed.keys() & {"title", "body", *REVISED_FIELDS}:
            self._revision(item, kind, user_id, note)
        self.session.execute(delete(Revision).where(Revision.item_id == item.id, Revision.kind == AUTOSAVE,
                                                    Revision.saved_by == user_id))
        self.sync_placements(item)

    def set_extra_columns(self, item: Item, column_ids: Iterable[int]) -> None:
        """Show the item in these further columns too (引用); it stays stored once."""
        wanted = set(column_ids) - {item.column_id}
        current = set(self.columns_of(item))
        if current - wanted:
            self.session.execute(delete(Placement).where(Placement.item_id == item.id, Placement.home.is_(False),
                                                         Placement.column_id.in_(current - wanted)))
        for column_id in sorted(wanted - current):
            self.session.add(Placement(item_id=item.id, column_id=column_id, home=False, public=False))
        self.session.flush()
        self.sync_placements(item)

    def set_status(self, item: Item, status: str, user_id: int | None = None) -> None:
        item.status = status
        if status == PUBLISHED and item.published_at is None:
            item.published_at = self.now
        item.updated_at, item.updated_by = self.now, user_id if user_id is not None else item.updated_by
        item.version += 1
        self.sync_placements(item)

    def sync_placements(self, item: Item) -> None:
        self.session.flush()
        self.session.execute(update(Placement).where(Placement.item_id == item.id).values(
            public=item.status == PUBLISHED, pinned=item.pinned, published_at=item.published_at or item.created_at))

    def autosave(self, item: Item, user_id: int, title: str, body: str, data: dict[str, Any]) -> Revision:
        """Keep one autosave per person and item, replaced each time, until the person saves."""
        revision = self.autosave_of(item.id, user_id)
        if revision is None:
            revision = Revision(item_id=item.id, number=0, kind=AUTOSAVE, saved_by=user_id, note="")
            self.session.add(revision)
        revision.saved_at, revision.title, revision.body, revision.data = self.now, title, body, data
        self.session.flush()
        return revision

    def record_revision(self, item: Item, kind: str, user_id: int | None, note: str = "") -> Revision:
        return self._revision(item, kind, user_id, note)

    def _revision(self, item: Item, kind: str, user_id: int | None, note: str) -> Revision:
        last = self.session.scalar(select(func.max(Revision.number)).where(Revision.item_id == item.id)) or 0
        revision = Revision(item_id=item.id, number=last + 1, kind=kind, saved_at=self.now, saved_by=user_id,
                            title=item.title, body=item.body or "", note=note,
                            data={name: _plain(getattr(item, name)) for name in REVISED_FIELDS})
        self.session.add(revision)
        self.session.flush()
        return revision

    def claim_uploads(self, item: Item, upload_ids: Iterable[int], attachment_ids: Iterable[int]) -> None:
        """Tie the files the body and the attachment list use to the item; attachments keep the given order."""
        attachment_order = {upload_id: position for position, upload_id in enumerate(attachment_ids)}
        ids = set(upload_ids) | set(attachment_order)
        self.session.execute(update(Upload).where(Upload.item_id == item.id, Upload.id.not_in(ids) if ids else True)
                             .values(attachment=False))
        for upload in self.session.scalars(select(Upload).where(Upload.id.in_(ids))) if ids else ():
            if upload.item_id not in (None, item.id):
                continue  # another item's file: reusing it in this body is fine, stealing it is not
            upload.item_id = item.id
            upload.attachment = upload.id in attachment_order
            upload.position = attachment_order.get(upload.id, 0)

    def next_index_number(self, pattern: str, *, org: str, year: int, theme: str) -> str:
        """Take the next 索引号 for this organisation, year and theme; the counter row serialises takers."""
        scope = index_scope(pattern, org=org, year=year, theme=theme)
        counter = self.session.get(IndexCounter, scope, with_for_update=True)
        if counter is None:
            counter = IndexCounter(scope=scope, last=0)
            self.session.add(counter)
        counter.last += 1
        self.session.flush()
        return format_index_number(pattern, org=org, year=year, theme=theme, seq=counter.last)

    def column(self, column_id: int) -> Column | None:
        return self.session.get(Column, column_id)
