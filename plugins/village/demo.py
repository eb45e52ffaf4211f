"""Demo data of the village plugin: a 低保评议 in its publicity period, so the demo shows 阳光村务 at work.

Run only for a demo county and only while the procedure has never been used (the first case stores
it as version 1), which keeps ``govcore init`` idempotent.
"""

from __future__ import annotations

from govcore.orgs import OrgUnitRepository
from govcore.seeding import SeedContext
from govcore.workflow.case import APPROVE
from govcore.workflow.engine import Directory
from govcore.workflow.service import DefinitionStore, Workflows
from plugins.village.workflows import LOW_INCOME, VILLAGE_ADMIN_ROLE

CASE_TITLE = "2026年第四季度低保评议：张某某家庭"
CASE_BODY = "张某某家庭四口人，主要劳动力因病丧失劳动能力，申请纳入农村最低生活保障。"
ASSESSMENT = "经村民代表会议民主评议，到会代表23人，同意21人，建议纳入低保。"


def seed_demo_case(context: SeedContext) -> int:
    """Start the demo case and carry it into its publicity period; returns how many were started."""
    uow, platform = context.uow, context.platform
    if platform is None or uow.repository(DefinitionStore).latest(LOW_INCOME) is not None:
        return 0
    village = next((unit for unit in uow.repository(OrgUnitRepository).all_units()
                    if unit.kind == "village" and not unit.disabled), None)
    if village is None:
        return 0
    cadres = uow.repository(Directory).holders(VILLAGE_ADMIN_ROLE, "org_unit", village.id)
    if not cadres:
        return 0
    workflows = Workflows(platform, uow)
    case = workflows.start(LOW_INCOME, subject_type="village.matter", subject_id="demo-low-income",
                           title=CASE_TITLE, body=CASE_BODY, initiator_id=cadres[0], org_unit_id=village.id)
    workflows.act(case.id, actor_id=cadres[0], action=APPROVE, expected_version=case.version, opinion=ASSESSMENT)
    return 1
