"""The participation plugin's default procedure for letters to leaders (领导信箱).

The three steps add up to the 15 working days within which a letter is to be answered.
"""

from govcore.core_plugin import UNIT_LEADER_ROLE
from govcore.workflow.definition import ACTOR_ROLE, UNIT_WORKING_DAYS, Actor, Definition, Duration, Step

LETTER_HANDLER_ROLE = "letter_handler"
LEADER_LETTER = "participation.leader_letter"

DEFAULT_WORKFLOWS = [
    Definition(
        key=LEADER_LETTER,
        title="领导信箱办理",
        description="登记受理后转承办单位办理，答复经审核后公开。",
        steps=(
            Step("accept", "登记受理", actors=(Actor(ACTOR_ROLE, LETTER_HANDLER_ROLE),),
                 deadline=Duration(2, UNIT_WORKING_DAYS)),
            Step("handle", "承办单位办理", actors=(Actor(ACTOR_ROLE, UNIT_LEADER_ROLE),), opinion_required=True,
                 deadline=Duration(10, UNIT_WORKING_DAYS)),
            Step("answer", "审核答复", actors=(Actor(ACTOR_ROLE, LETTER_HANDLER_ROLE),), opinion_required=True,
                 deadline=Duration(3, UNIT_WORKING_DAYS), on_reject="handle"),
        ),
    ),
]
