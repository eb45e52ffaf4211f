"""``/healthz``: is each dependency working, as JSON for load balancers and monitoring.

Each check gives ``ok`` and a Chinese ``detail``: the database (a ``SELECT 1`` through the pool),
the search index (readable, built by this version), the scheduler (running where the mode says
it should, its job store readable) and the blob store (a file can be written in its folder). Any
failing check makes the answer 503. The checks open no request transaction (pyramid_tm skips these
paths, see :func:`needs_transaction`) and the page cache leaves ``/healthz`` alone, so the answer
comes within the database's connect timeout even while the database is down.
"""

from __future__ import annotations

import os
import tempfile

from sqlalchemy import text

from adapters.web.api.document import API_PREFIX
from adapters.web.outage import is_database_outage, outage_log

HEALTH_PATHS = frozenset({"/healthz", f"{API_PREFIX}/health"})
DATABASE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
SCHEDULER_MODES = {
    "in-process": "定时任务在本进程中运行",
    "worker": "定时任务由 govcore worker 进程运行",
    "off": "定时任务已关闭，只保存不运行",
}
# The job store is in the database: not asked again (and waited for again) when the database failed.
SCHEDULER_WITHOUT_DATABASE = {"ok": False, "detail": "定时任务保存在数据库中，数据库不可用时无法运行"}


def needs_transaction(request) -> bool:
    """pyramid_tm's activate hook: the health checks need no request transaction (nor its user lookup)."""
    return request.path_info not in HEALTH_PATHS


def healthz(request):
    platform = request.platform
    database = _database(request)
    checks = {
        "database": database,
        "search": _as_check(platform.search.status()),
        "scheduler": _scheduler(platform) if database["ok"] else SCHEDULER_WITHOUT_DATABASE,
        "blobs": _blobs(platform),
    }
    healthy = all(check["ok"] for check in checks.values())
    request.response.status_int = 200 if healthy else 503
    request.response.cache_control = "no-store"
    return {"status": "ok" if healthy else "fail", "checks": checks}


def _database(request) -> dict:
    engine = request.platform.extras["engine"]
    name = DATABASE_NAMES.get(engine.dialect.name, engine.dialect.name)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy, and says why
        if is_database_outage(exc):
            outage_log(request.registry).failed(exc)  # logged once per outage, however often polled
        # The class only: the driver's message names hosts and ports, and this page is public.
        return {"ok": False, "detail": f"数据库（{name}）无法连接：{type(exc).__name__}"}
    return {"ok": True, "detail": f"数据库（{name}）连接正常"}


def _as_check(status) -> dict:
    return {"ok": status.ok, "detail": status.detail, "documents": status.documents}


def _scheduler(platform) -> dict:
    try:
        status = platform.scheduler.status()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy, and says why
        return {"ok": False, "detail": f"无法读取定时任务：{type(exc).__name__}"}
    # A web process in "worker" mode does not run timers itself; that is healthy.
    ok = status.running or status.mode in ("worker", "off")
    if ok:
        detail = f"{SCHEDULER_MODES.get(status.mode, status.mode)}，已安排 {status.jobs} 项"
    else:
        detail = "定时任务应在本进程中运行，但调度器没有启动"
    return {"ok": ok, "mode": status.mode, "jobs": status.jobs, "detail": detail}


def _blobs(platform) -> dict:
    """Uploads must be storable: the folder exists (or can be made) and takes a new file."""
    directory = platform.blobs.directory
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".healthz-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return {"ok": False, "detail": f"文件存储目录不可写：{exc.strerror or type(exc).__name__}"}
    return {"ok": True, "detail": "文件存储目录可写"}
