"""Integrity seals without a database: hashing, the chain, and verification against the records."""

import dataclasses
import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from govcore.clock import FixedClock
from govcore.contributions import SealKind
from govcore.errors import ConfigurationError
from govcore.hashchain import ChainHead, check_chain
from govcore.integrity import (ALTERED, VANISHED, first_broken_seal, payload_hash, reseal, seal_hash, seal_kinds,
                               verify)
from tests.fakes.integrity import MemorySealLedger

NOTICE, REPLY = "test.notice", "test.reply"


class World:
    """Two kinds of record kept in dicts, and a ledger sealing them."""

    def __init__(self):
        self.clock = FixedClock(dt.datetime(2026, 10, 9, 9, 0))
        self.ledger = MemorySealLedger(self.clock)
        self.records = {NOTICE: {}, REPLY: {}}
        self.kinds = {name: SealKind(name, name, lambda uow, record_id, name=name: self.records[name].get(record_id))
                      for name in self.records}

    def keep(self, kind, record_id, payload, actor_id=None):
        """Store a record and seal it, as an owner does when the record becomes final."""
        self.records[kind][record_id] = payload
        return self.ledger.seal(kind, record_id, payload, actor_id)

    def verify(self):
        return verify(self.ledger, self.kinds, uow=None)


@pytest.fixture
def world():
    world = World()
    world.keep(NOTICE, "1", {"title": "关于秋季防火的通告", "body": "<p>禁止野外用火</p>"}, actor_id=7)
    world.keep(REPLY, "1", {"tracking_no": "YSQ-2026-000001", "text": "予以公开"}, actor_id=8)
    world.keep(NOTICE, "2", {"title": "停水通知", "body": "<p>10月10日停水</p>"}, actor_id=7)
    return world


