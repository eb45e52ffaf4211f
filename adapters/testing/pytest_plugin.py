"""pytest fixtures for govcore and its plugins (registered through the ``pytest11`` entry point).

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
from pathlib import Path
from typing import Iterator

import pytest

DATABASES_ENV = "GOVCORE_TEST_DATABASES"
POSTGRES_URL_ENV = "GOVCORE_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "GOVCORE_REQUIRE_POSTGRES"
DEFAULT_DEPLOYMENT_ENV = "GOVCORE_TEST_DEPLOYMENT"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_PASSWORD = "Test-Passw0rd!"


def _project_deployment(name: str) -> Path:
    return Path(__file__).resolve().parents[2] / "deployments" / name


def _database_kinds() -> list[str]:
    kinds = [k.strip() for k in os.environ.get(DATABASES_ENV, "sqlite,postgresql").split(",") if k.strip()]
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1" and "postgresql" not in kinds:
        kinds.append("postgresql")
    return kinds


@pytest.fixture(scope="session", params=_database_kinds())
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """Each database kind the run covers; every test that touches the database runs on each."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'govcore.sqlite'}"
        return
    yield from _temporary_postgres_database(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))


def _temporary_postgres_database(server_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"govcore_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {server_url}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {server_url}: {exc}")
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def deployment_settings(deployment: Path, database_url: str, var_dir: Path, **extra) -> dict:
    return {
        "govcore.deployment": str(deployment),
        "govcore.var_dir": str(var_dir),
        "sqlalchemy.url": database_url,
        "govcore.scheduler": "off",
        "govcore.secret": "test-secret-" + "x" * 40,
        "pyramid.default_locale_name": "zh_CN",
        **extra,
    }


@pytest.fixture(scope="session")
def govcore_deployment() -> Path:
    """The deployment folder tests run against; override this fixture in a plugin's conftest."""
    return Path(os.environ.get(DEFAULT_DEPLOYMENT_ENV) or _project_deployment("example-county"))


@pytest.fixture(scope="session")
def govcore_settings(govcore_deployment, database_url, tmp_path_factory) -> dict:
    return deployment_settings(govcore_deployment, database_url, tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="session")
def initialised(govcore_settings) -> list:
    """Run ``govcore init`` once for the session: migrations, seeding, the administrator."""
    from adapters.cli.setup import initialise

    return initialise(dict(govcore_settings), demo=True, echo=lambda line: None)


@pytest.fixture(scope="session")
def platform(govcore_settings, initialised):
    from adapters.bootstrap import build_platform

    platform = build_platform(dict(govcore_settings))
    yield platform
    platform.extras["engine"].dispose()


@pytest.fixture(scope="session")
def wsgi_app(platform):
    from adapters.web.app import make_app

    return make_app(platform)


@pytest.fixture
def db_connection(platform):
    """Bind every session of the app to one connection whose transaction is rolled back after the test."""
    from sqlalchemy.orm import sessionmaker

    engine = platform.extras["engine"]
    original = platform.extras["session_factory"]
    connection = engine.connect()
    outer = connection.begin()
    platform.extras["session_factory"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield connection
    finally:
        platform.extras["session_factory"] = original
        outer.rollback()
        connection.close()


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
             password: str = TEST_PASSWORD, must_change_password: bool = False) -> User:
        user = User(login=login, display_name=login, kind=kind, is_active=True,
                    must_change_password=must_change_password, created_at=platform.clock.now(),
                    password_hash=platform.extras["passwords"].hash(password))
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
def login(testapp):
    """Sign the test client in: ``login("editor")`` (password defaults to the make_user one)."""

    def sign_in(login_name: str, password: str = TEST_PASSWORD):
        response = testapp.post("/login", {"login": login_name, "password": password,
                                           "csrf_token": csrf_token(testapp)})
        assert response.status_int == 302, response.text
        return response

    return sign_in
