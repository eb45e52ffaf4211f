"""``/healthz``: is each dependency working, as JSON for load balancers and monitoring."""

from __future__ import annotations

from sqlalchemy import text


def healthz(request):
    platform = request.platform
    checks = {
        "database": _database(platform),
        "search": _as_check(platform.search.status()),
        "scheduler": _scheduler(platform),
    }
    healthy = all(check["ok"] for check in checks.values())
    request.response.status_int = 200 if healthy else 503
    request.response.cache_control = "no-store"
    return {"status": "ok" if healthy else "fail", "checks": checks}


def _database(platform) -> dict:
    try:
        with platform.extras["engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy, and says why
        return {"ok": False, "detail": f"数据库不可用：{type(exc).__name__}"}
    return {"ok": True, "detail": platform.extras["engine"].dialect.name}


def _as_check(status) -> dict:
    return {"ok": status.ok, "detail": status.detail, "documents": status.documents}


def _scheduler(platform) -> dict:
    status = platform.scheduler.status()
    # A web process in "worker" mode does not run timers itself; that is healthy.
    ok = status.running or status.mode in ("worker", "off")
    return {"ok": ok, "mode": status.mode, "jobs": status.jobs, "detail": status.detail}
