"""The content plugin's documents for ``govcore search reindex``: every item, streamed in batches."""

from __future__ import annotations

from typing import Iterator

from sqlalchemy import select

from plugins.content.orm import Item
from plugins.content.publishing import column_nodes, search_document
from ports.search import SearchDocument

BATCH = 1000


def item_documents(uow) -> Iterator[SearchDocument]:
    """Every item, archived ones included (the staff search finds them), by keyset over the id."""
    session = uow.session
    nodes = column_nodes(session)
    last_id = 0
    while True:
        batch = session.scalars(select(Item).where(Item.id > last_id).order_by(Item.id).limit(BATCH)).all()
        if not batch:
            return
        for item in batch:
            yield search_document(session, item, nodes)
        last_id = batch[-1].id
        session.expunge_all()  # keep memory flat over a hundred thousand items
