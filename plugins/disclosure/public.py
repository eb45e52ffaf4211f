"""What applicants see: the request form, the receipt, the tracking page and the reply's file.

Nothing is acknowledged before the request is saved: the form redirects after the commit to the
receipt, which reads the tracking number back from the database. Who entered a request's tracking
number and query code may open its status page for the rest of the browser session; a wrong
number and a wrong code get the same answer, so the form tells nobody which numbers exist.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.request import Request
from sqlalchemy import select

from adapters.web.captcha import captcha_problem
from adapters.web.i18n import _
from plugins.disclosure.attachments import (MAX_FILE_MB, MAX_FILES, check_applicant_files, chosen_files,
                                            store_applicant_files)
from plugins.disclosure.desk import code_hash
from plugins.disclosure.domain import (APPLICANT_TYPES, CITIZEN, DELIVERY_METHODS, ID_TYPES, LIMITS, REPLY_TYPES,
                                       STATUS_TITLES, Applicant, DisclosureError, clean_application,
                                       ground_title, normalise_query_code, normalise_tracking_number)
from plugins.disclosure.orm import DisclosureRequest
from plugins.disclosure.web import deadline_facts, desk, file_response, tell_applicant, translate

RECEIPT_KEY = "disclosure.receipt"
TRACKED_KEY = "disclosure.tracked"
TRACKED_LIMIT = 10  # requests one browser session may keep open at once
CLARIFICATION_LIMIT = 2000
NOT_FOUND = _("申请编号或查询码不正确，请核对后重新输入")


def _breadcrumbs(request: Request, title: str) -> None:
    request.breadcrumbs.append((translate(request, _("依申请公开")), request.route_path("disclosure.apply")))
    if title != "依申请公开":  # the form is the section's own page
        request.breadcrumbs.append((translate(request, title), request.path))


def _form(request: Request, values: dict, errors: dict) -> dict:
    _breadcrumbs(request, _("依申请公开"))
    return {"values": values, "errors": {name: translate(request, text) for name, text in errors.items()},
            "applicant_types": APPLICANT_TYPES, "id_types": ID_TYPES, "deliveries": DELIVERY_METHODS,
            "limits": LIMITS, "agreed": request.POST.get("agree") == "1",
            "max_files": MAX_FILES, "max_file_mb": MAX_FILE_MB}


def apply_form(request: Request) -> dict:
    return _form(request, {"applicant_type": CITIZEN, "id_type": ID_TYPES[0], "delivery": "email"}, {})


def apply(request: Request):
    values, errors = clean_application(request.POST, request.POST.get("agree") == "1")
    chosen = chosen_files(request.POST.getall("attachments"))
    files, problems = check_applicant_files(chosen)
    if problems:
        errors["attachments"] = "；".join(translate(request, problem) for problem in problems)
    captcha = captcha_problem(request)
    if captcha is not None:
        errors["captcha"] = captcha
    if errors:
        if chosen and "attachments" not in errors:
            # Browsers never fill a file input again; say so rather than lose the files silently.
            errors["attachments"] = _("附件未随申请保存，请更正其他问题后重新选择")
        request.response.status_int = 400
        return _form(request, values, errors)
    applicant = Applicant(values["applicant_type"], **{name: values[name] for name in Applicant.__dataclass_fields__
                                                       if name != "applicant_type"})
    user = request.current_user
    row, code = desk(request).file(applicant, values, user.id if user is not None else None)
    stored = store_applicant_files(request.dbsession, request.platform.blobs, row.id, files, row.submitted_at)
    # The record names the request, never the applicant's personal data.
    request.audit("disclosure.request.file", "disclosure_request", row.id,
                  summary={"tracking_no": row.tracking_no, "applicant_type": row.applicant_type,
                           "attachments": len(stored)})
    tell_applicant(request, row, translate(request, _("政府信息公开申请已收到：${no}"), no=row.tracking_no),
                   translate(request, _("您的政府信息公开申请已收到。申请编号：${no}，查询码：${code}。"
                                      "我们将在 ${due} 前答复。凭申请编号和查询码可查询办理进度。"),
                             no=row.tracking_no, code=code, due=row.due_on.isoformat()))
    request.session[RECEIPT_KEY] = {"id": row.id, "code": code}
    return HTTPFound(location=request.route_path("disclosure.receipt"))


def receipt(request: Request):
    """The tracking number and query code, once, for a request that the database holds."""
    pending = request.session.pop(RECEIPT_KEY, None)
    row = request.dbsession.get(DisclosureRequest, pending.get("id")) if isinstance(pending, dict) else None
    if row is None or code_hash(row.code_salt, str(pending.get("code", ""))) != row.code_hash:
        return HTTPFound(location=request.route_path("disclosure.track"))
    _grant(request, row)
    _breadcrumbs(request, _("申请已提交"))
    return {"row": row, "code": pending["code"], "deadline": deadline_facts(request, row)}


def track_form(request: Request) -> dict:
    _breadcrumbs(request, _("申请查询"))
    return {"values": {}, "error": None}


def track(request: Request):
    number = normalise_tracking_number(request.POST.get("tracking_no", ""))
    row = desk(request).find(number, normalise_query_code(request.POST.get("code", "")))
    if row is None:
        request.response.status_int = 400
        _breadcrumbs(request, _("申请查询"))
        return {"values": {"tracking_no": request.POST.get("tracking_no", "").strip()},
                "error": translate(request, NOT_FOUND)}
    _grant(request, row)
    return HTTPFound(location=request.route_path("disclosure.status", no=row.tracking_no))


def _grant(request: Request, row: DisclosureRequest) -> None:
    tracked = [rid for rid in request.session.get(TRACKED_KEY, []) if rid != row.id]
    request.session[TRACKED_KEY] = (tracked + [row.id])[-TRACKED_LIMIT:]


def _tracked(request: Request) -> DisclosureRequest:
    """The request the URL names, if this browser session proved it may see it; 404 otherwise."""
    number = normalise_tracking_number(request.matchdict["no"])
    row = (request.dbsession.scalar(select(DisclosureRequest).where(DisclosureRequest.tracking_no == number))
           if number else None)
    if row is None or row.id not in request.session.get(TRACKED_KEY, []):
        raise HTTPNotFound()
    return row


def _status_page(request: Request, row: DisclosureRequest, error: str | None = None, text: str = "") -> dict:
    _breadcrumbs(request, _("办理进度"))
    clarification = next((event.note for event in reversed(desk(request).events(row))
                          if event.action == "clarification_requested"), "")
    return {"row": row, "status_title": STATUS_TITLES[row.status], "deadline": deadline_facts(request, row),
            "reply_title": REPLY_TYPES.get(row.reply_type, ""), "ground": ground_title(row.reply_type, row.reply_ground),
            "clarification": clarification, "error": error, "text": text,
            # Whoever holds the tracking number and code sees who applied only masked.
            "applicant": row.applicant().masked(), "applicant_types": APPLICANT_TYPES}


def status(request: Request) -> dict:
    return _status_page(request, _tracked(request))


def clarify(request: Request):
    """The applicant's 补正: the deadline starts again from today."""
    row = _tracked(request)
    text = request.POST.get("text", "").strip()
    request.dbsession.refresh(row, with_for_update=True)
    try:
        if len(text) > CLARIFICATION_LIMIT:
            raise DisclosureError(_("补正内容不能超过 2000 个字"), "text")
        desk(request).supply_clarification(row, text)
    except DisclosureError as exc:
        request.response.status_int = 400
        return _status_page(request, row, translate(request, exc.message), text)
    request.audit("disclosure.request.clarified", "disclosure_request", row.id,
                  summary={"tracking_no": row.tracking_no, "due_on": row.due_on.isoformat()})
    request.session.flash(translate(request, _("补正内容已提交，答复期限自今日起重新计算")), "success")
    return HTTPFound(location=request.route_path("disclosure.status", no=row.tracking_no))


def reply_file(request: Request):
    row = _tracked(request)
    if not row.reply_blob_key:
        raise HTTPNotFound()
    return file_response(request, row)
