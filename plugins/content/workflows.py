"""The content plugin's default review procedure; a county edits its copy in the designer."""

from govcore.workflow.definition import (ACTOR_ROLE, UNIT_WORKING_DAYS, Actor, Definition, Duration, Step)

ARTICLE_REVIEW = "content.article_review"


def review_step(key: str, title: str, role: str, days: int) -> Step:
    # The role is looked up within the item's column, so a 责任编辑 limited to 政务公开 reviews only there.
    return Step(key, title, actors=(Actor(ACTOR_ROLE, role),), deadline=Duration(days, UNIT_WORKING_DAYS))


DEFAULT_WORKFLOWS = [
    Definition(
        key=ARTICLE_REVIEW,
        title="稿件三审",
        description="编辑提交后，依次由责任编辑初审、主编复审、总编终审，通过后发布。",
        steps=(
            review_step("first", "责任编辑初审", "responsible_editor", 1),
            review_step("second", "主编复审", "chief_editor", 1),
            review_step("final", "总编终审", "editor_in_chief", 2),
        ),
    ),
]
