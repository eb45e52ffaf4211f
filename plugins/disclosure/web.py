"""The disclosure plugin's web side: routes, and what the public and staff pages share.

Applicants need no account: a tracking number and a query code, shown once after the request is
saved, open its status page; staff handle requests under /admin/disclosure.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileIter, Response

from adapters.web.i18n import _
from adapters.web.ratelimit import limit_submissions
from govcore.core_plugin import PERSONAL_DATA_VIEW_FULL, PORTAL_VIEW
from govcore.notify import notify
from plugins.disclosure.desk import RequestDesk
from plugins.disclosure.domain import CLARIFICATION, OPEN_STATUSES, is_overdue, working_days_left
from plugins.disclosure.orm import DisclosureRequest
from plugins.disclosure.plugin import REQUESTS_HANDLE, REQUESTS_VIEW
from ports.notifier import MailMessage, Notification

T = "plugins.disclosure:templates/"
# Filing is rarer than signing in: a person files a few requests, a script files hundreds.
FILE_LIMIT = "10/hour"
TRACK_LIMIT = "20/10 minutes"


def includeme(config: Configurator) -> None:
    from plugins.disclosure import public, report, staff

    config.add_static_view("static-disclosure", "plugins.disclosure:static/", cache_max_age=86400,
                           permission=PORTAL_VIEW)
    route = config.add_route
    route("disclosure.apply", "/disclosure/requests/apply")
    route("disclosure.receipt", "/disclosure/requests/receipt")
    route("disclosure.track", "/disclosure/requests/track")
    route("disclosure.status", "/disclosure/requests/status/{no}")
    route("disclosure.clarify", "/disclosure/requests/status/{no}/clarify")
    route("disclosure.reply_file", "/disclosure/requests/status/{no}/reply-file")
    route("disclosure.admin_requests", "/admin/disclosure/requests")
    route("disclosure.admin_request", "/admin/disclosure/requests/{id:\\d+}")
    route("disclosure.admin_request_action", "/admin/disclosure/requests/{id:\\d+}/do/{action}")
    route("disclosure.admin_request_personal_data", "/admin/disclosure/requests/{id:\\d+}/personal-data")
    route("disclosure.admin_reply_file", "/admin/disclosure/requests/{id:\\d+}/reply-file")
    route("disclosure.admin_attachment", "/admin/disclosure/requests/{id:\\d+}/attachments/{attachment:\\d+}")
    route("disclosure.admin_statistics", "/admin/disclosure/statistics")
    route("disclosure.admin_statistics_xlsx", "/admin/disclosure/statistics.xlsx")

    view = config.add_view
    view(public.apply_form, route_name="disclosure.apply", request_method="GET", renderer=T + "apply.pt",
         permission=PORTAL_VIEW)
    view(public.apply, route_name="disclosure.apply", request_method="POST", renderer=T + "apply.pt",
         permission=PORTAL_VIEW, decorator=limit_submissions(limit=FILE_LIMIT))
    view(public.receipt, route_name="disclosure.receipt", request_method="GET", renderer=T + "receipt.pt",
         permission=PORTAL_VIEW)
    view(public.track_form, route_name="disclosure.track", request_method="GET", renderer=T + "track.pt",
         permission=PORTAL_VIEW)
    view(public.track, route_name="disclosure.track", request_method="POST", renderer=T + "track.pt",
         permission=PORTAL_VIEW, decorator=limit_submissions(limit=TRACK_LIMIT))
    view(public.status, route_name="disclosure.status", request_method="GET", renderer=T + "status.pt",
         permission=PORTAL_VIEW)
    view(public.clarify, route_name="disclosure.clarify", request_method="POST", renderer=T + "status.pt",
         permission=PORTAL_VIEW, decorator=limit_submissions(limit=FILE_LIMIT))
    view(public.reply_file, route_name="disclosure.reply_file", request_method="GET", permission=PORTAL_VIEW)

    view(staff.request_list, route_name="disclosure.admin_requests", request_method="GET",
         renderer=T + "admin_requests.pt", permission=REQUESTS_VIEW)
    view(staff.request_detail, route_name="disclosure.admin_request", request_method="GET",
         renderer=T + "admin_request.pt", permission=REQUESTS_VIEW)
    view(staff.request_action, route_name="disclosure.admin_request_action", request_method="POST",
         renderer=T + "admin_request.pt", permission=REQUESTS_HANDLE)
    view(staff.request_personal_data, route_name="disclosure.admin_request_personal_data", request_method="POST",
         renderer=T + "admin_request.pt", permission=PERSONAL_DATA_VIEW_FULL)
    view(staff.reply_file, route_name="disclosure.admin_reply_file", request_method="GET",
         permission=REQUESTS_VIEW)
    view(staff.attachment_file, route_name="disclosure.admin_attachment", request_method="GET",
         permission=PERSONAL_DATA_VIEW_FULL)
    view(report.statistics_page, route_name="disclosure.admin_statistics", request_method="GET",
         renderer=T + "admin_statistics.pt", permission=REQUESTS_VIEW)
    view(report.statistics_xlsx, route_name="disclosure.admin_statistics_xlsx", request_method="GET",
         permission=REQUESTS_VIEW)


def desk(request: Request) -> RequestDesk:
    return RequestDesk(request.dbsession, request.platform.clock, request.platform.calendar)


def translate(request: Request, text: str, **mapping) -> str:
    return request.localizer.translate(_(text, mapping=mapping or None))


def deadline_facts(request: Request, row: DisclosureRequest) -> dict:
    """The due date as people read it: working days left, overdue, paused, and the holidays it skips."""
    calendar, today = request.platform.calendar, request.platform.clock.today()
    facts = {"due_on": row.due_on, "days_left": None, "overdue": False, "paused": row.status == CLARIFICATION,
             "holidays": []}
    if row.due_on is None:
        return facts
    if row.status in OPEN_STATUSES:
        facts["days_left"] = working_days_left(calendar, today, row.due_on)
        facts["overdue"] = is_overdue(row.status, row.due_on, today)
    day, holidays = row.clock_start, {}
    while day < row.due_on:
        day += dt.timedelta(days=1)
        name = calendar.holiday_name(day) if not calendar.is_working_day(day) else None
        if name:
            holidays.setdefault(name, []).append(day)
    facts["holidays"] = [(name, days[0], days[-1]) for name, days in holidays.items()]
    return facts


def tell_applicant(request: Request, row: DisclosureRequest, subject: str, body: str) -> None:
    """E-mail the applicant after the commit, and put it in their inbox when they filed signed in."""
    email = row.applicant().email or None
    link = request.route_url("disclosure.track")
    if row.applicant_user_id is not None:
        notify(request.uow, request.platform.mail,
               Notification(row.applicant_user_id, subject, body, link=request.route_path("disclosure.track"),
                            channels=("inbox", "mail") if email else ("inbox",), email=email))
    elif email:
        mail, message = request.platform.mail, MailMessage(to=(email,), subject=subject, body=f"{body}\n\n{link}")
        request.uow.after_commit(lambda: mail.send(message))


def file_response(request: Request, row: DisclosureRequest) -> Response:
    """The reply's attachment as a download, with the type judged from its content at upload."""
    return blob_download(request, row.reply_blob_key, row.reply_filename, row.reply_media_type)


def blob_download(request: Request, key: str, filename: str, media_type: str) -> Response:
    """A stored file as a download that no cache keeps."""
    try:
        stream = request.platform.blobs.open(key)
    except KeyError:
        raise HTTPNotFound() from None
    response = Response(content_type=media_type, app_iter=FileIter(stream))
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.cache_control = "private, no-store"
    return response
