"""The workflow engine through its service, on in-memory fakes and a fixed clock.

The calendar is the real 2026 autumn arrangement (中秋 25–27 September, 国庆 1–7 October; Sunday
20 September and Saturday 10 October are working days), so deadlines cross a real holiday.
"""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from govcore.audit import AuditLog
from govcore.workflow.case import (ADD_SIGNER, APPROVE, CANCEL, ESCALATE, EXPIRE, OBJECT, REJECT, REMIND, RESUBMIT,
                                   RETURN, STATUS_APPROVED, STATUS_CANCELLED, STATUS_REJECTED, STATUS_RUNNING,
                                   STATUS_WITH_INITIATOR, TASK_CLOSED, TASK_DONE, TASK_POOL, TASK_VOTE,
                                   TRANSFER, WITHDRAW)
from govcore.workflow.definition import (ACTOR_APPLICANT, ACTOR_PERSON, ACTOR_ROLE, ACTOR_SUPERIOR_ROLE, END_APPROVED,
                                         MODE_ALL, MODE_ANY, MODE_SINGLE, START, STEP_PUBLICITY, UNIT_CALENDAR_DAYS,
                                         UNIT_HOURS, UNIT_WORKING_DAYS, Actor, Definition, Duration, Step)
from govcore.workflow.engine import ConcurrentChange, TransitionRefused
from govcore.workflow.service import CaseStore, CaseTransitioned, Workflows, timer_id
from ports.notifier import Inbox
from tests.fakes.workflow import FakeDirectory, Person, workflow_platform

TZ = ZoneInfo("Asia/Shanghai")

# The county (1) has two departments: 办公室 (10) and 财政局 (20).
PARENTS = {1: None, 10: 1, 20: 1}
WANG, LI, ZHAO, SUN, JIA, YI, ZHOU, WU, ZHENG, FENG, CHEN, QIAN = range(1, 13)
PEOPLE = [
    Person(WANG, "王发起", email="wang@example.com"),
    Person(LI, "李科长", [("section_chief", "org_unit", 10)], email="li@example.com"),
    Person(ZHAO, "赵科长", [("section_chief", "org_unit", 20)]),
    Person(SUN, "孙审核", [("section_chief", None, None)]),  # unscoped: counts in every unit
    Person(JIA, "甲", [("signer", None, None)]),
    Person(YI, "乙", [("signer", None, None)]),
    Person(ZHOU, "周局长", [("director", "org_unit", 1)]),
    Person(WU, "吴主任", [("director", "org_unit", 10)]),
    Person(ZHENG, "郑领导", [("unit_leader", "org_unit", 10)]),
    Person(FENG, "冯领导", [("unit_leader", "org_unit", 20)]),
    Person(CHEN, "陈离职", [("signer", None, None)], active=False),
    Person(QIAN, "钱办事员"),
]
ROLES = {"section_chief", "signer", "director", "unit_leader", "editor", "vacant"}

CHIEFS = Actor(ACTOR_ROLE, "section_chief")
SIGNERS = Actor(ACTOR_ROLE, "signer")
VACANT = Actor(ACTOR_ROLE, "vacant")  # a role nobody holds


def approval(key, title, actors=(CHIEFS,), **fields):
    return Step(key, title, actors=tuple(actors), **fields)


def publicity(key, title, on_objection, amount=5, unit=UNIT_CALENDAR_DAYS, **fields):
    return Step(key, title, kind=STEP_PUBLICITY, publicity=Duration(amount, unit), on_objection=on_objection, **fields)


def flow(*steps, key="test.flow", **fields):
    return Definition(key, "测试流程", tuple(steps), **fields)


TWO_STEPS = flow(approval("a", "科室审核"), approval("b", "会签", [SIGNERS], mode=MODE_ALL))


class World:
    """A platform of fakes with helpers that act as the web views do: one unit of work per request."""

    def __init__(self, *definitions, at=dt.datetime(2026, 9, 28, 9, 0), people=PEOPLE):
        self.directory = FakeDirectory([Person(p.id, p.name, list(p.roles), p.active, p.email) for p in people],
                                       PARENTS, set(ROLES))
        self.platform = workflow_platform(self.directory, list(definitions) or [TWO_STEPS], at=at)
        self.audited = []

    @property
    def clock(self):
        return self.platform.clock

    @property
    def store(self):
        return self.platform.repositories[CaseStore]

    @property
    def inbox(self):
        return self.platform.repositories[Inbox].delivered

    @property
    def audit_log(self):
        return self.platform.repositories[AuditLog].entries

    @property
    def timers(self):
        return self.platform.scheduler.timers

    def audit(self, action, object_type, object_id, summary):
        """The auditor a web view passes: the person's request records what the person did."""
        self.audited.append((action, object_type, object_id, summary))

    def run(self, work):
        """``work(workflows)`` in one unit of work, audited as a person's request would be."""
        with self.platform.unit_of_work() as uow:
            return work(Workflows(self.platform, uow, self.audit))

    def start(self, key="test.flow", initiator=WANG, unit=10, title="采购办公电脑", **fields):
        return self.run(lambda w: w.start(key, subject_type="general", subject_id="7", title=title,
                                          initiator_id=initiator, org_unit_id=unit, **fields))

    def case(self, case):
        return self.store.get(case.id if hasattr(case, "id") else case)

    def act(self, case, actor, action, **fields):
        stored = self.case(case)
        return self.run(lambda w: w.act(stored.id, actor_id=actor, action=action, expected_version=stored.version,
                                        **fields))

    def refused(self, case, actor, action, **fields) -> TransitionRefused:
        """The refusal ``action`` meets; asserts that nothing was stored, told or timed."""
        before, inbox, timers = self.case(case), len(self.inbox), dict(self.timers)
        with pytest.raises(TransitionRefused) as raised:
            self.act(case, actor, action, **fields)
        assert self.case(case) == before
        assert len(self.inbox) == inbox and self.timers == timers
        return raised.value

    def allowed(self, case, person):
        stored = self.case(case)
        return self.run(lambda w: w.engine.allowed_actions(stored, w.definition_of(stored), person))

    def move_to(self, *when):
        """Set the clock and fire the timers that are due, as the worker would."""
        self.clock.set(dt.datetime(*when, tzinfo=TZ))
        return self.platform.scheduler.fire_due(self.platform)

    def told(self, person, since=0):
        return [n.subject for n in self.inbox[since:] if n.recipient_id == person]


