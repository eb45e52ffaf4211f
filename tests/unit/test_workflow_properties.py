"""Random procedures, random people doing random things, time passing: no case ends up undefined."""

import datetime as dt

from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from govcore.workflow.case import (ADD_SIGNER, APPROVE, CANCEL, ESCALATE, EXPIRE, OBJECT, PERSON_ACTIONS, REJECT,
                                   REMIND, RESUBMIT, RETURN, STATUS_APPROVED, STATUS_CANCELLED, STATUS_REJECTED,
                                   STATUS_RUNNING, STATUS_WITH_INITIATOR, TASK_DONE, TASK_PENDING, TASK_POOL, TASK_VOTE,
                                   TIMER_KINDS, TRANSFER, WITHDRAW)
from govcore.workflow.definition import (ACTOR_APPLICANT, ACTOR_PERSON, ACTOR_ROLE, ACTOR_SUPERIOR_ROLE, DEADLINE_UNITS,
                                         END_APPROVED, END_REJECTED, MODE_ALL, MODES, PUBLICITY_UNITS, START,
                                         STEP_PUBLICITY, Actor, Definition, Duration, Step, validate)
from govcore.workflow.engine import ConcurrentChange, TransitionRefused
from govcore.workflow.service import CaseStore, Workflows, timer_id
from ports.notifier import Inbox
from tests.fakes.workflow import FakeDirectory, Person, workflow_platform

STATUSES = {STATUS_RUNNING, STATUS_WITH_INITIATOR, STATUS_APPROVED, STATUS_REJECTED, STATUS_CANCELLED}
ENDED = {STATUS_APPROVED, STATUS_REJECTED, STATUS_CANCELLED}
INITIATOR, OUTSIDER, LEFT = 1, 7, 8
STAFF = [
    Person(INITIATOR, "发起人"),
    Person(2, "科长", [("chief", "org_unit", 10)]),
    Person(3, "副科长", [("chief", None, None)]),
    Person(4, "甲", [("signer", None, None)]),
    Person(5, "乙", [("signer", None, None)]),
    Person(6, "局长", [("director", "org_unit", 1)]),
    Person(OUTSIDER, "办事员"),
    Person(LEFT, "离职", [("signer", None, None)], active=False),
    Person(9, "领导", [("unit_leader", "org_unit", 10)]),
]
ROLES = {"chief", "signer", "director", "unit_leader", "vacant"}
PEOPLE = [person.id for person in STAFF]
# Actors somebody can always act as, and actors that leave a step without anybody.
PRESENT = [Actor(ACTOR_ROLE, "chief"), Actor(ACTOR_ROLE, "signer"), Actor(ACTOR_SUPERIOR_ROLE, "director"),
           Actor(ACTOR_PERSON, user_id=OUTSIDER), Actor(ACTOR_APPLICANT)]
NOBODY = [Actor(ACTOR_ROLE, "vacant"), Actor(ACTOR_PERSON, user_id=LEFT)]
WAIT = "wait"
FORM_ORDER = (APPROVE, RESUBMIT, OBJECT, RETURN, REJECT, TRANSFER, ADD_SIGNER, WITHDRAW, CANCEL)
OPINIONS = ["", " ", "同意", "请补充材料", "意" * 2001]


@st.composite
def definitions(draw):
    """A valid procedure of one to five steps; invalid drafts are thrown away."""
    keys = [f"s{n}" for n in range(draw(st.integers(1, 5)))]

    def edge(key, ends):
        return draw(st.one_of(st.none(), st.sampled_from([k for k in keys if k != key] + ends))) \
            if draw(st.integers(0, 3)) == 0 else None

    steps = []
    for position, key in enumerate(keys):
        if position and draw(st.integers(0, 2)) == 0:
            steps.append(Step(key, f"公示{position}", kind=STEP_PUBLICITY,
                              publicity=Duration(draw(st.integers(1, 3)), draw(st.sampled_from(PUBLICITY_UNITS))),
                              on_objection=draw(st.sampled_from([k for k in keys if k != key])),
                              next=edge(key, [END_APPROVED])))
            continue
        # Every case can start; a later step may have nobody, which a person may not move the case
        # to and a timer sends back to the initiator.
        staffed = position == 0 or draw(st.integers(0, 2)) > 0
        actors = draw(st.lists(st.sampled_from(PRESENT if staffed else NOBODY), min_size=1, max_size=3, unique=True))
        steps.append(Step(
            key, f"步骤{position}", actors=tuple(actors), mode=draw(st.sampled_from(MODES)),
            opinion_required=draw(st.booleans()),
            deadline=draw(st.none() | st.builds(Duration, st.integers(1, 3), st.sampled_from(DEADLINE_UNITS))),
            next=edge(key, [END_APPROVED]), on_reject=edge(key, [END_REJECTED]) or END_REJECTED,
        ))
    definition = Definition("prop.flow", "随机流程", tuple(steps), reminder_hours=draw(st.sampled_from([0, 2, 24])))
    assume(validate(definition, ROLES) == [])
    return definition


