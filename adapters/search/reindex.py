"""Rebuild the search index from what every enabled plugin says belongs in it (``govcore search reindex``)."""

from __future__ import annotations

import itertools
import sys
from typing import Iterator

from tqdm import tqdm

from govcore.platform import Platform
from ports.persistence import UnitOfWork
from ports.search import SearchDocument


def reindex(platform: Platform, progress_bar: bool = True) -> int:
    """Replace the index with every plugin's documents, read in one unit of work; return the count.

    The documents stream from the database into the index: no plugin's documents are held in
    memory all at once. The progress bar goes to stderr and shows a count and a rate, as the total
    is not known before the last plugin has answered.
    """
    with platform.unit_of_work() as uow:
        documents = _documents(platform, uow)
        if not progress_bar:
            return platform.search.rebuild(documents)
        with tqdm(desc="索引文档 / indexing", unit=" doc", file=sys.stderr, dynamic_ncols=True) as bar:
            return platform.search.rebuild(documents, progress=bar.update)


def _documents(platform: Platform, uow: UnitOfWork) -> Iterator[SearchDocument]:
    """Each plugin's iterable, one after the other; a generator hookimpl runs only when reached."""
    return itertools.chain.from_iterable(platform.plugins.hook.govcore_search_documents(uow=uow))
