"""Where the time of one portal page goes: SQL statements per request and a pyinstrument profile.

    python bench/profile_page.py PATH [PATH …] [--database URL] [--requests 200] [--cached]

Loads the app from the ini file that ``bench/portal.py`` wrote (the example county's production
settings on the benchmark database; run portal.py first), in this process, with the page cache
off unless ``--cached``, and requests each path anonymously through WebTest: it lists the SQL
statements of one request, then profiles ``--requests`` more with pyinstrument (wall-clock time,
``pip install pyinstrument``) or, with ``--cpu``, with cProfile on CPU time, which other load on
the machine disturbs much less (time waiting for PostgreSQL is then left out).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import _serve  # noqa: E402
from portal import DEFAULT_DATABASE, settings_option  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="paths to profile, e.g. /column/government-news /item/123")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--work", type=Path, help="portal.py's work folder (default /tmp/govcore-bench/<db>)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cached", action="store_true", help="keep the page cache on")
    parser.add_argument("--cpu", action="store_true", help="cProfile on CPU time instead of pyinstrument")
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE",
                        help="an extra [app:main] setting (repeatable)")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print(f"pyinstrument is not installed: {sys.executable} -m pip install pyinstrument", file=sys.stderr)
        raise SystemExit(2)
    import webtest
    from pyramid.paster import get_app
    from sqlalchemy import event

    work = (args.work or Path("/tmp/govcore-bench") / args.database.rsplit("/", 1)[-1]).resolve()
    extra = settings_option(parser, args.setting)
    if not args.cached:
        extra["govcore.page_cache.entries"] = "0"
    ini = _serve.write_ini(work, args.database, work / "var", extra=extra, name="bench-profile")
    app = get_app(str(ini), "main")
    engine = app.registry["platform"].extras["engine"]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"})

    for path in args.paths:
        for _ in range(5):  # templates compiled, pools filled
            client.get(path, status=200)
        statements.clear()
        response = client.get(path, status=200)
        print(f"== {path}: {len(response.body)} bytes, {len(statements)} SQL statements per request")
        for number, sql in enumerate(statements, 1):
            print(f"  {number:2}. {' '.join(sql.split())[:220]}")
        timings, cpu = [], []
        for _ in range(args.requests):  # unprofiled: the page's own cost
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path, status=200)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        print(f"  {args.requests} requests in process: p50 {statistics.median(timings):.2f} ms,"
              f" p95 {statistics.quantiles(timings, n=20)[18]:.2f} ms; CPU {statistics.mean(cpu):.2f} ms a request")
        if args.cpu:
            profile = cProfile.Profile(time.process_time)
            profile.runcall(lambda: [client.get(path, status=200) for _ in range(args.requests)])
            stats = pstats.Stats(profile).strip_dirs()
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            continue
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.requests):
            client.get(path, status=200)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
