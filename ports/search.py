"""Full-text search, with Chinese word segmentation in the adapters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing, as a plugin hands it to the index.

    ``doc_id`` is unique across plugins: ``<plugin>:<kind>:<id>``. ``public`` documents may be shown
    to anonymous visitors; the others (drafts, archived items) only in the staff search.
    """

    doc_id: str
    kind: str
    title: str
    body: str
    url: str
    public: bool = True
    published_at: dt.datetime | None = None
    category: str = ""  # e.g. the column path, for filtering
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    text: str
    public_only: bool = True
    kinds: tuple[str, ...] = ()
    category: str = ""  # a prefix of SearchDocument.category
    published_from: dt.datetime | None = None
    published_to: dt.datetime | None = None
    sort: str = "relevance"  # or "date"
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class SearchHit:
    doc_id: str
    kind: str
    title: str
    url: str
    snippet: str  # HTML-escaped text with matches wrapped in <mark>
    score: float
    published_at: dt.datetime | None = None


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int
    page: int
    page_size: int
    suggestion: str | None = None  # a corrected query when the given one looked misspelt
    total_is_estimate: bool = False  # large relevance-ranked results count approximately
    terms: tuple[str, ...] = field(default_factory=tuple)  # the segmented query terms


@dataclass(frozen=True)
class SearchStatus:
    ok: bool
    documents: int
    detail: str = ""


ProgressCallback = Callable[[int], None]  # called with the number of documents just written


class SearchIndex(Protocol):
    def index(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace documents (by ``doc_id``). Adapters are called after the commit only."""

    def delete(self, doc_ids: Iterable[str]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def rebuild(self, documents: Iterable[SearchDocument], progress: ProgressCallback | None = None) -> int:
        """Replace the whole index with ``documents``; return how many were indexed."""

    def status(self) -> SearchStatus: ...
