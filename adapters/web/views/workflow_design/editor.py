"""The editor: a new procedure, a copy of one, or a new version of one, built in a plain form."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request

from adapters.web.audit import changes_nothing
from adapters.web.i18n import _
from adapters.web.views.org_staff.forms import by_field, flash, message
from adapters.web.views.workflow_design import forms
from adapters.web.views.workflow_design.support import (RESERVED_KEYS, asked_or_shown, diagram, problems_of,
                                                        role_choices, shown, shown_or_404, staff_choices,
                                                        store, workflows)
from govcore.orgs import Problem
from govcore.workflow.definition import (ACTOR_KIND_TITLES, DEADLINE_UNITS, END_APPROVED, END_REJECTED, MODE_TITLES,
                                         PUBLICITY_UNITS, STEP_APPROVAL, STEP_PUBLICITY, TITLE_MAX, UNIT_TITLES)

STEP_KIND_TITLES = {STEP_APPROVAL: _("审批"), STEP_PUBLICITY: _("公示")}


def new_form(request: Request) -> dict:
    """An empty procedure, or with ``?from=<key>[&version=<n>]`` a copy of one."""
    source = request.GET.get("from", "")
    if not source:
        return _values(request, forms.blank_form(), new=True)
    stored = asked_or_shown(request, workflows(request), source)
    return _values(request, forms.copy_form(stored.definition), new=True)


def new_post(request: Request):
    return _submit(request, forms.form_from_post(request.POST), new=True)


def edit_form(request: Request) -> dict:
    stored = shown_or_404(workflows(request), request.matchdict["key"])
    return _values(request, forms.form_from_definition(stored.definition), new=False,
                   base_version=stored.definition.version)


def edit_post(request: Request):
    key = request.matchdict["key"]
    shown_or_404(workflows(request), key)
    return _submit(request, forms.form_from_post(request.POST, key=key), new=False)


def _base_version(request: Request) -> int:
    text = forms.posted_text(request.POST, "base_version")
    return int(text) if text.isdigit() and len(text) < 7 else 0


def _submit(request: Request, form: forms.DefinitionForm, *, new: bool):
    command = forms.parse_command(request.POST.get("op"))
    base_version = _base_version(request)
    if command.name in forms.EDITS:
        changes_nothing(request)
        edited = forms.apply(form, command)
        return _values(request, edited.form, new=new, base_version=base_version, focus=edited.focus,
                       notices=[edited.notice] if edited.notice else [])
    service = workflows(request)
    definition, problems = forms.to_definition(form)
    problems += problems_of(request, service, definition)
    if new:
        key_problems = _new_key_problems(service, form.key)
        if key_problems:  # instead of the rules' own message about the key, not besides it
            problems = key_problems + [problem for problem in problems if problem.field != "key"]
    if command.name == forms.PREVIEW or problems:
        if command.name == forms.SAVE:
            request.response.status_int = 400  # recorded as a failed save
        else:
            changes_nothing(request)
        return _values(request, form, new=new, base_version=base_version, problems=problems,
                       preview=diagram(request, definition) if definition.steps else None)
    current = None if new else shown(service, form.key)
    if current is not None and current.created_at is not None and current.definition.version != base_version:
        # Somebody saved a version since this form was opened: show theirs' number, keep this one's input.
        request.response.status_int = 409
        notice = Problem("steps", _("您编辑期间，此流程已被他人保存为第 ${version} 版。请先查看该版本；"
                                    "如仍要以本页内容为准，再次点击“保存”即可生成新版本。"),
                         {"version": str(current.definition.version)})
        return _values(request, form, new=new, base_version=current.definition.version, notices=[notice])
    stored = store(service, definition, author_id=request.current_user.id, note=form.note)
    if current is not None and stored.definition.version == current.definition.version:
        flash(request, _("流程没有改动，未生成新版本"))
    else:
        flash(request, _("已保存流程“${title}”第 ${version} 版；已在办理的事项仍按原版本办理。",
                         mapping={"title": definition.title, "version": stored.definition.version}))
    return HTTPFound(location=request.route_path("admin.workflow", key=definition.key))


def _new_key_problems(service, key: str) -> list[Problem]:
    if not key:
        return [Problem("key", _("请填写流程标识，如 county.purchase"))]
    if key in RESERVED_KEYS:
        return [Problem("key", _("“${key}”是保留字，不能作为流程标识"), {"key": key})]
    if key in service.keys():
        return [Problem("key", _("流程标识“${key}”已被使用，请换一个"), {"key": key})]
    return []


def _values(request: Request, form: forms.DefinitionForm, *, new: bool, base_version: int = 0, focus: str = "",
            problems: list[Problem] = (), notices: list[Problem] = (), preview=None) -> dict:
    translate = request.localizer.translate
    roles = role_choices(request)
    people = staff_choices(request)
    return {
        "form": form,
        "new": new,
        "base_version": base_version,
        "focus": focus,
        "errors": by_field(problems),
        "error_list": [message(problem) for problem in problems],
        "notices": [message(notice) for notice in notices],
        "preview": preview,
        "roles": roles,
        "role_names": {name for name, _title in roles},
        "people": people,
        "person_ids": {str(user_id) for _unit, members in people for user_id, _label in members},
        "actor_kinds": [(kind, translate(_(title))) for kind, title in ACTOR_KIND_TITLES.items()],
        "step_kinds": [(kind, translate(title)) for kind, title in STEP_KIND_TITLES.items()],
        "modes": [(mode, translate(_(title))) for mode, title in MODE_TITLES.items()],
        "deadline_units": [(unit, translate(_(UNIT_TITLES[unit]))) for unit in DEADLINE_UNITS],
        "publicity_units": [(unit, translate(_(UNIT_TITLES[unit]))) for unit in PUBLICITY_UNITS],
        "end_approved": END_APPROVED,
        "end_rejected": END_REJECTED,
        "title_max": TITLE_MAX,
        "max_steps": forms.MAX_STEPS,
        "step_label": lambda n, step: translate(_("第${n}步 ${title}（${key}）",
                                                  mapping={"n": n + 1, "title": step.title, "key": step.key})),
    }
