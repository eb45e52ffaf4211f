"""Crash test: citizens file 依申请公开 requests while workers are killed; nothing acknowledged may be lost.

    python bench/crash.py [--seconds 60] [--clients 50] [--kill-every 3]
                          [--database postgresql+psycopg://postgres@127.0.0.1:5432/govcore_crash]

1. Drops and recreates the database, sets up a copy of the example county there with
   ``govcore init --no-demo`` (the copy has the captcha off, as a county may set it in county.toml;
   the example county ships with it off anyway) and serves it with gunicorn, 2 sync workers, from
   the example county's production.ini with the database, var folder and deployment swapped in.
2. ``--clients`` threads each file requests one after another for ``--seconds``: GET the form (its
   CSRF token and session cookie), POST a complete request with one small PDF of its own (unique
   bytes, so each submission has its own blob), follow the redirect to the receipt and read the
   tracking number there. Each submission comes from its own loopback address (127.x.y.z), as
   submissions from many citizens do, so the per-address filing limit (10 an hour) stays on and
   never trips. A killer thread SIGKILLs one of the arbiter's workers every ``--kill-every``
   seconds; gunicorn starts a new one.
3. Afterwards, in the database: every tracking number a client received is there exactly once,
   with its 'filed' event and the attachment it was filed with (the blob present, its SHA-256 that
   of the PDF sent); no request row, acknowledged or not, lacks its event or attachment. Then the
   orphan sweep runs with grace 0 (nothing writes any more): it removes the blobs of killed
   requests and partial files, and afterwards no orphan remains and no referenced blob is missing.

Prints the figures and exits 1 if anything was lost, duplicated, half-written or left orphaned.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import _seed  # noqa: E402
import _serve  # noqa: E402
import urllib3  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402

from adapters.blobs.sweep import sweep, take_census  # noqa: E402
from adapters.bootstrap import build_platform, require_current_schema  # noqa: E402
from plugins.disclosure.attachments import DisclosureAttachment  # noqa: E402
from plugins.disclosure.orm import DisclosureEvent, DisclosureRequest  # noqa: E402

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/govcore_crash"
APPLY = "/disclosure/requests/apply"
RECEIPT = "/disclosure/requests/receipt"
TRACKING_NO = re.compile(r'id="tracking-no">(YSQ-\d{4}-\d{6})<')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMEOUT = urllib3.Timeout(connect=10, read=90)  # a request may wait in the queue behind 50 others
STEPS = ("form", "submit", "receipt")
ESTABLISHED = "01"  # TCP state in /proc/net/tcp


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# -- the deployment ----------------------------------------------------------------------------------

def bench_deployment(work: Path) -> Path:
    """A copy of the example county with the captcha off (scripts cannot read one)."""
    target = work / "deployment"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(_seed.DEPLOYMENT, target, ignore=shutil.ignore_patterns("var"))
    county = target / "county.toml"
    text = county.read_text(encoding="utf-8")
    text, found = re.subn(r"(?m)^captcha\s*=.*$", "captcha = false", text)
    if not found:
        text = text.replace("[security]\n", "[security]\ncaptcha = false\n", 1) if "[security]\n" in text \
            else text + "\n[security]\ncaptcha = false\n"
    county.write_text(text, encoding="utf-8")
    return target


# -- the citizens ------------------------------------------------------------------------------------

class ServerReset(Exception):
    """The connection died under the request: its worker was killed."""


class Refused(Exception):
    """The server answered, but not as a successful filing does."""


@dataclass
class Tally:
    attempts: int = 0
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (tracking number, SHA-256 of the PDF)
    resets: Counter = field(default_factory=Counter)  # step -> count
    refusals: Counter = field(default_factory=Counter)  # "step status" -> count
    lock: threading.Lock = field(default_factory=threading.Lock)


class Citizen:
    """One browser filing one request, from its own loopback address."""

    def __init__(self, base: str, address: str):
        parts = urlsplit(base)
        self.pool = urllib3.HTTPConnectionPool(parts.hostname, parts.port, source_address=(address, 0), maxsize=1,
                                               retries=False, timeout=TIMEOUT)
        self.cookies: dict[str, str] = {}

    def request(self, step: str, method: str, path: str, **kwargs) -> urllib3.BaseHTTPResponse:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        try:
            response = self.pool.request(method, path, headers=headers, redirect=False, **kwargs)
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.TimeoutError, ConnectionError) as exc:
            raise ServerReset(step) from exc
        for cookie in response.headers.getlist("Set-Cookie"):
            name, _eq, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response

    def file(self, fields: dict[str, str], pdf: bytes) -> str:
        form = self.request("form", "GET", APPLY)
        token = CSRF.search(form.data.decode())
        if form.status != 200 or token is None:
            raise Refused(f"form {form.status}")
        if 'name="captcha"' in form.data.decode():
            raise SystemExit("the apply form asks for a captcha; the bench deployment should have it off")
        sent = self.request("submit", "POST", APPLY, fields={
            **fields, "csrf_token": token.group(1), "attachments": ("身份证明.pdf", pdf, "application/pdf")})
        if sent.status != 302 or not sent.headers.get("Location", "").endswith(RECEIPT):
            raise Refused(f"submit {sent.status}")
        receipt = self.request("receipt", "GET", RECEIPT)
        number = TRACKING_NO.search(receipt.data.decode())
        if receipt.status != 200 or number is None:
            raise Refused(f"receipt {receipt.status}")
        return number.group(1)

    def close(self) -> None:
        self.pool.close()


def request_fields(client: int, attempt: int) -> dict[str, str]:
    return {"applicant_type": "citizen", "name": f"测试{client}号", "id_type": "居民身份证",
            "id_number": "33010619900101123X", "phone": "13812345678", "email": f"citizen{client}@example.com",
            "address": "示例县人民路2号", "postcode": "", "description": f"第{client}位申请人的第{attempt}份申请：城区道路改造工程的立项批复",
            "doc_title": "", "doc_number": "", "purpose": "", "delivery": "email", "agree": "1"}


def unique_pdf(client: int, attempt: int) -> bytes:
    marker = f"client {client} attempt {attempt} {secrets.token_hex(8)}".encode()
    return b"%PDF-1.4\n%" + marker + b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def address(client: int, attempt: int) -> str:
    return f"127.{1 + client % 250}.{attempt // 250 % 250}.{attempt % 250 + 1}"


def citizen_loop(client: int, base: str, deadline: float, tally: Tally) -> None:
    attempt = 0
    while time.monotonic() < deadline:
        citizen = Citizen(base, address(client, attempt))
        pdf = unique_pdf(client, attempt)
        with tally.lock:
            tally.attempts += 1
        try:
            number = citizen.file(request_fields(client, attempt), pdf)
        except ServerReset as reset:
            with tally.lock:
                tally.resets[reset.args[0]] += 1
        except Refused as refusal:
            with tally.lock:
                tally.refusals[refusal.args[0]] += 1
        else:
            with tally.lock:
                tally.acknowledged.append((number, hashlib.sha256(pdf).hexdigest()))
        finally:
            citizen.close()
        attempt += 1


# -- the killer --------------------------------------------------------------------------------------

def busy_workers(master: int, port: int) -> list[int]:
    """The arbiter's workers holding a client connection now: each is in the middle of a request."""
    clients = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
        if local_port == port and state == ESTABLISHED:
            clients.add(f"socket:[{inode}]")
    busy = []
    for pid in _serve.tree_cpu(master):
        if pid != master and clients & open_sockets(pid):
            busy.append(pid)
    return busy