def pending(case):
    return sorted((task.assignee_id, task.kind) for task in case.pending_tasks())


def at(*when):
    return dt.datetime(*when, tzinfo=TZ)


# ---------------------------------------------------------------------------------------------
# Starting a case: who gets the first tasks


def test_start_gives_each_role_holder_of_the_unit_a_pool_task():
    world = World()
    case = world.start()
    assert (case.status, case.step_key, case.step_title, case.activation, case.version) == (
        STATUS_RUNNING, "a", "科室审核", 1, 1)
    # 李科长 holds the role in 办公室, 孙审核 without a scope; 赵科长 holds it in 财政局, so does not count.
    assert pending(case) == [(LI, TASK_POOL), (SUN, TASK_POOL)]
    assert [(h.actor_name, h.action, h.step_key) for h in case.history] == [("王发起", "start", None)]
    assert case.started_at == at(2026, 9, 28, 9) and case.ended_at is None and case.due_at is None
    assert (case.scope_type, case.scope_id) == ("org_unit", 10)
    assert pending(world.start(unit=20)) == [(ZHAO, TASK_POOL), (SUN, TASK_POOL)]
    # Without a unit only the unscoped holder remains.
    assert pending(world.start(unit=None)) == [(SUN, TASK_POOL)]


def test_a_role_held_in_a_unit_above_covers_the_unit():
    world = World(flow(approval("a", "局长审批", [Actor(ACTOR_ROLE, "director")])))
    assert pending(world.start(unit=10)) == [(ZHOU, TASK_POOL), (WU, TASK_POOL)]
    assert pending(world.start(unit=20)) == [(ZHOU, TASK_POOL)]


def test_role_in_a_column_scope():
    people = PEOPLE + [Person(20, "编辑甲", [("editor", "column", 5)]), Person(21, "编辑乙", [("editor", "column", 6)]),
                       Person(22, "编辑丙", [("editor", "org_unit", 10)])]
    world = World(flow(approval("a", "编辑审核", [Actor(ACTOR_ROLE, "editor")])), people=people)
    case = world.start(scope_type="column", scope_id=5)
    assert pending(case) == [(20, TASK_POOL)]
    assert (case.scope_type, case.scope_id, case.org_unit_id) == ("column", 5, 10)


def test_superior_role_resolves_in_the_parent_unit():
    world = World(flow(approval("a", "上级审批", [Actor(ACTOR_SUPERIOR_ROLE, "director")])))
    # 吴主任 is director of 办公室 itself, so is not its superior; 周局长 is director of the county.
    assert pending(world.start(unit=10)) == [(ZHOU, TASK_POOL)]
    # The county has no unit above it, and a case without a unit has no superior at all.
    for unit in (1, None):
        with pytest.raises(TransitionRefused) as raised:
            world.start(unit=unit)
        assert raised.value.message_zh == "步骤“上级审批”目前没有可办理的人员，请联系管理员设置审批人"


def test_named_person_and_applicant():
    world = World(flow(approval("a", "指定人", [Actor(ACTOR_PERSON, user_id=QIAN), Actor(ACTOR_APPLICANT)])))
    assert pending(world.start(initiator=WANG)) == [(WANG, TASK_POOL), (QIAN, TASK_POOL)]
    # A named person who left is skipped; a person named twice gets one task.
    world = World(flow(approval("a", "指定人", [Actor(ACTOR_PERSON, user_id=CHEN), Actor(ACTOR_PERSON, user_id=LI),
                                               CHIEFS])))
    assert pending(world.start()) == [(LI, TASK_POOL), (SUN, TASK_POOL)]


def test_inactive_role_holders_get_no_task():
    world = World(flow(approval("a", "会签", [SIGNERS], mode=MODE_ALL)))
    assert pending(world.start()) == [(JIA, TASK_VOTE), (YI, TASK_VOTE)]


def test_start_with_nobody_at_the_first_step_is_refused_and_stores_nothing():
    world = World(flow(approval("a", "空缺岗位", [VACANT])))
    with pytest.raises(TransitionRefused) as raised:
        world.start()
    assert raised.value.message_zh == "步骤“空缺岗位”目前没有可办理的人员，请联系管理员设置审批人"
    assert world.store.rows == {} and world.inbox == [] and world.timers == {} and world.platform.events == []


def test_start_needs_a_title():
    world = World()
    with pytest.raises(TransitionRefused) as raised:
        world.start(title="  ")
    assert raised.value.field == "title" and world.store.rows == {}


# ---------------------------------------------------------------------------------------------
# Deciding at a step


@pytest.mark.parametrize("mode", [MODE_SINGLE, MODE_ANY])
def test_first_of_the_pool_decides_and_closes_the_others_tasks(mode):
    world = World(flow(approval("a", "科室审核", mode=mode), approval("b", "复核", [Actor(ACTOR_PERSON, user_id=QIAN)])))
    case = world.start()
    case = world.act(case, SUN, APPROVE, opinion=" 同意 ")
    assert (case.status, case.step_key, case.activation) == (STATUS_RUNNING, "b", 2)
    first = {task.assignee_id: task for task in case.tasks if task.step_key == "a"}
    assert (first[SUN].status, first[SUN].outcome, first[SUN].acted_at) == (TASK_DONE, APPROVE, at(2026, 9, 28, 9))
    assert (first[LI].status, first[LI].outcome) == (TASK_CLOSED, "")
    assert pending(case) == [(QIAN, TASK_POOL)]
    assert case.history[-1].opinion == "同意"
    assert world.refused(case, LI, APPROVE).message_zh == "您现在不能对该事项执行“同意”操作"
    case = world.act(case, QIAN, APPROVE)
    assert (case.status, case.step_key, case.ended_at) == (STATUS_APPROVED, None, at(2026, 9, 28, 9))
    assert case.pending_tasks() == []


