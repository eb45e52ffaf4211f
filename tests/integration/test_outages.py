"""A database outage: pages and the API answer 503 with Retry-After, /healthz names the database,
and the same app object serves again once the database is back.

On PostgreSQL the app reaches the server through a TCP proxy that the test cuts (listener and every
live connection closed) and restores. On SQLite the database file is replaced by a folder and the
pool's connections are closed (SQLite keeps working on a file it already holds open, so nothing
else would show the fault), then the file comes back.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest
import webtest
from pyramid_retry import IBeforeRetry
from sqlalchemy.engine import make_url

from adapters.bootstrap import build_platform
from adapters.cli.setup import initialise
from adapters.db.orm import Role, RoleAssignment, User
from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token, deployment_settings
from adapters.web.app import make_app
from adapters.web.outage import API_MESSAGE
from tests.integration.tcp_proxy import TcpProxy

ENVIRON = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}
RETRY_AFTER = "17"
STAFF_LOGIN = "outage-editor"
PUBLIC_PAGE = "/column/notices"
UNCACHED_PAGE = "/files/" + "0" * 64  # an upload: the page cache leaves it to the view
STAFF_PAGE = "/admin/tasks"
API_PATH = "/api/v1/plugins"


@dataclass
class Site:
    app: object
    cut: Callable[[], None]  # the database goes away
    restore: Callable[[], None]  # and comes back


@pytest.fixture
def site(database_kind, _govcore_sites, govcore_deployment, tmp_path_factory) -> Iterator[Site]:
    url = _govcore_sites["databases"].create(database_kind)
    settings = deployment_settings(Path(govcore_deployment), url, tmp_path_factory.mktemp("outage-var"))
    initialise(dict(settings), demo=False, echo=lambda line: None)
    _add_editor(settings)
    proxy = None
    if database_kind == "postgresql":
        direct = make_url(url)
        proxy = TcpProxy((direct.host or "127.0.0.1", direct.port or 5432))
        proxy.start()
        url = direct.set(host=proxy.host, port=proxy.port).render_as_string(hide_password=False)
    app_settings = {**settings, "govcore.database_url": url, "govcore.outage.retry_after": RETRY_AFTER,
                    # The page cache as in production: kept pages are served during the outage.
                    "govcore.page_cache.entries": "100", "govcore.page_cache.fresh_seconds": "0"}
    platform = build_platform(app_settings)
    engine = platform.extras["engine"]
    if proxy is not None:
        cut, restore = proxy.stop, proxy.start
    else:
        database, moved = Path(make_url(url).database), Path(make_url(url).database + ".away")

        def cut() -> None:
            engine.dispose()
            database.rename(moved)
            database.mkdir()

        def restore() -> None:
            database.rmdir()
            moved.rename(database)

    try:
        yield Site(make_app(platform), cut, restore)
    finally:
        if proxy is not None:
            proxy.stop()
        engine.dispose()


def _add_editor(settings: dict) -> None:
    platform = build_platform(dict(settings))
    try:
        with platform.unit_of_work() as uow:
            editor = uow.session.query(Role).filter_by(name="editor").one()
            uow.session.add(User(login=STAFF_LOGIN, display_name=STAFF_LOGIN, kind="staff", is_active=True,
                                 must_change_password=False, created_at=platform.clock.now(),
                                 password_hash=platform.extras["passwords"].hash(TEST_PASSWORD),
                                 assignments=[RoleAssignment(role=editor)]))
    finally:
        platform.extras["engine"].dispose()


def _signed_in(app) -> webtest.TestApp:
    client = webtest.TestApp(app, extra_environ=ENVIRON)
    response = client.post("/login", {"login": STAFF_LOGIN, "password": TEST_PASSWORD,
                                      "csrf_token": csrf_token(client)})
    assert response.status_int == 302, response.text
    return client


def _assert_outage_page(response) -> None:
    assert response.status_int == 503
    assert response.headers["Retry-After"] == RETRY_AFTER
    assert "no-store" in response.headers["Cache-Control"]
    assert "暂时无法连接数据库" in response.text
    assert "没有保存" in response.text


def test_an_outage_answers_503_and_the_same_app_serves_again_when_the_database_returns(site, caplog):
    visitor = webtest.TestApp(site.app, extra_environ=ENVIRON)
    staff = _signed_in(site.app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get(STAFF_PAGE).text).group(1)
    retries = []
    site.app.registry.registerHandler(retries.append, (IBeforeRetry,))
    home = visitor.get("/")  # kept by the page cache
    assert staff.get(API_PATH).json["plugins"]
    assert visitor.get("/healthz").json["status"] == "ok"

    caplog.clear()
    site.cut()

    _assert_outage_page(visitor.get(PUBLIC_PAGE, status=503))  # the page cache's generation read fails first
    _assert_outage_page(visitor.get(UNCACHED_PAGE, status=503))  # the view's query fails
    _assert_outage_page(staff.get(STAFF_PAGE, status=503))  # the user lookup fails first
    _assert_outage_page(staff.post("/admin/inbox/1/read", {"csrf_token": token}, status=503))
    api = staff.get(API_PATH, status=503)
    assert api.json == {"message": API_MESSAGE}
    assert api.headers["Retry-After"] == RETRY_AFTER
    # Stale-if-error: the page cache still has the home page from before the outage.
    assert visitor.get("/").body == home.body
    health = visitor.get("/healthz", status=503).json
    assert health["status"] == "fail"
    assert health["checks"]["database"]["ok"] is False
    assert "数据库" in health["checks"]["database"]["detail"]
    assert health["checks"]["search"]["ok"] is True and health["checks"]["blobs"]["ok"] is True
    visitor.get(PUBLIC_PAGE, status=503)
    # Told once, however many requests failed; no traceback; pyramid_retry did not try again.
    outage_lines = [r for r in caplog.records if r.name == "adapters.web.outage"]
    assert [r.levelno for r in outage_lines] == [logging.ERROR]
    assert "database unreachable" in outage_lines[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert retries == []

    site.restore()

    assert "通知公告" in visitor.get(PUBLIC_PAGE).text
    staff.get(STAFF_PAGE, status=200)
    assert staff.get(API_PATH).json["plugins"]
    assert visitor.get("/healthz").json["status"] == "ok"
    assert [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
