"""One's own personal data: what the county holds, the download, and the request to delete it.

Every signed-in account sees and downloads what it holds; citizens and enterprises may ask for
deletion, after typing their password again (a session left open on a shared computer must not
be enough to close somebody's account).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import func, select

from adapters.personal_data.orm import PersonalDataRequest
from adapters.personal_data.pages import erase_preview, latest_request, translate
from adapters.personal_data.service import export_document, held_counts, retention_of
from adapters.web.i18n import _
from adapters.web.ratelimit import client_address
from adapters.web.views.auth import LOGIN_RULE
from govcore.audit import FAILURE
from govcore.personal_data_requests import (ANSWER_WORKING_DAYS, NOTE_LIMIT, PENDING, STAFF_KIND, STATUS_TITLES,
                                            RequestError, check_filing, due_date)

EXPORT_ACTION = "personal_data.export"
FILE_ACTION = "personal_data.request.file"


def _page(request: Request, errors: dict[str, str] | None = None, note: str = "") -> dict[str, Any]:
    user = request.current_user
    platform = request.platform
    request.response.cache_control = "no-store"  # the page lists the person's own data
    if errors:
        request.response.status_int = 400
    latest = latest_request(request, user.id)
    staff = user.kind == STAFF_KIND
    pending = latest is not None and latest.status == PENDING
    return {
        "rules": retention_of(platform),
        "counts": held_counts(platform, request.uow, user.id),
        "latest": latest,
        "statuses": STATUS_TITLES,
        "staff": staff,
        "may_file": not staff and not pending,
        "preview": [] if staff else erase_preview(request, user.id),
        "errors": errors or {},
        "note": note,
        "note_limit": NOTE_LIMIT,
        "working_days": ANSWER_WORKING_DAYS,
    }


def my_personal_data(request: Request) -> dict[str, Any]:
    return _page(request)


def _json_value(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def download(request: Request) -> Response:
    """Every kind's records as one readable JSON file (个人信息保护法第四十五条: 查阅、复制)."""
    user = request.current_user
    document = export_document(request.platform, request.uow, user.id)
    body = json.dumps(document, ensure_ascii=False, indent=2, default=_json_value)
    request.audit(EXPORT_ACTION, "user", user.id,
                  summary={"records": {part["类别代码"]: len(part["记录"]) for part in document["个人信息"]}})
    today = request.platform.clock.today().isoformat()
    response = Response(body=body.encode("utf-8"))
    # Named explicitly: WebOb leaves the charset off JSON, and some browsers then guess another one.
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"personal-data-{today}.json\"; filename*=UTF-8''{quote(f'个人信息-{today}.json')}")
    response.cache_control = "private, no-store"
    return response


def file_deletion_request(request: Request):
    user = request.current_user
    platform = request.platform
    note = request.POST.get("note", "")
    address = client_address(request)
    # The password field is one more place to guess passwords at: the sign-in form's limit applies.
    request.rate_limits.check(LOGIN_RULE, address)
    pending = request.dbsession.scalar(select(func.count()).select_from(PersonalDataRequest).where(
        PersonalDataRequest.user_id == user.id, PersonalDataRequest.status == PENDING))
    try:
        note = check_filing(user.kind, bool(pending), note)
        if request.POST.get("confirm") != "1":
            raise RequestError(_("请确认您已了解删除的后果"), "confirm")
        if not platform.extras["passwords"].verify(user.password_hash, request.POST.get("password", "")):
            request.rate_limits.hit(LOGIN_RULE, address)
            raise RequestError(_("密码不正确"), "password")
    except RequestError as exc:
        request.audit(FILE_ACTION, "user", user.id, summary={"refused": exc.field or "state"}, result=FAILURE)
        return _page(request, {exc.field or "form": translate(request, exc.message)}, note)
    now = platform.clock.now()
    row = PersonalDataRequest(user_id=user.id, status=PENDING, note=note, filed_at=now,
                              due_on=due_date(platform.calendar, platform.clock.today()), reason="", outcome=[])
    request.dbsession.add(row)
    request.dbsession.flush()
    request.audit(FILE_ACTION, "personal_data_request", row.id, summary={"due_on": row.due_on.isoformat()})
    request.session.flash(translate(request, _("删除申请已提交，我们将在 ${due} 前办理并通知您。"),
                                    due=row.due_on.isoformat()), "success")
    return HTTPFound(location=request.route_path("personal_data.mine"))