def test_countersign_needs_every_vote():
    world = World()
    case = world.act(world.start(), LI, APPROVE)
    assert pending(case) == [(JIA, TASK_VOTE), (YI, TASK_VOTE)]
    case = world.act(case, JIA, APPROVE)
    assert (case.step_key, pending(case)) == ("b", [(YI, TASK_VOTE)])
    assert world.allowed(case, JIA) == []  # voted already
    case = world.act(case, YI, APPROVE)
    assert case.status == STATUS_APPROVED
    assert [(t.assignee_id, t.status, t.outcome) for t in case.tasks if t.step_key == "b"] == [
        (JIA, TASK_DONE, APPROVE), (YI, TASK_DONE, APPROVE)]


def test_one_countersigner_rejecting_ends_the_step():
    world = World()
    case = world.act(world.start(), LI, APPROVE)
    case = world.act(case, JIA, APPROVE)
    case = world.act(case, YI, REJECT, opinion="预算超标")
    assert (case.status, case.step_key) == (STATUS_REJECTED, None)
    assert case.history[-1].detail == {"to": "办结（不通过）"}


def test_one_countersigner_returning_ends_the_step():
    world = World()
    case = world.act(world.start(), LI, APPROVE)
    case = world.act(case, JIA, RETURN, target="a", opinion="请补充报价")
    assert (case.status, case.step_key, case.activation) == (STATUS_RUNNING, "a", 3)
    assert [(t.assignee_id, t.status, t.outcome) for t in case.tasks if t.step_key == "b"] == [
        (JIA, TASK_DONE, RETURN), (YI, TASK_CLOSED, "")]
    assert pending(case) == [(LI, TASK_POOL), (SUN, TASK_POOL)]


def test_reject_ends_the_case_rejected():
    world = World()
    case = world.start()
    mark = len(world.inbox)
    case = world.act(case, LI, REJECT, opinion="不符合规定")
    assert (case.status, case.step_key, case.ended_at, case.due_at) == (STATUS_REJECTED, None, at(2026, 9, 28, 9), None)
    assert case.pending_tasks() == []
    entry = case.history[-1]
    assert (entry.actor_name, entry.action, entry.step_key, entry.opinion) == ("李科长", REJECT, "a", "不符合规定")
    assert world.told(WANG, mark) == ["未通过：采购办公电脑"]
    assert world.allowed(case, WANG) == [] and world.allowed(case, LI) == []


def test_reject_to_a_step_by_on_reject():
    world = World(flow(approval("a", "科室审核"), approval("b", "复核", [SIGNERS], on_reject="a")))
    case = world.act(world.start(), LI, APPROVE)
    case = world.act(case, JIA, REJECT, opinion="重新审核")
    assert (case.status, case.step_key, case.activation) == (STATUS_RUNNING, "a", 3)
    assert case.history[-1].detail == {"to": "科室审核"}
    assert pending(case) == [(LI, TASK_POOL), (SUN, TASK_POOL)]


THREE_STEPS = flow(approval("a", "科室审核"), approval("b", "复核", [SIGNERS]),
                   approval("c", "局长审批", [Actor(ACTOR_ROLE, "director")]))


def test_return_to_the_initiator():
    world = World(THREE_STEPS)
    case = world.act(world.start(), LI, APPROVE)
    assert world.run(lambda w: w.engine.return_targets(case, w.definition_of(case))) == [
        (START, "发起人"), ("a", "科室审核")]
    mark = len(world.inbox)
    case = world.act(case, JIA, RETURN, target=START, opinion="请补充材料")
    assert (case.status, case.step_key, case.step_title, case.due_at) == (STATUS_WITH_INITIATOR, None, "", None)
    assert case.pending_tasks() == [] and case.ended_at is None
    assert case.history[-1].detail == {"to": "发起人"}
    assert world.told(WANG, mark) == ["待处理：采购办公电脑"]
    assert world.allowed(case, WANG) == [RESUBMIT, CANCEL]


def test_return_to_an_earlier_step():
    world = World(THREE_STEPS)
    case = world.act(world.act(world.start(), LI, APPROVE), JIA, APPROVE)
    case = world.act(case, ZHOU, RETURN, target="a", opinion="请科室复查")
    assert (case.step_key, pending(case)) == ("a", [(LI, TASK_POOL), (SUN, TASK_POOL)])
    assert case.history[-1].detail == {"to": "科室审核"}


@pytest.mark.parametrize("target", ["b", "c", "nowhere", None, END_APPROVED])
def test_return_to_the_current_a_later_or_an_unknown_step_is_refused(target):
    world = World(THREE_STEPS)
    case = world.act(world.start(), LI, APPROVE)
    refusal = world.refused(case, JIA, RETURN, target=target, opinion="退回")
    assert (refusal.message_zh, refusal.field) == ("请选择退回到哪一步", "target")


@pytest.mark.parametrize("action, fields, message", [
    (REJECT, {}, "不同意时须填写理由"),
    (REJECT, {"opinion": "   "}, "不同意时须填写理由"),
    (RETURN, {"target": START}, "退回时须填写理由"),
    (APPROVE, {"opinion": "意" * 2001}, "意见不能超过 2000 字"),
])
def test_opinion_rules(action, fields, message):
    world = World()
    refusal = world.refused(world.start(), LI, action, **fields)
    assert (refusal.message_zh, refusal.field) == (message, "opinion")


