"""Benchmark of the workflow engine on a real database: starting and deciding cases, and the task inbox.

    python bench/workflow.py [--cases 2000] [--database URL]

Sets up the example county in a temporary folder (SQLite by default; give ``--database`` an empty
PostgreSQL database to measure that instead), then:

1. starts ``--cases`` cases of a two-step procedure (a pool of ten approvers, then a countersign
   of three), each in its own transaction, as people do from the start page;
2. approves the first step of half of them, one transaction each;
3. times the 待办 page of one approver, who then has every open first-step task in the inbox,
   and of a countersigner, through the whole web stack (WebTest).

Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import webtest  # noqa: E402

from adapters.bootstrap import build_platform  # noqa: E402
from adapters.cli.setup import initialise  # noqa: E402
from adapters.db.orm import User  # noqa: E402
from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token, deployment_settings  # noqa: E402
from adapters.web.app import make_app  # noqa: E402
from govcore.workflow.case import APPROVE  # noqa: E402
from govcore.workflow.definition import ACTOR_PERSON, MODE_ALL, Actor, Definition, Step  # noqa: E402
from govcore.workflow.service import Workflows  # noqa: E402

KEY = "bench.purchase"
APPROVERS, SIGNERS = 10, 3


def people(platform) -> list[int]:
    with platform.unit_of_work() as uow:
        made = [User(login=f"bench-{n}", display_name=f"测试人员{n}", kind="staff", is_active=True,
                     must_change_password=False, created_at=platform.clock.now(),
                     password_hash=platform.extras["passwords"].hash(TEST_PASSWORD))
                for n in range(1 + APPROVERS + SIGNERS)]
        uow.session.add_all(made)
        uow.session.flush()
        return [person.id for person in made]


def procedure(approvers: list[int], signers: list[int]) -> Definition:
    return Definition(KEY, "采购审批（测试）", (
        Step("check", "科室审核", actors=tuple(Actor(ACTOR_PERSON, user_id=p) for p in approvers)),
        Step("sign", "会签", actors=tuple(Actor(ACTOR_PERSON, user_id=p) for p in signers), mode=MODE_ALL),
    ), general=True, escalate_role="")


def per_second(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def page_times(app: webtest.TestApp, login: str, rounds: int) -> tuple[float, float]:
    app.reset()
    app.post("/login", {"login": login, "password": TEST_PASSWORD, "csrf_token": csrf_token(app)})
    app.get("/admin/tasks")  # warm the templates
    latencies = []
    for _ in range(rounds):
        started = time.perf_counter()
        app.get("/admin/tasks", status=200)
        latencies.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(latencies, n=20)
    return statistics.median(latencies), cuts[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--database", help="an empty database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--rounds", type=int, default=50, help="inbox page requests to time")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = options.database or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        settings = deployment_settings(ROOT / "deployments" / "example-county", url, Path(folder) / "var")
        initialise(dict(settings), demo=False, echo=lambda line: None)
        platform = build_platform(dict(settings))
        initiator, *rest = people(platform)
        approvers, signers = rest[:APPROVERS], rest[APPROVERS:]
        with platform.unit_of_work() as uow:
            Workflows(platform, uow).save_definition(procedure(approvers, signers), author_id=initiator)

        started, case_ids = time.perf_counter(), []
        for number in range(options.cases):
            with platform.unit_of_work() as uow:
                case = Workflows(platform, uow).start(KEY, subject_type="general", subject_id=number,
                                                      title=f"采购申请第{number}号", initiator_id=initiator,
                                                      org_unit_id=None)
                case_ids.append((case.id, case.version))
        starts = per_second(options.cases, started)

        decided = case_ids[: options.cases // 2]
        started = time.perf_counter()
        for index, (case_id, version) in enumerate(decided):
            with platform.unit_of_work() as uow:
                Workflows(platform, uow).act(case_id, actor_id=approvers[index % APPROVERS], action=APPROVE,
                                             expected_version=version)
        approvals = per_second(len(decided), started)

        app = webtest.TestApp(make_app(platform), extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"})
        approver_p50, approver_p95 = page_times(app, "bench-1", options.rounds)
        signer_p50, signer_p95 = page_times(app, f"bench-{1 + APPROVERS}", options.rounds)

        print(f"database: {platform.extras['engine'].dialect.name}; cases: {options.cases}")
        print(f"start a case (a task and a notification for each of {APPROVERS} approvers): {starts:.0f} cases/s")
        print(f"approve the first step (opens a countersign of {SIGNERS}): {approvals:.0f} transitions/s")
        print(f"待办 page, approver with {options.cases - len(decided)} pending tasks: "
              f"p50 {approver_p50:.1f} ms, p95 {approver_p95:.1f} ms")
        print(f"待办 page, countersigner with {len(decided)} pending tasks: "
              f"p50 {signer_p50:.1f} ms, p95 {signer_p95:.1f} ms")
        platform.extras["engine"].dispose()


if __name__ == "__main__":
    main()
