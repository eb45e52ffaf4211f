"""An in-memory SearchIndex for unit tests of services: substring matching, no segmentation.

It keeps the port's semantics that services rely on (replace by ``doc_id``, all words with a
fallback to any word, the filters, date sort with undated documents last, paging, escaped snippets
with ``<mark>``, status before the first build), so the contract test runs it beside the Whoosh
adapter. Words are the query split at spaces and punctuation; a word matches where it occurs as a
substring, case-insensitively.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Iterable, Mapping

from ports.search import (
    ProgressCallback,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchStatus,
)

SNIPPET_CHARS = 160
PROGRESS_BATCH = 100
_SEPARATORS = re.compile(r"[\W_]+")


class InMemorySearchIndex:
    """The SearchIndex port in a dict.

    ``suggestions`` maps a query text to the correction to offer when that query's words are not
    all found, so a test can exercise a "did you mean" path deterministically.
    """

    def __init__(self, suggestions: Mapping[str, str] | None = None):
        self.documents: dict[str, SearchDocument] = {}
        self.suggestions = dict(suggestions or {})
        self.built = False
        self._folded: dict[str, tuple[str, str, str]] = {}  # title, keywords, body, case-folded once

    def index(self, documents: Iterable[SearchDocument]) -> None:
        for document in documents:
            self._add(document)
        self.built = True

    def delete(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            self.documents.pop(doc_id, None)
            self._folded.pop(doc_id, None)

    def search(self, query: SearchQuery) -> SearchResult:
        page, page_size = max(query.page, 1), max(query.page_size, 1)
        terms = tuple(dict.fromkeys(w for w in _SEPARATORS.split(query.text.casefold()) if w))
        candidates = [d for d in self.documents.values() if _passes(d, query)]
        scored = [(self._score(d, terms, require_all=True), d) for d in candidates] if terms else []
        matches = [(score, d) for score, d in scored if score]
        all_words = bool(matches)
        if not all_words and len(terms) > 1:
            scored = [(self._score(d, terms, require_all=False), d) for d in candidates]
            matches = [(score, d) for score, d in scored if score]
        if query.sort == "date":
            matches.sort(key=lambda item: _recency(item[1]), reverse=True)
        else:
            matches.sort(key=lambda item: item[0], reverse=True)
        window = matches[(page - 1) * page_size : page * page_size]
        hits = [
            SearchHit(
                doc_id=d.doc_id,
                kind=d.kind,
                title=d.title,
                url=d.url,
                snippet=_snippet(d.body, terms),
                score=0.0 if query.sort == "date" else score,
                published_at=d.published_at,
            )
            for score, d in window
        ]
        suggestion = None if all_words else self.suggestions.get(query.text.strip())
        return SearchResult(
            hits=hits, total=len(matches), page=page, page_size=page_size, suggestion=suggestion, terms=terms
        )

    def rebuild(self, documents: Iterable[SearchDocument], progress: ProgressCallback | None = None) -> int:
        live = self.documents, self._folded
        self.documents, self._folded = {}, {}
        pending = 0
        try:
            for document in documents:
                if document.doc_id in self.documents:
                    continue  # the first one wins, as in the Whoosh adapter
                self._add(document)
                pending += 1
                if progress is not None and pending == PROGRESS_BATCH:
                    progress(pending)
                    pending = 0
        except BaseException:
            self.documents, self._folded = live  # a failed rebuild leaves the index as it was
            raise
        if progress is not None and pending:
            progress(pending)
        self.built = True
        return len(self.documents)

    def status(self) -> SearchStatus:
        if not self.built:
            return SearchStatus(ok=False, documents=0, detail="搜索索引尚未建立")
        return SearchStatus(ok=True, documents=len(self.documents), detail="in-memory fake")

    def _add(self, document: SearchDocument) -> None:
        self.documents[document.doc_id] = document
        keywords = "\n".join(document.keywords)
        self._folded[document.doc_id] = (document.title.casefold(), keywords.casefold(), document.body.casefold())

    def _score(self, document: SearchDocument, terms: tuple[str, ...], require_all: bool) -> float:
        """Occurrences weighted as the adapter boosts its fields: title 3, keywords 2, body 1."""
        title, keywords, body = self._folded[document.doc_id]
        counts = [3 * title.count(t) + 2 * keywords.count(t) + body.count(t) for t in terms]
        if require_all and not all(counts):
            return 0.0
        return float(sum(counts))


def _passes(document: SearchDocument, query: SearchQuery) -> bool:
    if query.public_only and not document.public:
        return False
    if query.kinds and document.kind not in query.kinds:
        return False
    if query.category and not document.category.startswith(query.category):
        return False
    if query.published_from or query.published_to:
        published = _utc(document.published_at)
        if published is None:
            return False
        if query.published_from and published < _utc(query.published_from):
            return False
        if query.published_to and published > _utc(query.published_to):
            return False
    return True


def _recency(document: SearchDocument) -> tuple[bool, dt.datetime]:
    published = _utc(document.published_at)
    return (published is not None, published or dt.datetime.min)


def _snippet(body: str, terms: tuple[str, ...]) -> str:
    text = " ".join(body.split())
    found = sorted((m.start(), m.end()) for t in terms for m in re.finditer(re.escape(t), text, re.IGNORECASE))
    spans: list[list[int]] = []
    for left, right in found:
        if spans and left <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], right)
        else:
            spans.append([left, right])
    if not spans:
        return html.escape(text[:SNIPPET_CHARS]) + ("…" if len(text) > SNIPPET_CHARS else "")
    start = max(0, spans[0][0] - 40)
    end = min(len(text), start + SNIPPET_CHARS)
    output = ["…" if start else ""]
    index = start
    for left, right in spans:
        left, right = max(left, index), min(right, end)
        if left >= right:
            continue
        output.append(html.escape(text[index:left]))
        output.append(f"<mark>{html.escape(text[left:right])}</mark>")
        index = right
    output.append(html.escape(text[index:end]))
    if end < len(text):
        output.append("…")
    return "".join(output)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Naive UTC, as the adapter compares; a naive input is taken to be UTC already."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
