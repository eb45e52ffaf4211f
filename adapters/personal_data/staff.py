"""The security administrator's pages for deletion requests: the list, one request, execute or reject.

Before executing, the page shows what each kind of personal data holds for the account and what
it would keep (the erasure run in a savepoint and undone); executing erases every kind, the
account last, and tells the person what was kept and why. People are shown masked: identifying
them is not needed to decide, since the request was filed from the account itself.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.renderers import render
from pyramid.request import Request
from sqlalchemy import func, select

from adapters.db.orm import User
from adapters.personal_data.orm import PersonalDataRequest
from adapters.personal_data.pages import erase_preview, translate
from adapters.personal_data.service import erase_everything, held_counts, retention_of
from adapters.web.i18n import _
from govcore.notify import notify
from govcore.personal_data import mask_email, mask_name, mask_phone
from govcore.personal_data_requests import (DONE, PENDING, REASON_LIMIT, REJECTED, STATUS_TITLES, RequestError,
                                            check_open, check_rejection, is_overdue)
from ports.notifier import Notification

PAGE_SIZE = 50
HANDLED = "handled"
ACCOUNT_KINDS = {"citizen": _("个人用户"), "enterprise": _("企业用户"), "staff": _("工作人员")}


def _masked(user: User) -> dict[str, str]:
    login = mask_email(user.login) if "@" in user.login else mask_phone(user.login)
    # An enterprise's name is a public fact; a person's is not.
    name = mask_name(user.display_name) if user.kind == "citizen" else user.display_name
    return {"name": name, "login": login, "kind": ACCOUNT_KINDS.get(user.kind, user.kind)}


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def request_list(request: Request) -> dict[str, Any]:
    handled = request.GET.get("view") == HANDLED
    query = select(PersonalDataRequest, User).join(User, User.id == PersonalDataRequest.user_id)
    if handled:
        query = query.where(PersonalDataRequest.status != PENDING)
        before = _int(request.GET.get("before"))
        if before is not None:
            query = query.where(PersonalDataRequest.id < before)
        query = query.order_by(PersonalDataRequest.id.desc())
    else:
        query = query.where(PersonalDataRequest.status == PENDING).order_by(PersonalDataRequest.due_on,
                                                                           PersonalDataRequest.id)
    found = request.dbsession.execute(query.limit(PAGE_SIZE + 1)).all()
    today = request.platform.clock.today()
    rows = [(row, _masked(user), is_overdue(row.status, row.due_on, today)) for row, user in found[:PAGE_SIZE]]
    more = handled and len(found) > PAGE_SIZE
    return {
        "rows": rows, "handled": handled, "statuses": STATUS_TITLES,
        "next_url": request.route_path("personal_data.requests",
                                       _query={"view": HANDLED, "before": rows[-1][0].id}) if more else None,
    }


def render_widget(request: Request) -> str:
    """The dashboard panel: requests waiting, and how many are past their 15 working days."""
    pending = PersonalDataRequest.status == PENDING
    count = request.dbsession.scalar(select(func.count()).select_from(PersonalDataRequest).where(pending))
    overdue = request.dbsession.scalar(select(func.count()).select_from(PersonalDataRequest).where(
        pending, PersonalDataRequest.due_on < request.platform.clock.today()))
    return render("adapters.personal_data:templates/admin_widget.pt", {"pending": count, "overdue": overdue},
                  request=request)


def _row(request: Request, lock: bool = False) -> PersonalDataRequest:
    row = request.dbsession.get(PersonalDataRequest, int(request.matchdict["id"]), with_for_update=lock or None)
    if row is None:
        raise HTTPNotFound()
    return row


def _detail(request: Request, row: PersonalDataRequest, errors: dict[str, str] | None = None,
            reason: str = "") -> dict[str, Any]:
    platform = request.platform
    user = request.dbsession.get(User, row.user_id)
    pending = row.status == PENDING
    if errors:
        request.response.status_int = 400
    handler = request.dbsession.get(User, row.handled_by) if row.handled_by is not None else None
    return {
        "row": row, "person": _masked(user), "statuses": STATUS_TITLES, "pending": pending,
        "overdue": is_overdue(row.status, row.due_on, platform.clock.today()),
        "rules": retention_of(platform),
        "counts": held_counts(platform, request.uow, row.user_id) if pending else {},
        "kept": {entry["kind"]: entry["kept"] for entry in erase_preview(request, row.user_id)} if pending else {},
        "handler": handler.display_name if handler is not None else "",
        "errors": errors or {}, "reason": reason, "reason_limit": REASON_LIMIT,
    }


def request_detail(request: Request) -> dict[str, Any]:
    return _detail(request, _row(request))


def _kept_lines(outcome: list[dict[str, Any]]) -> list[str]:
    return [f"{entry['title']}：{sentence}" for entry in outcome for sentence in entry["kept"]]


def execute(request: Request):
    row = _row(request, lock=True)
    try:
        check_open(row.status)
    except RequestError as exc:
        return _detail(request, row, {"form": translate(request, exc.message)})
    platform = request.platform
    user = request.dbsession.get(User, row.user_id)
    # Read before the erasure clears them: the answer goes to the address the person gave.
    email, name = user.email, user.display_name
    now = platform.clock.now()
    row.outcome = erase_everything(platform, request.uow, row.user_id, now)
    row.status, row.handled_at, row.handled_by, row.note = DONE, now, request.current_user.id, ""
    request.audit("personal_data.request.execute", "personal_data_request", row.id,
                  summary={"user_id": row.user_id, "kept": {entry["kind"]: len(entry["kept"]) for entry in row.outcome}})
    if email:
        kept = "\n".join(f"- {line}" for line in _kept_lines(row.outcome)) or translate(request, _("无"))
        # Mail only: the account is closed, so nobody could read its inbox any more.
        notify(request.uow, platform.mail, Notification(
            recipient_id=row.user_id, email=email, channels=("mail",),
            subject=translate(request, _("${site}：您的个人信息删除申请已办理"), site=platform.county.full_name),
            body=translate(request, _("${name}，您好：\n\n您于 ${filed} 提交的个人信息删除申请已办理完毕。您的账户已注销，"
                                      "不能再登录；依法可以删除的个人信息已删除或匿名化。\n\n"
                                      "依法需要继续保存的信息：\n${kept}\n\n${site}"),
                           name=name, filed=_local_day(request, row), kept=kept, site=platform.county.full_name)))
    request.session.flash(translate(request, _("已执行删除，账户已注销。")), "success")
    return HTTPFound(location=request.route_path("personal_data.request", id=row.id))


def reject(request: Request):
    row = _row(request, lock=True)
    given = request.POST.get("reason", "")
    try:
        reason = check_rejection(row.status, given)
    except RequestError as exc:
        return _detail(request, row, {exc.field or "form": translate(request, exc.message)}, given)
    platform = request.platform
    row.status, row.reason = REJECTED, reason
    row.handled_at, row.handled_by = platform.clock.now(), request.current_user.id
    request.audit("personal_data.request.reject", "personal_data_request", row.id, summary={"user_id": row.user_id})
    user = request.dbsession.get(User, row.user_id)
    notify(request.uow, platform.mail, Notification(
        recipient_id=row.user_id, email=user.email, channels=("inbox", "mail") if user.email else ("inbox",),
        link=request.route_path("personal_data.mine"),
        subject=translate(request, _("您的个人信息删除申请未予删除")),
        body=translate(request, _("${name}，您好：\n\n您于 ${filed} 提交的个人信息删除申请未予删除，理由如下：\n${reason}\n\n"
                                  "您的账户和个人信息保持不变。如有疑问，请与${site}联系。"),
                       name=user.display_name, filed=_local_day(request, row), reason=reason,
                       site=platform.county.full_name)))
    request.session.flash(translate(request, _("已驳回该申请，申请人将收到理由。")), "success")
    return HTTPFound(location=request.route_path("personal_data.request", id=row.id))


def _local_day(request: Request, row: PersonalDataRequest) -> str:
    return row.filed_at.astimezone(request.platform.clock.tz).date().isoformat()
