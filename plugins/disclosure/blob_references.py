"""The blobs the disclosure plugin's records refer to: replies' files and applicants' attachments."""

from __future__ import annotations

from typing import Iterator



def referenced_blobs(uow) -> Iterator[str]:
    from sqlalchemy import select

    from plugins.disclosure.attachments import DisclosureAttachment
    from plugins.disclosure.orm import DisclosureRequest

    session = uow.session
    yield from session.scalars(select(DisclosureRequest.reply_blob_key)
                               .where(DisclosureRequest.reply_blob_key != "").distinct())
    yield from session.scalars(select(DisclosureAttachment.blob_key).distinct())
