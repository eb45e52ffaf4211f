"""Benchmark of the public portal served the production way, next to a Pyramid hello-world.

    python bench/portal.py [--items 100000] [--database postgresql+psycopg://postgres@127.0.0.1:5432/govcore_bench]
                           [--duration 10] [--connections 32] [--skip-seed] [--scale-check]

1. Empties the PostgreSQL database, sets up the example county with ``govcore init --no-demo``,
   seeds ``--items`` published items of real Chinese news text (bench/_corpus.py) over the list
   columns (publication dates over twenty years, a few pinned, 索引号 in 政务公开) and rebuilds the
   search index with ``govcore search reindex``, reporting its rate and how many cores it kept busy.
   ``--skip-seed`` reuses the database and index of an earlier run.
2. Serves the portal with gunicorn (2 sync workers, the example county's production.ini with the
   database and var folder swapped in) and ``bench/_hello.py`` the same way, and drives each with
   wrk from another process on 127.0.0.1.
3. Pages: home, the first and the 500th page of the biggest column (reached by following 下一页
   links from the first), an item, and a search for a common word. Each is measured
   - cached: plain GETs without cookies, answered from the anonymous page cache;
   - 304: the same with ``If-None-Match`` of the page's ETag;
   - uncached: a second gunicorn with ``govcore.page_cache.entries = 0`` (a documented setting of
     adapters/web/caching.py: no copies kept, validators still computed), so every request renders.
   Search results are never cached, so search has one row, plus a run on one connection for the
   latency target (with 32 connections on 2 workers, latency is mostly waiting in the queue).
4. Prints requests/s, p50/p95/p99 and the ratio to the hello-world, then the issue's targets.

``--scale-check`` instead compares a column's first and a deep page at 1,000 and at 1,000,000 items
(the million copied inside PostgreSQL from the first thousand; text repeats), in a database of its
own (``<database>_scale``). Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import _corpus  # noqa: E402
import _seed  # noqa: E402
import _serve  # noqa: E402
import _wrk  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402

from plugins.content.items import ListingCursor  # noqa: E402
from plugins.content.orm import Column, Item, Placement  # noqa: E402

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/govcore_bench"
DEEP_PAGE = 500
SEARCH_WORDS = ("经济", "发展", "建设")  # the first the corpus has among its common nouns
CACHED_TARGET, UNCACHED_TARGET, SEARCH_P95_MS, SCALE_TARGET = 0.5, 0.2, 50.0, 1.5
SCALE_SMALL, SCALE_LARGE = 1_000, 1_000_000
NEXT_LINK = re.compile(r"<a\b[^>]*\bhref=\"([^\"]*[?&](?:amp;)?after=[^\"]*)\"[^>]*>(.*?)</a>", re.S)
ITEM_LINK = re.compile(r"href=\"(/item/\d+)\"")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


def next_page(body: str) -> str | None:
    """The href of the 下一页 link (a keyset link carrying ``after=``)."""
    links = [(html.unescape(href), re.sub(r"<[^>]+>", "", text)) for href, text in NEXT_LINK.findall(body)]
    for href, text in links:
        if "下一页" in text or "next" in text.lower():
            return href
    rel_next = re.search(r"<a\b[^>]*\brel=\"next\"[^>]*\bhref=\"([^\"]+)\"", body) or \
        re.search(r"<a\b[^>]*\bhref=\"([^\"]+)\"[^>]*\brel=\"next\"", body)
    return html.unescape(rel_next.group(1)) if rel_next else None


# -- the pages ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    name: str
    path: str
    cacheable: bool = True


def biggest_column(url: str) -> tuple[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        slug, count = conn.execute(
            select(Column.slug, func.count()).join(Placement, Placement.column_id == Column.id)
            .where(Placement.public.is_(True)).group_by(Column.slug).order_by(func.count().desc()).limit(1)).one()
        items = conn.scalar(select(func.count()).select_from(Item))
    engine.dispose()
    return slug, items


def walk_to(base: str, first: str, pages: int) -> str:
    """Follow 下一页 from ``first`` until page ``pages``; the path of that page."""
    path = first
    for number in range(2, pages + 1):
        status, _headers, body = fetch(base + path)
        if status != 200:
            raise SystemExit(f"{path} answered {status} while walking to page {pages}")
        following = next_page(body)
        if following is None:
            raise SystemExit(f"no 下一页 link on page {number - 1} ({path}); the column has fewer than {pages} pages")
        path = urllib.parse.urljoin(path, following)
    return path


def find_pages(base: str, slug: str, search_word: str, deep_page: int) -> list[Page]:
    first = f"/column/{slug}"
    log(f"walking {deep_page - 1} 下一页 links from {first} …")
    started = time.perf_counter()
    deep = walk_to(base, first, deep_page)
    log(f"  reached {deep} in {time.perf_counter() - started:.1f} s")
    _status, _headers, body = fetch(base + deep)
    item = ITEM_LINK.search(body)
    if item is None:
        raise SystemExit(f"no /item/<id> link on {deep}")
    return [
        Page("home", "/"),
        Page("column, page 1", first),
        Page(f"column, page {deep_page}", deep),
        Page("item", item.group(1)),
        Page("search", "/search?" + urllib.parse.urlencode({"q": search_word}), cacheable=False),
    ]


def check(base: str, page: Page) -> str | None:
    """The page's ETag after checking that it answers 200 (and 304 to its ETag)."""
    status, headers, body = fetch(base + page.path)
    if status != 200:
        raise SystemExit(f"{page.path} answered {status}:\n{body[:2000]}")
    etag = headers.get("ETag")
    if etag and page.cacheable:
        status, _headers, _body = fetch(base + page.path, {"If-None-Match": etag})
        if status != 304:
            log(f"  {page.path}: If-None-Match {etag} answered {status}, not 304")
            return None
    return etag


