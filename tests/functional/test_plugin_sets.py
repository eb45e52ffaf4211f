"""A disabled plugin contributes nothing: no routes, menu entries, permissions, jobs or tables."""

from pathlib import Path

import pytest
from sqlalchemy import inspect

from adapters.bootstrap import build_platform
from adapters.cli.setup import initialise
from adapters.testing.pytest_plugin import deployment_settings
from adapters.web.app import make_app

OFFICE_ONLY = """
[county]
name = "乙县"
[plugins]
enabled = ["officework"]
"""


@pytest.fixture
def office_only_app(tmp_path):
    deployment = tmp_path / "office-only"
    deployment.mkdir()
    (deployment / "county.toml").write_text(OFFICE_ONLY, encoding="utf-8")
    settings = deployment_settings(deployment, f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "var")
    initialise(dict(settings), demo=False, echo=lambda line: None)
    platform = build_platform(settings)
    app = make_app(platform)
    yield platform, app
    platform.extras["engine"].dispose()


def route_names(app) -> set[str]:
    from pyramid.interfaces import IRoutesMapper

    return {route.name for route in app.registry.getUtility(IRoutesMapper).get_routes()}


def test_content_disabled_contributes_nothing(office_only_app, wsgi_app, platform):
    office, office_app = office_only_app
    assert "content.column" in route_names(wsgi_app)
    assert not {name for name in route_names(office_app) if name.startswith("content.")}
    assert "content.columns.view" in platform.plugins.permissions
    assert "content.columns.view" not in office.plugins.permissions
    assert "officework.sign" in office.plugins.permissions
    assert not [e for e in office.plugins.menu if e.route_name.startswith("content.")]
    assert not [b for b in office.plugins.portal_blocks if b.name.startswith("content.")]
    assert not [j for j in office.plugins.jobs if j.id.startswith("content")]
    tables = set(inspect(office.extras["engine"]).get_table_names())
    assert "core_user" in tables and "content_column" not in tables


def test_a_county_with_only_some_plugins_still_serves_its_portal(office_only_app):
    import webtest

    _platform, app = office_only_app
    page = webtest.TestApp(app).get("/")
    assert "乙县人民政府" in page.text
    webtest.TestApp(app).get("/column/disclosure", status=404)


def test_minimal_deployment_enables_only_content():
    from govcore.county import load_county

    root = Path(__file__).resolve().parents[2] / "deployments"
    assert load_county(root / "minimal-county").enabled_plugins == ("content",)
    assert len(load_county(root / "example-county").enabled_plugins) >= 5
