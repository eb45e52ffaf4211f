"""The dashboard's 数据备份 panel: the last good backup, and a warning when there is none for a day."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from pyramid.renderers import render
from pyramid.request import Request
from sqlalchemy.engine import make_url

from adapters.backup.catalogue import deployment_slug, newest_complete
from adapters.backup.schedule import BackupSettings
from adapters.web.i18n import _
from govcore.errors import ConfigurationError

TEMPLATE = "adapters.web:templates/admin_backup_widget.pt"
STALE_AFTER = dt.timedelta(hours=24)


def render_status(request: Request) -> str:
    platform = request.platform
    try:
        settings = BackupSettings.of(platform)
    except ConfigurationError as exc:
        return render(TEMPLATE, {"misconfigured": exc.message_zh}, request=request)
    try:
        newest = newest_complete(settings.directory, deployment_slug(platform.deployment_dir))
    except OSError as exc:
        unreadable = _("无法读取备份目录 ${folder}：${reason}", mapping={"folder": str(settings.directory),
                                                                    "reason": exc.strerror or str(exc)})
        return render(TEMPLATE, {"misconfigured": request.localizer.translate(unreadable)}, request=request)
    manifest = newest.manifest if newest else None
    now = platform.clock.now()
    return render(TEMPLATE, {
        "misconfigured": None,
        "settings": settings,
        "at": settings.at.strftime("%H:%M"),
        "newest": newest,
        "when": manifest.created_at.astimezone(ZoneInfo(platform.county.timezone)).strftime("%Y-%m-%d %H:%M")
        if manifest else None,
        "size": size_label(manifest.total_bytes) if manifest else None,
        "stale": manifest is None or now - manifest.created_at > STALE_AFTER,
        "same_disk": _same_disk(settings.directory, _data_locations(platform)),
    }, request=request)


def size_label(size: int) -> str:
    """A size as people read it: 980 B, 12.5 KB, 3.2 MB, 1.4 GB."""
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _data_locations(platform) -> list[Path]:
    """Where the data lies on this machine: the var folder (blobs, index) and a SQLite database."""
    locations = [Path(platform.var_dir)]
    url = make_url(platform.extras["engine"].url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        locations.append(Path(url.database).parent)
    return locations


def _same_disk(backups: Path, data: list[Path]) -> bool:
    """Whether the backups lie on a file system that also holds the data (one disk failure loses both)."""
    device = _device(backups)
    return device is not None and any(_device(path) == device for path in data)


def _device(path: Path) -> int | None:
    """The device of ``path`` or of its nearest existing parent (the backup folder may not exist yet)."""
    for candidate in (path, *path.parents):
        try:
            return os.stat(candidate).st_dev
        except OSError:
            continue
    return None
