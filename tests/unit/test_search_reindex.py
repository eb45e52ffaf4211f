"""``reindex``: every plugin's documents, streamed inside one unit of work into ``rebuild``."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace
from typing import Iterator

from adapters.search.reindex import reindex
from govcore import hookimpl
from govcore.plugins import build_plugins
from ports.search import SearchDocument, SearchQuery
from tests.fakes.search import InMemorySearchIndex


def document(doc_id: str, body: str) -> SearchDocument:
    return SearchDocument(doc_id=doc_id, kind="test", title=doc_id, body=body, url=f"/{doc_id}")


class Journal:
    def __init__(self):
        self.events: list[str] = []

    @contextmanager
    def unit_of_work(self) -> Iterator[object]:
        self.events.append("begin")
        yield self
        self.events.append("end")


class Articles:
    def __init__(self, journal: Journal):
        self.journal = journal

    @hookimpl
    def govcore_search_documents(self, uow):
        assert uow is self.journal
        for number in range(150):
            if number in (0, 149):
                self.journal.events.append(f"article {number}")
            yield document(f"articles:{number}", f"第{number}篇 乡村振兴")


class Letters:
    def __init__(self, journal: Journal):
        self.journal = journal

    @hookimpl
    def govcore_search_documents(self, uow):
        self.journal.events.append("letters")
        return [document("letters:1", "群众来信 乡村振兴")]


def platform_with(journal: Journal) -> SimpleNamespace:
    plugins = build_plugins([], extra=[("articles", Articles(journal)), ("letters", Letters(journal))])
    return SimpleNamespace(plugins=plugins, search=InMemorySearchIndex(), unit_of_work=journal.unit_of_work)


def test_reindex_streams_every_plugins_documents_inside_one_unit_of_work(capsys):
    journal = Journal()
    platform = platform_with(journal)

    count = reindex(platform, progress_bar=False)

    assert count == 151
    assert platform.search.search(SearchQuery("乡村振兴")).total == 151
    # A list-returning hookimpl runs when the hook is called, a generator only when the rebuild
    # reaches it; either way inside the unit of work.
    assert journal.events == ["begin", "letters", "article 0", "article 149", "end"]
    assert capsys.readouterr().err == ""


def test_reindex_shows_a_progress_bar_on_stderr(capsys):
    count = reindex(platform_with(Journal()), progress_bar=True)

    err = capsys.readouterr().err
    assert count == 151
    assert "151" in err and "doc" in err
