"""Serve the portal and the hello-world the production way: gunicorn, sync workers, 127.0.0.1.

The portal runs from an ini file written next to the benchmark's var folder: the example county's
production.ini with only the database URL, the var folder and the deployment path changed, so
whatever production sets (pool size, template reloading off, scheduler in the worker) is measured.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

from _seed import DEPLOYMENT, ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")
BENCH = Path(__file__).resolve().parent
START_TIMEOUT = 120.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    base: str  # e.g. http://127.0.0.1:40123
    pid: int  # gunicorn's master; its workers are its children


def gunicorn_missing() -> str | None:
    if GUNICORN.exists():
        return None
    return f"gunicorn is not installed in this environment: {sys.executable} -m pip install gunicorn"


def write_ini(folder: Path, url: str, var: Path, extra: dict[str, str] | None = None, name: str = "bench") -> Path:
    """production.ini with the database, var folder and deployment path (and ``extra`` settings) replaced."""
    text = (DEPLOYMENT / "production.ini").read_text(encoding="utf-8")
    replacements = {
        "govcore.deployment": str(DEPLOYMENT),
        "govcore.var_dir": str(var),
        "sqlalchemy.url": url,
        **(extra or {}),
    }
    for key, value in replacements.items():
        text, found = re.subn(rf"^{re.escape(key)}\s*=.*$", f"{key} = {value}", text, flags=re.MULTILINE)
        if not found:
            text = text.replace("[app:main]\n", f"[app:main]\n{key} = {value}\n", 1)
    path = folder / f"{name}.ini"
    path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(target: list[str], log: Path, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run gunicorn with ``workers`` sync workers on a free port."""
    port = free_port()
    environment = {**os.environ, **(env or {})}
    environment.pop("GOVCORE_DATABASE_URL", None)  # the ini says which database
    command = [str(GUNICORN), "--workers", str(workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
               "--backlog", "2048", "--timeout", "120", *target]
    with open(log, "ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environment, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def portal(ini: Path, log: Path, workers: int = 2):
    # One secret for both workers, as production passes it in the environment.
    return gunicorn(["--paste", str(ini)], log, workers, env={"GOVCORE_SECRET": secrets.token_urlsafe(48)})


def hello(log: Path, database_url: str | None = None, workers: int = 2):
    env = {"BENCH_DATABASE_URL": database_url} if database_url else {}
    return gunicorn(["--pythonpath", str(BENCH), "_hello:app"], log, workers, env=env)


def wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with opener.open(base + "/", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {START_TIMEOUT:.0f} s:\n{log.read_text()[-4000:]}")


def wrk_missing() -> str | None:
    if shutil.which("wrk"):
        return None
    return "wrk is not installed: apt-get install -y wrk (Debian package)"


# -- CPU accounting -----------------------------------------------------------------------------
# Requests per second depend on whatever else the machine runs; the CPU time the server processes
# and the database spend per request does much less, so the benchmark reports both.

def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process, from /proc."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds of ``root`` and every process below it."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = stat
    wanted, found = {root}, True
    while found:
        found = False
        for pid, (parent, _cpu) in stats.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                found = True
    return {pid: stats[pid][1] for pid in wanted if pid in stats}


class CpuMeter:
    """CPU seconds of a server's processes and of the PostgreSQL backends serving its database."""

    def __init__(self, server: Server, database_url: str | None):
        self.server = server
        self.engine = create_engine(database_url, pool_size=1) if database_url else None
        self.database = database_url.rsplit("/", 1)[-1] if database_url else ""

    def snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        backends: dict[int, float] = {}
        if self.engine is not None:
            with self.engine.connect() as conn:
                pids = conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = :db AND pid <> "
                                         "pg_backend_pid()"), {"db": self.database}).all()
            backends = {pid: stat[1] for pid in pids if (stat := _stat(pid)) is not None}
        return tree_cpu(self.server.pid), backends

    @staticmethod
    def used(before: tuple[dict[int, float], dict[int, float]],
             after: tuple[dict[int, float], dict[int, float]]) -> tuple[float, float]:
        """(server CPU seconds, database CPU seconds) between two snapshots."""
        return tuple(sum(cpu - old.get(pid, 0.0) for pid, cpu in new.items())  # type: ignore[return-value]
                     for old, new in zip(before, after))

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