# -- measuring ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measured:
    figures: _wrk.Figures
    app_ms: float  # CPU time of the gunicorn processes per request
    db_ms: float  # CPU time of the PostgreSQL backends serving them per request

    @property
    def cpu_ms(self) -> float:
        return self.app_ms + self.db_ms


@dataclass(frozen=True)
class Row:
    page: str
    mode: str
    measured: Measured | None
    note: str = ""


class Driver:
    """Runs wrk against one server at a time and accounts the CPU its processes spent."""

    def __init__(self, duration: float, connections: int, threads: int, database_url: str | None):
        self.duration, self.connections, self.threads = duration, connections, threads
        self.database_url = database_url

    @contextmanager
    def serving(self, server_context) -> Iterator["Target"]:
        with server_context as server:
            meter = _serve.CpuMeter(server, self.database_url)
            try:
                yield Target(self, server, meter)
            finally:
                meter.close()

    def measure(self, target: "Target", path: str, *, headers: dict[str, str] | None = None,
                connections: int | None = None) -> Measured:
        connections = connections or self.connections
        meter = target.meter
        url = target.base + path
        # A warm-up: every worker renders once and fills its cache before the clock runs.
        _wrk.run(url, duration=2, connections=connections, threads=self.threads, headers=headers)
        before = meter.snapshot()
        figures = _wrk.run(url, duration=self.duration, connections=connections, threads=self.threads,
                           headers=headers)
        app, db = meter.used(before, meter.snapshot())
        count = max(figures.requests, 1)
        return Measured(figures, app * 1000 / count, db * 1000 / count)


@dataclass(frozen=True)
class Target:
    """A running server to measure."""

    driver: Driver
    server: _serve.Server
    meter: _serve.CpuMeter

    @property
    def base(self) -> str:
        return self.server.base

    def measure(self, path: str, **options) -> Measured:
        return self.driver.measure(self, path, **options)


