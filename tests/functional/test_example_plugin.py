"""The example third-party plugin (examples/govcore-local-specialties) plugs in with no core change.

Each side gets a deployment of its own in a temporary folder, like test_plugin_sets: the plugin's
deployment enables it, the example county does not (and must work without it installed).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pyotp
import pytest
import webtest
from click.testing import CliRunner
from sqlalchemy import inspect, select, text

from adapters.bootstrap import build_platform
from adapters.cli.main import cli
from adapters.cli.setup import initialise
from adapters.db import migrate
from adapters.db.orm import Role, RoleAssignment, User
from adapters.scheduler.apscheduler_adapter import resolve
from adapters.search.reindex import reindex
from adapters.testing.pytest_plugin import TEST_PASSWORD, TEST_TOTP_SECRET, csrf_token, deployment_settings
from adapters.web.app import make_app
from govcore.platform import Platform
from govcore.plugins import installed_plugins
from ports.search import SearchQuery

PLUGIN = "local_specialties"
ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DEPLOYMENT = ROOT / "examples" / "govcore-local-specialties" / "deployment"
EXAMPLE_COUNTY = ROOT / "deployments" / "example-county"
ENVIRON = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}

if PLUGIN not in installed_plugins():
    pytest.skip("the example plugin is not installed: pip install -e examples/govcore-local-specialties "
                "(scripts/test installs it)", allow_module_level=True)


def _deploy(tmp_path_factory, deployment: Path, demo: bool) -> Iterator[tuple[Platform, webtest.TestApp]]:
    folder = tmp_path_factory.mktemp(deployment.name)
    settings = deployment_settings(deployment, f"sqlite:///{folder / 'db.sqlite'}", folder / "var")
    initialise(dict(settings), demo=demo, echo=lambda line: None)
    platform = build_platform(settings)
    yield platform, make_app(platform)
    platform.extras["engine"].dispose()


@pytest.fixture(scope="module")
def enabled(tmp_path_factory):
    """The plugin's own deployment (content + local_specialties), with its two demo products."""
    yield from _deploy(tmp_path_factory, PLUGIN_DEPLOYMENT, demo=True)


@pytest.fixture(scope="module")
def disabled(tmp_path_factory):
    """The example county, which does not enable the plugin although it is installed."""
    yield from _deploy(tmp_path_factory, EXAMPLE_COUNTY, demo=False)


def signed_in(platform: Platform, app, login: str, role: str = "system_admin") -> webtest.TestApp:
    """A browser signed in as a new staff account holding ``role``."""
    with platform.unit_of_work() as uow:
        user = User(login=login, display_name=login, kind="staff", is_active=True, must_change_password=False,
                    created_at=platform.clock.now(), password_hash=platform.extras["passwords"].hash(TEST_PASSWORD),
                    totp_secret=TEST_TOTP_SECRET, totp_enabled=True)
        user.assignments.append(RoleAssignment(role=uow.session.scalars(select(Role).filter_by(name=role)).one()))
        uow.session.add(user)
    browser = webtest.TestApp(app, extra_environ=ENVIRON)
    browser.post("/login", {"login": login, "password": TEST_PASSWORD, "csrf_token": csrf_token(browser)}, status=302)
    browser.post("/login/totp", {"code": pyotp.TOTP(TEST_TOTP_SECRET).now(), "csrf_token": csrf_token(browser)},
                 status=302)
    return browser


def menu_text(browser: webtest.TestApp) -> str:
    return browser.get("/admin").html.select_one("nav.admin-menu").get_text(" ", strip=True)


def route_names(app) -> set[str]:
    from pyramid.interfaces import IRoutesMapper

    return {route.name for route in app.registry.getUtility(IRoutesMapper).get_routes()}


def plugins_list_line(deployment: Path) -> str:
    result = CliRunner().invoke(cli, ["plugins", "list", str(deployment)])
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith(PLUGIN + " "))


def test_plugins_list_shows_it_enabled_only_where_the_county_enables_it():
    line = plugins_list_line(PLUGIN_DEPLOYMENT)
    assert "已启用" in line and "govcore-local-specialties" in line and "地方特产" in line
    assert "未启用" in plugins_list_line(EXAMPLE_COUNTY)


def test_initialise_runs_its_own_migration_branch(enabled):
    platform, _app = enabled
    engine = platform.extras["engine"]
    assert "specialties_product" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version_local_specialties")).scalars()
        assert list(versions) == ["specialties_0001"]
    assert migrate.pending(engine, platform.plugins.migration_locations) == []


def test_the_portal_lists_the_seeded_products(enabled):
    _platform, app = enabled
    visitor = webtest.TestApp(app, extra_environ=ENVIRON)
    page = visitor.get("/specialties")
    assert {"手工红薯粉条", "高山云雾茶"} <= {h.get_text() for h in page.html.select("article.specialty h3")}
    townships = [h.get_text() for h in page.html.select("section h2")]
    assert townships.index("城关镇") < townships.index("青山乡")  # grouped by township, in order
    home = visitor.get("/").html
    block = home.select_one(".specialties-block")
    assert "高山云雾茶" in block.get_text() and block.select_one('a[href="/specialties"]')
    nav_links = [a.get_text() for a in home.select("nav.main-nav a")]
    assert nav_links[-1] == "地方特产"  # after the content plugin's columns, as county.toml orders them


