"""The plugin's web side: the public list, the staff page with its form, the home-page block.

Views are registered one by one in :func:`includeme` (no ``config.scan()``), each with a
permission, so a county can override any of them, and templates are named by asset spec, so a
county replaces one with ``<deployment>/templates/govcore_local_specialties/<file>.pt``.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, Mapping

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render
from pyramid.request import Request

from adapters.web.i18n import _  # the core's translation domain, as in the templates' i18n:domain
from govcore.core_plugin import PORTAL_VIEW
from govcore_local_specialties.domain import (
    EDIT_PERMISSION,
    FIELD_NAMES,
    MAX_LENGTHS,
    SPECIALTY_TYPE,
    InvalidSpecialty,
    Specialty,
    SpecialtyRepository,
)
from govcore_local_specialties.services import PUBLIC_PATH, add_specialty

T = "govcore_local_specialties:templates/"
PUBLIC_ROUTE = "local_specialties.list"
ADMIN_ROUTE = "local_specialties.admin"
BLOCK_SIZE = 6  # products on the home-page block


def includeme(config: Configurator) -> None:
    config.add_static_view("static-local-specialties", "govcore_local_specialties:static/", cache_max_age=86400,
                           permission=PORTAL_VIEW)
    config.add_route(PUBLIC_ROUTE, PUBLIC_PATH)
    config.add_route(ADMIN_ROUTE, "/admin/specialties")
    config.add_view(public_list, route_name=PUBLIC_ROUTE, renderer=T + "specialties.pt", permission=PORTAL_VIEW)
    config.add_view(admin_page, route_name=ADMIN_ROUTE, request_method="GET",
                    renderer=T + "admin_specialties.pt", permission=EDIT_PERMISSION)
    # POST needs the session's CSRF token: govcore requires it by default on every unsafe method.
    config.add_view(admin_add, route_name=ADMIN_ROUTE, request_method="POST",
                    renderer=T + "admin_specialties.pt", permission=EDIT_PERMISSION)


def _repository(request: Request) -> SpecialtyRepository:
    return request.uow.repository(SpecialtyRepository)


def public_list(request: Request) -> dict[str, Any]:
    """Every product, grouped under its township (the repository already sorts by township)."""
    specialties = _repository(request).all()
    request.breadcrumbs.append((request.localizer.translate(_("地方特产")), request.route_path(PUBLIC_ROUTE)))
    return {"townships": [(township, list(group)) for township, group in groupby(specialties, lambda s: s.township)]}


def admin_page(request: Request) -> dict[str, Any]:
    return _admin_values(request, dict.fromkeys(FIELD_NAMES, ""), {})


def admin_add(request: Request):
    """Register a product from the form; on a mistake, show the form again as the person filled it in."""
    submitted = {name: request.POST.get(name, "") for name in FIELD_NAMES}
    try:
        specialty = add_specialty(request.uow, submitted)
    except InvalidSpecialty as exc:
        request.response.status_int = 400
        return _admin_values(request, submitted, exc.errors)
    request.session.flash(request.localizer.translate(_("已添加地方特产“${name}”", mapping={"name": specialty.name})),
                          "success")
    # Redirect after POST, so reloading the list does not submit the product again.
    return HTTPFound(location=request.route_path(ADMIN_ROUTE))


def _admin_values(request: Request, values: Mapping[str, str], errors: Mapping[str, str]) -> dict[str, Any]:
    return {
        "specialties": _repository(request).all(),
        "fields": SPECIALTY_TYPE.fields,
        "max_lengths": MAX_LENGTHS,
        "values": values,
        "errors": errors,
        "specialty_url": specialty_url,
    }


def specialty_url(request: Request, specialty: Specialty) -> str:
    return request.route_path(PUBLIC_ROUTE, _anchor=f"specialty-{specialty.id}")


def render_newest_block(request: Request) -> str:
    """The home-page block (a :class:`govcore.contributions.PortalBlock` renderer): newest products."""
    return render(T + "newest_block.pt", {"specialties": _repository(request).newest(BLOCK_SIZE),
                                          "specialty_url": specialty_url}, request=request)
