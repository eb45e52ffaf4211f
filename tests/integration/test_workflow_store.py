"""The workflow stores on SQLite and PostgreSQL: round trips, versions, the optimistic lock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.db.orm import OrgUnit
from adapters.db.workflow_orm import WorkflowTaskRow
from govcore.workflow.case import STATUS_APPROVED, STATUS_RUNNING, TASK_PENDING
from govcore.workflow.definition import (ACTOR_PERSON, ACTOR_ROLE, MODE_ALL, UNIT_WORKING_DAYS, Actor, Definition,
                                         Duration, Step)
from govcore.workflow.engine import ConcurrentChange
from govcore.workflow.service import CaseStore, DefinitionStore, Workflows


def two_step(first_person: int) -> Definition:
    return Definition("test.store", "存储测试", (
        Step("check", "初审", actors=(Actor(ACTOR_PERSON, user_id=first_person),), deadline=Duration(3, UNIT_WORKING_DAYS)),
        Step("sign", "会签", actors=(Actor(ACTOR_ROLE, "signer"),), mode=MODE_ALL, opinion_required=True),
    ))


@pytest.fixture
def people(make_user, dbsession):
    from adapters.db.orm import Role
    dbsession.add(Role(name="signer", title="会签人", description="", permissions=[]))
    dbsession.commit()
    unit = dbsession.scalar(select(OrgUnit.id).order_by(OrgUnit.id).limit(1))
    made = {name: make_user(f"wf-{name}", roles=roles) for name, roles in
            (("initiator", ()), ("checker", ()), ("signer1", ("signer",)), ("signer2", ("signer",)))}
    for user in made.values():
        user.org_unit_id = unit
    dbsession.commit()
    return {name: user.id for name, user in made.items()} | {"unit": unit}


def test_a_case_survives_the_round_trip(platform, db_connection, people):
    with platform.unit_of_work() as uow:
        workflows = Workflows(platform, uow)
        workflows.save_definition(two_step(people["checker"]), author_id=people["initiator"], note="第一版")
        case = workflows.start("test.store", subject_type="general", subject_id="1", title="采购电脑",
                               body="三台", initiator_id=people["initiator"], org_unit_id=people["unit"])
    with platform.unit_of_work() as uow:
        loaded = uow.repository(CaseStore).get(case.id)
        assert loaded == case
        assert loaded.due_at is not None and loaded.due_at.utcoffset() is not None
        Workflows(platform, uow).act(case.id, actor_id=people["checker"], action="approve",
                                     expected_version=loaded.version, opinion="同意")
    with platform.unit_of_work() as uow:
        loaded = uow.repository(CaseStore).get(case.id)
        assert (loaded.status, loaded.step_key, loaded.version) == (STATUS_RUNNING, "sign", 2)
        assert sorted(t.assignee_id for t in loaded.pending_tasks()) == [people["signer1"], people["signer2"]]
        assert [(h.action, h.opinion) for h in loaded.history] == [("start", ""), ("approve", "同意")]
        workflows = Workflows(platform, uow)
        workflows.act(case.id, actor_id=people["signer1"], action="approve", expected_version=2, opinion="可以")
        workflows.act(case.id, actor_id=people["signer2"], action="approve", expected_version=3, opinion="同意购买")
    with platform.unit_of_work() as uow:
        loaded = uow.repository(CaseStore).get(case.id)
        assert loaded.status == STATUS_APPROVED and loaded.ended_at is not None
        open_tasks = uow.session.scalars(select(WorkflowTaskRow).where(WorkflowTaskRow.case_id == case.id,
                                                                       WorkflowTaskRow.status == TASK_PENDING)).all()
        assert open_tasks == []


def test_definition_versions_are_numbered_and_kept(platform, db_connection, people):
    with platform.unit_of_work() as uow:
        workflows = Workflows(platform, uow)
        first = workflows.save_definition(two_step(people["checker"]), author_id=people["initiator"])
        again = workflows.save_definition(two_step(people["checker"]), author_id=people["initiator"])
        changed = two_step(people["signer1"])
        second = workflows.save_definition(changed, author_id=people["initiator"], note="换人")
        store = uow.repository(DefinitionStore)
        assert (first.definition.version, again.definition.version, second.definition.version) == (1, 1, 2)
        assert [s.definition.version for s in store.versions("test.store")] == [2, 1]
        assert store.get("test.store", 1).definition.steps[0].actors[0].user_id == people["checker"]
        assert store.latest("test.store").note == "换人"


def test_saving_over_a_newer_version_is_refused(platform, db_connection, people):
    with platform.unit_of_work() as uow:
        workflows = Workflows(platform, uow)
        workflows.save_definition(two_step(people["checker"]), author_id=people["initiator"])
        case = workflows.start("test.store", subject_type="general", subject_id="2", title="请假",
                               initiator_id=people["initiator"], org_unit_id=people["unit"])
        store = uow.repository(CaseStore)
        mine, theirs = store.get(case.id), store.get(case.id)
        theirs.title = "请假（改）"
        store.save(theirs)
        mine.title = "请假（我的）"
        with pytest.raises(ConcurrentChange):
            store.save(mine)
        assert store.get(case.id).title == "请假（改）"
        with pytest.raises(ConcurrentChange):
            workflows.act(case.id, actor_id=people["checker"], action="approve", expected_version=1)
