"""The database going away between a view and pyramid_tm's commit: a 503, not a 500, and no retry.

tests/integration/test_outages.py takes the whole database away; this covers the one moment a
proxy cannot hit from a synchronous test client: the commit itself failing.
"""

from __future__ import annotations

import psycopg
from pyramid_retry import IBeforeRetry
from sqlalchemy import exc as sa_exc
from zope.sqlalchemy.datamanager import SessionDataManager

from adapters.testing.pytest_plugin import csrf_token
from adapters.web.outage import DEFAULT_RETRY_AFTER


def test_a_commit_that_loses_the_connection_answers_503(testapp, make_user, login, monkeypatch, caplog):
    make_user("commit-outage", roles=["editor"])
    login("commit-outage")
    token = csrf_token(testapp)
    retries = []
    testapp.app.registry.registerHandler(retries.append, (IBeforeRetry,))

    def connection_lost(self, transaction):
        raise sa_exc.OperationalError("COMMIT", {}, psycopg.OperationalError("server closed the connection"))

    monkeypatch.setattr(SessionDataManager, "tpc_vote", connection_lost)
    try:
        response = testapp.post("/logout", {"csrf_token": token}, status=503)
    finally:
        testapp.app.registry.unregisterHandler(retries.append, (IBeforeRetry,))

    assert response.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER)
    assert "暂时无法连接数据库" in response.text
    assert retries == []
    assert not [record for record in caplog.records if record.exc_info]
