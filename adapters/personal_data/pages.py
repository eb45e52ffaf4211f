"""What the citizen's page and the staff pages share."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from sqlalchemy import select

from adapters.personal_data.orm import PersonalDataRequest
from adapters.personal_data.service import preview_erase
from adapters.web.i18n import _

SAFE_METHODS = frozenset({"GET", "HEAD"})


def translate(request: Request, text: str, **mapping) -> str:
    return request.localizer.translate(_(text, mapping=mapping or None))


def erase_preview(request: Request, user_id: int) -> list[dict[str, Any]]:
    """What executing a deletion request would keep, per kind, changing nothing.

    On SQLite a GET request's transaction, begun for reading, cannot start writing once it has
    read, so a page shown by GET previews in a transaction of its own; a form shown again after
    a POST uses the request's own, which already writes (a second one would wait for it).
    """
    platform = request.platform
    if request.method in SAFE_METHODS:
        with platform.unit_of_work() as uow:
            return preview_erase(platform, uow, user_id)
    return preview_erase(platform, request.uow, user_id)


def latest_request(request: Request, user_id: int) -> PersonalDataRequest | None:
    return request.dbsession.scalar(select(PersonalDataRequest).where(PersonalDataRequest.user_id == user_id)
                                    .order_by(PersonalDataRequest.id.desc()).limit(1))
