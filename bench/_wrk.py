"""Drive a URL with wrk and read back requests/s and latency percentiles.

A small Lua script reports the figures wrk keeps (so p95 is available, which ``--latency`` does not
print) and, when asked, makes every request's URL unique with a query parameter, so that a cache
keyed on the URL never answers.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = r"""
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  bust = args[1]
end

function request()
  if bust == nil or bust == "" then
    return wrk.request()
  end
  counter = counter + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. bust .. "=" .. tid .. "-" .. counter)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50": %d, "p95": %d, "p99": %d, ' ..
    '"max": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class Figures:
    rate: float  # requests per second
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors and HTTP statuses of 400 and above

    def row(self) -> str:
        return f"{self.rate:9.0f}  {self.p50_ms:8.1f}  {self.p95_ms:8.1f}  {self.p99_ms:8.1f}"


def run(url: str, *, duration: float, connections: int, threads: int = 1, headers: dict[str, str] | None = None,
        bust: str = "") -> Figures:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    try:
        command = ["wrk", "--threads", str(threads), "--connections", str(max(connections, threads)),
                   "--duration", f"{max(int(round(duration)), 1)}s", "--timeout", "30s", "--script", script.name]
        for name, value in (headers or {}).items():
            command += ["--header", f"{name}: {value}"]
        command += [url, "--", bust]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((line for line in result.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    errors = data["connect"] + data["read"] + data["write"] + data["timeout"] + data["status"]
    return Figures(
        rate=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50"] / 1000, p95_ms=data["p95"] / 1000, p99_ms=data["p99"] / 1000,
        requests=data["requests"], errors=errors,
    )
