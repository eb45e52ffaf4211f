"""Domain events reach every plugin, and one failing plugin does not stop the others."""

from dataclasses import dataclass
from types import SimpleNamespace

from govcore import hookimpl
from govcore.events import DomainEvent, dispatch
from govcore.plugins import build_plugins


@dataclass(frozen=True)
class SomethingHappened(DomainEvent):
    what: str


class Listener:
    def __init__(self):
        self.seen = []

    @hookimpl
    def govcore_on_event(self, event, platform):
        self.seen.append(event.what)


class Broken:
    @hookimpl
    def govcore_on_event(self, event):
        raise RuntimeError("boom")


def test_events_reach_every_listener_despite_a_failing_one(caplog):
    first, second = Listener(), Listener()
    plugins = build_plugins([], extra=[("first", first), ("broken", Broken()), ("second", second)])
    dispatch(SimpleNamespace(plugins=plugins), [SomethingHappened("a"), SomethingHappened("b")])
    assert first.seen == second.seen == ["a", "b"]
    assert "plugin broken failed" in caplog.text
