"""A citizen sees a tracking number only once the request is committed.

The form redirects to the receipt after pyramid_tm committed; here the commit itself fails (a data
manager votes no, as a database refusing the commit would) and the citizen must get an error page,
no number, and no row, while the file already written becomes an orphan for the sweep.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import func, select

from adapters.blobs.sweep import sweep
from adapters.testing.pytest_plugin import csrf_token
from plugins.disclosure import public
from plugins.disclosure.orm import DisclosureRequest
from tests.functional.test_disclosure_requests import form


class CommitRefused(Exception):
    pass


class RefusingVote:
    """A transaction participant that votes no, so the whole two-phase commit is abandoned."""

    transaction_manager = None

    def sortKey(self) -> str:
        return "!refusing-vote"  # votes before zope.sqlalchemy ("~sqlalchemy:…") commits the database

    def abort(self, txn) -> None:
        pass

    def tpc_begin(self, txn) -> None:
        pass

    def commit(self, txn) -> None:
        pass

    def tpc_vote(self, txn) -> None:
        raise CommitRefused("the database refused the commit")

    def tpc_finish(self, txn) -> None:
        pass

    def tpc_abort(self, txn) -> None:
        pass


@pytest.fixture
def refused_commit(monkeypatch):
    """Make the next filing's commit fail, for that one request only."""
    original = public.desk

    def desk_in_failing_transaction(request):
        request.tm.get().join(RefusingVote())
        monkeypatch.setattr(public, "desk", original)
        return original(request)

    monkeypatch.setattr(public, "desk", desk_in_failing_transaction)


def test_a_failed_commit_shows_an_error_and_no_tracking_number(testapp, dbsession, platform, mail, fresh_rate_limits,
                                                               refused_commit):
    scan = b"%PDF-1.4\n% identity document " + dt.datetime.now().isoformat().encode() + b"\n%%EOF\n"
    key = hashlib.sha256(scan).hexdigest()
    before = dbsession.scalar(select(func.count()).select_from(DisclosureRequest))
    response = testapp.post("/disclosure/requests/apply", {**form(name="王五"), "csrf_token": csrf_token(testapp)},
                            upload_files=[("attachments", "身份证.pdf", scan)], expect_errors=True)
    assert response.status_int == 500
    assert "服务器内部错误" in response.text
    assert not re.search(r"YSQ-\d{4}-\d{6}", response.text)
    assert "location" not in response.headers
    # Nothing was saved, nothing was mailed, and the receipt has nothing to show.
    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(DisclosureRequest)) == before
    assert mail.sent == []
    receipt = testapp.get("/disclosure/requests/receipt")
    assert receipt.status_int == 302 and receipt.location.endswith("/disclosure/requests/track")
    # The scan was written before the commit failed: an orphan, which the sweep removes.
    assert platform.blobs.exists(key)
    with platform.unit_of_work() as uow:
        report = sweep(platform, uow, grace=dt.timedelta(0))
    assert key in report.swept and not platform.blobs.exists(key)
    assert report.missing == {}