def test_opinion_required_step():
    world = World(flow(approval("a", "科室审核", opinion_required=True)))
    case = world.start()
    assert world.refused(case, LI, APPROVE, opinion=" ").message_zh == "本步骤须填写审批意见"
    assert world.act(case, LI, APPROVE, opinion="同意采购").status == STATUS_APPROVED
    # Elsewhere approving needs no opinion.
    world = World()
    assert world.act(world.start(), LI, APPROVE).step_key == "b"


def test_transfer_moves_the_task():
    world = World()
    case = world.start()
    mark = len(world.inbox)
    case = world.act(case, LI, TRANSFER, person_id=QIAN, opinion="请钱办事员办理")
    assert pending(case) == [(SUN, TASK_POOL), (QIAN, TASK_POOL)]
    assert (case.history[-1].action, case.history[-1].detail) == (TRANSFER, {"person": "钱办事员"})
    assert world.told(QIAN, mark) == ["待办：采购办公电脑"]
    assert world.allowed(case, LI) == []
    assert world.act(case, QIAN, APPROVE).step_key == "b"


@pytest.mark.parametrize("action", [TRANSFER, ADD_SIGNER])
@pytest.mark.parametrize("person, message", [
    (LI, "李科长 已是本步骤的办理人"),  # oneself
    (SUN, "孙审核 已是本步骤的办理人"),  # already has a pending task
    (CHEN, "请选择一位在职的工作人员"),  # left
    (999, "请选择一位在职的工作人员"),  # no such person
    (None, "请选择一位在职的工作人员"),
])
def test_transfer_and_add_signer_refuse(action, person, message):
    world = World()
    refusal = world.refused(world.start(), LI, action, person_id=person)
    assert (refusal.message_zh, refusal.field) == (message, "person")


@pytest.mark.parametrize("action", [TRANSFER, ADD_SIGNER])
def test_a_countersigner_who_voted_cannot_take_another_vote(action):
    # Otherwise 甲 would approve twice and the countersign would pass without 乙 agreeing.
    world = World()
    case = world.act(world.act(world.start(), LI, APPROVE), JIA, APPROVE)
    refusal = world.refused(case, YI, action, person_id=JIA)
    assert (refusal.message_zh, refusal.field) == ("甲 已是本步骤的办理人", "person")


def test_a_pool_candidate_whom_another_decided_for_may_take_a_task():
    world = World()
    case = world.act(world.start(), LI, ADD_SIGNER, person_id=QIAN)
    case = world.act(case, SUN, APPROVE)  # closes 李科长's pool task without him acting
    case = world.act(case, QIAN, TRANSFER, person_id=LI)
    assert pending(case) == [(LI, TASK_VOTE)]


def test_add_signer_requires_an_extra_vote():
    world = World()
    case = world.start()
    mark = len(world.inbox)
    case = world.act(case, LI, ADD_SIGNER, person_id=QIAN)
    assert pending(case) == [(LI, TASK_POOL), (SUN, TASK_POOL), (QIAN, TASK_VOTE)]
    assert (case.history[-1].action, case.history[-1].detail) == (ADD_SIGNER, {"person": "钱办事员"})
    assert world.told(QIAN, mark) == ["待办：采购办公电脑"]
    case = world.act(case, SUN, APPROVE)
    # The pool decided, but the added signer has not: the case stays at the step.
    assert (case.step_key, pending(case)) == ("a", [(QIAN, TASK_VOTE)])
    case = world.act(case, QIAN, APPROVE)
    assert case.step_key == "b"


def test_add_signer_to_a_countersign():
    world = World()
    case = world.act(world.start(), LI, APPROVE)
    case = world.act(case, JIA, ADD_SIGNER, person_id=QIAN)
    case = world.act(world.act(case, JIA, APPROVE), YI, APPROVE)
    assert (case.status, pending(case)) == (STATUS_RUNNING, [(QIAN, TASK_VOTE)])
    assert world.act(case, QIAN, APPROVE).status == STATUS_APPROVED


def test_withdraw_by_the_initiator_only():
    world = World()
    case = world.start()
    assert world.refused(case, LI, WITHDRAW).message_zh == "您现在不能对该事项执行“撤回”操作"
    case = world.act(case, WANG, WITHDRAW, opinion="内容有误")
    assert (case.status, case.step_key, case.pending_tasks()) == (STATUS_WITH_INITIATOR, None, [])
    assert [(t.assignee_id, t.status) for t in case.tasks] == [(LI, TASK_CLOSED), (SUN, TASK_CLOSED)]
    assert (case.history[-1].action, case.history[-1].step_key) == (WITHDRAW, "a")
    world.refused(case, WANG, WITHDRAW)  # already with the initiator


def test_resubmit_starts_again_at_the_first_step():
    world = World()
    case = world.act(world.act(world.start(), LI, APPROVE), JIA, RETURN, target=START, opinion="补充")
    assert world.refused(case, LI, RESUBMIT).message_zh == "您现在不能对该事项执行“重新提交”操作"
    case = world.act(case, WANG, RESUBMIT, opinion="已补充")
    assert (case.status, case.step_key, case.activation) == (STATUS_RUNNING, "a", 4)
    assert pending(case) == [(LI, TASK_POOL), (SUN, TASK_POOL)]
    assert world.refused(case, WANG, RESUBMIT).message_zh == "您现在不能对该事项执行“重新提交”操作"


