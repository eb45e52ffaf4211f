"""The integrity page for the 审计管理员: the seal chain and every sealed record, checked on each visit.

It runs the same verification as ``govcore integrity verify``; the records found altered or
vanished are listed a page at a time. Nothing here changes a record; each run is audited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyramid.config import Configurator
from sqlalchemy import select

from adapters.db.orm import User
from adapters.web.i18n import _
from govcore.core_plugin import AUDIT_READ
from govcore.integrity import ALTERED, VANISHED, Finding, SealLedger, seal_kinds, verify

T = "adapters.integrity:templates/"
PAGE_SIZE = 50
PROBLEM_LABELS = {ALTERED: _("盖章后被改动"), VANISHED: _("记录已消失")}


def includeme(config: Configurator) -> None:
    config.add_route("admin.integrity", "/admin/integrity")
    config.add_view(integrity_page, route_name="admin.integrity", request_method="GET",
                    renderer=T + "admin_integrity.pt", permission=AUDIT_READ)


@dataclass(frozen=True)
class Row:
    """A finding as the page lists it."""

    kind_title: str
    kind: str
    record_id: str
    problem: str
    problem_label: object
    seal_id: int
    version: int
    sealed_at: str  # in the county's timezone
    sealed_by: str


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 and int(text) > 0 else 1


def _actor_names(request, findings: list[Finding]) -> dict[int, str]:
    ids = {finding.seal.actor_id for finding in findings} - {None}
    if not ids:
        return {}
    return dict(request.dbsession.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def integrity_page(request):
    kinds = seal_kinds(request.platform.plugins)
    report = verify(request.uow.repository(SealLedger), kinds, request.uow)
    pages = max(1, math.ceil(len(report.findings) / PAGE_SIZE))
    page = min(_page_number(request.GET.get("page")), pages)
    shown = report.findings[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    names = _actor_names(request, shown)
    tz = request.platform.clock.tz
    system = request.localizer.translate(_("系统"))
    rows = [Row(kinds[f.seal.kind].title, f.seal.kind, f.seal.record_id, f.problem, PROBLEM_LABELS[f.problem],
                f.seal.id, f.seal.version, f.seal.sealed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                names.get(f.seal.actor_id, f"#{f.seal.actor_id}") if f.seal.actor_id is not None else system)
            for f in shown]
    request.audit("integrity.verify", summary={
        "seals": report.chain.length, "intact": report.intact, "broken_at": report.chain.broken_at,
        "altered": len(report.altered()), "vanished": len(report.vanished())})
    route = "admin.integrity"
    return {
        "report": report,
        "kinds": [(name, kind.title, report.records.get(name, 0)) for name, kind in kinds.items()],
        "rows": rows,
        "page": page,
        "pages": pages,
        "previous_url": request.route_path(route, _query={"page": page - 1}) if page > 1 else None,
        "next_url": request.route_path(route, _query={"page": page + 1}) if page < pages else None,
    }
