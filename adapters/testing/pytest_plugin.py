"""pytest fixtures for govcore and its plugins.

Load them with ``pytest_plugins = ["adapters.testing.pytest_plugin"]`` in the root ``conftest.py``.

Tests that use the database run once per database kind in ``GOVCORE_TEST_DATABASES``
(default ``sqlite,postgresql``): SQLite in a temporary folder, and PostgreSQL on the server at
``GOVCORE_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``),
where a fresh database is created for the run and dropped after it. An unreachable PostgreSQL
server skips its half of the run, unless ``GOVCORE_REQUIRE_POSTGRES=1`` makes that a failure.

Each test runs inside an outer transaction that is rolled back afterwards; the app's own commits
become savepoints (SQLAlchemy's ``join_transaction_mode="create_savepoint"``).
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

DATABASES_ENV = "GOVCORE_TEST_DATABASES"
POSTGRES_URL_ENV = "GOVCORE_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "GOVCORE_REQUIRE_POSTGRES"
DEFAULT_DEPLOYMENT_ENV = "GOVCORE_TEST_DEPLOYMENT"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_PASSWORD = "Test-Passw0rd!"
# The TOTP secret make_user gives the three administrators of 三员分立, who must use a second factor.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _project_deployment(name: str) -> Path:
    return Path(__file__).resolve().parents[2] / "deployments" / name


def _database_kinds() -> list[str]:
    kinds = [k.strip() for k in os.environ.get(DATABASES_ENV, "sqlite,postgresql").split(",") if k.strip()]
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1" and "postgresql" not in kinds:
        kinds.append("postgresql")
    return kinds


@pytest.fixture(scope="session", params=_database_kinds())
def database_kind(request) -> str:
    """Each database kind the run covers; every test that touches the database runs on each."""
    return request.param


class _Databases:
    """Creates one database per site and drops them all at the end of the run."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self._cleanups: list = []

    def create(self, kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.tmp_path_factory.mktemp('db') / 'govcore.sqlite'}"
        return self._postgres(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))

    def _postgres(self, server_url: str) -> str:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"govcore_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001
            admin.dispose()
            if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
                pytest.fail(f"PostgreSQL required but unreachable at {server_url}: {exc}")
            pytest.skip(f"PostgreSQL unreachable at {server_url}: {exc}")

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        self._cleanups.append(drop)
        return make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for cleanup in reversed(self._cleanups):
            cleanup()


def deployment_settings(deployment: Path, database_url: str, var_dir: Path, **extra) -> dict:
    return {
        "govcore.deployment": str(deployment),
        "govcore.var_dir": str(var_dir),
        "govcore.database_url": database_url,
        "govcore.scheduler": "off",
        "govcore.secret": "test-secret-" + "x" * 40,
        "pyramid.default_locale_name": "zh_CN",
        # Tests roll back, so portal generations repeat between them: a kept page or a generation
        # read a moment ago would be another test's.
        "govcore.page_cache.entries": "0",
        "govcore.page_cache.fresh_seconds": "0",
        **extra,
    }


@dataclass
class Site:
    """One initialised deployment on one database: what the fixtures below hand out."""

    settings: dict
    accounts: list  # (title, login, one-time password) printed by ``govcore init``
    platform: object
    app: object


@pytest.fixture(scope="session")
def _govcore_sites(tmp_path_factory) -> Iterator[dict]:
    databases = _Databases(tmp_path_factory)
    sites: dict[tuple[str, str], Site] = {}
    yield {"databases": databases, "sites": sites}
    for site in sites.values():
        site.platform.extras["engine"].dispose()
    databases.drop_all()


@pytest.fixture(scope="session")
def govcore_deployment() -> Path:
    """The deployment folder tests run against; override this fixture in a plugin's conftest."""
    return Path(os.environ.get(DEFAULT_DEPLOYMENT_ENV) or _project_deployment("example-county"))


@pytest.fixture
def govcore_site(govcore_deployment, database_kind, _govcore_sites, tmp_path_factory) -> Site:
    """The site for this test's deployment and database kind, set up once per run with ``govcore init``.

    Sites are cached by (deployment, database kind), so tests of several deployments (a plugin's
    and the example county) can share one pytest run, each with a database of its own.
    """
    key = (str(Path(govcore_deployment).resolve()), database_kind)
    sites = _govcore_sites["sites"]
    if key not in sites:
        from adapters.bootstrap import build_platform
        from adapters.cli.setup import initialise
        from adapters.web.app import make_app

        url = _govcore_sites["databases"].create(database_kind)
        settings = deployment_settings(Path(govcore_deployment), url, tmp_path_factory.mktemp("var"))
        accounts = initialise(dict(settings), demo=True, echo=lambda line: None)
        platform = build_platform(dict(settings))
        sites[key] = Site(settings, accounts, platform, make_app(platform))
    return sites[key]