def test_cancel_only_when_with_the_initiator():
    world = World()
    case = world.start()
    world.refused(case, WANG, CANCEL)  # still running: withdraw first
    case = world.act(case, WANG, WITHDRAW)
    world.refused(case, LI, CANCEL)
    mark = len(world.inbox)
    case = world.act(case, WANG, CANCEL)
    assert (case.status, case.step_key, case.ended_at) == (STATUS_CANCELLED, None, at(2026, 9, 28, 9))
    assert world.told(WANG, mark) == ["已撤销：采购办公电脑"]
    for action in (RESUBMIT, CANCEL, WITHDRAW):
        world.refused(case, WANG, action)


def test_allowed_actions_per_person():
    world = World(flow(approval("a", "科室审核", [CHIEFS, Actor(ACTOR_APPLICANT)]),
                       publicity("p", "公示", on_objection="a")))
    case = world.start()
    decide = [APPROVE, REJECT, RETURN, TRANSFER, ADD_SIGNER]
    assert world.allowed(case, LI) == decide
    assert world.allowed(case, WANG) == decide + [WITHDRAW]  # the applicant acts here and started it
    assert world.allowed(case, ZHAO) == [] and world.allowed(case, QIAN) == []
    case = world.act(case, LI, APPROVE)
    assert case.step_key == "p"
    assert world.allowed(case, QIAN) == [OBJECT] and world.allowed(case, LI) == [OBJECT]
    assert world.allowed(case, WANG) == [OBJECT, WITHDRAW]
    case = world.act(case, WANG, WITHDRAW)
    assert world.allowed(case, WANG) == [RESUBMIT, CANCEL] and world.allowed(case, LI) == []
    case = world.act(case, WANG, CANCEL)
    assert world.allowed(case, WANG) == []


def test_unknown_action_is_refused():
    world = World()
    assert world.refused(world.start(), LI, "publish").message_zh == "您现在不能对该事项执行“publish”操作"


def test_a_person_cannot_move_a_case_to_a_step_nobody_can_act_at():
    world = World(flow(approval("a", "科室审核"), approval("b", "空缺岗位", [VACANT])))
    case = world.start()
    refusal = world.refused(case, LI, APPROVE)
    assert refusal.message_zh == "步骤“空缺岗位”目前没有可办理的人员，请联系管理员设置审批人"
    assert world.case(case).step_key == "a" and pending(world.case(case)) == [(LI, TASK_POOL), (SUN, TASK_POOL)]


def test_a_timer_sends_a_case_bound_for_a_step_nobody_can_act_at_back_to_the_initiator():
    world = World(flow(approval("a", "科室审核"), publicity("p", "公示", on_objection="a", amount=1),
                       approval("b", "空缺岗位", [VACANT])), at=dt.datetime(2026, 9, 30, 9))
    case = world.act(world.start(), LI, APPROVE)
    mark = len(world.inbox)
    assert world.move_to(2026, 10, 2, 0, 0) == [timer_id(case.id, EXPIRE, case.activation)]
    case = world.case(case)
    assert (case.status, case.step_key, case.pending_tasks()) == (STATUS_WITH_INITIATOR, None, [])
    assert [(h.actor_name, h.action, h.step_key, h.detail) for h in case.history[-2:]] == [
        ("系统", EXPIRE, "p", {"objections": "0"}),
        ("系统", RETURN, "b", {"to": "发起人", "reason": "无可办理人员"})]
    assert world.told(WANG, mark) == ["待处理：采购办公电脑"]
    assert world.timers == {}


# ---------------------------------------------------------------------------------------------
# Deadlines, reminders and escalation


@pytest.mark.parametrize("started, days, due", [
    # 3 working days from Wednesday 30 September: 8, 9 and (adjusted) Saturday 10 October.
    ((2026, 9, 30, 9), 3, (2026, 10, 11)),
    ((2026, 9, 30, 9), 1, (2026, 10, 9)),  # Thursday 8 October
    ((2026, 9, 30, 9), 4, (2026, 10, 13)),
    ((2026, 9, 30, 23, 59), 2, (2026, 10, 10)),
    # Friday 18 September: the next working day is the adjusted Sunday, 20 September.
    ((2026, 9, 18, 17), 1, (2026, 9, 21)),
    # Thursday 24 September: 中秋 takes Friday to Sunday.
    ((2026, 9, 24, 10), 1, (2026, 9, 29)),
])
def test_working_day_deadlines_skip_holidays_and_count_adjusted_working_days(started, days, due):
    world = World(flow(approval("a", "科室审核", deadline=Duration(days, UNIT_WORKING_DAYS))),
                  at=dt.datetime(*started))
    case = world.start()
    assert case.due_at == at(*due)
    assert {task.due_at for task in case.pending_tasks()} == {at(*due)}


