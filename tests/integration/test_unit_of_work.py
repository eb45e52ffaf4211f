"""Events and after-commit work happen only when the transaction really commits."""

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from adapters.db.orm import InboxMessage, User
from adapters.db.uow import transactional
from govcore import hookimpl
from govcore.events import DomainEvent
from govcore.notify import notify
from ports.notifier import Notification


@dataclass(frozen=True)
class Saved(DomainEvent):
    label: str


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def govcore_on_event(self, event):
        self.events.append(event.label)


@pytest.fixture
def recorder(platform):
    recorder = Recorder()
    platform.plugins.manager.register(recorder, name="recorder")
    yield recorder
    platform.plugins.manager.unregister(recorder)


def test_events_and_callbacks_follow_a_commit(platform, db_connection, recorder):
    ran = []
    with transactional(platform) as uow:
        uow.record(Saved("kept"))
        uow.after_commit(lambda: ran.append("callback"))
        assert recorder.events == []  # nothing is dispatched before the commit
    assert recorder.events == ["kept"]
    assert ran == ["callback"]


def test_a_rolled_back_transaction_dispatches_nothing(platform, db_connection, recorder):
    ran = []
    with pytest.raises(RuntimeError):
        with transactional(platform) as uow:
            uow.record(Saved("lost"))
            uow.after_commit(lambda: ran.append("callback"))
            raise RuntimeError("the service failed")
    assert recorder.events == [] and ran == []


def test_mail_leaves_only_after_the_inbox_entry_is_saved(platform, db_connection, make_user):
    user = make_user("reader")
    sent = []
    platform_mail = type("Mail", (), {"send": lambda self, message: sent.append(message)})()
    with pytest.raises(RuntimeError):
        with transactional(platform) as uow:
            notify(uow, platform_mail, Notification(user.id, "主题", "正文", email="reader@example.cn"))
            raise RuntimeError("rolled back")
    assert sent == []
    with transactional(platform) as uow:
        notify(uow, platform_mail, Notification(user.id, "主题", "正文", email="reader@example.cn"))
        assert sent == []
    assert [m.to for m in sent] == [("reader@example.cn",)]
    with transactional(platform) as uow:
        count = uow.session.scalar(select(func.count()).select_from(InboxMessage)
                                   .where(InboxMessage.recipient_id == user.id))
        assert count == 1
        assert uow.session.get(User, user.id).login == "reader"
