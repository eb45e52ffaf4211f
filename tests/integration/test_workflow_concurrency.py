"""Two people approve the same step at the same moment, from two connections: one transition.

On PostgreSQL both read the case, then both save: the second save waits for the first to commit
and then finds a newer version. On SQLite a writing transaction takes the write lock before it
reads (adapters.db.engine.begin_writing), so the second starts only after the first committed and
finds the version on the form outdated. Either way the loser is told, and nothing of it is saved.

The case and its people are committed (each side needs its own connection and transaction, which
the rolled-back test transaction cannot give), and removed again afterwards.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select

from adapters.db.orm import User
from adapters.db.uow import transactional
from adapters.db.workflow import SqlCaseStore
from adapters.db.workflow_orm import WorkflowCaseRow, WorkflowDefinitionRow, WorkflowHistoryRow
from adapters.testing.pytest_plugin import TEST_PASSWORD
from govcore.workflow.case import APPROVE
from govcore.workflow.definition import ACTOR_PERSON, Actor, Definition, Step
from govcore.workflow.engine import ConcurrentChange
from govcore.workflow.service import Workflows

KEY = "test.concurrency"


class SaveTogether(SqlCaseStore):
    """Holds each save until the other side has read the case too, so the two really collide."""

    def __init__(self, uow, barrier: threading.Barrier):
        super().__init__(uow)
        self.barrier = barrier

    def save(self, case) -> None:
        self.barrier.wait(timeout=30)
        super().save(case)


@pytest.fixture
def committed_case(platform):
    with transactional(platform) as uow:
        people = [User(login=f"race-{n}", display_name=f"审批人{n}", kind="staff", is_active=True,
                       must_change_password=False, created_at=platform.clock.now(),
                       password_hash=platform.extras["passwords"].hash(TEST_PASSWORD)) for n in (1, 2, 3)]
        uow.session.add_all(people)
        uow.session.flush()
        initiator, first, second = (person.id for person in people)
        workflows = Workflows(platform, uow)
        # Either of two named people may decide the single step: both will try at once.
        workflows.save_definition(Definition(KEY, "并发测试", (
            Step("decide", "审批", actors=(Actor(ACTOR_PERSON, user_id=first), Actor(ACTOR_PERSON, user_id=second))),
        )), author_id=initiator)
        case = workflows.start(KEY, subject_type="general", subject_id="race", title="并发审批",
                               initiator_id=initiator, org_unit_id=None)
    yield case.id, case.version, (first, second)
    with transactional(platform) as uow:
        uow.session.execute(delete(WorkflowCaseRow).where(WorkflowCaseRow.id == case.id))
        uow.session.execute(delete(WorkflowDefinitionRow).where(WorkflowDefinitionRow.key == KEY))
        uow.session.execute(delete(User).where(User.login.like("race-%")))


def test_two_simultaneous_approvals_make_one_transition(platform, committed_case):
    case_id, version, approvers = committed_case
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    collide_on_save = platform.extras["engine"].dialect.name == "postgresql"

    def approve(person: int) -> None:
        try:
            if not collide_on_save:
                barrier.wait(timeout=30)
            with transactional(platform) as uow:
                workflows = Workflows(platform, uow)
                if collide_on_save:
                    workflows.cases = SaveTogether(uow, barrier)
                workflows.act(case_id, actor_id=person, action=APPROVE, expected_version=version)
            outcomes[person] = "approved"
        except ConcurrentChange:
            outcomes[person] = "refused"

    threads = [threading.Thread(target=approve, args=(person,)) for person in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes.values()) == ["approved", "refused"]
    with transactional(platform) as uow:
        approvals = uow.session.scalar(select(func.count()).select_from(WorkflowHistoryRow).where(
            WorkflowHistoryRow.case_id == case_id, WorkflowHistoryRow.action == APPROVE))
        row = uow.session.get(WorkflowCaseRow, case_id)
        assert approvals == 1
        assert (row.status, row.version) == ("approved", version + 1)
        winner = next(person for person, outcome in outcomes.items() if outcome == "approved")
        assert uow.session.scalar(select(WorkflowHistoryRow.actor_id).where(
            WorkflowHistoryRow.case_id == case_id, WorkflowHistoryRow.action == APPROVE)) == winner
