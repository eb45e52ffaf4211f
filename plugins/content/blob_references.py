"""The blobs the content plugin's records refer to, so the orphan sweep keeps them.

Every file content stores gets a ``content_upload`` row in the same transaction (editors'
uploads, topic banners, the demo's cover), and those rows are never deleted. Items, their
revisions and topics name blobs too — covers, banners, file and picture fields, links in bodies —
and are read as well, so that a blob stays while anything could show it again (a revision can be
restored).
"""

from __future__ import annotations

from typing import Iterator


FILE_FIELD_KINDS = ("file", "image")
BATCH = 1000


def referenced_blobs(uow) -> Iterator[str]:
    from sqlalchemy import select

    from plugins.content.orm import Item, Revision, Topic, Upload
    from plugins.content.sanitize import used_uploads

    session = uow.session
    yield from session.scalars(select(Upload.blob_key).distinct())
    yield from session.scalars(select(Item.cover_key).where(Item.cover_key != "").distinct())
    yield from session.scalars(select(Topic.banner_key).where(Topic.banner_key != "").distinct())
    for table in (Item, Revision):
        linked = select(table.body).where(table.body.contains("/files/")).execution_options(yield_per=BATCH)
        for body in session.scalars(linked):
            yield from used_uploads(body)
    file_fields = _file_fields(uow.platform.content_types)
    if file_fields:
        for fields in session.scalars(select(Item.fields).execution_options(yield_per=BATCH)):
            yield from _field_keys(fields, file_fields)
    for data in session.scalars(select(Revision.data).execution_options(yield_per=BATCH)):
        data = data or {}
        yield data.get("cover_key") or ""
        yield from _field_keys(data.get("fields"), file_fields)


def _file_fields(content_types: dict) -> set[str]:
    """The names of the county's file and picture fields, over every content type."""
    return {spec.name for content_type in content_types.values() for spec in content_type.fields
            if spec.kind in FILE_FIELD_KINDS}


def _field_keys(fields, names: set[str]) -> Iterator[str]:
    if isinstance(fields, dict):
        for name in names:
            value = fields.get(name)
            if isinstance(value, str) and value:
                yield value
