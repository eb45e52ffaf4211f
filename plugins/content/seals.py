"""Seals of 政务公开 items (see :mod:`govcore.integrity`): what the county published, as published.

An item with a 索引号 is sealed when it is published. Once sealed, every change the application
makes to it (an edit of the published text, a re-publication after edits) seals it again as the
next version, in the same transaction: a change made behind the application's back is then the
only kind no seal covers, and ``govcore integrity verify`` reports it.

Cheap to import (the plugin module imports the hook from here): the tables are imported inside.
"""

from __future__ import annotations

from typing import Any

from govcore.contributions import SealKind
from govcore.hashchain import moment
from govcore.i18n import _
from govcore.integrity import SealLedger, reseal

DISCLOSURE_SEAL = "content.disclosure"


def disclosure_payload(session, item) -> dict[str, Any]:
    """The sealed content: the text, the catalogue fields, the county's own fields and the attachments."""
    from sqlalchemy import select

    from plugins.content.orm import Upload

    attachments = session.execute(select(Upload.blob_key, Upload.filename).where(
        Upload.item_id == item.id, Upload.attachment.is_(True)).order_by(Upload.position, Upload.id)).all()
    return {
        "item": item.id, "title": item.title, "subtitle": item.subtitle, "summary": item.summary, "body": item.body,
        "index_no": item.index_no, "issuing_org": item.issuing_org, "doc_number": item.doc_number,
        "written_on": item.written_on.isoformat() if item.written_on else None, "theme": item.theme,
        "disclosure_mode": item.disclosure_mode, "validity": item.validity, "fields": item.fields or {},
        "published_at": moment(item.published_at),
        "attachments": [[key, filename] for key, filename in attachments],
    }


def stored_disclosure_payload(uow, record_id: str) -> dict[str, Any] | None:
    from plugins.content.orm import Item

    item = uow.session.get(Item, int(record_id)) if record_id.isdigit() else None
    return disclosure_payload(uow.session, item) if item is not None else None


def seal_disclosure(uow, item) -> None:
    """Seal a published 政务公开 item, or an item sealed before, if its content changed since its last seal.

    The seal names the person who last changed the item (who published it, or who scheduled it
    when the scheduler publishes).
    """
    from plugins.content.items import PUBLISHED

    ledger = uow.repository(SealLedger)
    key = str(item.id)
    if (item.index_no and item.status == PUBLISHED) or ledger.latest(DISCLOSURE_SEAL, key) is not None:
        reseal(ledger, DISCLOSURE_SEAL, key, disclosure_payload(uow.session, item), item.updated_by)


def fingerprint(uow, item) -> str:
    """The hash of a published 政务公开 item's latest seal, shown on its page ("" for other items)."""
    if not item.index_no:
        return ""
    seal = uow.repository(SealLedger).latest(DISCLOSURE_SEAL, str(item.id))
    return seal.hash if seal is not None else ""


def seal_kinds() -> list[SealKind]:
    return [SealKind(DISCLOSURE_SEAL, _("主动公开的政务公开信息"), stored_disclosure_payload)]
