"""The procedures: the list, a procedure's page and its old versions, export, import, restore default."""

from __future__ import annotations

import json
from dataclasses import dataclass
from string import Template

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.i18n import TranslationString
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from adapters.web.i18n import _
from adapters.web.views.org_staff.forms import flash, message
from adapters.web.views.workflow_design.forms import NOTE_MAX, posted_text
from adapters.web.views.workflow_design.support import (ORIGIN_TITLES, asked_or_shown, RESERVED_KEYS, VIA_IMPORT, VIA_RESTORE,
                                                        diagram, named_people, number_or_404, open_cases, person_names,
                                                        problems_of, role_choices, shown, shown_or_404, store,
                                                        version_or_404, workflows)
from govcore.audit import FAILURE
from govcore.orgs import Problem, RulesBroken
from govcore.workflow.definition import (ACTOR_KIND_TITLES, ACTOR_PERSON, ACTOR_ROLE, ACTOR_SUPERIOR_ROLE,
                                         END_APPROVED, END_REJECTED, JSON_FORMAT, MODE_TITLES, UNIT_TITLES,
                                         Definition, Duration, StoredDefinition, from_data, to_data)

T = "adapters.web:templates/"
MAX_IMPORT_BYTES = 200 * 1024
# The version's note when the importer gives none; stored as data, in Chinese like the core's notes.
IMPORT_NOTE = _("从文件“${file}”导入")


def _t(request: Request, text: str | TranslationString) -> str:
    """A text in the page's language: a message, or a core text marked for the catalogue."""
    return request.localizer.translate(text if isinstance(text, TranslationString) else _(text))


def _key(request: Request) -> str:
    return request.matchdict["key"]


# --- the list -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Procedure:
    key: str
    title: str
    version: int
    origin: str
    stored: bool  # False: a plugin's default nobody used or changed yet
    open_cases: int


def index(request: Request) -> dict:
    return _index_values(request)


def _index_values(request: Request, import_problems: list | None = None, filename: str = "") -> dict:
    service = workflows(request)
    counts = open_cases(request)
    procedures = []
    for key in service.keys():
        stored = shown(service, key)
        procedures.append(Procedure(key, stored.definition.title, stored.definition.version,
                                    _t(request, ORIGIN_TITLES.get(stored.origin, stored.origin)),
                                    stored.created_at is not None, counts.get(key, 0)))
    return {"procedures": procedures, "import_problems": import_problems or [], "filename": filename,
            "max_kb": MAX_IMPORT_BYTES // 1024}


# --- one procedure ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepRow:
    number: int
    key: str
    title: str
    publicity: bool
    actors: list[str]
    mode: str
    opinion_required: bool
    deadline: str
    period: str
    next: str
    on_reject: str
    on_objection: str


def _steps(request: Request, definition: Definition) -> list[StepRow]:
    """The steps in words, for the table under the diagram."""
    roles = dict(role_choices(request))
    people = person_names(request, named_people(definition))
    positions = {step.key: n for n, step in enumerate(definition.steps, start=1)}

    def target(key: str | None) -> str:
        if key == END_APPROVED:
            return _t(request, _("办结（通过）"))
        if key == END_REJECTED:
            return _t(request, _("办结（不通过）"))
        if key in positions:
            return _t(request, _("第${n}步 ${title}", mapping={"n": positions[key], "title": definition.step(key).title}))
        return ""

    def duration(value: Duration | None) -> str:
        if value is None:
            return ""
        unit = _t(request, UNIT_TITLES.get(value.unit, value.unit))
        return _t(request, _("${amount} 个${unit}", mapping={"amount": value.amount, "unit": unit}))

    def actor(item) -> str:
        kind = _t(request, ACTOR_KIND_TITLES.get(item.kind, item.kind))
        if item.kind in (ACTOR_ROLE, ACTOR_SUPERIOR_ROLE):
            return f"{kind}：{roles.get(item.role, item.role)}"
        if item.kind == ACTOR_PERSON:
            return f"{kind}：{people.get(item.user_id, f'#{item.user_id}')}"
        return kind

    rows = []
    for n, step in enumerate(definition.steps, start=1):
        rows.append(StepRow(
            number=n, key=step.key, title=step.title, publicity=step.is_publicity,
            actors=[actor(item) for item in step.actors],
            mode="" if step.is_publicity else _t(request, MODE_TITLES.get(step.mode, step.mode)),
            opinion_required=step.opinion_required, deadline=duration(step.deadline),
            period=duration(step.publicity), next=target(definition.next_of(step.key)),
            on_reject="" if step.is_publicity else target(step.on_reject),
            on_objection=target(step.on_objection) if step.is_publicity else ""))
    return rows


@dataclass(frozen=True)
class Version:
    number: int
    origin: str
    author: str
    at: str  # ISO 8601, for <time datetime>
    when: str  # as shown, in the county's timezone
    note: str
    open_cases: int


def _version(request: Request, stored: StoredDefinition, authors: dict[int, str], counts: dict[int, int]) -> Version:
    at = stored.created_at
    local = at.astimezone(request.platform.clock.tz) if at is not None else None
    return Version(
        number=stored.definition.version,
        origin=_t(request, ORIGIN_TITLES.get(stored.origin, stored.origin)),
        author=authors.get(stored.author_id, f"#{stored.author_id}") if stored.author_id else _t(request, _("系统")),
        at=local.isoformat() if local else "",
        when=local.strftime("%Y-%m-%d %H:%M") if local else "",
        note=_t(request, stored.note) if stored.note else "",
        open_cases=counts.get(stored.definition.version, 0),
    )


def detail(request: Request) -> dict:
    """The current version, its history, and what can be done with it."""
    return _definition_page(request, None)


def version_page(request: Request) -> dict:
    """One stored version, read-only."""
    return _definition_page(request, number_or_404(request.matchdict["version"]))


def _definition_page(request: Request, number: int | None) -> dict:
    service = workflows(request)
    key = _key(request)
    current = shown_or_404(service, key)
    stored = current if number is None else version_or_404(service, key, number)
    history = service.definitions.versions(key)
    authors = person_names(request, [item.author_id for item in history])
    counts = open_cases(request, key)
    definition = stored.definition
    default = service.defaults.get(key)
    return {
        "stored": stored,
        "definition": definition,
        "this_version": _version(request, stored, authors, counts),
        "current_version": current.definition.version,
        "history_page": number is None,
        "old": definition.version != current.definition.version,
        "versions": [_version(request, item, authors, counts) for item in history] if number is None else [],
        "diagram": diagram(request, definition),
        "steps": _steps(request, definition),
        "escalate_role": dict(role_choices(request)).get(definition.escalate_role, definition.escalate_role),
        # Offered when the county's current version differs from what the plugin ships.
        "can_restore": default is not None and bool(history) and not current.definition.same_procedure(default),
    }


def export(request: Request) -> Response:
    """The version asked for (the current one by default) as a govcore.workflow/1 JSON file."""
    definition = asked_or_shown(request, workflows(request), _key(request)).definition
    body = json.dumps(to_data(definition), ensure_ascii=False, indent=2) + "\n"
    response = Response(body=body.encode("utf-8"), content_type="application/json", charset="utf-8")
    # The key is [a-z0-9_.-] only (KEY_PATTERN), so it needs no quoting in the header.
    response.content_disposition = f'attachment; filename="{definition.key}-v{definition.version}.json"'
    return response


# --- changes ------------------------------------------------------------------------------------

def restore(request: Request):
    key = _key(request)
    service = workflows(request, VIA_RESTORE)
    if key not in service.defaults:
        raise HTTPNotFound()
    before = service.definitions.latest(key)
    stored = service.restore_default(key, author_id=request.current_user.id)
    if before is not None and before.definition.version == stored.definition.version:
        flash(request, _("当前已是插件提供的默认流程，未生成新版本"))
    else:
        flash(request, _("已恢复为插件提供的默认流程，保存为第 ${version} 版",
                         mapping={"version": stored.definition.version}))
    return HTTPFound(location=request.route_path("admin.workflow", key=key))


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(problem.text() for problem in problems))
        self.problems = problems


