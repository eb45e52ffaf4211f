"""What the designer's pages share: the service, the people and roles to choose from, the diagram."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from markupsafe import Markup
from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from sqlalchemy import func, select

from adapters.db.orm import Role, User
from adapters.db.workflow_orm import WorkflowCaseRow
from adapters.web.i18n import _
from adapters.web.views.org_staff.forms import load_tree
from adapters.web.views.workflow_design.forms import unknown_people
from govcore.orgs import Problem
from govcore.workflow.case import OPEN_STATUSES
from govcore.workflow.definition import ACTOR_PERSON, Definition, StoredDefinition, validate
from govcore.workflow.diagram import render_svg
from govcore.workflow.service import ORIGIN_COUNTY, ORIGIN_PLUGIN, Workflows

STAFF = "staff"
# Path segments of the designer's own pages: no procedure may take one as its key.
RESERVED_KEYS = frozenset({"new", "import"})
ORIGIN_TITLES = {ORIGIN_PLUGIN: _("插件默认"), ORIGIN_COUNTY: _("本县修改")}

# How a save came about, in its audit record.
VIA_DESIGNER, VIA_IMPORT, VIA_RESTORE = "designer", "import", "restore"


def workflows(request: Request, via: str = VIA_DESIGNER, **context: str) -> Workflows:
    """The service, auditing through the request: one record, with the address and browser.

    The record says how the save came about (``via``, and e.g. the imported file's name).
    """

    def auditor(action: str, object_type: str, object_id: object, summary: dict) -> None:
        request.audit(action, object_type, object_id, {**summary, "via": via, **context})

    return Workflows(request.platform, request.uow, auditor)


def shown(service: Workflows, key: str) -> StoredDefinition | None:
    """The version new cases of ``key`` run on, without storing a plugin's default to find out.

    A default not stored yet is shown as version 1: that is the number it gets when a case
    first uses it or an administrator first changes it.
    """
    stored = service.definitions.latest(key)
    if stored is not None:
        return stored
    default = service.defaults.get(key)
    if default is None:
        return None
    return StoredDefinition(replace(default, version=1), ORIGIN_PLUGIN)


def shown_or_404(service: Workflows, key: str) -> StoredDefinition:
    stored = shown(service, key)
    if stored is None:
        raise HTTPNotFound()
    return stored


def number_or_404(text: str) -> int:
    """A version number from the path or the query."""
    if not text.isdigit() or len(text) > 6:
        raise HTTPNotFound()
    return int(text)


def asked_or_shown(request, service: Workflows, key: str) -> StoredDefinition:
    """The version ``?version=`` names, or else the one new cases start on."""
    wanted = request.GET.get("version", "")
    return version_or_404(service, key, number_or_404(wanted)) if wanted else shown_or_404(service, key)


def version_or_404(service: Workflows, key: str, version: int) -> StoredDefinition:
    stored = service.definitions.get(key, version)
    if stored is None and version == 1 and service.definitions.latest(key) is None:
        stored = shown(service, key)
    if stored is None:
        raise HTTPNotFound()
    return stored


def store(service: Workflows, definition: Definition, *, author_id: int, note: str) -> StoredDefinition:
    """Save ``definition`` as the next version of its key.

    A plugin's default is stored as version 1 first, so the history starts from what the plugin
    shipped and the county's change is version 2.
    """
    if definition.key in service.defaults and service.definitions.latest(definition.key) is None:
        service.current(definition.key)
    return service.save_definition(definition, author_id=author_id, note=note)


def problems_of(request: Request, service: Workflows, definition: Definition) -> list[Problem]:
    """Everything that keeps ``definition`` from being saved here: the rules, the roles, the people."""
    return validate(definition, service.known_roles()) + unknown_people(definition, active_staff_ids(request))


def active_staff_ids(request: Request) -> set[int]:
    return set(request.dbsession.scalars(select(User.id).where(User.kind == STAFF, User.is_active.is_(True))))


def role_choices(request: Request) -> list[tuple[str, str]]:
    """(name, title in the page's language) of every role the county has."""
    translate = request.localizer.translate
    rows = request.dbsession.execute(select(Role.name, Role.title).order_by(Role.id)).all()
    return [(name, translate(_(title))) for name, title in rows]


def staff_choices(request: Request) -> list[tuple[str, list[tuple[int, str]]]]:
    """Active staff accounts to name as approvers, grouped by unit in the order of the organisation tree."""
    tree = load_tree(request)
    rows = request.dbsession.execute(
        select(User.id, User.display_name, User.login, User.org_unit_id)
        .where(User.kind == STAFF, User.is_active.is_(True)).order_by(User.display_name, User.id)).all()
    groups: dict[int | None, list[tuple[int, str]]] = {}
    for user_id, name, login, unit_id in rows:
        groups.setdefault(unit_id if unit_id in tree.by_id else None, []).append((user_id, f"{name}（{login}）"))
    ordered = [(tree.path(unit.id), groups[unit.id]) for unit, _depth in tree.walk() if unit.id in groups]
    if None in groups:
        ordered.append((request.localizer.translate(_("未分配单位")), groups[None]))
    return ordered


def person_names(request: Request, ids: Iterable[int]) -> dict[int, str]:
    wanted = {user_id for user_id in ids if user_id}
    if not wanted:
        return {}
    return dict(request.dbsession.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())


def named_people(definition: Definition) -> list[int]:
    return [actor.user_id for step in definition.steps for actor in step.actors
            if actor.kind == ACTOR_PERSON and actor.user_id]


def diagram(request: Request, definition: Definition) -> Markup:
    """The definition's SVG, embedded as is: :func:`render_svg` escapes every text it writes."""
    role_titles = dict(request.dbsession.execute(select(Role.name, Role.title)).all())
    translate = request.localizer.translate
    return Markup(render_svg(definition, role_titles=role_titles,
                             person_names=person_names(request, named_people(definition)),
                             translate=lambda text: translate(_(text))))


def open_cases(request: Request, key: str | None = None) -> dict:
    """Open cases by key, or by version of ``key``."""
    column = WorkflowCaseRow.definition_key if key is None else WorkflowCaseRow.definition_version
    query = (select(column, func.count()).where(WorkflowCaseRow.status.in_(OPEN_STATUSES)).group_by(column))
    if key is not None:
        query = query.where(WorkflowCaseRow.definition_key == key)
    return dict(request.dbsession.execute(query).all())
