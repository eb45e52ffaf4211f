"""Set up a PostgreSQL database for the portal benchmark: the example county, then many published items.

The county is set up by the real ``govcore init`` (without demo data); the items go in with
SQLAlchemy Core executemany, many thousand rows per statement, bypassing the ORM and the publishing
service, whose per-item work (revisions, review cases, audit) is not what is being measured. The
rows are what the publishing service would leave behind for a published item: the item, its home
placement, for a few a second placement (引用), pinned ones, 政务公开 fields in the 政务公开 subtree.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENT = ROOT / "deployments" / "example-county"
GOVCORE = Path(sys.executable).with_name("govcore")

from _corpus import Corpus  # noqa: E402
from plugins.content.items import (DEFAULT_INDEX_PATTERN, DISCLOSURE_THEMES, PUBLISHED, format_index_number,  # noqa: E402
                                   index_scope)
from plugins.content.orm import Column, IndexCounter, Item, Placement  # noqa: E402
from plugins.content.publishing import bump_portal_generation  # noqa: E402

CHUNK = 5000
YEARS = 20
# The columns that fill fastest on a county site come first; the rest follow a Zipf tail.
BUSY_FIRST = ("government-news", "documents", "investment-news", "tourism-news", "procurement", "service-guides")
DISCLOSURE_ROOT = "disclosure"
ORGS = ("示例县人民政府办公室", "示例县发展和改革局", "示例县财政局", "示例县教育局", "示例县农业农村局",
        "示例县自然资源局", "示例县卫生健康局", "示例县住房和城乡建设局")
ORG_CODES = {org: f"11{n:04d}00MB{n:06d}" for n, org in enumerate(ORGS, start=1)}
SOURCES = ("本站", "示例县融媒体中心", "人民日报", "新华社", "示例县人民政府办公室")
AUTHORS = ("", "", "王晓明", "李红", "张建国", "刘洋", "陈静", "杨帆")
PINNED_PER_COLUMN = 3
QUOTED_SHARE = 0.03  # items that also show in a second column (引用)
TZ = dt.timezone(dt.timedelta(hours=8))


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# -- database and CLI ------------------------------------------------------------------------------

def recreate_database(url: str) -> None:
    """Drop and create the database ``url`` names, through the server's ``postgres`` database."""
    target = make_url(url)
    if target.get_backend_name() != "postgresql":
        raise SystemExit(f"the portal benchmark needs PostgreSQL, not {target.get_backend_name()}: {url}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = target.database
    with admin.connect() as conn:
        quoted = conn.dialect.identifier_preparer.quote(name)
        conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {quoted}"))
    admin.dispose()


@dataclass(frozen=True)
class CommandRun:
    seconds: float
    cpu_seconds: float  # of the command and every process it waited for
    output: str

    @property
    def cores_used(self) -> float:
        return self.cpu_seconds / self.seconds if self.seconds else 0.0


def govcore(*args: str, url: str, var: Path, deployment: Path = DEPLOYMENT) -> CommandRun:
    """Run the ``govcore`` command on the example county (or ``deployment``) against ``url``, the way an
    operator does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([str(GOVCORE), *args, str(deployment), "--database", url, "--var", str(var)],
                            capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"govcore {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return CommandRun(seconds, cpu, result.stdout + result.stderr)


def initialise(url: str, var: Path) -> CommandRun:
    # Its output holds the administrator's one-time password: never printed by the benchmark.
    return govcore("init", "--no-demo", url=url, var=var)


def upgrade(url: str, var: Path) -> CommandRun:
    return govcore("db", "upgrade", url=url, var=var)


def reindex(url: str, var: Path) -> CommandRun:
    return govcore("search", "reindex", url=url, var=var)


# -- items ---------------------------------------------------------------------------------------

@dataclass
class SeedResult:
    items: int
    seconds: float
    per_column: Counter  # column slug -> items placed there (home and 引用)

    @property
    def biggest(self) -> str:
        return self.per_column.most_common(1)[0][0]


def list_columns(engine: Engine) -> tuple[list[tuple[int, str]], set[int]]:
    """The visible leaf columns of kind list, busiest first, and the ids of the 政务公开 subtree."""
    with engine.connect() as conn:
        rows = conn.execute(select(Column.id, Column.parent_id, Column.slug, Column.kind, Column.hidden)).all()
    children = Counter(row.parent_id for row in rows)
    leaves = [(row.id, row.slug) for row in rows if row.kind == "list" and not row.hidden and not children[row.id]]
    rank = {slug: n for n, slug in enumerate(BUSY_FIRST)}
    leaves.sort(key=lambda leaf: (rank.get(leaf[1], len(rank)), leaf[0]))
    by_id = {row.id: row for row in rows}
    disclosure = set()
    for row in rows:
        node = row
        while node is not None:
            if node.slug == DISCLOSURE_ROOT:
                disclosure.add(row.id)
                break
            node = by_id.get(node.parent_id)
    if not leaves:
        raise SystemExit("the example county has no list columns to fill")
    return leaves, disclosure


def publication_moments(count: int, rng: random.Random, now: dt.datetime) -> list[dt.datetime]:
    """``count`` moments over the last twenty years, in office hours, oldest first (ids follow time)."""
    span_days = 365 * YEARS
    moments = []
    for _ in range(count):
        day = now - dt.timedelta(days=rng.randrange(span_days))
        moments.append(day.replace(hour=rng.randint(8, 18), minute=rng.randrange(60), second=rng.randrange(60),
                                   microsecond=0))
    moments.sort()
    return moments


class ItemRows:
    """Builds the rows of published items: realistic text from the corpus, spread over the columns."""

    def __init__(self, corpus: Corpus, columns: list[tuple[int, str]], disclosure: set[int], rng: random.Random):
        self.corpus = corpus
        self.columns = columns
        self.weights = [1 / (n + 1) for n in range(len(columns))]
        self.disclosure = disclosure
        self.rng = rng
        self.index_counters: Counter = Counter()

    def column(self) -> tuple[int, str]:
        return self.rng.choices(self.columns, weights=self.weights)[0]

    def item(self, item_id: int, column_id: int, published_at: dt.datetime) -> dict:
        rng = self.rng
        article = self.corpus.article(rng)
        created = published_at - dt.timedelta(minutes=rng.randint(5, 2 * 24 * 60))
        row = {
            "id": item_id, "column_id": column_id, "type": "notice" if rng.random() < 0.1 else "article",
            "status": PUBLISHED, "title": article.title[:200], "subtitle": "", "summary": article.summary,
            "body": article.body_html(), "cover_key": "", "source": rng.choice(SOURCES),
            "author": rng.choice(AUTHORS), "link_url": "", "keywords": ",".join(article.keywords), "fields": {},
            "pinned": False, "published_at": published_at, "created_at": created, "updated_at": published_at,
            "version": 1, "index_no": "", "doc_number": "", "issuing_org": "", "written_on": None, "theme": "",
            "disclosure_mode": "", "validity": "",
        }
        if column_id in self.disclosure:
            org, theme, year = rng.choice(ORGS), rng.choice(DISCLOSURE_THEMES), published_at.year
            scope = index_scope(DEFAULT_INDEX_PATTERN, org=ORG_CODES[org], year=year, theme=theme)
            self.index_counters[scope] += 1
            row.update(
                index_no=format_index_number(DEFAULT_INDEX_PATTERN, org=ORG_CODES[org], year=year, theme=theme,
                                             seq=self.index_counters[scope]),
                doc_number=f"示政发〔{year}〕{self.index_counters[scope]}号", issuing_org=org, theme=theme,
                written_on=(published_at - dt.timedelta(days=rng.randint(1, 20))).date(),
                disclosure_mode="主动公开", validity=rng.choices(("有效", "失效", "废止"), (8, 1, 1))[0])
        return row


def seed_items(url: str, corpus: Corpus, count: int, seed: int, now: dt.datetime | None = None) -> SeedResult:
    """Insert ``count`` published items with their placements; ids follow publication time."""
    now = now or dt.datetime.now(TZ)
    engine = create_engine(url)
    rng = random.Random(seed)
    columns, disclosure = list_columns(engine)
    rows = ItemRows(corpus, columns, disclosure, rng)
    slugs = dict(columns)
    moments = publication_moments(count, rng, now)
    per_column: Counter = Counter()
    started = time.perf_counter()
    with engine.connect() as conn:
        first_id = (conn.scalar(select(func.max(Item.id))) or 0) + 1
    # The last few items of each column are pinned, as editors pin what is current.
    assigned = [rows.column() for _ in range(count)]
    pinned: set[int] = set()
    seen: Counter = Counter()
    for offset in range(count - 1, -1, -1):
        column_id = assigned[offset][0]
        if seen[column_id] < PINNED_PER_COLUMN:
            pinned.add(offset)
        seen[column_id] += 1
    for start in range(0, count, CHUNK):
        items, placements = [], []
        for offset in range(start, min(start + CHUNK, count)):
            column_id, slug = assigned[offset]
            row = rows.item(first_id + offset, column_id, moments[offset])
            row["pinned"] = offset in pinned
            items.append(row)
            placements.append({"item_id": row["id"], "column_id": column_id, "home": True, "public": True,
                               "pinned": row["pinned"], "published_at": row["published_at"]})
            per_column[slug] += 1
            if rng.random() < QUOTED_SHARE:
                other = rows.column()[0]
                if other != column_id:
                    placements.append({"item_id": row["id"], "column_id": other, "home": False, "public": True,
                                       "pinned": False, "published_at": row["published_at"]})
                    per_column[slugs[other]] += 1
        with engine.begin() as conn:
            conn.execute(insert(Item.__table__), items)
            conn.execute(insert(Placement.__table__), placements)
        done = min(start + CHUNK, count)
        log(f"  seeded {done}/{count} items ({done / (time.perf_counter() - started):.0f} items/s)")
    if rows.index_counters:
        with engine.begin() as conn:
            conn.execute(insert(IndexCounter.__table__),
                         [{"scope": scope, "last": last} for scope, last in rows.index_counters.items()])
    finish(engine, now)
    seconds = time.perf_counter() - started
    engine.dispose()
    return SeedResult(count, seconds, per_column)


def finish(engine: Engine, now: dt.datetime) -> None:
    """Move the id sequence past the explicit ids, bump the portal generation, refresh statistics."""
    with engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('content_item', 'id'), "
                          "(SELECT COALESCE(MAX(id), 1) FROM content_item))"))
    with Session(engine) as session, session.begin():
        bump_portal_generation(session, now)
    # A database in steady state has its statistics and visibility map up to date (autovacuum);
    # a freshly loaded one would otherwise plan and scan as if it were empty.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE content_item"))
        conn.execute(text("VACUUM ANALYZE content_placement"))


def grow_items(url: str, total: int) -> float:
    """Copy the items already there (text repeated) until there are ``total``; returns seconds.

    Runs in PostgreSQL (INSERT … SELECT over generate_series), so a million rows take a minute or
    two rather than the hour generating text would. Each copy keeps its original's column and gets
    a publication moment spread over twenty years by a hash of its id, so the copies interleave.
    """
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.connect() as conn:
        base_count, base_max = conn.execute(text("SELECT count(*), max(id) FROM content_item")).one()
    copies = -(-total // base_count) - 1
    item_columns = [c.name for c in Item.__table__.columns if c.name not in ("id", "published_at", "pinned")]
    span = 365 * YEARS * 86400
    with engine.begin() as conn:
        conn.execute(text(f"""
            INSERT INTO content_item (id, published_at, pinned, {", ".join(item_columns)})
            SELECT i.id + g * :stride,
                   now() - make_interval(secs => ((i.id + g * :stride)::bigint * 2654435761 % :span)),
                   false, {", ".join("i." + name for name in item_columns)}
            FROM content_item i CROSS JOIN generate_series(1, :copies) AS g
            WHERE i.id <= :base_max AND i.id + g * :stride <= :last
        """), {"stride": base_max, "span": span, "copies": copies, "base_max": base_max,
               "last": base_max + total - base_count})
        conn.execute(text("""
            INSERT INTO content_placement (item_id, column_id, home, public, pinned, published_at)
            SELECT id, column_id, true, true, false, published_at FROM content_item WHERE id > :base_max
        """), {"base_max": base_max})
    finish(engine, dt.datetime.now(TZ))
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM content_item"))
    engine.dispose()
    log(f"  grew to {count} items in {time.perf_counter() - started:.0f} s")
    return time.perf_counter() - started
