"""Fixtures several functional test modules share."""

import pytest


class RecordingMail:
    """Stands in for the mail sender and keeps what would have been sent."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


@pytest.fixture
def mail(platform, monkeypatch):
    recorder = RecordingMail()
    monkeypatch.setattr(platform, "mail", recorder)
    return recorder


@pytest.fixture
def fresh_rate_limits(testapp):
    """Start and end the test with empty rate-limit counters (they live in the shared app)."""
    testapp.app.registry["govcore.rate_limits"].reset()
    yield
    testapp.app.registry["govcore.rate_limits"].reset()
