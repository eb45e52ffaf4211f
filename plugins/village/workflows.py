"""The village plugin's default procedures: decisions that villagers see and may object to.

A case belongs to its village; the township's reviewers hold their role on the township, which
covers its villages.
"""

from govcore.workflow.definition import (ACTOR_ROLE, STEP_PUBLICITY, UNIT_CALENDAR_DAYS, UNIT_WORKING_DAYS, Actor,
                                         Definition, Duration, Step)

VILLAGE_ADMIN_ROLE = "village_admin"
TOWNSHIP_REVIEWER_ROLE = "township_reviewer"
MAJOR_MATTER = "village.major_matter"
LOW_INCOME = "village.low_income_review"

village = (Actor(ACTOR_ROLE, VILLAGE_ADMIN_ROLE),)
township = (Actor(ACTOR_ROLE, TOWNSHIP_REVIEWER_ROLE),)

DEFAULT_WORKFLOWS = [
    Definition(
        key=MAJOR_MATTER,
        title="村级重大事项决策（四议两公开）",
        description="村党组织提议、村“两委”商议、党员大会审议、村民代表会议决议后，决议公开，"
                    "报乡镇审核，实施结果再公开。",
        steps=(
            Step("resolve", "村民代表会议决议", actors=village, opinion_required=True),
            Step("publish", "决议公开", kind=STEP_PUBLICITY, publicity=Duration(5, UNIT_CALENDAR_DAYS),
                 on_objection="resolve"),
            Step("review", "乡镇审核", actors=township, opinion_required=True,
                 deadline=Duration(5, UNIT_WORKING_DAYS), on_reject="resolve"),
            Step("result", "实施结果公开", kind=STEP_PUBLICITY, publicity=Duration(7, UNIT_CALENDAR_DAYS),
                 on_objection="review"),
        ),
    ),
    Definition(
        key=LOW_INCOME,
        title="低保评议",
        description="村民代表会议民主评议，评议结果公示，乡镇审核确认。",
        steps=(
            Step("assess", "民主评议", actors=village, opinion_required=True),
            Step("notice", "评议结果公示", kind=STEP_PUBLICITY, publicity=Duration(7, UNIT_CALENDAR_DAYS),
                 on_objection="assess"),
            Step("confirm", "乡镇审核确认", actors=township, opinion_required=True,
                 deadline=Duration(10, UNIT_WORKING_DAYS), on_reject="assess"),
        ),
    ),
]