def test_a_payload_hash_does_not_depend_on_key_order_or_timezone_spelling():
    assert payload_hash({"a": 1, "b": "二"}) == payload_hash({"b": "二", "a": 1})
    assert payload_hash({"a": 1}) != payload_hash({"a": "1"})
    # Payload builders spell moments through govcore.hashchain.moment, the same in every zone.
    from govcore.hashchain import moment
    local = dt.datetime(2026, 10, 9, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert moment(local) == moment(local.astimezone(dt.timezone.utc)) == "2026-10-09T09:00:00.000000+00:00"


def test_seals_chain_and_count_versions_per_record(world):
    seals = world.ledger.chain()
    assert [(s.id, s.kind, s.record_id, s.version, s.actor_id) for s in seals] == [
        (1, NOTICE, "1", 1, 7), (2, REPLY, "1", 1, 8), (3, NOTICE, "2", 1, 7)]
    assert seals[1].prev_hash == seals[0].hash and seals[2].prev_hash == seals[1].hash
    assert all(seal.hash == seal_hash(seal) for seal in seals)
    assert world.ledger.head() == ChainHead(3, seals[2].hash)
    report = world.verify()
    assert report.intact and report.findings == []
    assert report.records == {NOTICE: 2, REPLY: 1} and report.chain.length == 3


def test_reseal_adds_a_version_only_when_the_content_changed(world):
    same = world.records[NOTICE]["1"]
    assert reseal(world.ledger, NOTICE, "1", dict(same)) is None
    world.records[NOTICE]["1"] = changed = {**same, "body": "<p>禁止野外用火，违者罚款</p>"}
    seal = reseal(world.ledger, NOTICE, "1", changed, actor_id=9)
    assert (seal.id, seal.version, seal.actor_id) == (4, 2, 9)
    assert world.ledger.latest(NOTICE, "1") == seal
    assert world.verify().intact


def test_a_record_changed_behind_the_ledger_is_altered(world):
    world.records[NOTICE]["2"]["body"] = "<p>10月11日停水</p>"
    report = world.verify()
    assert not report.intact and report.chain.intact
    [finding] = report.findings
    assert (finding.problem, finding.seal.kind, finding.seal.record_id, finding.seal.id) == (ALTERED, NOTICE, "2", 3)
    assert report.altered() == [finding] and report.vanished() == []


def test_a_deleted_record_vanished_unless_its_deletion_was_sealed(world):
    del world.records[REPLY]["1"]
    [finding] = world.verify().findings
    assert (finding.problem, finding.seal.record_id) == (VANISHED, "1")
    world.ledger.seal(REPLY, "1", None)  # what an owner does when it deletes a sealed record lawfully
    assert world.verify().intact
    world.records[REPLY]["1"] = {"tracking_no": "YSQ-2026-000001", "text": "不予公开"}  # and back it comes
    [finding] = world.verify().findings
    assert (finding.problem, finding.seal.version) == (ALTERED, 2)


def test_an_altered_seal_breaks_the_chain_there(world):
    seals = world.ledger.seals
    seals[1] = dataclasses.replace(seals[1], payload_hash=payload_hash({"text": "不予公开"}))
    assert first_broken_seal(world.ledger.chain()) == 2
    assert world.verify().chain.broken_at == 2


def test_a_deleted_seal_breaks_the_chain_after_it(world):
    del world.ledger.seals[1]
    assert first_broken_seal(world.ledger.chain()) == 3
    report = world.verify()
    assert (report.chain.broken_at, report.chain.length, report.intact) == (3, 2, False)


def test_an_inserted_seal_breaks_the_chain_even_when_correctly_hashed(world):
    """A forged seal linked to the one before it still leaves the next seal pointing past it."""
    seals = world.ledger.seals
    forged = dataclasses.replace(seals[1], id=2, record_id="99", prev_hash=seals[0].hash)
    forged = dataclasses.replace(forged, hash=seal_hash(forged))
    later = [dataclasses.replace(seal, id=seal.id + 1) for seal in seals[1:]]
    world.ledger.seals = [seals[0], forged, *later]
    assert first_broken_seal(world.ledger.chain()) == 3


def test_a_well_forged_seal_added_at_the_end_is_found_by_the_head(world):
    seals = world.ledger.seals
    forged = dataclasses.replace(seals[-1], id=4, record_id="99", version=1, prev_hash=seals[-1].hash)
    seals.append(dataclasses.replace(forged, hash=seal_hash(forged)))
    report = world.verify()
    assert report.chain.broken_at is None and not report.chain.tail_cut
    assert report.chain.unrecorded and not report.intact


def test_a_deleted_tail_is_found_by_the_head(world):
    world.ledger.seals.pop()
    report = world.verify()
    chain = report.chain
    assert chain.broken_at is None and chain.tail_cut and (chain.head.last_id, chain.last_id) == (3, 2)
    assert not report.intact
    world.ledger.head_row = None
    assert world.verify().chain.head is None and not world.verify().intact


def test_the_walk_reads_the_whole_chain_past_a_break():
    world = World()
    for number in range(1, 6):
        world.keep(NOTICE, str(number), {"n": number})
    seals = world.ledger.seals
    seals[1] = dataclasses.replace(seals[1], actor_id=666)
    status = check_chain(iter(world.ledger.chain()), seal_hash, world.ledger.head)
    assert (status.broken_at, status.length, status.last_id, status.tail_cut) == (2, 5, 5, False)


def test_seals_of_a_kind_no_plugin_declares_are_counted_not_checked(world):
    world.kinds.pop(REPLY)
    report = world.verify()
    assert report.intact and report.records == {NOTICE: 2} and report.unchecked == {REPLY: 1}


def test_seal_kinds_are_merged_and_must_be_unique():
    kind = SealKind("a.b", "甲", lambda uow, record_id: None)
    plugins = SimpleNamespace(each=lambda hook: [("one", [kind]), ("two", [SealKind("c.d", "乙", kind.payload)])])
    assert list(seal_kinds(plugins)) == ["a.b", "c.d"]
    twice = SimpleNamespace(each=lambda hook: [("one", [kind]), ("two", [kind])])
    with pytest.raises(ConfigurationError, match="a.b"):
        seal_kinds(twice)