def open_sockets(pid: int) -> set[str]:
    found = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return found  # it just exited
    for descriptor in descriptors:
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def killer_loop(master: int, port: int, every: float, stop: threading.Event, kills: list[int]) -> None:
    """Every ``every`` seconds, SIGKILL a worker in the middle of a request (waiting for one if need be:
    a worker still loading the app after the last kill serves nobody yet)."""
    while not stop.wait(every):
        while not stop.is_set():
            busy = busy_workers(master, port)
            if busy:
                try:
                    os.kill(busy[0], signal.SIGKILL)
                    kills.append(busy[0])
                except ProcessLookupError:
                    continue
                break
            stop.wait(0.05)


# -- the checks --------------------------------------------------------------------------------------

@dataclass
class Findings:
    rows: int
    lost: list[str]  # acknowledged, not in the database
    duplicates: int  # tracking numbers or submissions stored more than once
    incomplete: list[str]  # rows without their 'filed' event or their attachment
    wrong_file: list[str]  # acknowledged rows whose attachment is not the PDF that was sent
    unacknowledged: int  # committed, but the client never saw the receipt (killed after the commit)


def check_database(url: str, blobs_dir: Path, acknowledged: list[tuple[str, str]]) -> Findings:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(select(DisclosureRequest.tracking_no, DisclosureRequest.id)).all())
        repeated_numbers = conn.scalar(select(func.count()).select_from(
            select(DisclosureRequest.tracking_no).group_by(DisclosureRequest.tracking_no)
            .having(func.count() > 1).subquery()))
        filed = set(conn.scalars(select(DisclosureEvent.request_id).where(DisclosureEvent.action == "filed")))
        files: dict[int, list[str]] = {}
        for request_id, key in conn.execute(select(DisclosureAttachment.request_id, DisclosureAttachment.blob_key)):
            files.setdefault(request_id, []).append(key)
    engine.dispose()
    repeated_files = sum(1 for count in Counter(key for keys in files.values() for key in keys).values() if count > 1)
    numbers = Counter(number for number, _key in acknowledged)
    lost = sorted(number for number in numbers if number not in rows)
    wrong_file = []
    for number, key in acknowledged:
        request_id = rows.get(number)
        if request_id is None:
            continue
        path = blobs_dir / key[:2] / key[2:4] / key
        if files.get(request_id) != [key] or not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != key:
            wrong_file.append(number)
    incomplete = sorted(number for number, request_id in rows.items()
                        if request_id not in filed or len(files.get(request_id, [])) != 1)
    duplicates = repeated_numbers + repeated_files + sum(1 for count in numbers.values() if count > 1)
    return Findings(len(rows), lost, duplicates, incomplete, wrong_file, len(set(rows) - set(numbers)))


