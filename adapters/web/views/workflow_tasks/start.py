"""发起审批: a general approval (通用审批) on any procedure the county marked ``general``.

A general approval has no subject in any plugin: the case itself, its title and its plain-text
body are what is approved, so each gets a fresh random subject id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request

from adapters.web.i18n import _
from adapters.web.views.org_staff.forms import flash
from adapters.web.views.workflow_tasks.common import workflows
from govcore.audit import FAILURE
from govcore.workflow.engine import TransitionRefused
from govcore.workflow.service import Workflows

GENERAL_SUBJECT = "general"
TITLE_MAX = 200  # the width of wf_case.title
BODY_MAX = 5000


@dataclass(frozen=True)
class Procedure:
    key: str
    title: str
    description: str


def general_procedures(wf: Workflows) -> list[Procedure]:
    """The procedures staff may start from the inbox, as new cases would run them.

    A plugin's default not stored yet is read as declared, so opening the form stores nothing.
    """
    found = []
    for key in wf.keys():
        stored = wf.definitions.latest(key)
        definition = stored.definition if stored is not None else wf.defaults[key]
        if definition.general:
            found.append(Procedure(key, definition.title, definition.description))
    return sorted(found, key=lambda procedure: (procedure.title, procedure.key))


def _page(procedures: list[Procedure], values: dict, errors: dict, refused=None) -> dict[str, Any]:
    return {"procedures": procedures, "values": values, "errors": errors, "refused": refused,
            "title_max": TITLE_MAX, "body_max": BODY_MAX}


def start_form(request: Request) -> dict[str, Any]:
    procedures = general_procedures(workflows(request))
    chosen = request.GET.get("procedure", "")
    if chosen not in {p.key for p in procedures}:
        chosen = procedures[0].key if len(procedures) == 1 else ""
    return _page(procedures, {"procedure": chosen, "title": "", "body": ""}, {})


def plain_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def start(request: Request):
    post = request.POST
    values = {"procedure": post.get("procedure", ""), "title": " ".join(post.get("title", "").split()),
              "body": plain_text(post.get("body", ""))}
    wf = workflows(request, {"title": values["title"]})
    procedures = general_procedures(wf)
    errors = {}
    if values["procedure"] not in {p.key for p in procedures}:
        errors["procedure"] = _("请选择审批流程")
    if not values["title"]:
        errors["title"] = _("请填写事项标题")
    elif len(values["title"]) > TITLE_MAX:
        errors["title"] = _("事项标题不能超过 ${max} 个字", mapping={"max": TITLE_MAX})
    if len(values["body"]) > BODY_MAX:
        errors["body"] = _("正文不能超过 ${max} 个字（现有 ${length} 个字）",
                           mapping={"max": BODY_MAX, "length": len(values["body"])})
    if errors:
        request.response.status_int = 400
        return _page(procedures, values, errors)

    me = request.current_user
    try:
        case = wf.start(values["procedure"], subject_type=GENERAL_SUBJECT, subject_id=uuid.uuid4().hex,
                        title=values["title"], body=values["body"], initiator_id=me.id, org_unit_id=me.org_unit_id,
                        link="")
    except TransitionRefused as refused:
        request.audit("workflow.start", "workflow_definition", values["procedure"], result=FAILURE,
                      summary={"title": values["title"], "refused": refused.message_zh})
        request.response.status_int = 400
        return _page(procedures, values, {}, _(refused.template, mapping=refused.mapping))
    flash(request, _("已发起审批：${title}", mapping={"title": case.title}))
    return HTTPFound(location=request.route_path("admin.case", id=case.id))