def test_staff_add_a_product_that_the_portal_and_the_search_then_show(enabled):
    platform, app = enabled
    staff = signed_in(platform, app, "specialties-admin")
    assert "本县扩展 地方特产" in menu_text(staff)

    form = staff.get("/admin/specialties").forms["specialty-form"]
    form["name"] = "石门烟熏腊肉"
    form["description"] = "松柏枝慢火熏制四十天。"
    page = form.submit(status=400)
    assert "请填写所属乡镇" in page.text
    again = page.forms["specialty-form"]
    assert again["name"].value == "石门烟熏腊肉" and again["description"].value == "松柏枝慢火熏制四十天。"
    assert page.html.select_one("#specialty-township")["aria-invalid"] == "true"

    again["township"] = "石门镇"
    again["price_note"] = "每斤 45 元"
    listing = again.submit(status=302).follow()
    assert "已添加地方特产“石门烟熏腊肉”" in listing.text
    assert "石门烟熏腊肉" in listing.html.select_one("table.table").get_text()

    public = webtest.TestApp(app, extra_environ=ENVIRON).get("/specialties")
    assert "松柏枝慢火熏制四十天。" in public.text and "每斤 45 元" in public.text
    # Indexed after the commit, from the plugin's govcore_on_event, and kept by a full rebuild.
    assert [hit.kind for hit in platform.search.search(SearchQuery("烟熏腊肉")).hits] == ["specialty"]
    reindex(platform, progress_bar=False)
    hit = platform.search.search(SearchQuery("烟熏腊肉")).hits[0]
    assert hit.title == "石门烟熏腊肉" and re.fullmatch(r"/specialties#specialty-\d+", hit.url)


def test_the_same_product_twice_in_a_township_is_refused(enabled):
    platform, app = enabled
    form = signed_in(platform, app, "specialties-twice").get("/admin/specialties").forms["specialty-form"]
    form["name"] = "高山云雾茶"
    form["township"] = "青山乡"
    form["description"] = "重复登记"
    assert "青山乡已登记过名为“高山云雾茶”的特产" in form.submit(status=400).text


def test_posting_without_the_csrf_token_is_refused(enabled):
    platform, app = enabled
    staff = signed_in(platform, app, "specialties-csrf")
    staff.post("/admin/specialties", {"name": "伪造", "township": "城关镇", "description": "跨站提交"}, status=400)
    assert "伪造" not in staff.get("/specialties").text


def test_only_holders_of_the_permission_reach_the_staff_page(enabled):
    platform, app = enabled
    editor = signed_in(platform, app, "specialties-editor", role="specialties_editor")
    assert "地方特产" in menu_text(editor)
    editor.get("/admin/specialties", status=200)
    anonymous = webtest.TestApp(app, extra_environ=ENVIRON)
    assert "/login" in anonymous.get("/admin/specialties", status=302).location


def test_the_daily_job_puts_a_lost_product_back_into_the_index(enabled):
    platform, _app = enabled
    job = next(job for job in platform.plugins.jobs if job.id == "local_specialties.refresh_search_index")
    lost = platform.search.search(SearchQuery("云雾茶")).hits[0].doc_id
    with platform.unit_of_work() as uow:
        others = [document for name, documents in platform.plugins.each("govcore_search_documents", uow=uow)
                  if name != PLUGIN for document in documents]
    platform.search.rebuild(others)  # the index as it would be had every write of this plugin failed
    assert platform.search.search(SearchQuery("云雾茶")).total == 0
    with platform.unit_of_work() as uow:
        resolve(job.func)(platform, uow, **job.kwargs)
    assert [hit.doc_id for hit in platform.search.search(SearchQuery("云雾茶")).hits] == [lost]


def test_a_county_that_does_not_enable_it_gets_nothing_of_it(disabled):
    platform, app = disabled
    assert not {name for name in route_names(app) if name.startswith(PLUGIN + ".")}
    webtest.TestApp(app, extra_environ=ENVIRON).get("/specialties", status=404)
    assert "specialties.edit" not in platform.plugins.permissions
    assert "specialties.edit" not in platform.plugins.roles["system_admin"].permissions
    assert not [entry for entry in platform.plugins.menu if entry.route_name.startswith(PLUGIN + ".")]
    assert not [block for block in platform.plugins.portal_blocks if block.name.startswith(PLUGIN + ".")]
    assert not [job for job in platform.plugins.jobs if job.id.startswith(PLUGIN + ".")]
    assert "specialty" not in platform.plugins.content_types
    tables = set(inspect(platform.extras["engine"]).get_table_names())
    assert "core_user" in tables
    assert not {"specialties_product", "alembic_version_local_specialties"} & tables
    assert "地方特产" not in menu_text(signed_in(platform, app, "county-admin"))
