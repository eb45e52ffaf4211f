"""The embedded search index: Whoosh with jieba segmentation, in a folder under ``var/``.

Layout of the index folder::

    CURRENT          the name of the live generation; replaced with ``os.replace``, so atomically
    gen-<stamp>/     a complete Whoosh index: the live one, and the one it replaced
    .build-<token>/  a generation that :meth:`WhooshIndex.rebuild` is building
    JOURNAL          while a rebuild runs: the ids that ``index``/``delete`` changed meanwhile
    *.lock           cross-process file locks

A rebuild writes a new generation beside the live one while searches and day-to-day updates go on
against the live one, then replays the updates made meanwhile and switches ``CURRENT`` over.
Several processes (web workers, the CLI) may share the folder: writers wait for each other's lock,
and every process notices a new generation or a new commit on its next search.

Only a rebuild creates an index. While there is none (never built, or the folder was deleted) or
the live one cannot be read, searches raise :class:`SearchUnavailable` and updates fail (their
callers run after the commit and log it): an update does not start a new index that would hold
only itself and pass for healthy. ``govcore search reindex`` repairs both cases: it builds a fresh
generation from the database and switches to it, whatever state the old one is in.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import secrets
import shutil
import threading
import time
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from whoosh.columns import NumericColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.highlight import FIRST, BasicFragmentScorer, Formatter, Fragment, Highlighter, PinpointFragmenter
from whoosh.index import FileIndex, LockError
from whoosh.query import And, AndMaybe, Or, Phrase, Prefix, Query, Term
from whoosh.searching import Hit, Results, Searcher

from adapters.search.analyzer import ChineseAnalyzer, segmenter
from govcore.errors import GovcoreError
from ports.search import (
    ProgressCallback,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchStatus,
)

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
JOURNAL = "JOURNAL"
GENERATION_PREFIX = "gen-"
BUILD_PREFIX = ".build-"

# Query-time boosts: a word in the title or the keywords says more about a document than one in the body.
TITLE_BOOST = 3.0
KEYWORDS_BOOST = 2.0
PHRASE_BOOST = 2.0

_QUERY_ANALYZER = ChineseAnalyzer()

EPOCH = dt.datetime(1970, 1, 1)
UNDATED = -(2**63)

SNIPPET_CHARS = 160
SNIPPET_FRAGMENTS = 2
REINDEX_HINT = "请运行 govcore search reindex 重建索引"


def build_schema() -> Schema:
    """The index's fields; every field of a SearchDocument is stored so a document can be copied."""
    analyzer = ChineseAnalyzer()
    return Schema(
        doc_id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True),
        # Character offsets let the highlighter mark matches without segmenting the body again.
        body=TEXT(analyzer=analyzer, stored=True, chars=True),
        keywords=TEXT(analyzer=analyzer, stored=True),
        url=STORED(),
        public=BOOLEAN(stored=True),
        category=ID(stored=True),
        published=STORED(),  # the datetime as given, time zone included
        # Microseconds since 1970 UTC, for date filters and sorting; undated documents sort last.
        recency=COLUMN(NumericColumn("q", default=UNDATED)),
    )


class SearchUnavailable(GovcoreError):
    """There is no index, or it cannot be read; searching needs a rebuild."""


class RebuildInProgress(GovcoreError):
    """Another process is rebuilding the same index."""


