"""Seals of the replies to 依申请公开 requests (see :mod:`govcore.integrity`).

A reply is the county's final answer to a request and is never edited: it is sealed once, when
the officer gives it, in the same transaction. The seal covers the reply, not the applicant's
personal data, which is anonymised when its retention period ends.

Cheap to import (the plugin module imports the hook from here): the tables are imported inside.
"""

from __future__ import annotations

from typing import Any

from govcore.contributions import SealKind
from govcore.hashchain import moment
from govcore.i18n import _

REPLY_SEAL = "disclosure.reply"


def reply_payload(row) -> dict[str, Any]:
    """What a reply's seal covers: the request's number, the reply, and the file sent with it."""
    return {
        "tracking_no": row.tracking_no, "reply_type": row.reply_type, "ground": row.reply_ground,
        "authority": row.reply_authority, "text": row.reply_text, "blob_key": row.reply_blob_key,
        "filename": row.reply_filename, "replied_at": moment(row.replied_at),
    }


def stored_reply_payload(uow, record_id: str) -> dict[str, Any] | None:
    from plugins.disclosure.orm import DisclosureRequest

    row = uow.session.get(DisclosureRequest, int(record_id)) if record_id.isdigit() else None
    return reply_payload(row) if row is not None else None


def seal_kinds() -> list[SealKind]:
    return [SealKind(REPLY_SEAL, _("依申请公开答复"), stored_reply_payload)]
