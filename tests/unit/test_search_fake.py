"""What the in-memory SearchIndex adds for unit tests beyond the port's contract."""

from __future__ import annotations

from ports.search import SearchDocument, SearchQuery
from tests.fakes.search import InMemorySearchIndex


def test_the_fake_offers_the_suggestion_a_test_configured_only_when_the_words_are_not_found():
    index = InMemorySearchIndex(suggestions={"乡村振星": "乡村振兴", "乡村": "不会用到"})
    index.index([SearchDocument(doc_id="a", kind="k", title="乡村振兴", body="全面推进乡村振兴", url="/a")])

    assert index.search(SearchQuery("乡村振星")).suggestion == "乡村振兴"
    assert index.search(SearchQuery("乡村")).suggestion is None
    assert index.search(SearchQuery("乡村振兴")).hits[0].snippet == "全面推进<mark>乡村振兴</mark>"