class WhooshIndex:
    """:class:`ports.search.SearchIndex` on a Whoosh index folder, safe to share between processes."""

    def __init__(
        self,
        directory: Path,
        *,
        lock_timeout: float = 30.0,
        procs: int | None = None,
        limitmb: int = 128,
    ):
        self.directory = Path(directory)
        self.lock_timeout = lock_timeout
        self.procs = procs or _available_cpus()
        self.limitmb = limitmb
        self._lock = threading.Lock()
        self._cached: tuple[str, FileIndex] | None = None
        self._local = threading.local()
        self._reported: str | None = None  # the fault last logged, so each is logged once

    # -- SearchIndex -------------------------------------------------------------------------------

    def index(self, documents: Iterable[SearchDocument]) -> None:
        batch = list(documents)
        if not batch:
            return

        def apply(writer: Any) -> None:
            for document in batch:
                writer.update_document(**_fields(document))

        self._write(apply, [d.doc_id for d in batch])

    def delete(self, doc_ids: Iterable[str]) -> None:
        ids = list(doc_ids)
        if not ids or self._generation() is None:
            return

        def apply(writer: Any) -> None:
            for doc_id in ids:
                writer.delete_by_term("doc_id", doc_id)

        self._write(apply, ids)

    def search(self, query: SearchQuery) -> SearchResult:
        page, page_size = max(query.page, 1), max(query.page_size, 1)
        words = _query_words(query.text)
        terms = tuple(dict.fromkeys(word for word, _, _ in words))
        if not terms:
            return SearchResult(hits=[], total=0, page=page, page_size=page_size, terms=terms)
        try:
            searcher = self._searcher()
            if searcher is None:
                raise self._unavailable("no index: it was never built or its folder was removed")
            allowed = _allowed(searcher, query)
            if allowed is not None and not allowed:
                # Whoosh reads an empty filter as no filter at all: nothing may match, so say so.
                return SearchResult(hits=[], total=0, page=page, page_size=page_size, terms=terms)
            limit = page * page_size
            results, all_words = self._run(searcher, terms, query, allowed, limit=limit)
            scored = query.sort != "date"
            total, estimated = _total(results, scored, limit)
            hits = [_hit(hit, scored) for hit in results[(page - 1) * page_size : page * page_size]]
            suggestion = None if all_words else self._suggest(searcher, words, query, allowed)
        except SearchUnavailable:
            raise
        except Exception as exc:  # whatever a damaged file raises, searching cannot go on
            self._forget()
            raise self._unavailable(f"unreadable: {exc!r}") from exc
        self._reported = None
        return SearchResult(
            hits=hits, total=total, page=page, page_size=page_size, suggestion=suggestion, terms=terms,
            total_is_estimate=estimated,
        )

    def rebuild(self, documents: Iterable[SearchDocument], progress: ProgressCallback | None = None) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._file_lock("rebuild", timeout=0) as acquired:
            if not acquired:
                raise RebuildInProgress("搜索索引正在由另一个进程重建", "another process is rebuilding the index")
            self._remove_builds()
            journal = self.directory / JOURNAL
            # Created before the first document is read, so every change the snapshot may miss
            # is journaled.
            journal.write_bytes(b"")
            build = self.directory / f"{BUILD_PREFIX}{secrets.token_hex(4)}"
            try:
                count = self._build(build, documents, progress)
                name = _generation_name()
                os.rename(build, self.directory / name)
                previous = self._switch_to(name)
            except BaseException:
                shutil.rmtree(build, ignore_errors=True)
                journal.unlink(missing_ok=True)
                raise
            self._remove_generations(keep={name, previous})
        log.info("search index rebuilt with %d documents in %s", count, self.directory / name)
        return count

    def status(self) -> SearchStatus:
        try:
            generation = self._generation()
            if generation is None:
                return SearchStatus(ok=False, documents=0, detail=f"搜索索引尚未建立或已被删除，{REINDEX_HINT}")
            ix = _open_index(self.directory / generation)
            with ix.searcher() as searcher:
                documents = searcher.doc_count()
                _probe(searcher)
        except Exception as exc:  # whatever a damaged file raises, the answer is "rebuild"
            self._report(f"unreadable: {exc!r}")
            return SearchStatus(ok=False, documents=0, detail=f"搜索索引已损坏或无法读取，{REINDEX_HINT}")
        if sorted(ix.schema.names()) != sorted(build_schema().names()):
            detail = f"搜索索引由旧版本建立，字段与当前版本不符，{REINDEX_HINT}"
            return SearchStatus(ok=False, documents=documents, detail=detail)
        self._reported = None
        return SearchStatus(ok=True, documents=documents, detail=f"索引正常，共 {documents} 篇文档")

    def _unavailable(self, fault: str) -> SearchUnavailable:
        """The error for a search that cannot run."""
        self._report(fault)
        return SearchUnavailable("搜索服务暂时不可用", f"search index {self.directory}: {fault}")

    def _report(self, fault: str) -> None:
        """Log a fault the first time it shows, not on every search or health check."""
        if self._reported != fault:
            self._reported = fault
            log.error("search index %s: %s; searches fail until `govcore search reindex`", self.directory, fault)

    # -- searching --------------------------------------------------------------------------------

    @staticmethod
    def _run(
        searcher: Searcher,
        terms: tuple[str, ...],
        query: SearchQuery,
        allowed: set[int] | None,
        limit: int,
        fallback: bool = True,
    ) -> tuple[Results, bool]:
        """All words first; when no document has them all, any word (best matches first).

        Also says whether the results have all the words.
        """
        # Block-quality skipping makes relevance searches fast; their totals are then estimates (_total).
        options: dict[str, Any] = {"limit": limit, "terms": True}
        if query.sort == "date":
            # The sorting collector visits every match anyway; counting as it goes makes the total exact.
            options.update(reverse=True, optimize=False)
            if searcher.reader().has_column("recency"):  # absent while no document carries a date
                options["sortedby"] = "recency"
        if allowed is not None:
            options["filter"] = allowed
        if query.public_only:
            # A mask of the few non-public documents is cheaper than a filter of all the others.
            options["mask"] = Term("public", False)
        results = searcher.search(_all_words(terms), **options)
        all_words = not results.is_empty()
        if not all_words and fallback and len(terms) > 1:
            results = searcher.search(_any_word(terms), **options)
        # Pinpoint fragments come from the character offsets stored in the index, so a snippet
        # costs no second run of jieba over the body.
        results.highlighter = Highlighter(
            fragmenter=PinpointFragmenter(maxchars=SNIPPET_CHARS, surround=40),
            scorer=BasicFragmentScorer(),
            formatter=MarkFormatter(),
            order=FIRST,
        )
        return results, all_words

    def _suggest(
        self,
        searcher: Searcher,
        words: list[tuple[str, int, int]],
        query: SearchQuery,
        allowed: set[int] | None,
    ) -> str | None:
        """The query with each word the index does not know replaced by the closest known one.

        Offered only when the corrected query finds documents with all its words, under the same filters.
        """
        text = query.text
        corrected: list[str] = []
        changed = False
        # Replace from the end so the earlier offsets stay valid.
        for word, start, end in reversed(words):
            known = searcher.doc_frequency("title", word) or searcher.doc_frequency("body", word)
            replacement = None if known else _closest(searcher, word)
            if replacement:
                text = text[:start] + replacement + text[end:]
                changed = True
            corrected.append(replacement or word)
        if not changed:
            return None
        retry = tuple(dict.fromkeys(reversed(corrected)))
        _, found = self._run(searcher, retry, query, allowed, limit=1, fallback=False)
        return text if found else None

    def _searcher(self) -> Searcher | None:
        """This thread's searcher on the live generation, refreshed if a writer committed since."""
        generation = self._generation()
        if generation is None:
            return None
        current = getattr(self._local, "searcher", None)
        if current is not None and self._local.generation == generation and current.up_to_date():
            return current
        if current is not None:
            current.close()
        # A fresh searcher rather than Searcher.refresh(): refresh reuses segment readers and then
        # misses deletions committed to those segments since.
        searcher = self._open(generation).searcher()
        self._local.generation = generation
        self._local.searcher = searcher
        return searcher

    def _forget(self) -> None:
        """Drop the cached index and this thread's searcher, so the next search opens them afresh."""
        with self._lock:
            self._cached = None
        self._local.__dict__.clear()

    def _open(self, generation: str) -> FileIndex:
        """The Index object of a generation, opened once per process (it reads the schema)."""
        with self._lock:
            if self._cached is None or self._cached[0] != generation:
                self._cached = (generation, _open_index(self.directory / generation))
            return self._cached[1]

    # -- writing ----------------------------------------------------------------------------------

    def _write(self, apply: Callable[[Any], None], doc_ids: list[str]) -> None:
        """Apply changes to the live generation, waiting for the write lock if another process has it."""
        while True:
            generation = self._generation()
            if generation is None:
                raise SearchUnavailable("搜索索引尚未建立", f"no search index in {self.directory}: {REINDEX_HINT}")
            try:
                writer = self._open(generation).writer(timeout=self.lock_timeout, delay=0.05)
            except LockError as exc:
                message = f"timed out waiting for the write lock of {self.directory}"
                raise GovcoreError("搜索索引忙，请稍后重试", message) from exc
            if self._generation() != generation:
                # A rebuild switched generations while this writer waited for the old one's lock.
                writer.cancel()
                continue
            try:
                apply(writer)
                # Journaled while the lock is held: a rebuild replays the journal under this lock.
                self._journal(doc_ids)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            return

    def _journal(self, doc_ids: list[str]) -> None:
        try:
            fd = os.open(self.directory / JOURNAL, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            return  # no rebuild running
        with os.fdopen(fd, "a", encoding="utf-8") as journal:
            journal.write("".join(f"{doc_id}\n" for doc_id in doc_ids))

    def _build(self, path: Path, documents: Iterable[SearchDocument], progress: ProgressCallback | None) -> int:
        """Index ``documents`` into a new index at ``path`` using every CPU, and return the count."""
        path.mkdir()
        ix = _storage(path).create_index(build_schema())
        segmenter()  # load the dictionary once, before the writer forks its workers
        if self.procs > 1:
            # Each worker segments and writes its own segment; merging them would be serial work.
            writer = ix.writer(procs=self.procs, multisegment=True, limitmb=self.limitmb)
        else:
            writer = ix.writer(limitmb=self.limitmb)
        seen: set[str] = set()
        count = 0
        try:
            for batch in _batches(documents, 100):
                added = 0
                for document in batch:
                    if document.doc_id in seen:
                        log.warning("duplicate search document %s skipped", document.doc_id)
                        continue
                    seen.add(document.doc_id)
                    writer.add_document(**_fields(document))
                    added += 1
                count += added
                if progress is not None and added:
                    progress(added)
        except BaseException:
            # MpWriter.cancel() leaves its workers waiting for more jobs (the process would hang at
            # exit joining them) and deletes their job files under them: stop them first.
            for task in getattr(writer, "tasks", ()):
                task.terminate()
                task.join()
            writer.cancel()
            raise
        writer.commit()
        failed = [task.exitcode for task in getattr(writer, "tasks", ()) if task.exitcode]
        indexed = _open_index(path).doc_count()
        if failed or indexed != count:
            raise GovcoreError(
                "重建搜索索引失败",
                f"index build lost documents: {indexed} of {count} written, worker exit codes {failed}",
            )
        return count

    def _switch_to(self, name: str) -> str | None:
        """Make generation ``name`` live, after copying into it what changed in the old one meanwhile.

        Holding the old generation's write lock stops further changes to it; writers waiting for
        that lock notice the new generation and write there instead.
        """
        journal = self.directory / JOURNAL
        with self._file_lock("generation"):
            previous = self._generation()
            old = self._open_for_replay(previous)
            writer = old.writer(timeout=max(self.lock_timeout, 120.0), delay=0.05) if old is not None else None
            try:
                changed = list(dict.fromkeys(journal.read_text(encoding="utf-8").split()))
                if changed and old is not None:
                    self._replay(changed, old, _open_index(self.directory / name))
                self._point_to(name)
                journal.unlink(missing_ok=True)
            finally:
                if writer is not None:
                    writer.cancel()
        return previous if old is not None else None

    def _open_for_replay(self, generation: str | None) -> FileIndex | None:
        """The generation a rebuild replaces, or None when there is none or it cannot be read (the
        rebuild then repairs a damaged index; updates made to it meanwhile are not carried over)."""
        if generation is None:
            return None
        try:
            return _open_index(self.directory / generation)
        except Exception as exc:  # noqa: BLE001 - whatever a damaged index raises, it is being replaced
            log.warning("search index generation %s is unreadable (%r); replacing it", generation, exc)
            return None

    @staticmethod
    def _replay(doc_ids: list[str], source: FileIndex, target: FileIndex) -> None:
        """Give ``target`` the state that ``source`` has for ``doc_ids`` (present or deleted)."""
        writer = target.writer()
        try:
            with source.searcher() as searcher:
                for doc_id in doc_ids:
                    stored = searcher.document(doc_id=doc_id)
                    if stored is None:
                        writer.delete_by_term("doc_id", doc_id)
                    else:
                        writer.update_document(**_fields(_document(stored)))
        except Exception as exc:  # noqa: BLE001 - a damaged old index: the rebuild must still repair it
            writer.cancel()
            log.warning("could not carry %d search updates over from the damaged index (%r); the next "
                        "rebuild or change of those documents indexes them", len(doc_ids), exc)
            return
        writer.commit()
        log.info("replayed %d search updates made during the rebuild", len(doc_ids))

    # -- the folder -------------------------------------------------------------------------------

    def _generation(self) -> str | None:
        """The live generation's name; a damaged CURRENT gives a name that will not open."""
        try:
            name = (self.directory / CURRENT).read_bytes().decode("ascii", errors="replace").strip()
        except FileNotFoundError:
            return None
        return name or None

    def _point_to(self, name: str) -> None:
        temporary = self.directory / f"{CURRENT}.{secrets.token_hex(4)}"
        with open(temporary, "w", encoding="ascii") as fh:
            fh.write(name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, self.directory / CURRENT)
        _fsync_directory(self.directory)

    def _remove_builds(self) -> None:
        """Remove what a crashed rebuild left behind (only called under the rebuild lock)."""
        for path in self.directory.glob(f"{BUILD_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)
        for path in self.directory.glob(f"{CURRENT}.*"):
            path.unlink(missing_ok=True)

    def _remove_generations(self, keep: set[str | None]) -> None:
        """Remove generations older than the previous one: no process still reads them."""
        for path in self.directory.glob(f"{GENERATION_PREFIX}*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def _file_lock(self, name: str, timeout: float | None = None) -> Iterator[bool]:
        """A lock shared by all processes using the folder; ``timeout=None`` waits for it."""
        lock = FileStorage(str(self.directory)).lock(f"{name}.lock")
        if timeout is None:
            acquired = lock.acquire(blocking=True)
        else:
            deadline = time.monotonic() + timeout
            while not (acquired := lock.acquire(blocking=False)) and time.monotonic() < deadline:
                time.sleep(0.05)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()


class MarkFormatter(Formatter):
    """HTML-escapes the snippet and wraps each run of matched text in one ``<mark>``.

    jieba's search mode gives overlapping tokens (政务公开, 政务, 公开), so matches are merged
    into spans before marking.
    """

    def format_fragment(self, fragment: Fragment, replace: bool = False) -> str:
        text = fragment.text
        spans: list[list[int]] = []
        for token in sorted(fragment.matches, key=lambda t: t.startchar):
            start = max(token.startchar, fragment.startchar)
            end = min(token.endchar, fragment.endchar)
            if start >= end:
                continue
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        output = []
        index = fragment.startchar
        for start, end in spans:
            output.append(html.escape(text[index:start]))
            output.append(f"<mark>{html.escape(text[start:end])}</mark>")
            index = end
        output.append(html.escape(text[index : fragment.endchar]))
        return "".join(output)

    def format(self, fragments: list[Fragment], replace: bool = False) -> str:
        output = []
        for fragment in fragments:
            if fragment.startchar > 0:
                output.append("…")
            output.append(self.format_fragment(fragment))
        if fragments and fragments[-1].endchar < len(fragments[-1].text):
            output.append("…")
        return "".join(output)


def _total(results: Results, scored: bool, limit: int) -> tuple[int, bool]:
    """The number of matches, and whether it is an estimate.

    A date-sorted search visits every match, so its count is exact. A relevance search that found
    fewer than ``limit`` never pruned anything, so its count is exact too; otherwise the top-N
    collector has skipped documents that could not rank (an exact count would cost a second pass
    over every posting), and the total is the query's estimate, never less than what was seen.
    """
    collected = len(results.top_n)
    if not scored or collected < limit:
        return len(results) if not scored else collected, False
    return max(_estimate(results.q, results.searcher.reader()), collected), True


def _estimate(query: Query, reader: Any) -> int:
    """An upper bound of the matches: all of several words match at most as often as the rarest."""
    if isinstance(query, AndMaybe):
        return _estimate(query.a, reader)  # the optional phrase only ranks
    if isinstance(query, And):
        return min(_estimate(child, reader) for child in query.children())
    return query.estimate_size(reader)


def _query_words(text: str) -> list[tuple[str, int, int]]:
    """The query's words (precise cut, lower-cased, no stop words) with their offsets in ``text``."""
    return [(t.text, t.startchar, t.endchar) for t in _QUERY_ANALYZER(text, chars=True, mode="query")]


def _all_words(terms: tuple[str, ...]) -> Query:
    """Every word in some field; documents with the words side by side rank higher."""
    core = And([_word(term) for term in terms]) if len(terms) > 1 else _word(terms[0])
    if len(terms) == 1:
        return core
    phrase = Or([Phrase(field, list(terms), slop=1, boost=PHRASE_BOOST) for field in ("title", "body")])
    return AndMaybe(core, phrase)


def _any_word(terms: tuple[str, ...]) -> Query:
    return Or([_word(term) for term in terms])


def _word(term: str) -> Query:
    return Or(
        [
            Term("title", term, boost=TITLE_BOOST),
            Term("keywords", term, boost=KEYWORDS_BOOST),
            Term("body", term),
        ]
    )


def _allowed(searcher: Searcher, query: SearchQuery) -> set[int] | None:
    """The document numbers the query's filters let through, or None when it has no filter."""
    parts: list[Query] = []
    if query.kinds:
        parts.append(Or([Term("kind", kind) for kind in query.kinds]))
    if query.category:
        parts.append(Prefix("category", query.category))
    allowed = None
    if parts:
        allowed = set(searcher.docs_for_query(parts[0] if len(parts) == 1 else And(parts)))
    if query.published_from or query.published_to:
        dated = _published_between(searcher, query.published_from, query.published_to)
        allowed = dated if allowed is None else allowed & dated
    return allowed


def _published_between(searcher: Searcher, start: dt.datetime | None, end: dt.datetime | None) -> set[int]:
    """Documents published within [start, end], read from the sort column.

    Scanning the column is far cheaper than a Whoosh range query, which unions the postings of
    many numeric terms; undated documents never match a date range.
    """
    low = _micros(start) if start else UNDATED + 1
    high = _micros(end) if end else 2**63 - 1
    allowed: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if reader.has_column("recency"):
            column = reader.column_reader("recency")
            allowed.update(offset + n for n, value in enumerate(column) if low <= value <= high)
    return allowed


def _closest(searcher: Searcher, word: str) -> str | None:
    """The indexed title or body word nearest to ``word`` by edit distance, then by frequency.

    One edit at most, two for words of five or more characters (a two-character Chinese word
    with two edits is just another word). The first character must match: that keeps the walk
    over the term dictionary to milliseconds instead of seconds on a large index.
    """
    for distance in (1, 2) if len(word) >= 5 else (1,):
        candidates: dict[str, int] = {}
        for field in ("title", "body"):
            for suggestion in searcher.corrector(field).suggest(word, limit=5, maxdist=distance, prefix=1):
                candidates[suggestion] = candidates.get(suggestion, 0) + searcher.doc_frequency(field, suggestion)
        if candidates:
            return max(sorted(candidates), key=candidates.__getitem__)
    return None


def _hit(hit: Hit, scored: bool) -> SearchHit:
    body = hit["body"]
    snippet = hit.highlights("body", top=SNIPPET_FRAGMENTS) or _leading(body)
    return SearchHit(
        doc_id=hit["doc_id"],
        kind=hit["kind"],
        title=hit["title"],
        url=hit["url"],
        snippet=snippet,
        # Sorted by date, Whoosh gives the sort key in place of a score.
        score=float(hit.score) if scored else 0.0,
        published_at=hit.get("published"),
    )


def _leading(body: str) -> str:
    """The start of the body, for a hit whose body does not contain the words (a title match)."""
    text = " ".join(body.split())
    return html.escape(text[:SNIPPET_CHARS]) + ("…" if len(text) > SNIPPET_CHARS else "")


def _fields(document: SearchDocument) -> dict[str, Any]:
    """The Whoosh fields of a document, checked here so a bad one fails in the caller's process
    (a rebuild worker that died on it would leave the build waiting)."""
    for name in ("doc_id", "kind", "title", "body", "url", "category"):
        if not isinstance(getattr(document, name), str):
            raise TypeError(f"SearchDocument.{name} of {document.doc_id!r} is not a str")
    fields: dict[str, Any] = {
        "doc_id": document.doc_id,
        "kind": document.kind,
        "title": document.title,
        "body": document.body,
        "keywords": "\n".join(document.keywords),
        "url": document.url,
        "public": document.public,
        "category": document.category,
        "published": document.published_at,
    }
    if document.published_at is not None:
        fields["recency"] = _micros(document.published_at)
    return fields


def _document(stored: dict[str, Any]) -> SearchDocument:
    return SearchDocument(
        doc_id=stored["doc_id"],
        kind=stored["kind"],
        title=stored["title"],
        body=stored["body"],
        url=stored["url"],
        public=stored["public"],
        published_at=stored.get("published"),
        category=stored.get("category", ""),
        keywords=tuple(k for k in stored.get("keywords", "").split("\n") if k),
    )


def _micros(moment: dt.datetime) -> int:
    """Microseconds since 1970 UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def _probe(searcher: Searcher) -> None:
    """Read a little of every kind of file in the index, so damage shows up as an exception."""
    reader = searcher.reader()
    for fieldname in ("title", "body"):
        list(islice(reader.lexicon(fieldname), 1))
    for docnum in islice(reader.all_doc_ids(), 1):
        searcher.search(Term("doc_id", reader.stored_fields(docnum)["doc_id"]), limit=1)


def _batches(items: Iterable[SearchDocument], size: int) -> Iterator[list[SearchDocument]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _storage(path: Path) -> FileStorage:
    """Files read with plain reads, not mmap: a damaged or truncated file then raises an error
    instead of killing the process with SIGBUS."""
    return FileStorage(str(path), supports_mmap=False)


def _open_index(path: Path) -> FileIndex:
    return _storage(path).open_index()


def _generation_name() -> str:
    return f"{GENERATION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _fsync_directory(path: Path) -> None:
    """Make a rename durable (POSIX; directories cannot be opened for this on Windows)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
