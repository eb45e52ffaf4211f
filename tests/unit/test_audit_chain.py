import dataclasses
import datetime as dt

from govcore.audit import GENESIS_HASH, AuditEntry, ChainedRecord, first_broken_link, link_hash

AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)


def build_chain(count: int) -> list[ChainedRecord]:
    records, previous = [], GENESIS_HASH
    for i in range(1, count + 1):
        entry = AuditEntry(AT + dt.timedelta(minutes=i), 1, "admin", "user.create", "user", str(i), '{"n":%d}' % i)
        digest = link_hash(previous, i, entry)
        records.append(ChainedRecord(i, entry, previous, digest))
        previous = digest
    return records


def test_an_intact_chain_verifies():
    assert first_broken_link(build_chain(5)) is None
    assert first_broken_link([]) is None


def test_an_altered_field_is_found():
    chain = build_chain(5)
    chain[2] = dataclasses.replace(chain[2], entry=dataclasses.replace(chain[2].entry, actor_login="intruder"))
    assert first_broken_link(chain) == 3


def test_a_deleted_record_breaks_the_next_link():
    chain = build_chain(5)
    del chain[1]
    assert first_broken_link(chain) == 3


def test_rehashing_one_record_still_breaks_the_following_link():
    chain = build_chain(5)
    forged = dataclasses.replace(chain[1].entry, result="failure")
    chain[1] = dataclasses.replace(chain[1], entry=forged, hash=link_hash(chain[1].prev_hash, 2, forged))
    assert first_broken_link(chain) == 3
