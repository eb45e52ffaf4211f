"""The office-work plugin's default document approval (公文审批)."""

from govcore.core_plugin import UNIT_LEADER_ROLE
from govcore.workflow.definition import (ACTOR_ROLE, ACTOR_SUPERIOR_ROLE, UNIT_WORKING_DAYS, Actor, Definition,
                                         Duration, Step)

DOCUMENT_APPROVAL = "officework.document_approval"

DEFAULT_WORKFLOWS = [
    Definition(
        key=DOCUMENT_APPROVAL,
        title="公文审批",
        description="拟稿人提交后，由本单位负责人审核，再报上级单位负责人签发。",
        general=True,
        steps=(
            Step("review", "本单位负责人审核", actors=(Actor(ACTOR_ROLE, UNIT_LEADER_ROLE),), opinion_required=True,
                 deadline=Duration(2, UNIT_WORKING_DAYS)),
            Step("issue", "上级负责人签发", actors=(Actor(ACTOR_SUPERIOR_ROLE, UNIT_LEADER_ROLE),),
                 opinion_required=True, deadline=Duration(3, UNIT_WORKING_DAYS), on_reject="review"),
        ),
    ),
]
