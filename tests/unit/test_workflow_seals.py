"""A case's final decision is sealed with it, on the engine's fakes (see test_workflow_engine)."""

import dataclasses

from adapters.integrity.hooks import decided_case_payload, govcore_register_seal_kinds
from govcore.integrity import ALTERED, SealLedger, verify
from govcore.workflow.case import APPROVE, CANCEL, REJECT, RETURN, WITHDRAW
from govcore.workflow.sealing import CASE_SEAL, case_payload
from tests.fakes.workflow import FakeUnitOfWork
from tests.unit.test_workflow_engine import JIA, LI, WANG, YI, World, publicity_world


def seals(world):
    return world.platform.repositories[SealLedger].of(CASE_SEAL)


def verify_world(world):
    kinds = {kind.name: kind for kind in govcore_register_seal_kinds()}
    return verify(world.platform.repositories[SealLedger], kinds, FakeUnitOfWork(world.platform.repositories))


def test_an_approval_is_sealed_at_its_final_decision_with_every_opinion():
    world = World()
    case = world.act(world.start(), LI, APPROVE, opinion="同意采购")
    assert seals(world) == []  # still running
    case = world.act(case, JIA, APPROVE, opinion="同意")
    assert seals(world) == []  # the countersigning step waits for 乙
    case = world.act(case, YI, APPROVE, opinion="同意，注意比价")
    [seal] = seals(world)
    assert (seal.record_id, seal.version, seal.actor_id, seal.sealed_at) == (str(case.id), 1, YI, world.clock.now())
    payload = decided_case_payload(FakeUnitOfWork(world.platform.repositories), str(case.id))
    assert payload == case_payload(case) and payload["status"] == "approved"
    assert [(d["actor_name"], d["action"], d["opinion"]) for d in payload["decisions"]] == [
        ("王发起", "start", ""), ("李科长", APPROVE, "同意采购"), ("甲", APPROVE, "同意"), ("乙", APPROVE, "同意，注意比价")]
    assert (payload["definition"], payload["definition_version"], payload["subject"]) == ("test.flow", 1, ["general", "7"])
    assert verify_world(world).intact


def test_rejection_and_cancellation_are_final_too_but_a_return_is_not():
    world = World()
    rejected = world.act(world.start(), LI, REJECT, opinion="不符合规定")
    returned = world.act(world.start(), LI, RETURN, target="start", opinion="请补充报价")
    cancelled = world.act(world.act(world.start(), WANG, WITHDRAW), WANG, CANCEL)
    assert [(seal.record_id, seal.actor_id) for seal in seals(world)] == [
        (str(rejected.id), LI), (str(cancelled.id), WANG)]
    assert str(returned.id) not in {seal.record_id for seal in seals(world)}


def test_a_case_ended_by_a_timer_is_sealed_by_the_system():
    world, case = publicity_world()
    assert seals(world) == []
    world.move_to(2026, 10, 6)
    [seal] = seals(world)
    assert (seal.record_id, seal.actor_id) == (str(case.id), None)
    assert decided_case_payload(FakeUnitOfWork(world.platform.repositories), str(case.id))["status"] == "approved"


def test_changing_a_decided_case_in_the_store_is_found():
    world = World()
    case = world.act(world.start(), LI, REJECT, opinion="不符合规定")
    stored = world.store.rows[case.id]
    stored.history[-1] = dataclasses.replace(stored.history[-1], opinion="同意")
    [finding] = verify_world(world).findings
    assert (finding.problem, finding.seal.record_id) == (ALTERED, str(case.id))
    del world.store.rows[case.id]
    assert verify_world(world).vanished()[0].seal.record_id == str(case.id)
