"""The Pyramid application factory.

The core configures itself, every enabled plugin's ``govcore_configure_web`` runs, the
configuration is committed, and only then the deployment's own includes run, so a county overrides
core and plugin views and templates without conflict errors.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pyramid.config import Configurator
from pyramid.router import Router

from adapters.bootstrap import build_platform, require_current_schema
from adapters.calendar.overrides import load_overrides
from govcore.platform import Platform

log = logging.getLogger(__name__)


def main(global_config: dict[str, Any] | None, **settings: Any) -> Router:
    """PasteDeploy entry point (``use = egg:govcore``)."""
    platform = build_platform(settings)
    return make_app(platform)


def make_app(platform: Platform) -> Router:
    require_current_schema(platform)
    load_overrides(platform)
    settings = dict(platform.settings)
    settings.setdefault("pyramid.default_locale_name", "zh_CN")
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("retry.attempts", 3)
    # The health checks open no transaction, so they answer even while the database is down.
    settings.setdefault("tm.activate_hook", "adapters.web.views.health.needs_transaction")
    with Configurator(settings=settings) as config:
        config.registry["platform"] = platform
        config.include("adapters.web.shell")
        config.include("adapters.web.outage")
        platform.plugins.hook.govcore_configure_web(config=config)
        config.commit()
        _include_deployment(config, platform)
    # Runs jobs only in "in-process" mode; in the other modes it changes nothing.
    platform.scheduler.start()
    return config.make_wsgi_app()


def _include_deployment(config: Configurator, platform: Platform) -> None:
    """The county's own overrides: templates and named includes.

    ``<deployment>/templates/<package>/x.pt`` replaces ``<package>:templates/x.pt``, e.g.
    ``templates/adapters.web/layout.pt`` gives the county its own page frame.
    """
    templates = Path(platform.deployment_dir) / "templates"
    if templates.is_dir():
        for package_dir in sorted(p for p in templates.iterdir() if p.is_dir()):
            config.override_asset(to_override=f"{package_dir.name}:templates/", override_with=f"{package_dir}/")
    for name in str(platform.settings.get("govcore.includes", "")).split():
        config.include(name)
