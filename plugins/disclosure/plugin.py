"""依申请公开：政府信息公开申请的受理、延期、答复、查询与年度统计

Citizens and organisations file requests online and follow them with a tracking number and a
query code; the 信息公开专员 accepts, asks for clarification, extends the deadline once and
replies; the annual report's table 三 is counted from the requests.

This module holds only hook implementations and stays cheap to import: the web and database
modules are imported inside the hooks that need them.
"""

from __future__ import annotations

from pathlib import Path

from govcore import hookimpl
from govcore.contributions import MenuEntry, NavItem, Permission, RoleTemplate
from govcore.core_plugin import ADMIN_ACCESS, PERSONAL_DATA_VIEW_FULL

REQUESTS_VIEW = "disclosure.requests.view"
REQUESTS_HANDLE = "disclosure.requests.handle"
OFFICER_ROLE = "disclosure_officer"


@hookimpl
def govcore_register_permissions():
    return [
        Permission(REQUESTS_VIEW, "查看政府信息公开申请", "查看依申请公开的申请列表、详情与年度统计"),
        Permission(REQUESTS_HANDLE, "办理政府信息公开申请", "受理、要求补正、延期、答复、办结申请"),
    ]


@hookimpl
def govcore_register_roles():
    return [RoleTemplate(OFFICER_ROLE, "信息公开专员",
                         (ADMIN_ACCESS, REQUESTS_VIEW, REQUESTS_HANDLE, PERSONAL_DATA_VIEW_FULL),
                         "办理依申请公开的政府信息公开申请")]


@hookimpl
def govcore_migration_locations():
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def govcore_configure_web(config):
    config.include("plugins.disclosure.web")


@hookimpl
def govcore_admin_menu():
    return [
        MenuEntry("依申请公开", "disclosure.admin_requests", REQUESTS_VIEW, section="政务公开", order=10),
        MenuEntry("依申请公开统计", "disclosure.admin_statistics", REQUESTS_VIEW, section="政务公开", order=20),
    ]


@hookimpl
def govcore_navigation(request):
    return [NavItem("依申请公开", request.route_path("disclosure.apply"))]


@hookimpl
def govcore_blob_references(uow):
    from plugins.disclosure.blob_references import referenced_blobs

    return referenced_blobs(uow)


@hookimpl
def govcore_register_personal_data():
    from plugins.disclosure.personal_data import personal_data_kind

    return [personal_data_kind()]


@hookimpl
def govcore_register_seal_kinds():
    from plugins.disclosure.seals import seal_kinds

    return seal_kinds()
