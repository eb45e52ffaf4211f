"""Integrity seals: the seal kind of the core's own records (decided workflow cases) and the staff page.

Registered like a plugin in every process (``adapters.bootstrap.ADAPTER_HOOKS``); cheap to import,
since the CLI imports it too: the web module is imported inside its hook.
"""

from __future__ import annotations

from govcore import hookimpl
from govcore.contributions import MenuEntry, SealKind
from govcore.core_plugin import AUDIT_READ
from govcore.workflow.sealing import CASE_SEAL, CASE_SEAL_TITLE, case_payload
from govcore.workflow.service import CaseStore


def decided_case_payload(uow, record_id: str):
    """A sealed case as the database holds it now (None when it is gone)."""
    case = uow.repository(CaseStore).get(int(record_id)) if record_id.isdigit() else None
    return case_payload(case) if case is not None else None


@hookimpl
def govcore_register_seal_kinds():
    return [SealKind(CASE_SEAL, CASE_SEAL_TITLE, decided_case_payload)]


@hookimpl
def govcore_admin_menu():
    return [MenuEntry("数据完整性校验", "admin.integrity", AUDIT_READ, section="安全审计", order=921)]


@hookimpl
def govcore_configure_web(config):
    config.include("adapters.integrity.web")
