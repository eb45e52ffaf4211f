"""The disclosure office's pages: the request list, a request with its timeline, and the actions.

Lists and the detail page show the applicant's personal data masked. Who holds 查看完整个人信息
asks for it in full on the detail page (a POST, with an optional reason); it is shown for that
page view only, and each full view is audited with the fields shown, never their values.
"""

from __future__ import annotations

import io
import os
import re
import zipfile

from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.request import Request
from sqlalchemy import select

from adapters.db.orm import User
from adapters.web.i18n import _
from govcore.core_plugin import PERSONAL_DATA_VIEW_FULL
from plugins.disclosure.attachments import DisclosureAttachment, attachments_of
from plugins.disclosure.desk import Attachment
from plugins.disclosure.domain import (APPLICANT_TYPES, DELIVERY_METHODS, GROUNDS, MAX_ATTACHMENT_BYTES,
                                       MAX_EXTENSION_DAYS, OPEN_STATUSES, REPLY_TYPES, STATUS_TITLES, DisclosureError,
                                       attachment_kind, check_reply, ground_title)
from plugins.disclosure.orm import DisclosureRequest
from plugins.disclosure.plugin import REQUESTS_HANDLE, REQUESTS_VIEW
from plugins.disclosure.web import blob_download, deadline_facts, desk, file_response, tell_applicant, translate

ACTIONS = ("accept", "clarify", "extend", "reply", "close")
EVENT_TITLES = {
    "filed": _("提交申请"),
    "accepted": _("受理"),
    "clarification_requested": _("要求补正"),
    "clarification_supplied": _("申请人补正"),
    "extended": _("延长答复期限"),
    "replied": _("答复"),
    "closed": _("办结"),
}
NOTE_LIMIT = 2000
REASON_LIMIT = 200  # the reason given for a full view of personal data


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def request_list(request: Request) -> dict:
    status = request.GET.get("status", "")
    status = status if status in STATUS_TITLES else ""
    overdue = request.GET.get("overdue") == "1"
    rows, next_before = desk(request).listing(status, overdue, _int(request.GET.get("before")))
    return {
        "rows": [(row, row.applicant().masked(), deadline_facts(request, row)) for row in rows],
        "status": status, "overdue": overdue, "statuses": STATUS_TITLES, "applicant_types": APPLICANT_TYPES,
        "next_url": request.route_path("disclosure.admin_requests", _query={
            **({"status": status} if status else {}), **({"overdue": "1"} if overdue else {}),
            "before": next_before}) if next_before else None,
        "first_url": request.route_path("disclosure.admin_requests", _query={
            **({"status": status} if status else {}), **({"overdue": "1"} if overdue else {})})
        if request.GET.get("before") else None,
    }


def _row(request: Request, lock: bool = False) -> DisclosureRequest:
    row = desk(request).get(int(request.matchdict["id"]), lock=lock)
    if row is None:
        raise HTTPNotFound()
    return row


def _detail(request: Request, row: DisclosureRequest, errors: dict | None = None, values: dict | None = None,
            full_view: bool = False) -> dict:
    events = desk(request).events(row)
    user_ids = {event.actor_id for event in events} | {row.extended_by, row.replied_by}
    names = dict(request.dbsession.execute(select(User.id, User.display_name).where(
        User.id.in_([uid for uid in user_ids if uid is not None]))).all())
    applicant = row.applicant() if full_view else row.applicant().masked()
    return {
        "row": row, "applicant": applicant, "handles": bool(request.has_permission(REQUESTS_HANDLE)),
        "full_view": full_view, "may_view_full": bool(request.has_permission(PERSONAL_DATA_VIEW_FULL)),
        "reason_limit": REASON_LIMIT, "events": events, "names": names,
        "event_titles": EVENT_TITLES, "statuses": STATUS_TITLES, "applicant_types": APPLICANT_TYPES,
        "deliveries": DELIVERY_METHODS, "reply_types": REPLY_TYPES, "grounds": GROUNDS,
        "reply_title": REPLY_TYPES.get(row.reply_type, ""), "ground": ground_title(row.reply_type, row.reply_ground),
        "deadline": deadline_facts(request, row), "max_extension": MAX_EXTENSION_DAYS,
        "open": row.status in OPEN_STATUSES, "errors": errors or {}, "values": values or {},
        "attachments": attachments_of(request.dbsession, row.id),
    }


def request_detail(request: Request) -> dict:
    return _detail(request, _row(request))


def request_personal_data(request: Request) -> dict:
    """The applicant's personal data in full, for this page view only; the view is audited."""
    if not request.has_permission(REQUESTS_VIEW):
        raise HTTPForbidden()
    row = _row(request)
    reason = request.POST.get("reason", "").strip()
    if len(reason) > REASON_LIMIT:
        request.response.status_int = 400
        return _detail(request, row, {"full_view": translate(request, _("查看事由不能超过 200 个字"))},
                       {"reason": reason})
    request.audit("personal_data.view_full", "disclosure_request", row.id, summary={
        "tracking_no": row.tracking_no, "fields": list(row.applicant().personal_fields()), "reason": reason})
    request.response.cache_control = "no-store"  # no browser or proxy keeps the page with the full data
    return _detail(request, row, full_view=True)