def print_table(rows: list[Row], hello: Measured) -> None:
    print(f"{'page':<18} {'mode':<9} {'req/s':>9}  {'p50 ms':>8}  {'p95 ms':>8}  {'p99 ms':>8}  {'×hello':>6}"
          f"  {'app CPU':>7} {'db CPU':>6} {'×hello':>6}  errors")
    print(f"{'':<18} {'':<9} {'':>9}  {'':>8}  {'':>8}  {'':>8}  {'req/s':>6}  {'ms/req':>7} {'ms/req':>6} {'CPU':>6}")
    for row in rows:
        if row.measured is None:
            print(f"{row.page:<18} {row.mode:<9} {'—':>9}  {row.note}")
            continue
        m = row.measured
        errors = f"{m.figures.errors}" + (" !" if m.figures.errors else "")
        print(f"{row.page:<18} {row.mode:<9} {m.figures.row()}  {m.figures.rate / hello.figures.rate:6.2f}"
              f"  {m.app_ms:7.2f} {m.db_ms:6.2f} {hello.cpu_ms / m.cpu_ms if m.cpu_ms else 0:6.2f}  {errors}"
              + (f"  {row.note}" if row.note else ""))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_targets(rows: list[Row], hello: Measured, items: int, search_single: Measured) -> None:
    print()
    print(f"targets (hello-world {hello.figures.rate:.0f} req/s, {hello.cpu_ms:.2f} CPU ms/req; {items} items);"
          " verdict on req/s, in brackets the ratio of CPU time per request:")
    for row in rows:
        m = row.measured
        if m is None or row.page == "hello-world":
            continue
        ratio, cpu_ratio = m.figures.rate / hello.figures.rate, hello.cpu_ms / m.cpu_ms if m.cpu_ms else 0.0
        healthy = m.figures.errors == 0
        if row.page == "bare list page":
            print(f"  (for comparison: a bare Pyramid + SQLAlchemy + Chameleon list page: {ratio:5.2f}× ({cpu_ratio:4.2f}×))")
        elif row.mode == "cached":
            print(f"  cached   {row.page:<16} ≥ {CACHED_TARGET}× hello: {ratio:5.2f}× ({cpu_ratio:4.2f}×)  "
                  f"{verdict(ratio >= CACHED_TARGET and healthy)}")
        elif row.mode == "uncached" and row.page.startswith(("column", "item")):
            print(f"  uncached {row.page:<16} ≥ {UNCACHED_TARGET}× hello: {ratio:5.2f}× ({cpu_ratio:4.2f}×)  "
                  f"{verdict(ratio >= UNCACHED_TARGET and healthy)}")
    note = "" if items >= 100_000 else f"  (only {items} items: the target is for 100,000)"
    f = search_single.figures
    print(f"  search p95 < {SEARCH_P95_MS:.0f} ms (one connection): {f.p95_ms:.1f} ms  "
          f"{verdict(f.p95_ms < SEARCH_P95_MS and f.errors == 0)}{note}")


def prepare(args: argparse.Namespace, corpus: _corpus.Corpus, var: Path) -> None:
    """Empty the database and fill it (or, with --skip-seed, bring an earlier run's schema up to date)."""
    if args.skip_seed:
        _seed.upgrade(args.database, var)  # an earlier run's database may predate a new migration
        return
    log(f"emptying {args.database} and setting up the example county …")
    _seed.recreate_database(args.database)
    if var.exists():
        shutil.rmtree(var)
    init = _seed.initialise(args.database, var)
    log(f"  govcore init: {init.seconds:.1f} s")
    seeded = _seed.seed_items(args.database, corpus, args.items, args.seed)
    print(f"seeded {seeded.items} items in {seeded.seconds:.1f} s ({seeded.items / seeded.seconds:.0f} items/s)")
    log("govcore search reindex …")
    built = _seed.reindex(args.database, var)
    documents = re.findall(r"indexed (\d+) documents", built.output)
    count = int(documents[-1]) if documents else 0
    print(f"govcore search reindex: {count} documents in {built.seconds:.1f} s = {count / built.seconds:.0f} docs/s;"
          f" {built.cpu_seconds:.0f} CPU-s = {built.cores_used:.2f} of {_available_cpus()} cores busy on average,"
          f" {count / built.cpu_seconds:.0f} docs per CPU-s")


