"""The platform object: one deployment's configuration, plugins and ports, wired once.

The composition root (``adapters.bootstrap``) builds it; the web app, the CLI and the worker each
receive the same object, so they cannot disagree about how the county is put together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ContextManager, Mapping

from govcore.calendar import WorkCalendar
from govcore.county import CountyConfig
from govcore.plugins import Plugins
from ports.blobs import BlobStore
from ports.clock import Clock
from ports.notifier import MailSender
from ports.persistence import UnitOfWork
from ports.scheduler import Scheduler
from ports.search import SearchIndex


@dataclass
class Platform:
    settings: Mapping[str, Any]
    deployment_dir: Path
    var_dir: Path
    county: CountyConfig
    plugins: Plugins
    clock: Clock
    calendar: WorkCalendar
    search: SearchIndex
    blobs: BlobStore
    scheduler: Scheduler
    mail: MailSender
    # Opens a unit of work that commits on success, rolls back on error, then dispatches events.
    unit_of_work: Callable[[], ContextManager[UnitOfWork]]
    # The enabled plugins' content types with the county's extra fields (govcore.content_types).
    content_types: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)  # adapter objects other adapters need