class RandomCase(RuleBasedStateMachine):
    """One case of a random procedure; after every rule the stored case must be well defined."""

    case_id = None

    @initialize(definition=definitions(), hours=st.integers(0, 24 * 20))
    def start(self, definition, hours):
        self.definition = definition
        directory = FakeDirectory([Person(p.id, p.name, list(p.roles), p.active) for p in STAFF], {1: None, 10: 1},
                                  set(ROLES))
        # Somewhen in the three weeks around 中秋 and 国庆.
        self.platform = workflow_platform(directory, [definition],
                                          at=dt.datetime(2026, 9, 20, 8) + dt.timedelta(hours=hours))
        try:
            with self.platform.unit_of_work() as uow:
                self.case_id = Workflows(self.platform, uow).start(
                    "prop.flow", subject_type="general", subject_id="1", title="随机事项", initiator_id=INITIATOR,
                    org_unit_id=10).id
        except TransitionRefused:
            assert self.store.rows == {} and self.platform.scheduler.timers == {}
        self.seen = self.stored()

    # -- helpers ------------------------------------------------------------------------------

    @property
    def store(self):
        return self.platform.repositories[CaseStore]

    def stored(self):
        """The stored case, read-only: the fake store replaces it on every save and never changes it in place."""
        return self.store.rows.get(self.case_id)

    def attempt(self, work):
        """Run ``work`` in a unit of work; a refusal must leave everything as it was."""
        before, timers = self.stored(), dict(self.platform.scheduler.timers)
        told = len(self.platform.repositories[Inbox].delivered)
        try:
            with self.platform.unit_of_work() as uow:
                work(Workflows(self.platform, uow))
        except (TransitionRefused, ConcurrentChange):
            assert self.stored() == before
            assert self.platform.scheduler.timers == timers
            assert len(self.platform.repositories[Inbox].delivered) == told

    def act(self, person, action, target, person_id, opinion, version=None):
        version = self.stored().version if version is None else version
        self.attempt(lambda w: w.act(self.case_id, actor_id=person, action=action, expected_version=version,
                                     opinion=opinion, target=target, person_id=person_id))

    # -- rules --------------------------------------------------------------------------------

    @precondition(lambda self: self.case_id is not None)
    @rule(person=st.sampled_from(PEOPLE), action=st.sampled_from(PERSON_ACTIONS + ("publish",)),
          to=st.sampled_from([None, START, "s0", "s1", "s2", "s3", "s4", "nowhere", END_APPROVED]),
          person_id=st.sampled_from([None, 99, *PEOPLE]), opinion=st.sampled_from(OPINIONS))
    def anybody_tries_anything(self, person, action, to, person_id, opinion):
        self.act(person, action, to, person_id, opinion)

    @precondition(lambda self: self.case_id is not None)
    @rule(data=st.data())
    def somebody_does_what_the_form_offers(self, data):
        case = self.stored()
        with self.platform.unit_of_work() as uow:
            engine = Workflows(self.platform, uow).engine
            offered = {person: engine.allowed_actions(case, self.definition, person) for person in PEOPLE}
            targets = [key for key, _title in engine.return_targets(case, self.definition)]
        # Moving forward comes first and more often (Hypothesis favours the first choices), or few
        # cases would get past their first step.
        actions = [action for action in FORM_ORDER if any(action in offered[person] for person in PEOPLE)]
        if not actions:
            return
        # Or nobody acts until the deadline or the end of the publicity period.
        waiting = [WAIT] if case.due_at is not None and self.platform.clock.now() < case.due_at else []
        action = data.draw(st.sampled_from([a for a in actions if a in (APPROVE, RESUBMIT)] * 3 + waiting + actions))
        if action == WAIT:
            self.platform.clock.set(case.due_at)
            self.platform.scheduler.fire_due(self.platform)
            return
        person = data.draw(st.sampled_from([person for person, actions in offered.items() if action in actions]))
        target = data.draw(st.sampled_from(targets)) if action == RETURN and targets else None
        opinion = data.draw(st.sampled_from(["同意", "不同意，请修改", ""]))
        # Transfers and added signers go to people of this step first: the cases most likely to be wrong.
        involved = [task.assignee_id for task in case.tasks if task.activation == case.activation]
        self.act(person, action, target, data.draw(st.sampled_from(involved + PEOPLE)), opinion)

    @precondition(lambda self: self.case_id is not None)
    @rule(name=st.sampled_from(["", "村民张某"]), text=st.sampled_from(["", "公示内容有误"]))
    def a_villager_objects(self, name, text):
        self.attempt(lambda w: w.lodge_public_objection(self.case_id, name=name, text=text))

    @precondition(lambda self: self.case_id is not None and self.stored().version > 1)
    @rule(person=st.sampled_from(PEOPLE), action=st.sampled_from(PERSON_ACTIONS))
    def somebody_submits_an_old_form(self, person, action):
        self.act(person, action, START, OUTSIDER, "同意", version=self.stored().version - 1)

    @precondition(lambda self: self.case_id is not None)
    @rule(hours=st.sampled_from([24, 3, 24 * 3, 1, 12, 24 * 10]))
    def time_passes(self, hours):
        self.platform.clock.advance(hours=hours)
        self.platform.scheduler.fire_due(self.platform)

    @precondition(lambda self: self.case_id is not None)
    @rule(kind=st.sampled_from(TIMER_KINDS), back=st.integers(0, 2))
    def a_timer_fires_late(self, kind, back):
        """A timer that escaped cancellation (it was already running) fires for an old or current activation."""
        activation = self.stored().activation - back
        with self.platform.unit_of_work() as uow:
            Workflows(self.platform, uow).fire(self.case_id, kind, activation)

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def case_is_well_defined(self):
        case = self.stored()
        if case is None:
            return
        assert case.status in STATUSES
        assert (case.status == STATUS_RUNNING) == (case.step_key is not None
                                                   and self.definition.has_step(case.step_key))
        pending = case.pending_tasks()
        if case.status != STATUS_RUNNING:
            assert case.step_key is None and case.step_title == "" and case.due_at is None
            assert pending == [] and [t for t in case.tasks if t.status == TASK_PENDING] == []
        assert (case.ended_at is not None) == (case.status in ENDED)
        assert all(task.activation <= case.activation for task in case.tasks)
        # Tasks of earlier activations are all closed or done.
        assert all(task.activation == case.activation for task in case.tasks if task.status == TASK_PENDING)
        assert len({task.assignee_id for task in pending}) == len(pending)
        assert LEFT not in {task.assignee_id for task in pending}  # nobody who left is given a task
        if case.status == STATUS_RUNNING:
            self.running_step_is_well_defined(case, pending)
        self.timers_belong_to_the_current_activation(case)
        self.nothing_is_forgotten(case)

    def running_step_is_well_defined(self, case, pending):
        step = self.definition.step(case.step_key)
        assert case.step_title == step.title
        if step.is_publicity:
            assert pending == []
            timer = self.platform.scheduler.timers.get(timer_id(case.id, EXPIRE, case.activation))
            assert timer is not None and (timer.when, timer.kwargs["activation"]) == (case.due_at, case.activation)
            return
        assert len(pending) >= 1
        assert all(task.step_key == step.key for task in pending)
        if step.mode == MODE_ALL:
            assert all(task.kind == TASK_VOTE for task in case.tasks if task.activation == case.activation)
        current = [task for task in case.tasks if task.activation == case.activation]
        deciders = [task.assignee_id for task in current if task.status in (TASK_PENDING, TASK_DONE)]
        assert len(deciders) == len(set(deciders))  # one say per person: nobody votes twice at a step
        if any(task.kind == TASK_POOL and task.status == TASK_DONE for task in current):
            assert not [task for task in pending if task.kind == TASK_POOL]  # the first of a pool decided
        if step.deadline is None:
            assert case.due_at is None
        elif self.platform.clock.now() < case.due_at:
            escalation = self.platform.scheduler.timers.get(timer_id(case.id, ESCALATE, case.activation))
            assert escalation is not None and escalation.when == case.due_at

    def timers_belong_to_the_current_activation(self, case):
        timers = {kind: self.platform.scheduler.timers.get(timer_id(case.id, kind, case.activation)) for kind in TIMER_KINDS}
        if case.status != STATUS_RUNNING:
            assert all(timer is None for timer in timers.values())
        for kind, timer in timers.items():
            if timer is not None:
                assert timer.kwargs == {"case_id": case.id, "kind": kind, "activation": case.activation}
                assert timer.when > self.platform.clock.now()  # due timers have fired
        if timers[REMIND] is not None:
            assert timers[REMIND].when < case.due_at

    def nothing_is_forgotten(self, case):
        seen = self.seen
        if seen is not None:
            assert case.history[:len(seen.history)] == seen.history  # history only grows
            assert case.objections[:len(seen.objections)] == seen.objections
            assert case.version >= seen.version and case.activation >= seen.activation
            assert len(case.tasks) >= len(seen.tasks)
            if seen.status in ENDED:
                assert case == seen  # an ended case never changes
        if case.current_objections():  # objections belong to the publicity period they were lodged in
            assert case.status == STATUS_RUNNING and self.definition.step(case.step_key).is_publicity
        self.seen = case


RandomCase.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None,
                                        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
test_random_action_sequences_leave_no_case_undefined = RandomCase.TestCase