def portal_run(args: argparse.Namespace, corpus: _corpus.Corpus, work: Path) -> None:
    var = work / "var"
    prepare(args, corpus, var)
    slug, items = biggest_column(args.database)
    print(f"database {args.database}: {items} items; biggest column /column/{slug}")
    search_word = next((w for w in SEARCH_WORDS if corpus.nouns[w]), corpus.common_words(1)[0])
    driver = Driver(args.duration, args.connections, args.threads, args.database)
    rows: list[Row] = []
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def measure_hello(label: str) -> Measured:
        with driver.serving(_serve.hello(logs / "hello.log", args.database)) as hello_server:
            measured = hello_server.measure("/")
            rows.append(Row("hello-world", label, measured))
            if label == "before":
                bare = "/list?" + urllib.parse.urlencode({"column": slug})
                check(hello_server.base, Page("bare list", bare, cacheable=False))
                rows.append(Row("bare list page", "uncached", hello_server.measure(bare),
                                "Pyramid + SQLAlchemy + Chameleon, nothing else (bench/_hello.py)"))
        return measured

    hellos = [measure_hello("before")]
    ini = _serve.write_ini(work, args.database, var, extra=args.settings)
    with driver.serving(_serve.portal(ini, logs / "portal.log")) as portal:
        pages = find_pages(portal.base, slug, search_word, args.deep_page)
        for page in pages:
            log(f"measuring {page.name}: {page.path}")
            etag = check(portal.base, page)
            if not page.cacheable:
                rows.append(Row(page.name, "never", portal.measure(page.path), "results are never cached"))
                search_single = portal.measure(page.path, connections=1)
                rows.append(Row(page.name, "1 conn", search_single))
                continue
            rows.append(Row(page.name, "cached", portal.measure(page.path)))
            if etag:
                rows.append(Row(page.name, "304", portal.measure(page.path, headers={"If-None-Match": etag})))
            else:
                rows.append(Row(page.name, "304", None, "no ETag: the page is not cached"))
    uncached = {**args.settings, "govcore.page_cache.entries": "0"}
    ini = _serve.write_ini(work, args.database, var, extra=uncached, name="bench-uncached")
    with driver.serving(_serve.portal(ini, logs / "portal-uncached.log")) as portal:
        for page in pages:
            if page.cacheable:
                log(f"measuring {page.name} uncached")
                rows.append(Row(page.name, "uncached", portal.measure(page.path)))
    hellos.append(measure_hello("after"))

    # The faster hello-world run is the yardstick, so that noise cannot flatter the ratios.
    hello = max(hellos, key=lambda m: m.figures.rate)
    print()
    print(f"wrk: {args.connections} connections, {args.threads} thread(s), {args.duration:.0f} s per row after a"
          f" 2 s warm-up; gunicorn 2 sync workers; {_available_cpus()} CPUs; load average now"
          f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for page in pages:
        print(f"  {page.name:<16} {page.path}")
    print()
    print_table(rows, hello)
    print_targets(rows, hello, items, search_single)


# -- scale check -------------------------------------------------------------------------------

def listing_paths(url: str, slug: str, page_size: int) -> tuple[str, str, int]:
    """The first page and the page starting at 90% of the column, its cursor taken from the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        column_id = conn.scalar(select(Column.id).where(Column.slug == slug))
        total = conn.scalar(select(func.count()).select_from(Placement)
                            .where(Placement.column_id == column_id, Placement.public.is_(True)))
        number = max(int(total * 0.9) // page_size, 1)
        # Bench-only OFFSET: the row just before the deep page, as its 下一页 link would carry it.
        row = conn.execute(
            select(Placement.pinned, Placement.published_at, Placement.item_id)
            .where(Placement.column_id == column_id, Placement.public.is_(True))
            .order_by(Placement.pinned.desc(), Placement.published_at.desc(), Placement.item_id.desc())
            .offset(number * page_size - 1).limit(1)).one()
    engine.dispose()
    token = ListingCursor(row.pinned, row.published_at, row.item_id).encode()
    return f"/column/{slug}", f"/column/{slug}?{urllib.parse.urlencode({'after': token, 'page': number + 1})}", total


def page_size_of(base: str, first: str, url: str) -> int:
    """Items per column page: where the first page's 下一页 cursor points in the listing."""
    _status, _headers, body = fetch(base + first)
    following = next_page(body)
    if following is None:
        raise SystemExit(f"no 下一页 link on {first}")
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(following).query)["after"][0]
    cursor = ListingCursor.decode(token)
    engine = create_engine(url)
    slug = first.rsplit("/", 1)[1]
    with engine.connect() as conn:
        column_id = conn.scalar(select(Column.id).where(Column.slug == slug))
        ordered = select(Placement.item_id).where(Placement.column_id == column_id, Placement.public.is_(True)) \
            .order_by(Placement.pinned.desc(), Placement.published_at.desc(), Placement.item_id.desc())
        ids = list(conn.scalars(ordered.limit(1000)))
    engine.dispose()
    return ids.index(cursor.item_id) + 1


def scale_measure(args, url: str, var: Path, work: Path, label: str) -> dict[str, Measured]:
    slug, items = biggest_column(url)
    ini = _serve.write_ini(work, url, var, extra={**args.settings, "govcore.page_cache.entries": "0"},
                           name="bench-scale")
    driver = Driver(args.duration, 2, 1, url)  # one connection per worker: the latency of a page, not of a queue
    results = {}
    with driver.serving(_serve.portal(ini, work / "logs" / f"scale-{label}.log")) as portal:
        first = f"/column/{slug}"
        size = page_size_of(portal.base, first, url)
        first, deep, total = listing_paths(url, slug, size)
        print(f"{label} items: /column/{slug} has {total}, {size} a page; deep page: {deep}")
        for name, path in (("first", first), ("deep", deep)):
            check(portal.base, Page(name, path))
            results[name] = portal.measure(path)
    return results


