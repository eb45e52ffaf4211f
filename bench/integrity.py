"""Benchmark of the integrity seals: sealing at decision time, and verifying every sealed record.

    python bench/integrity.py [--cases 2000] [--items 2000] [--database URL]

Sets up the example county without demo data in a temporary folder (SQLite by default; give
``--database`` an empty PostgreSQL database to measure that instead), then:

1. decides ``--cases`` one-step cases, each in its own transaction, with and without the seal
   (the seal's share of a final decision);
2. publishes ``--items`` 政务公开 items (each with a 索引号), each in its own transaction;
3. times the verification that ``govcore integrity verify`` and /admin/integrity run: the chain
   walk alone, then the whole check with every record's payload computed again.

Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from adapters.bootstrap import build_platform  # noqa: E402
from adapters.cli.setup import initialise  # noqa: E402
from adapters.db.orm import User  # noqa: E402
from adapters.testing.pytest_plugin import deployment_settings  # noqa: E402
from govcore import hashchain  # noqa: E402
from govcore.integrity import SealLedger, seal_hash, seal_kinds, verify  # noqa: E402
from govcore.workflow.case import APPROVE  # noqa: E402
from govcore.workflow.definition import ACTOR_PERSON, Actor, Definition, Step  # noqa: E402
from govcore.workflow.service import Workflows  # noqa: E402
from plugins.content.orm import Column  # noqa: E402
from plugins.content.publishing import Publishing  # noqa: E402


def decide(platform, clerk: int, count: int) -> float:
    """Start and approve ``count`` cases, one transaction each; returns decisions per second."""
    started = time.perf_counter()
    for number in range(count):
        with platform.unit_of_work() as uow:
            workflows = Workflows(platform, uow)
            case = workflows.start("bench.sealed", subject_type="general", subject_id=number, title=f"采购申请第{number}号",
                                   body="办公用品", initiator_id=clerk, org_unit_id=None)
            workflows.act(case.id, actor_id=clerk, action=APPROVE, expected_version=case.version, opinion="同意")
    return count / (time.perf_counter() - started)


def publish(platform, count: int) -> float:
    started = time.perf_counter()
    for number in range(count):
        with platform.unit_of_work() as uow:
            publishing = Publishing(platform, uow)
            column = uow.session.scalar(select(Column.id).where(Column.slug == "documents"))
            item = publishing.store.create(column_id=column, type="article", title=f"关于第{number}项工作的通知",
                                           user_id=None, body="<p>" + "各单位要认真落实。" * 40 + "</p>",
                                           issuing_org="示例县人民政府办公室", index_no=f"000014349-2026-{number:05d}")
            publishing.publish(item, None)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--database", help="an empty database URL (default: SQLite in a temporary folder)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = options.database or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        settings = deployment_settings(ROOT / "deployments" / "example-county", url, Path(folder) / "var")
        initialise(dict(settings), demo=False, echo=lambda line: None)
        platform = build_platform(dict(settings))
        with platform.unit_of_work() as uow:
            clerk = uow.session.scalar(select(User.id).order_by(User.id).limit(1))
            Workflows(platform, uow).save_definition(Definition("bench.sealed", "盖章测试", (
                Step("check", "审核", actors=(Actor(ACTOR_PERSON, user_id=clerk),)),), general=True), author_id=clerk)

        decide(platform, clerk, 20)  # warm up: caches, prepared statements, the first pages of each table
        sealed = decide(platform, clerk, options.cases)
        ledger_factory = platform.extras["repositories"].pop(SealLedger)

        class Unsealed:  # the decision without its seal, for comparison
            def seal(self, *args, **kwargs):
                return None

        platform.extras["repositories"][SealLedger] = lambda uow: Unsealed()
        unsealed = decide(platform, clerk, options.cases)
        platform.extras["repositories"][SealLedger] = ledger_factory
        published = publish(platform, options.items)

        kinds = seal_kinds(platform.plugins)
        with platform.unit_of_work() as uow:
            ledger = uow.repository(SealLedger)
            started = time.perf_counter()
            status = hashchain.check_chain(ledger.chain(), seal_hash, ledger.head)
            walk = time.perf_counter() - started
            started = time.perf_counter()
            report = verify(ledger, kinds, uow)
            full = time.perf_counter() - started

        print(f"database: {platform.extras['engine'].dialect.name}; seals: {status.length}")
        print(f"decide a case: {sealed:.0f}/s with its seal, {unsealed:.0f}/s without")
        print(f"publish a 政务公开 item (sealed): {published:.0f}/s")
        print(f"walk the chain: {status.length / walk:.0f} seals/s ({walk * 1000:.0f} ms)")
        records = sum(report.records.values())
        print(f"verify everything: {records / full:.0f} records/s ({full:.2f} s; intact: {report.intact})")
        platform.extras["engine"].dispose()


if __name__ == "__main__":
    main()
