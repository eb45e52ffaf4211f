"""Shared arrangements of the staff item tests (list and batch, revisions, staff search)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from adapters.db.orm import AuditRecord
from plugins.content.orm import Column, Item
from plugins.content.publishing import Publishing
from tests.functional.signin import person, sign_in

STARTED = dt.datetime(2026, 9, 28, 9, 0)


@pytest.fixture
def clock(stop_clock):
    return stop_clock(STARTED)


@pytest.fixture
def forget_indexed_items(platform, dbsession):
    """Items the test indexes stay in the shared search index after its rollback: take them out."""
    before = dbsession.scalar(select(func.max(Item.id))) or 0
    yield
    dbsession.rollback()
    created = dbsession.scalars(select(Item.id).where(Item.id > before)).all()
    platform.search.delete([f"content:item:{item_id}" for item_id in created])


def column_id(dbsession, slug: str) -> int:
    return dbsession.scalar(select(Column.id).where(Column.slug == slug))


def new_item(platform, column: int, title: str, *, user_id: int | None = None, status: str = "",
             **values) -> int:
    """An item made as the editor would, optionally brought to a status (published, archived, review)."""
    values.setdefault("body", "<p>正文</p>")
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        item = publishing.store.create(column_id=column, type=values.pop("type", "article"), title=title,
                                       user_id=user_id, **values)
        if status in ("published", "archived", "offline"):
            publishing.approve(item, user_id)
        if status == "archived":
            publishing.archive(item, user_id, "测试")
        if status == "offline":
            publishing.unpublish(item, user_id)
        if status == "review":
            publishing.store.set_status(item, "review", user_id)
        publishing.changed(item)
        return item.id


def staff(testapp, dbsession, make_user, login, name: str, roles, scope_slug: str | None = None):
    scope = ("column", column_id(dbsession, scope_slug)) if scope_slug else None
    user = person(dbsession, make_user, name, roles, scope=scope)
    testapp.reset()
    sign_in(testapp, login, user)
    return user


def audits(dbsession, action: str, item_ids) -> list[dict]:
    rows = dbsession.scalars(select(AuditRecord).where(
        AuditRecord.action == action, AuditRecord.object_id.in_([str(i) for i in item_ids]))).all()
    return [{"object_id": int(row.object_id), "actor": row.actor_login, **json.loads(row.summary)} for row in rows]