def scale_run(args: argparse.Namespace, corpus: _corpus.Corpus, work: Path) -> None:
    url = args.database + "_scale"
    var = work / "var-scale"
    (work / "logs").mkdir(parents=True, exist_ok=True)
    log(f"emptying {url} …")
    _seed.recreate_database(url)
    _seed.initialise(url, var)
    _seed.seed_items(url, corpus, SCALE_SMALL, args.seed)
    small = scale_measure(args, url, var, work, f"{SCALE_SMALL:,}")
    log(f"growing to {SCALE_LARGE:,} items inside PostgreSQL …")
    seconds = _seed.grow_items(url, SCALE_LARGE)
    print(f"grew to {SCALE_LARGE:,} items in {seconds:.0f} s")
    large = scale_measure(args, url, var, work, f"{SCALE_LARGE:,}")
    print()
    print(f"column list, uncached, 2 connections, {args.duration:.0f} s each")
    print(f"{'page':<8} {'items':>10} {'req/s':>9}  {'p50 ms':>8}  {'p95 ms':>8}  {'p99 ms':>8}  {'app CPU':>7}"
          f"  {'db CPU':>6} ms/req")
    for name in ("first", "deep"):
        for count, m in ((SCALE_SMALL, small[name]), (SCALE_LARGE, large[name])):
            print(f"{name:<8} {count:>10,} {m.figures.row()}  {m.app_ms:7.2f}  {m.db_ms:6.2f}")
    print()
    print(f"ratios at {SCALE_LARGE:,} / at {SCALE_SMALL:,} items (target ≤ {SCALE_TARGET}); the CPU time per request"
          " is the steadier figure when the machine runs other work:")
    for name in ("first", "deep"):
        ratio = large[name].figures.p50_ms / small[name].figures.p50_ms
        cpu = large[name].cpu_ms / small[name].cpu_ms if small[name].cpu_ms else 0.0
        db = large[name].db_ms / small[name].db_ms if small[name].db_ms else 0.0
        print(f"  {name:<5} page: p50 {ratio:.2f} {verdict(ratio <= SCALE_TARGET)};"
              f" CPU per request {cpu:.2f} {verdict(cpu <= SCALE_TARGET)} (database alone {db:.2f})")


def settings_option(parser: argparse.ArgumentParser, values: list[str]) -> dict[str, str]:
    settings = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key.strip():
            parser.error(f"--setting needs KEY=VALUE, not {value!r}")
        settings[key.strip()] = setting.strip()
    return settings


def _available_cpus() -> int:
    return len(os.sched_getaffinity(0))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="published items to seed (default 100000)")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="PostgreSQL database to empty and fill")
    parser.add_argument("--duration", type=float, default=10, help="seconds of wrk per measurement (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: leave the CPUs to gunicorn)")
    parser.add_argument("--deep-page", type=int, default=DEEP_PAGE, help="the deep column page (default 500)")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the database and index of an earlier run")
    parser.add_argument("--scale-check", action="store_true",
                        help=f"column list latency at {SCALE_SMALL:,} vs {SCALE_LARGE:,} items instead")
    parser.add_argument("--work", type=Path, help="folder for the index, ini and logs (default /tmp/govcore-bench/<db>)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated text")
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE",
                        help="an extra [app:main] setting for the served app, to try its effect (repeatable)")
    args = parser.parse_args(argv)
    args.settings = settings_option(parser, args.setting)

    missing = [problem for problem in (_serve.gunicorn_missing(), _serve.wrk_missing()) if problem]
    if missing:
        for problem in missing:
            print(problem, file=sys.stderr)
        raise SystemExit(2)
    corpus = _corpus.load_or_exit()
    database = args.database.rsplit("/", 1)[-1]
    work = (args.work or Path("/tmp/govcore-bench") / database).resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"text: {_corpus.SOURCE}; work folder {work}; {dt.datetime.now():%Y-%m-%d %H:%M}")
    if args.scale_check:
        scale_run(args, corpus, work)
    else:
        portal_run(args, corpus, work)


if __name__ == "__main__":
    main()
