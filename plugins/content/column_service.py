"""Changing the column tree: adding, batch-adding, moving, reordering, copying and deleting columns.

The rules (no cycles, copy names, outline checks) live in :mod:`plugins.content.domain`; this
module applies them to the database. Sibling positions are renumbered 0, 1, 2 … on every change
so that the order the staff see is the order stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.db.orm import RoleAssignment
from govcore.errors import ValidationError
from plugins.content.domain import (ColumnNode, ColumnSpec, build_tree, check_move, copy_slug, copy_title, path_to,
                                    placed, subtree)
from plugins.content.orm import Column, Item, Placement, SqlColumnRepository, Upload
from plugins.content.plugin import COLUMN_SCOPE
from plugins.content.publishing import column_nodes, search_document
from plugins.content.store import REVISED_FIELDS, ItemStore
from ports.search import SearchDocument

COPY_BATCH = 200
# A copy gets its 索引号 anew when it is published: two items must not share one.
UNCOPIED_FIELDS = {"index_no"}


@dataclass
class Contents:
    """What keeps a column from being deleted."""

    children: int
    items: int
    references: int  # items of other columns shown here too (引用)
    assignments: int  # role assignments limited to this column

    @property
    def empty(self) -> bool:
        return not (self.children or self.items or self.references or self.assignments)


@dataclass
class CopyResult:
    columns: dict[int, Column] = field(default_factory=dict)  # source id -> its copy
    items: list[Item] = field(default_factory=list)
    uploads: int = 0

    @property
    def root(self) -> Column:
        return next(iter(self.columns.values()))


class ColumnService:
    def __init__(self, session: Session, now: dt.datetime, user_id: int | None):
        self.session = session
        self.now = now
        self.user_id = user_id

    # -- reading ----------------------------------------------------------------------------

    def nodes(self) -> dict[int, ColumnNode]:
        """The whole tree as it stands in this transaction, linked (children filled in)."""
        self.session.flush()
        nodes = column_nodes(self.session)
        build_tree(nodes.values())
        return nodes

    def children(self, parent_id: int | None) -> list[Column]:
        condition = Column.parent_id.is_(None) if parent_id is None else Column.parent_id == parent_id
        return list(self.session.scalars(select(Column).where(condition).order_by(Column.position, Column.id)))

    def taken_slugs(self) -> set[str]:
        return set(self.session.scalars(select(Column.slug)))

    def contents(self, column: Column) -> Contents:
        count = func.count()
        return Contents(
            children=self.session.scalar(select(count).select_from(Column).where(Column.parent_id == column.id)),
            items=self.session.scalar(select(count).select_from(Item).where(Item.column_id == column.id)),
            references=self.session.scalar(select(count).select_from(Placement).where(
                Placement.column_id == column.id, Placement.home.is_(False))),
            assignments=self.session.scalar(select(count).select_from(RoleAssignment).where(
                RoleAssignment.scope_type == COLUMN_SCOPE, RoleAssignment.scope_id == column.id)),
        )

    # -- adding -----------------------------------------------------------------------------

    def add(self, parent_id: int | None, spec: ColumnSpec) -> Column:
        """Add one column (and the children of ``spec``) at the end of ``parent_id``'s children."""
        repository = SqlColumnRepository(self)  # it needs only ``.session`` of a unit of work
        node = repository.add(parent_id, spec, len(self.children(parent_id)))
        column = self.session.get(Column, node.id)
        for child in spec.children:
            self.add(column.id, child)
        return column

    # -- moving -----------------------------------------------------------------------------

    def move(self, column: Column, parent_id: int | None, index: int | None = None) -> None:
        """Put the column under ``parent_id`` at ``index`` among its children (the end when None)."""
        nodes = self.nodes()
        check_move(column.id, parent_id, nodes)
        if parent_id != column.parent_id:
            clash = self.session.scalar(select(Column.id).where(
                Column.parent_id.is_(None) if parent_id is None else Column.parent_id == parent_id,
                Column.title == column.title))
            if clash is not None:
                raise ValidationError(f"目标上级栏目下已有名为“{column.title}”的栏目",
                                      f"a sibling is already called {column.title!r}")
            old_parent = column.parent_id
            column.parent_id = parent_id
            self.session.flush()
            self._renumber([sibling.id for sibling in self.children(old_parent)])
        siblings = [sibling.id for sibling in self.children(parent_id)]
        self._renumber(placed(siblings, column.id, index))

    def shift(self, column: Column, step: int) -> bool:
        """Move the column one place up (-1) or down (+1) among its siblings; False at either end."""
        siblings = [sibling.id for sibling in self.children(column.parent_id)]
        index = siblings.index(column.id) + step
        if not 0 <= index < len(siblings):
            return False
        self._renumber(placed(siblings, column.id, index))
        return True

    def _renumber(self, ids: list[int]) -> None:
        columns = {column.id: column for column in self.session.scalars(select(Column).where(Column.id.in_(ids)))}
        for position, column_id in enumerate(ids):
            columns[column_id].position = position
        self.session.flush()

    # -- copying ----------------------------------------------------------------------------

    def copy(self, column: Column, parent_id: int | None, *, with_items: bool, hide: bool) -> CopyResult:
        """Copy the column and everything below it under ``parent_id``; with its items as new drafts.

        Copies get new slugs (``-copy``, ``-copy-2`` …); the top copy's title says （副本）. Items are
        duplicated, never shared: a copy is a draft of its own, with its own upload rows for the
        same stored files, to be reviewed and published like any new item.
        """
        nodes = self.nodes()
        if parent_id is not None and parent_id not in nodes:
            raise ValidationError("目标上级栏目不存在", f"no column {parent_id}")
        taken = self.taken_slugs()
        sibling_titles = {sibling.title for sibling in self.children(parent_id)}
        title = copy_title(column.title, sibling_titles)
        result = CopyResult()
        sources = {row.id: row for row in self.session.scalars(
            select(Column).where(Column.id.in_([node.id for node in subtree(nodes[column.id])])))}
        for node in subtree(nodes[column.id]):
            source = sources[node.id]
            top = node.id == column.id
            slug = copy_slug(source.slug, taken)
            taken.add(slug)
            copy = Column(
                parent_id=parent_id if top else result.columns[source.parent_id].id,
                title=title if top else source.title, slug=slug, kind=source.kind,
                position=len(sibling_titles) if top else source.position,
                hidden=(hide or source.hidden) if top else source.hidden, description=source.description,
                template=source.template, workflow_key=source.workflow_key,
                comments_enabled=source.comments_enabled, link_url=source.link_url)
            self.session.add(copy)
            self.session.flush()
            result.columns[source.id] = copy
        if with_items:
            self._copy_items(result)
        return result

    def _copy_items(self, result: CopyResult) -> None:
        store = ItemStore(self.session, self.now)
        source_ids = list(result.columns)
        last_id = 0
        while True:
            batch = list(self.session.scalars(select(Item).where(Item.column_id.in_(source_ids), Item.id > last_id)
                                              .order_by(Item.id).limit(COPY_BATCH)))
            if not batch:
                return
            uploads: dict[int, list[Upload]] = {}
            for upload in self.session.scalars(select(Upload).where(Upload.item_id.in_([i.id for i in batch]))
                                               .order_by(Upload.id)):
                uploads.setdefault(upload.item_id, []).append(upload)
            for item in batch:
                values = {name: getattr(item, name) for name in REVISED_FIELDS
                          if name not in UNCOPIED_FIELDS and name != "type"}
                values["fields"] = dict(item.fields or {})
                copy = store.create(column_id=result.columns[item.column_id].id, type=item.type, title=item.title,
                                    user_id=self.user_id, body=item.body or "", **values)
                for upload in uploads.get(item.id, ()):
                    self.session.add(Upload(blob_key=upload.blob_key, filename=upload.filename,
                                            media_type=upload.media_type, size=upload.size, item_id=copy.id,
                                            attachment=upload.attachment, position=upload.position,
                                            uploaded_by=upload.uploaded_by, uploaded_at=upload.uploaded_at))
                    result.uploads += 1
                result.items.append(copy)
            last_id = batch[-1].id

    # -- deleting ---------------------------------------------------------------------------

    def delete(self, column: Column) -> Contents:
        """Delete an empty column; otherwise raise, saying what it still holds."""
        contents = self.contents(column)
        if not contents.empty:
            raise ValidationError("栏目不是空的", f"column {column.id} is not empty")
        parent_id = column.parent_id
        self.session.delete(column)
        self.session.flush()
        self._renumber([sibling.id for sibling in self.children(parent_id)])
        return contents

    # -- search -----------------------------------------------------------------------------

    def documents(self, column_ids: set[int]) -> tuple[list[SearchDocument], list[str]]:
        """The search entries of these columns and of the items whose home they are, as they stand now.

        Returns the documents to index and the ids to delete (columns hidden on the portal, by
        themselves or through a column above them).
        """
        nodes = self.nodes()
        index: list[SearchDocument] = []
        remove: list[str] = []
        for column_id in column_ids:
            node = nodes[column_id]
            document = column_document(node)
            if any(n.hidden for n in path_to(node.id, nodes)):
                remove.append(document.doc_id)
            else:
                index.append(document)
        last_id = 0
        while column_ids:
            batch = list(self.session.scalars(select(Item).where(Item.column_id.in_(column_ids), Item.id > last_id)
                                              .order_by(Item.id).limit(COPY_BATCH)))
            if not batch:
                break
            index.extend(search_document(self.session, item, nodes) for item in batch)
            last_id = batch[-1].id
        return index, remove


def column_document(node: ColumnNode | Column) -> SearchDocument:
    """The column's entry in the search index, as ``govcore_search_documents`` builds it."""
    return SearchDocument(doc_id=f"content:column:{node.id}", kind="column", title=node.title,
                          body=node.title, url=f"/column/{node.slug}")