def request_action(request: Request):
    action = request.matchdict["action"]
    if action not in ACTIONS:
        raise HTTPNotFound()
    row = _row(request, lock=True)
    values = {name: request.POST.get(name, "").strip() for name in ("note", "days", "reason", "reply_type",
                                                                      "ground", "authority", "text")}
    handler = desk(request)
    actor = request.current_user.id
    summary: dict = {"tracking_no": row.tracking_no, "status_before": row.status}
    try:
        if action == "accept":
            handler.accept(row, actor)
        elif action == "clarify":
            _check_length(values["note"], "note")
            handler.ask_clarification(row, actor, values["note"])
            _tell(request, row, _("请补正您的政府信息公开申请：${no}"),
                  _("您的申请（${no}）需要补正：${note}\n请凭申请编号和查询码登录查询页面提交补正内容，答复期限自收到补正之日起重新计算。"),
                  note=values["note"])
        elif action == "extend":
            _check_length(values["reason"], "reason")
            handler.extend(row, actor, _int(values["days"]), values["reason"])
            summary.update(days=row.extension_days, reason=row.extension_reason, due_on=row.due_on.isoformat())
            _tell(request, row, _("政府信息公开申请答复期限延长：${no}"),
                  _("您的申请（${no}）答复期限延长 ${days} 个工作日，至 ${due}。延期理由：${reason}"),
                  days=row.extension_days, due=row.due_on.isoformat(), reason=row.extension_reason)
        elif action == "reply":
            reply = check_reply(values["reply_type"], values["ground"], values["authority"], values["text"])
            handler.reply(row, actor, reply, _attachment(request))
            summary.update(reply_type=reply.reply_type, ground=reply.ground, attachment=row.reply_filename)
            _tell(request, row, _("政府信息公开申请已答复：${no}"),
                  _("您的申请（${no}）已答复（${kind}）。请凭申请编号和查询码查看答复内容。"),
                  kind=translate(request, REPLY_TYPES[reply.reply_type]))
        else:
            handler.close(row, actor)
            summary.update(outcome=row.outcome)
    except DisclosureError as exc:
        request.response.status_int = 400
        return _detail(request, row, {action: translate(request, exc.message), "field": exc.field}, values)
    summary["status_after"] = row.status
    request.audit(f"disclosure.request.{action}", "disclosure_request", row.id, summary=summary)
    request.session.flash(translate(request, _("申请 ${no} 已更新：${status}"), no=row.tracking_no,
                                    status=translate(request, STATUS_TITLES[row.status])), "success")
    return HTTPFound(location=request.route_path("disclosure.admin_request", id=row.id))


def _check_length(text: str, field: str) -> None:
    if len(text) > NOTE_LIMIT:
        raise DisclosureError(_("内容不能超过 2000 个字"), field)


def _tell(request: Request, row: DisclosureRequest, subject: str, body: str, **mapping) -> None:
    tell_applicant(request, row, translate(request, subject, no=row.tracking_no),
                   translate(request, body, no=row.tracking_no, **mapping))


def _attachment(request: Request) -> Attachment | None:
    """The reply's file, stored only if its content is a PDF, OFD, image or Office document."""
    upload = request.POST.get("attachment")
    if upload is None or not getattr(upload, "filename", ""):
        return None
    data = upload.file.read(MAX_ATTACHMENT_BYTES + 1)
    if not data:
        return None
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise DisclosureError(_("附件不能超过 20 MB"), "attachment")
    names = None
    if data.startswith(b"PK"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            names = None
    kind = attachment_kind(data, names, upload.filename)
    if kind is None:
        raise DisclosureError(_("附件只能是 PDF、OFD、图片（PNG、JPEG、GIF、WebP）或 Office 文档"), "attachment")
    media_type, extension = kind
    filename = _safe_filename(upload.filename, extension)
    return Attachment(request.platform.blobs.put(data).key, filename, media_type)


def _safe_filename(name: str, extension: str) -> str:
    base = re.sub(r"[\x00-\x1f\x7f\"\\/:*?<>|]", "", os.path.basename(name.replace("\\", "/"))).strip() or "答复"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:150]}.{extension}"


def reply_file(request: Request):
    row = _row(request)
    if not row.reply_blob_key:
        raise HTTPNotFound()
    return file_response(request, row)


def attachment_file(request: Request):
    """A file the applicant sent: often an ID document, so it takes the full-view permission (and
    the request's view permission), and every download is on the audit trail."""
    if not request.has_permission(REQUESTS_VIEW):
        raise HTTPForbidden()
    row = _row(request)
    attachment = request.dbsession.get(DisclosureAttachment, int(request.matchdict["attachment"]))
    if attachment is None or attachment.request_id != row.id:
        raise HTTPNotFound()
    request.audit("disclosure.attachment.download", "disclosure_request", row.id,
                  summary={"tracking_no": row.tracking_no, "attachment": attachment.id, "filename": attachment.filename})
    return blob_download(request, attachment.blob_key, attachment.filename, attachment.media_type)
