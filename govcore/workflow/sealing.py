"""The seal of a decided case (see :mod:`govcore.integrity`). Framework-free.

A case is sealed when it ends (approved, rejected or cancelled): which procedure and version
decided what about which subject, and every step of its history with the person and the opinion.
Approved documents (公文, the office-work plugin's procedures) and every other plugin's approvals
run through the engine, so they are sealed here too.
"""

from __future__ import annotations

from typing import Any

from govcore.hashchain import moment
from govcore.i18n import _
from govcore.workflow.case import Case

CASE_SEAL = "workflow.case"
CASE_SEAL_TITLE = _("办结的审批事项")


def case_payload(case: Case) -> dict[str, Any]:
    """What a decided case's seal covers; the same whether the case is read from memory or the database."""
    return {
        "case": case.id,
        "definition": case.definition_key,
        "definition_version": case.definition_version,
        "subject": [case.subject_type, case.subject_id],
        "title": case.title,
        "body": case.body,
        "initiator": case.initiator_id,
        "status": case.status,
        "started_at": moment(case.started_at),
        "ended_at": moment(case.ended_at),
        "decisions": [{
            "at": moment(entry.at), "actor": entry.actor_id, "actor_name": entry.actor_name,
            "action": entry.action, "step": entry.step_key, "step_title": entry.step_title,
            "opinion": entry.opinion, "detail": entry.detail,
        } for entry in case.history],
    }
