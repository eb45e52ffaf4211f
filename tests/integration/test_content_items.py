"""Items on SQLite and PostgreSQL: placements, listings by keyset, review, scheduling, archiving."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from adapters.db.orm import OrgUnit
from govcore.workflow.case import APPROVE, RETURN
from govcore.workflow.service import Workflows
from plugins.content.items import ARCHIVED, DRAFT, OFFLINE, PUBLISHED, REVIEW, SCHEDULED, ArchiveRule, ListingCursor
from plugins.content.orm import Column, Item, Placement, Revision
from plugins.content.publishing import Publishing, portal_generation

STARTED = dt.datetime(2026, 9, 28, 9, 0)


@pytest.fixture
def clock(stop_clock):
    return stop_clock(STARTED)


@pytest.fixture
def columns(dbsession):
    """Two columns: one published on submission, one reviewed by the default 稿件三审."""
    direct = Column(title="测试直发", slug="t-direct", kind="list", position=90, hidden=False, description="",
                    workflow_key="")
    reviewed = Column(title="测试审核", slug="t-reviewed", kind="list", position=91, hidden=False, description="")
    dbsession.add_all([direct, reviewed])
    dbsession.commit()
    return {"direct": direct.id, "reviewed": reviewed.id}


def new_item(platform, column_id: int, title: str, **values) -> int:
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        return publishing.store.create(column_id=column_id, type="article", title=title, user_id=None,
                                       body="<p>正文</p>", **values).id


def test_an_item_shown_in_two_columns_is_stored_once(platform, clock, columns, dbsession):
    item_id = new_item(platform, columns["direct"], "县政府召开常务会议")
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        item = publishing.store.get(item_id)
        publishing.store.set_extra_columns(item, [columns["reviewed"]])
        assert publishing.submit(item, user_id=None, org_unit_id=None) == PUBLISHED
    with platform.unit_of_work() as uow:
        store = Publishing(platform, uow).store
        for column_id in columns.values():
            items, cursor = store.listing(column_id, None, 10)
            assert [item.id for item in items] == [item_id] and cursor is None
    assert dbsession.scalar(select(func.count()).select_from(Item).where(Item.title == "县政府召开常务会议")) == 1
    assert dbsession.scalar(select(func.count()).select_from(Placement).where(Placement.item_id == item_id)) == 2


def test_column_listing_pages_by_keyset_pinned_first(platform, clock, columns):
    ids = []
    for number in range(7):
        clock.advance(hours=1)
        item_id = new_item(platform, columns["direct"], f"第{number}条")
        with platform.unit_of_work() as uow:
            publishing = Publishing(platform, uow)
            item = publishing.store.get(item_id)
            item.pinned = number == 2
            publishing.submit(item, user_id=None, org_unit_id=None)
        ids.append(item_id)
    expected = [ids[2]] + [i for i in reversed(ids) if i != ids[2]]
    seen, cursor = [], None
    with platform.unit_of_work() as uow:
        store = Publishing(platform, uow).store
        while True:
            page, cursor = store.listing(columns["direct"], cursor, 3)
            seen += [item.id for item in page]
            if cursor is None:
                break
            cursor = ListingCursor.decode(cursor.encode())
    assert seen == expected
    assert ListingCursor.decode("garbage!") is None


def test_review_publishes_after_the_last_approval_and_returns_to_draft(platform, clock, columns, make_user, dbsession):
    unit = dbsession.scalar(select(OrgUnit.id).order_by(OrgUnit.id).limit(1))
    editor = make_user("ci-editor", roles=["editor"])
    reviewers = [make_user(f"ci-{role}", roles=[role]) for role in
                 ("responsible_editor", "chief_editor", "editor_in_chief")]
    item_id = new_item(platform, columns["reviewed"], "关于秋季防火的通知")
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        assert publishing.submit(publishing.store.get(item_id), user_id=editor.id, org_unit_id=unit) == REVIEW
    case_id = dbsession.get(Item, item_id).case_id
    with platform.unit_of_work() as uow:
        workflows = Workflows(platform, uow)
        case = workflows.case(case_id)
        workflows.act(case_id, actor_id=reviewers[0].id, action=RETURN, expected_version=case.version,
                      opinion="标题再改改", target="start")
    dbsession.expire_all()
    assert dbsession.get(Item, item_id).status == DRAFT
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        assert publishing.submit(publishing.store.get(item_id), user_id=editor.id, org_unit_id=unit) == REVIEW
    for reviewer in reviewers:
        with platform.unit_of_work() as uow:
            workflows = Workflows(platform, uow)
            case = workflows.case(case_id)
            workflows.act(case_id, actor_id=reviewer.id, action=APPROVE, expected_version=case.version, opinion="同意")
    dbsession.expire_all()
    item = dbsession.get(Item, item_id)
    assert (item.status, item.case_id) == (PUBLISHED, None)
    assert item.published_at == clock.now()


def test_a_scheduled_item_publishes_itself_at_its_time(platform, clock, columns, dbsession):
    at = STARTED + dt.timedelta(days=1, hours=2)
    item_id = new_item(platform, columns["direct"], "明日发布", publish_at=at.replace(tzinfo=clock.tz),
                       unpublish_at=(at + dt.timedelta(days=2)).replace(tzinfo=clock.tz))
    generation = portal_generation(dbsession)
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        assert publishing.submit(publishing.store.get(item_id), user_id=None, org_unit_id=None) == SCHEDULED
    assert platform.scheduler.fire_due(platform) == []
    clock.set(at)
    assert platform.scheduler.fire_due(platform) == [f"content:publish:{item_id}"]
    dbsession.expire_all()
    item = dbsession.get(Item, item_id)
    assert item.status == PUBLISHED and item.published_at == at.replace(tzinfo=clock.tz)
    assert portal_generation(dbsession) > generation
    clock.advance(days=2)
    assert platform.scheduler.fire_due(platform) == [f"content:unpublish:{item_id}"]
    dbsession.expire_all()
    assert dbsession.get(Item, item_id).status == OFFLINE


def test_archiving_by_rule_and_restoring(platform, clock, columns, dbsession):
    old = new_item(platform, columns["direct"], "旧闻")
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        publishing.submit(publishing.store.get(old), user_id=None, org_unit_id=None)
    clock.advance(days=400)
    fresh = new_item(platform, columns["direct"], "新闻")
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        publishing.submit(publishing.store.get(fresh), user_id=None, org_unit_id=None)
        assert publishing.apply_archive_rules([ArchiveRule(older_than_days=365, column_ids=(columns["direct"],))]) == 1
    dbsession.expire_all()
    assert dbsession.get(Item, old).status == ARCHIVED and dbsession.get(Item, fresh).status == PUBLISHED
    assert not dbsession.get(Placement, (old, columns["direct"])).public
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        publishing.restore(publishing.store.get(old), user_id=None)
    dbsession.expire_all()
    assert dbsession.get(Item, old).status == PUBLISHED and dbsession.get(Placement, (old, columns["direct"])).public
    kinds = dbsession.scalars(select(Revision.kind).where(Revision.item_id == old).order_by(Revision.number)).all()
    assert kinds == ["save", "publish"]
