"""Routes of the personal-data pages: one's own under /account, the deletion requests under /admin.

Including this module also checks county.toml's retention periods, so a wrong one stops the site
at start-up rather than the first time somebody asks.
"""

from __future__ import annotations

from pyramid.config import Configurator

from adapters.personal_data.hooks import REQUESTS_HANDLE
from adapters.personal_data.service import retention_of
from govcore.core_plugin import ACCOUNT_SELF

T = "adapters.personal_data:templates/"


def includeme(config: Configurator) -> None:
    from adapters.personal_data import citizen, staff

    retention_of(config.registry["platform"])
    route = config.add_route
    route("personal_data.mine", "/account/personal-data")
    route("personal_data.download", "/account/personal-data/download")
    route("personal_data.file", "/account/personal-data/deletion")
    route("personal_data.requests", "/admin/personal-data/requests")
    route("personal_data.request", "/admin/personal-data/requests/{id:\\d+}")
    route("personal_data.request_execute", "/admin/personal-data/requests/{id:\\d+}/execute")
    route("personal_data.request_reject", "/admin/personal-data/requests/{id:\\d+}/reject")

    view = config.add_view
    view(citizen.my_personal_data, route_name="personal_data.mine", request_method="GET",
         renderer=T + "mine.pt", permission=ACCOUNT_SELF)
    view(citizen.download, route_name="personal_data.download", request_method="POST", permission=ACCOUNT_SELF)
    view(citizen.file_deletion_request, route_name="personal_data.file", request_method="POST",
         renderer=T + "mine.pt", permission=ACCOUNT_SELF)
    view(staff.request_list, route_name="personal_data.requests", request_method="GET",
         renderer=T + "admin_requests.pt", permission=REQUESTS_HANDLE)
    view(staff.request_detail, route_name="personal_data.request", request_method="GET",
         renderer=T + "admin_request.pt", permission=REQUESTS_HANDLE)
    view(staff.execute, route_name="personal_data.request_execute", request_method="POST",
         renderer=T + "admin_request.pt", permission=REQUESTS_HANDLE)
    view(staff.reject, route_name="personal_data.request_reject", request_method="POST",
         renderer=T + "admin_request.pt", permission=REQUESTS_HANDLE)
