"""One process of a deployment (a web worker or ``govcore worker``) built on a shared database file.

The scheduler tests start several of these on one SQLite file, as a county runs several
processes on one database; each has its own engine and scheduler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from adapters.blobs.filesystem import FileBlobStore
from adapters.calendar.chinese_calendar_source import ChineseCalendarSource
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.uow import transactional
from adapters.notify.mail import MailDirSender
from adapters.scheduler.apscheduler_adapter import ApScheduler
from govcore.calendar import WorkCalendar
from govcore.county import CountyConfig
from govcore.platform import Platform
from govcore.plugins import build_plugins
from ports.clock import Clock

TZ = "Asia/Shanghai"


def process_platform(database_url: str, folder: Path, mode: str, clock: Clock, *,
                     plugins: Iterable[tuple[str, object]] = (), repositories: dict[type, Any] | None = None,
                     poll_seconds: float = 0.1) -> Platform:
    """A platform whose scheduler runs in ``mode``, attached; stop it with :func:`stop`."""
    engine = make_engine({"sqlalchemy.url": database_url})
    plugins = list(plugins)
    platform = Platform(
        settings={"sqlalchemy.url": database_url, "govcore.scheduler": mode},
        deployment_dir=folder,
        var_dir=folder / "var",
        county=CountyConfig(name="test", full_name="测试县", enabled_plugins=tuple(n for n, _ in plugins)),
        plugins=build_plugins([], extra=plugins),
        clock=clock,
        calendar=WorkCalendar(ChineseCalendarSource()),
        search=None,  # type: ignore[arg-type]  # nothing here searches
        blobs=FileBlobStore(folder / "blobs"),
        scheduler=ApScheduler(engine, mode=mode, timezone=TZ, poll_seconds=poll_seconds),
        mail=MailDirSender(folder / "mail", "noreply@test.invalid"),
        unit_of_work=lambda: transactional(platform),
        extras={"engine": engine, "session_factory": make_session_factory(engine), "repositories": repositories or {}},
    )
    platform.scheduler.attach(platform)
    return platform


def stop(platform: Platform) -> None:
    """What ending the process does: the scheduler stops, the connections close."""
    platform.scheduler.shutdown()
    platform.extras["engine"].dispose()