def read_upload(field) -> bytes:
    """The content of the form's file field, refusing a missing, empty or oversized file."""
    stream = getattr(field, "file", None)
    if stream is None or not getattr(field, "filename", ""):
        raise ImportRefused([Problem("file", _("请选择要导入的 .json 文件"))])
    data = stream.read(MAX_IMPORT_BYTES + 1)
    if not data:
        raise ImportRefused([Problem("file", _("上传的文件是空的"))])
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused([Problem("file", _("文件不能超过 ${size} KB"), {"size": str(MAX_IMPORT_BYTES // 1024)})])
    return data


def read_definition(data: bytes) -> Definition:
    """The definition a file holds, judged by its content alone (not by its name or type)."""
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportRefused([Problem("file", _("文件不是 UTF-8 编码的文本，不是流程定义文件"))]) from None
    except (ValueError, RecursionError):
        raise ImportRefused([Problem("file", _("文件内容不是有效的 JSON，不是流程定义文件（格式应为 ${format}）"),
                                     {"format": JSON_FORMAT})]) from None
    try:
        return from_data(parsed)
    except RulesBroken as broken:  # malformed too: from_data says so in one message
        raise ImportRefused(broken.problems) from None


def import_definition(request: Request):
    field = request.POST.get("file")
    filename = (getattr(field, "filename", "") or "")[:200]
    key = ""
    note = posted_text(request.POST, "note")[:NOTE_MAX]
    try:
        definition = read_definition(read_upload(field))
        key = definition.key
        service = workflows(request, VIA_IMPORT, file=filename)
        problems = problems_of(request, service, definition)
        if key in RESERVED_KEYS:
            problems.insert(0, Problem("key", _("“${key}”是保留字，不能作为流程标识"), {"key": key}))
        if problems:
            raise ImportRefused(problems)
    except ImportRefused as refused:
        request.audit("workflow.definition_import", "workflow_definition", key, summary={
            "file": filename, "problems": [problem.text() for problem in refused.problems]}, result=FAILURE)
        request.response.status_int = 400
        return render_to_response(
            T + "admin_workflow_list.pt",
            _index_values(request, [message(problem) for problem in refused.problems], filename),
            request=request, response=request.response)
    before = service.definitions.latest(key)
    stored = store(service, definition, author_id=request.current_user.id,
                   note=note or Template(IMPORT_NOTE).safe_substitute(file=filename))
    if before is not None and before.definition.version == stored.definition.version:
        flash(request, _("导入的流程与当前版本相同，未生成新版本"))
    else:
        flash(request, _("已导入流程“${title}”，保存为第 ${version} 版",
                         mapping={"title": definition.title, "version": stored.definition.version}))
    return HTTPFound(location=request.route_path("admin.workflow", key=key))
