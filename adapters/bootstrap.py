"""The composition root: settings in, a wired :class:`govcore.platform.Platform` out.

The web app, the CLI and the worker all call :func:`build_platform`, so they share one wiring.
Nothing here runs at import time.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Iterable, Mapping

from adapters.blobs.filesystem import FileBlobStore
from adapters.calendar.chinese_calendar_source import ChineseCalendarSource
from adapters.db import engine as db_engine
from adapters.db.repositories import core_repositories
from adapters.db.types import install_cipher
from adapters.db.uow import transactional
from adapters.notify.mail import mail_sender_from_settings
from adapters.scheduler.apscheduler_adapter import ApScheduler
from adapters.search.whoosh_index import WhooshIndex
from adapters.security.passwords import Argon2Hasher
from adapters.security.personal_cipher import load_keyring
from govcore.calendar import WorkCalendar
from govcore.clock import SystemClock
from govcore.content_types import county_content_types
from govcore.county import load_county
from govcore.errors import ConfigurationError
from govcore.platform import Platform
from govcore.plugins import build_plugins

log = logging.getLogger(__name__)

SECRET_ENV = "GOVCORE_SECRET"

# The adapters' own hook implementations (jobs, dashboard widgets, personal-data kinds, seals),
# registered next to the plugins in every process: web, CLI and worker alike.
ADAPTER_HOOKS = (
    "adapters.backup.hooks",
    "adapters.blobs.hooks",
    "adapters.personal_data.hooks",
    "adapters.integrity.hooks",
)
DATABASE_ENV = "GOVCORE_DATABASE_URL"


def resolve_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Fill in the defaults that derive from the deployment folder, environment overrides and the secret."""
    resolved = resolve_locations(settings)
    resolved["govcore.secret"] = (os.environ.get(SECRET_ENV) or resolved.get("govcore.secret")
                                  or _local_secret(Path(resolved["govcore.var_dir"])))
    return resolved


def resolve_locations(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The deployment folder, the var folder and the database URL, with their defaults; writes nothing."""
    resolved = dict(settings)
    deployment = resolved.get("govcore.deployment")
    if not deployment:
        raise ConfigurationError("缺少 govcore.deployment 设置", "setting govcore.deployment is missing")
    deployment_dir = Path(deployment).resolve()
    var_dir = Path(resolved.get("govcore.var_dir") or deployment_dir / "var").resolve()
    resolved["govcore.deployment"] = str(deployment_dir)
    resolved["govcore.var_dir"] = str(var_dir)
    # An explicit --database wins, then the environment (production secrets), then the ini file.
    resolved["sqlalchemy.url"] = (
        resolved.get("govcore.database_url")
        or os.environ.get(DATABASE_ENV)
        or resolved.get("sqlalchemy.url")
        or f"sqlite:///{var_dir / 'govcore.sqlite'}"
    )
    resolved.setdefault("govcore.scheduler", "in-process")
    return resolved


def _local_secret(var_dir: Path) -> str:
    """A per-installation secret kept in the var folder (never in the repository)."""
    path = var_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def build_platform(
    settings: Mapping[str, Any],
    extra_plugins: Iterable[tuple[str, object]] = (),
    clock=None,
) -> Platform:
    resolved = resolve_settings(settings)
    deployment_dir = Path(resolved["govcore.deployment"])
    var_dir = Path(resolved["govcore.var_dir"])
    var_dir.mkdir(parents=True, exist_ok=True)
    county = load_county(deployment_dir)
    plugins = build_plugins(county.enabled_plugins, extra_plugins)
    for module_name in ADAPTER_HOOKS:
        plugins.manager.register(importlib.import_module(module_name), name=module_name)
    clock = clock or SystemClock(county.timezone)

    engine = db_engine.make_engine(resolved)
    personal_keys = load_keyring(var_dir)
    install_cipher(engine, personal_keys)
    repositories = core_repositories()
    for _plugin, contributed in plugins.each("govcore_register_repositories"):
        repositories.update(contributed)

    platform = Platform(
        settings=resolved,
        deployment_dir=deployment_dir,
        var_dir=var_dir,
        county=county,
        plugins=plugins,
        clock=clock,
        calendar=WorkCalendar(ChineseCalendarSource(), {o.day: o.working for o in county.calendar_overrides}),
        search=WhooshIndex(Path(resolved.get("govcore.search_dir") or var_dir / "search")),
        blobs=FileBlobStore(Path(resolved.get("govcore.blob_dir") or var_dir / "blobs")),
        scheduler=ApScheduler(engine, mode=resolved["govcore.scheduler"], timezone=county.timezone),
        mail=mail_sender_from_settings(resolved, var_dir),
        unit_of_work=lambda: transactional(platform),
        content_types=county_content_types(plugins.content_types, county),
        extras={
            "engine": engine,
            "session_factory": db_engine.make_session_factory(engine),
            "repositories": repositories,
            "passwords": Argon2Hasher(),
            "personal_keys": personal_keys,
        },
    )
    platform.scheduler.attach(platform)
    return platform


def require_current_schema(platform: Platform) -> None:
    """Refuse to serve or run jobs on a database whose migrations have not all been applied."""
    from adapters.db import migrate

    behind = migrate.pending(platform.extras["engine"], platform.plugins.migration_locations)
    if behind:
        names = ", ".join(behind)
        raise ConfigurationError(
            f"数据库结构不是最新（{names}），请先运行 govcore init 或 govcore db upgrade",
            f"the database is behind ({names}); run govcore init or govcore db upgrade first",
        )