@dataclass
class SweepFigures:
    orphans_before: int
    swept: int
    temporaries: int
    remaining: int
    missing: int


def sweep_orphans(deployment: Path, url: str, var: Path) -> SweepFigures:
    """The sweep as ``govcore blobs sweep --grace-hours 0`` runs it, with the figures before and after."""
    platform = build_platform({"govcore.deployment": str(deployment), "govcore.var_dir": str(var),
                               "govcore.database_url": url, "govcore.scheduler": "off"})
    require_current_schema(platform)
    with platform.unit_of_work() as uow:
        orphans_before = len(take_census(platform, uow).orphans)
        report = sweep(platform, uow, grace=dt.timedelta(0))
    with platform.unit_of_work() as uow:
        after = take_census(platform, uow)
    platform.extras["engine"].dispose()
    missing = sum(len(keys) for keys in after.missing().values())
    return SweepFigures(orphans_before, len(report.swept), report.temporaries, len(after.orphans), missing)


# -- main ----------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="PostgreSQL URL; the database is dropped and recreated")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=3.0, help="seconds between two SIGKILLs")
    parser.add_argument("--work", type=Path, help="folder for the deployment copy, var, ini and log "
                                                  "(default /tmp/govcore-bench/<database>)")
    args = parser.parse_args()
    if (missing := _serve.gunicorn_missing()) is not None:
        log(missing)
        return 2
    database = args.database.rsplit("/", 1)[-1]
    work = (args.work or Path("/tmp/govcore-bench") / database).resolve()
    var = work / "var"
    shutil.rmtree(var, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)

    log(f"setting up {database} in {work} …")
    _seed.recreate_database(args.database)
    deployment = bench_deployment(work)
    _seed.govcore("init", "--no-demo", url=args.database, var=var, deployment=deployment)
    ini = _serve.write_ini(work, args.database, var, {"govcore.deployment": str(deployment)}, name="crash")
    server_log = work / "gunicorn.log"
    server_log.write_text("")

    tally, kills, stop = Tally(), [], threading.Event()
    log(f"{args.clients} clients for {args.seconds:g} s, a worker killed every {args.kill_every:g} s …")
    with _serve.portal(ini, server_log, workers=args.workers) as server:
        started = time.monotonic()
        deadline = started + args.seconds
        port = int(server.base.rsplit(":", 1)[1])
        killer = threading.Thread(target=killer_loop, args=(server.pid, port, args.kill_every, stop, kills),
                                  daemon=True)
        clients = [threading.Thread(target=citizen_loop, args=(n, server.base, deadline, tally), daemon=True)
                   for n in range(args.clients)]
        killer.start()
        for thread in clients:
            thread.start()
        time.sleep(max(0.0, deadline - time.monotonic()))
        stop.set()  # no kill after the deadline: the submissions under way finish
        killer.join()
        for thread in clients:
            thread.join()
        elapsed = time.monotonic() - started

    findings = check_database(args.database, var / "blobs", tally.acknowledged)
    swept = sweep_orphans(deployment, args.database, var)
    acknowledged = len(tally.acknowledged)
    resets = sum(tally.resets.values())
    refused = sum(tally.refusals.values())
    rows = [
        ("attempts", tally.attempts, "submissions started (GET form, POST, GET receipt)"),
        ("acknowledged", acknowledged, "tracking numbers shown on a receipt"),
        ("failed (HTTP)", refused, ", ".join(f"{k}: {v}" for k, v in sorted(tally.refusals.items())) or "-"),
        ("reset", resets, "connection died with its worker: " + ", ".join(f"{step} {tally.resets[step]}"
                                                                           for step in STEPS)),
        ("kills", len(kills), f"SIGKILL every {args.kill_every:g} s"),
        ("request rows", findings.rows, f"{findings.unacknowledged} committed but never acknowledged "
                                        "(worker killed after the commit)"),
        ("lost", len(findings.lost), "acknowledged but not in the database"),
        ("duplicates", findings.duplicates, "a tracking number or a submission stored twice"),
        ("half-written", len(findings.incomplete) + len(findings.wrong_file),
         "rows without their event or attachment, or with another file"),
        ("orphans swept", swept.swept, f"blobs of killed requests; plus {swept.temporaries} partial files"),
        ("orphans remaining", swept.remaining, "after the sweep"),
        ("referenced missing", swept.missing, "blobs a record refers to that are not stored"),
        ("throughput", f"{acknowledged / elapsed:.1f}/s", f"acknowledged submissions over {elapsed:.1f} s, "
                                                          f"{args.clients} clients, {args.workers} sync workers"),
    ]
    print(f"\nbench/crash.py on {database}: {args.clients} clients, {args.workers} gunicorn sync workers, "
          f"one SIGKILLed every {args.kill_every:g} s, {args.seconds:g} s")
    for name, value, note in rows:
        print(f"  {name:<19} {value!s:>8}   {note}")
    for label, numbers in (("lost", findings.lost), ("half-written", findings.incomplete + findings.wrong_file)):
        if numbers:
            print(f"  {label}: {', '.join(numbers[:20])}")
    failed = (findings.lost or findings.duplicates or findings.incomplete or findings.wrong_file
              or swept.remaining or swept.missing)
    print("FAIL" if failed else "PASS: every acknowledged submission is stored once, whole, and no blob is orphaned")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