@pytest.fixture
def govcore_settings(govcore_site) -> dict:
    return govcore_site.settings


@pytest.fixture
def platform(govcore_site):
    return govcore_site.platform


@pytest.fixture
def wsgi_app(govcore_site):
    return govcore_site.app


@pytest.fixture
def db_connection(platform):
    """Bind every session of the app to one connection whose transaction is rolled back after the test."""
    from sqlalchemy.orm import sessionmaker

    from adapters.testing.scheduler import FakeScheduler

    engine = platform.extras["engine"]
    original, scheduler = platform.extras["session_factory"], platform.scheduler
    connection = engine.connect()
    outer = connection.begin()
    platform.extras["session_factory"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    # Timers the app arms stay in memory (``platform.scheduler.timers``): the job store writes on
    # a connection of its own, which would wait for this test's never-committed transaction.
    platform.scheduler = FakeScheduler(platform.clock)
    try:
        yield connection
    finally:
        platform.extras["session_factory"], platform.scheduler = original, scheduler
        outer.rollback()
        connection.close()


@pytest.fixture
def stop_clock(platform, db_connection, monkeypatch):
    """Stop the platform's clock, and the in-memory timers' one, at a moment the test chooses:
    ``clock = stop_clock(dt.datetime(2026, 9, 28, 9, 0))``; the returned FixedClock moves when told."""
    from govcore.clock import FixedClock

    def stop_at(moment) -> FixedClock:
        fixed = FixedClock(moment)
        monkeypatch.setattr(platform, "clock", fixed)
        monkeypatch.setattr(platform.scheduler, "clock", fixed)
        return fixed

    return stop_at


@pytest.fixture
def dbsession(platform, db_connection):
    """A session inside the test's transaction, for arranging data and checking results."""
    session = platform.extras["session_factory"]()
    yield session
    session.close()


@pytest.fixture
def testapp(wsgi_app, db_connection):
    import webtest

    return webtest.TestApp(wsgi_app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture
def make_user(platform, dbsession):
    """Create an account with a known password: ``make_user("editor", roles=["system_admin"])``."""
    from adapters.db.orm import Role, RoleAssignment, User

    def make(login: str, roles: tuple[str, ...] | list[str] = (), kind: str = "staff",
             password: str = TEST_PASSWORD, must_change_password: bool = False, totp: bool | None = None) -> User:
        """``totp`` enrols the account with TEST_TOTP_SECRET; by default only the administrators
        of 三员分立 are, since nothing opens for them without it."""
        from govcore.core_plugin import SEPARATED_ADMIN_ROLES

        enrolled = bool(SEPARATED_ADMIN_ROLES.intersection(roles)) if totp is None else totp
        user = User(login=login, display_name=login, kind=kind, is_active=True,
                    must_change_password=must_change_password, created_at=platform.clock.now(),
                    password_hash=platform.extras["passwords"].hash(password),
                    totp_secret=TEST_TOTP_SECRET if enrolled else None, totp_enabled=enrolled)
        for role_name in roles:
            role = dbsession.query(Role).filter_by(name=role_name).one()
            user.assignments.append(RoleAssignment(role=role))
        dbsession.add(user)
        dbsession.commit()
        return user

    return make


def csrf_token(testapp) -> str:
    """The CSRF token of the test client's session, read from any page's form."""
    page = testapp.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the login page"
    return match.group(1)


@pytest.fixture
def login(testapp, platform):
    """Sign the test client in: ``login("editor")`` (password defaults to the make_user one).

    When the site asks for the second factor, the code of TEST_TOTP_SECRET is given: the current
    one, or the next one when the current one was already used (a second sign-in within 30 s).
    """
    import datetime as dt
    from urllib.parse import parse_qs, urlsplit

    import pyotp

    def sign_in(login_name: str, password: str = TEST_PASSWORD):
        response = testapp.post("/login", {"login": login_name, "password": password,
                                           "csrf_token": csrf_token(testapp)})
        assert response.status_int == 302, response.text
        if "/login/totp" not in response.location:
            return response
        came_from = parse_qs(urlsplit(response.location).query).get("came_from", [""])[0]
        now = platform.clock.now()
        for offset in (0, 30):
            code = pyotp.TOTP(TEST_TOTP_SECRET).at(now + dt.timedelta(seconds=offset))
            response = testapp.post("/login/totp", {"code": code, "csrf_token": csrf_token(testapp),
                                                    "came_from": came_from},
                                    expect_errors=True)
            if response.status_int == 302:
                return response
        raise AssertionError(f"the second factor was refused: {response.text}")

    return sign_in