def test_national_day_deadline_arms_a_reminder_and_an_escalation():
    world = World(flow(approval("a", "科室审核", deadline=Duration(3, UNIT_WORKING_DAYS))), at=dt.datetime(2026, 9, 30, 9))
    case = world.start()
    assert case.due_at == dt.datetime(2026, 10, 11, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert {(t.job_id, t.when, t.kwargs["activation"]) for t in world.timers.values()} == {
        (timer_id(case.id, REMIND, case.activation), at(2026, 10, 10), 1), (timer_id(case.id, ESCALATE, case.activation), at(2026, 10, 11), 1)}
    assert all(t.func == "govcore.workflow.service:fire_timer" for t in world.timers.values())


def test_deadline_in_hours_ignores_holidays():
    world = World(flow(approval("a", "科室审核", deadline=Duration(48, UNIT_HOURS))), at=dt.datetime(2026, 9, 30, 9))
    case = world.start()
    assert case.due_at == at(2026, 10, 2, 9)
    assert world.timers[timer_id(case.id, REMIND, case.activation)].when == at(2026, 10, 1, 9)


def test_no_reminder_when_its_time_has_passed_or_reminders_are_off():
    world = World(flow(approval("a", "科室审核", deadline=Duration(12, UNIT_HOURS))))
    case = world.start()
    assert set(world.timers) == {timer_id(case.id, ESCALATE, case.activation)}
    world = World(flow(approval("a", "科室审核", deadline=Duration(3, UNIT_WORKING_DAYS)), reminder_hours=0))
    case = world.start()
    assert set(world.timers) == {timer_id(case.id, ESCALATE, case.activation)}


def test_no_timers_without_a_deadline():
    world = World()
    world.start()
    assert world.timers == {}


DEADLINE_FLOW = flow(approval("a", "科室审核", deadline=Duration(3, UNIT_WORKING_DAYS)), approval("b", "复核", [SIGNERS]))


def test_reminder_tells_the_people_with_tasks():
    world = World(DEADLINE_FLOW, at=dt.datetime(2026, 9, 30, 9))
    case = world.start()
    mark = len(world.inbox)
    assert world.move_to(2026, 10, 9, 23, 59) == []
    assert world.move_to(2026, 10, 10, 0, 0) == [timer_id(case.id, REMIND, case.activation)]
    assert {n.recipient_id: n.subject for n in world.inbox[mark:]} == {LI: "即将到期：采购办公电脑", SUN: "即将到期：采购办公电脑"}
    assert "将于 2026-10-11 00:00 到期" in world.inbox[-1].body
    after = world.case(case)
    assert (after.step_key, after.history, pending(after)) == ("a", case.history, pending(case))
    assert set(world.timers) == {timer_id(case.id, ESCALATE, case.activation)}


def test_escalation_at_the_deadline_tells_the_unit_leader():
    world = World(DEADLINE_FLOW, at=dt.datetime(2026, 9, 30, 9))
    case = world.start()
    world.move_to(2026, 10, 10, 12)
    assert not world.case(case).is_overdue(world.clock.now())
    mark = len(world.inbox)
    assert world.move_to(2026, 10, 11, 0, 0) == [timer_id(case.id, ESCALATE, case.activation)]
    case = world.case(case)
    assert case.is_overdue(at(2026, 10, 11, 0, 1))
    assert all(task.escalated for task in case.pending_tasks())
    told = {(n.recipient_id, n.subject) for n in world.inbox[mark:]}
    # 郑领导 leads 办公室, the case's unit; 冯领导 leads 财政局 and hears nothing.
    assert told == {(ZHENG, "超期督办：采购办公电脑"), (LI, "已超期：采购办公电脑"), (SUN, "已超期：采购办公电脑")}
    leader = next(n for n in world.inbox[mark:] if n.recipient_id == ZHENG)
    assert "办理人：李科长、孙审核" in leader.body and leader.link == f"/admin/tasks/cases/{case.id}"
    entry = case.history[-1]
    assert (entry.actor_id, entry.actor_name, entry.action, entry.detail) == (None, "系统", ESCALATE,
                                                                            {"person": "李科长、孙审核"})
    assert world.timers == {}
    # Still the same step: escalation tells, it does not decide.
    assert world.act(case, LI, APPROVE).step_key == "b"


def test_escalation_to_another_role_or_to_nobody():
    definition = flow(approval("a", "科室审核", deadline=Duration(1, UNIT_HOURS)), escalate_role="director")
    world = World(definition)
    world.start()
    mark = len(world.inbox)
    world.move_to(2026, 9, 28, 10)
    assert {n.recipient_id for n in world.inbox[mark:] if n.subject.startswith("超期督办")} == {ZHOU, WU}
    world = World(flow(approval("a", "科室审核", deadline=Duration(1, UNIT_HOURS)), escalate_role=""))
    case = world.start()
    mark = len(world.inbox)
    world.move_to(2026, 9, 28, 10)
    assert {n.recipient_id for n in world.inbox[mark:]} == {LI, SUN}
    assert world.case(case).history[-1].action == ESCALATE


def test_timers_of_a_step_the_case_left_are_cancelled_and_would_do_nothing():
    world = World(DEADLINE_FLOW, at=dt.datetime(2026, 9, 30, 9))
    case = world.start()
    case = world.act(case, LI, APPROVE)
    assert world.timers == {}  # step b has no deadline; a's timers are cancelled
    assert world.move_to(2026, 10, 12) == []
    # A timer that escaped cancellation (it was already running) finds another activation.
    for kind in (REMIND, ESCALATE, EXPIRE):
        assert world.run(lambda w: w.fire(case.id, kind, 1)) is None
    assert world.case(case) == case
    assert world.run(lambda w: w.fire(999, ESCALATE, 1)) is None


def test_the_next_step_gets_its_own_deadline():
    definition = flow(approval("a", "科室审核", deadline=Duration(1, UNIT_WORKING_DAYS)),
                      approval("b", "复核", [SIGNERS], deadline=Duration(2, UNIT_WORKING_DAYS)))
    world = World(definition, at=dt.datetime(2026, 9, 30, 9))
    case = world.start()
    assert case.due_at == at(2026, 10, 9)
    world.clock.set(at(2026, 10, 8, 15))
    case = world.act(case, LI, APPROVE)
    # From Thursday 8 October: Friday 9 and Saturday 10 (adjusted).
    assert case.due_at == at(2026, 10, 11) and {t.due_at for t in case.pending_tasks()} == {at(2026, 10, 11)}
    assert {t.kwargs["activation"] for t in world.timers.values()} == {2}
    assert world.timers[timer_id(case.id, ESCALATE, case.activation)].when == at(2026, 10, 11)


# ---------------------------------------------------------------------------------------------
# Publicity periods


def publicity_world(amount=5, unit=UNIT_CALENDAR_DAYS, after=()):
    definition = flow(approval("a", "村委审核"), publicity("p", "公示", on_objection="a", amount=amount, unit=unit),
                      *after)
    world = World(definition, at=dt.datetime(2026, 9, 30, 9))
    return world, world.act(world.start(), LI, APPROVE)


def test_publicity_in_calendar_days_ends_by_timer_and_moves_on():
    world, case = publicity_world()
    assert (case.step_key, case.pending_tasks(), case.due_at) == ("p", [], at(2026, 10, 6))
    timer = world.timers[timer_id(case.id, EXPIRE, case.activation)]
    assert (timer.when, timer.kwargs["activation"]) == (at(2026, 10, 6), case.activation)
    assert world.move_to(2026, 10, 5, 23, 59) == []
    mark = len(world.inbox)
    assert world.move_to(2026, 10, 6, 0, 0) == [timer_id(case.id, EXPIRE, case.activation)]
    case = world.case(case)
    assert (case.status, case.ended_at) == (STATUS_APPROVED, at(2026, 10, 6))
    assert (case.history[-1].action, case.history[-1].detail) == (EXPIRE, {"objections": "0"})
    assert world.told(WANG, mark) == ["已通过：采购办公电脑"]


def test_publicity_in_working_days():
    # 5 working days from 30 September: 8, 9, 10 (adjusted Saturday), 12 and 13 October.
    world, case = publicity_world(unit=UNIT_WORKING_DAYS)
    assert case.due_at == at(2026, 10, 14)
    assert world.move_to(2026, 10, 13, 12) == []
    assert world.move_to(2026, 10, 14) == [timer_id(case.id, EXPIRE, case.activation)]


def test_publicity_expiry_leads_to_the_next_step():
    world, case = publicity_world(after=[approval("c", "乡镇备案", [Actor(ACTOR_SUPERIOR_ROLE, "director")])])
    world.move_to(2026, 10, 6)
    case = world.case(case)
    assert (case.status, case.step_key, pending(case)) == (STATUS_RUNNING, "c", [(ZHOU, TASK_POOL)])


def test_an_objection_sends_the_case_to_on_objection():
    world, case = publicity_world()
    world.clock.set(at(2026, 10, 2, 10))
    refusal = world.refused(case, QIAN, OBJECT, opinion=" ")
    assert (refusal.message_zh, refusal.field) == ("请写明异议内容", "opinion")
    case = world.act(case, QIAN, OBJECT, opinion="公示金额与实际不符")
    assert [(o.by_id, o.by_name, o.text, o.at) for o in case.current_objections()] == [
        (QIAN, "钱办事员", "公示金额与实际不符", at(2026, 10, 2, 10))]
    assert case.step_key == "p"  # an objection waits for the end of the period
    world.move_to(2026, 10, 6)
    case = world.case(case)
    assert (case.status, case.step_key, pending(case)) == (STATUS_RUNNING, "a", [(LI, TASK_POOL), (SUN, TASK_POOL)])
    assert case.history[-1].detail == {"objections": "1"}


def test_a_public_objection_from_a_villager():
    world, case = publicity_world()
    for name, text in (("", "有异议"), ("村民张某", " ")):
        with pytest.raises(TransitionRefused):
            world.run(lambda w: w.lodge_public_objection(case.id, name=name, text=text))
    assert world.case(case) == case
    case = world.run(lambda w: w.lodge_public_objection(case.id, name=" 村民张某 ", text="面积有误"))
    assert [(o.by_id, o.by_name, o.text) for o in case.objections] == [(None, "村民张某", "面积有误")]
    entry = case.history[-1]
    assert (entry.actor_id, entry.actor_name, entry.action, entry.detail) == (None, "系统", OBJECT, {"person": "村民张某"})
    world.move_to(2026, 10, 6)
    assert world.case(case).step_key == "a"


def test_public_objection_outside_publicity_is_refused():
    world = World()
    case = world.start()
    with pytest.raises(TransitionRefused) as raised:
        world.run(lambda w: w.lodge_public_objection(case.id, name="村民张某", text="有异议"))
    assert raised.value.message_zh == "该事项不在公示期内，不能提出异议"
    assert world.case(case) == case


def test_objections_of_an_earlier_publicity_period_do_not_count():
    world, case = publicity_world()
    case = world.act(case, QIAN, OBJECT, opinion="有异议")
    world.move_to(2026, 10, 6)
    case = world.act(world.case(case), LI, APPROVE, opinion="已核实更正")
    assert case.step_key == "p" and case.current_objections() == [] and len(case.objections) == 1
    assert case.due_at == at(2026, 10, 12)
    world.move_to(2026, 10, 12)
    assert world.case(case).status == STATUS_APPROVED


def test_a_stale_publicity_timer_does_nothing():
    world, case = publicity_world()
    activation = case.activation
    case = world.act(case, WANG, WITHDRAW, opinion="材料有误")
    assert world.timers == {}
    assert world.run(lambda w: w.fire(case.id, EXPIRE, activation)) is None
    case = world.act(case, WANG, RESUBMIT)
    case = world.act(case, LI, APPROVE)
    assert world.run(lambda w: w.fire(case.id, EXPIRE, activation)) is None
    assert world.case(case).step_key == "p"
    # Reminders and escalation mean nothing during publicity.
    assert world.run(lambda w: w.fire(case.id, ESCALATE, case.activation)) is None
    assert world.run(lambda w: w.fire(case.id, REMIND, case.activation)) is None


# ---------------------------------------------------------------------------------------------
# Versions, locking, notifications, audit, events


def test_a_running_case_keeps_the_version_it_started_with():
    world = World()
    old = world.start()
    assert old.definition_version == 1
    changed = flow(approval("a", "科室审核"), approval("x", "分管领导", [Actor(ACTOR_PERSON, user_id=QIAN)]),
                   approval("b", "会签", [SIGNERS], mode=MODE_ALL))
    stored = world.run(lambda w: w.save_definition(changed, author_id=WANG, note="增加分管领导"))
    assert (stored.definition.version, stored.origin, stored.author_id, stored.note) == (2, "county", WANG, "增加分管领导")
    assert world.audited[-1][:3] == ("workflow.definition_save", "workflow_definition", "test.flow")
    new = world.start()
    assert new.definition_version == 2
    assert world.act(old, LI, APPROVE).step_key == "b"  # v1: straight to the countersign
    assert world.act(new, LI, APPROVE).step_key == "x"
    assert world.run(lambda w: w.definition_of(world.case(old))).version == 1


def test_saving_an_unchanged_definition_makes_no_new_version():
    world = World()
    world.start()
    audited = len(world.audited)
    same = world.run(lambda w: w.save_definition(TWO_STEPS, author_id=WANG))
    assert same.definition.version == 1 and same.origin == "plugin"
    assert len(world.run(lambda w: w.definitions.versions("test.flow"))) == 1
    assert len(world.audited) == audited


def test_acting_on_a_stale_version_changes_nothing():
    world = World()
    case = world.start()
    seen = case.version
    world.act(case, SUN, TRANSFER, person_id=QIAN)
    before, inbox = world.case(case), len(world.inbox)
    with pytest.raises(ConcurrentChange) as raised:
        world.run(lambda w: w.act(case.id, actor_id=LI, action=APPROVE, expected_version=seen))
    assert raised.value.message_zh == "该事项刚刚已被他人办理，您的操作未保存。请查看最新状态后再操作。"
    assert world.case(case) == before and len(world.inbox) == inbox


def test_two_people_deciding_the_same_step_at_once_make_one_transition():
    world = World()
    case = world.start()
    # Both read version 1; the store refuses the second save.
    with world.platform.unit_of_work() as uow:
        first, second = Workflows(world.platform, uow), Workflows(world.platform, uow)
        mine, theirs = first.case(case.id), second.case(case.id)
        first.engine.act(mine, first.definition_of(mine), actor_id=LI, action=APPROVE)
        second.engine.act(theirs, second.definition_of(theirs), actor_id=SUN, action=APPROVE)
        first.cases.save(mine)
        with pytest.raises(ConcurrentChange):
            second.cases.save(theirs)
    stored = world.case(case)
    assert stored.version == 2 and [h.actor_id for h in stored.history] == [WANG, LI]


def test_who_is_told_what():
    world = World()
    case = world.start()
    assert [(n.recipient_id, n.subject) for n in world.inbox] == [(LI, "待办：采购办公电脑"), (SUN, "待办：采购办公电脑")]
    first = world.inbox[0]
    assert first.body == "请办理“采购办公电脑”的“科室审核”步骤，办理时限：无。"
    assert (first.link, first.email) == (f"/admin/tasks/cases/{case.id}", "li@example.com")
    # Mail goes out after the commit, to those with an address.
    assert [m.to for m in world.platform.mail.sent] == [("li@example.com",)]
    mark = len(world.inbox)
    case = world.act(case, LI, APPROVE)
    assert [(n.recipient_id, n.subject) for n in world.inbox[mark:]] == [(JIA, "待办：采购办公电脑"), (YI, "待办：采购办公电脑")]
    mark = len(world.inbox)
    case = world.act(case, JIA, APPROVE)
    assert world.inbox[mark:] == []  # a vote that does not decide tells nobody
    case = world.act(case, YI, APPROVE)
    assert [(n.recipient_id, n.subject, n.body) for n in world.inbox[mark:]] == [
        (WANG, "已通过：采购办公电脑", "您发起的“采购办公电脑”已办结。")]
    assert world.platform.mail.sent[-1].to == ("wang@example.com",)


def test_person_actions_go_to_the_given_auditor_and_timers_to_the_system_auditor():
    world, case = publicity_world()
    assert [(a, t, o) for a, t, o, _ in world.audited] == [
        ("workflow.start", "workflow_case", case.id), ("workflow.approve", "workflow_case", case.id)]
    assert world.audited[-1][3] == {"definition": "test.flow@1", "from": "a", "to": "p", "status": STATUS_RUNNING,
                                    "subject": "general:7"}
    assert world.audit_log == []
    world.move_to(2026, 10, 6)
    [entry] = world.audit_log
    assert (entry.actor_id, entry.actor_login, entry.action, entry.object_type, entry.object_id, entry.at) == (
        None, "system", "workflow.expire", "workflow_case", str(case.id), at(2026, 10, 6))
    assert json.loads(entry.summary) == {"definition": "test.flow@1", "from": "p", "to": None,
                                         "status": STATUS_APPROVED, "subject": "general:7"}


def test_case_transitioned_events():
    world, case = publicity_world()
    world.move_to(2026, 10, 6)
    assert world.platform.events == [
        CaseTransitioned(case.id, "test.flow", "general", "7", "start", None, "a", STATUS_RUNNING),
        CaseTransitioned(case.id, "test.flow", "general", "7", "approve", "a", "p", STATUS_RUNNING),
        CaseTransitioned(case.id, "test.flow", "general", "7", "expire", "p", None, STATUS_APPROVED),
    ]


def test_history_is_a_timeline_of_who_did_what():
    world = World(at=dt.datetime(2026, 9, 28, 9))
    case = world.start()
    world.clock.advance(hours=1)
    case = world.act(case, LI, APPROVE, opinion="同意")
    world.clock.advance(hours=1)
    case = world.act(case, JIA, RETURN, target=START, opinion="补充报价")
    world.clock.advance(hours=1)
    case = world.act(case, WANG, RESUBMIT, opinion="已补充")
    assert [(h.at.hour, h.actor_name, h.action, h.step_title, h.opinion) for h in case.history] == [
        (9, "王发起", "start", "", ""), (10, "李科长", "approve", "科室审核", "同意"),
        (11, "甲", "return", "会签", "补充报价"), (12, "王发起", "resubmit", "", "已补充")]
    assert all(h.id is not None for h in case.history) and all(t.id is not None for t in case.tasks)
