"""Use cases of the plugin, shared by the staff form, the seed and the scheduled job. Framework-free.

Services receive the unit of work and reach storage only through the repository Protocol, record
events instead of calling out, and never commit: the request, ``govcore init`` or the job does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

from govcore_local_specialties.domain import (
    PLUGIN,
    InvalidSpecialty,
    Specialty,
    SpecialtyAdded,
    SpecialtyRepository,
    validate_draft,
)
from ports.persistence import UnitOfWork
from ports.search import SearchDocument

if TYPE_CHECKING:  # pragma: no cover
    from govcore.platform import Platform

PUBLIC_PATH = "/specialties"  # web.py serves the list here; search results link into it
SEARCH_KIND = "specialty"

# Demo products for a county with ``[demo] enabled = true``; fictional, like the demo county.
DEMO_SPECIALTIES: tuple[dict[str, str], ...] = (
    {
        "name": "高山云雾茶",
        "township": "青山乡",
        "description": "产自青山乡海拔八百米以上的茶园，常年云雾缭绕，春茶清明前后采摘。\n\n"
                       "条索紧细，汤色嫩绿明亮，栗香持久，耐冲泡。",
        "price_note": "明前茶每斤 300 元起，以茶农实际售价为准",
    },
    {
        "name": "手工红薯粉条",
        "township": "城关镇",
        "description": "选用本地红心红薯，沿用传统漏粉工艺手工制作，不添加明矾。\n\n"
                       "久煮不烂，口感筋道，是本地炖菜、火锅的常备食材。",
        "price_note": "每斤 15 元左右",
    },
)


def add_specialty(uow: UnitOfWork, values: Mapping[str, str]) -> Specialty:
    """Register a product: validate it, refuse a second one of the same name in the same township,
    store it, and record :class:`SpecialtyAdded` so it is indexed once the transaction commits.

    Raises :class:`InvalidSpecialty` with every problem by field, for the form to show.
    """
    draft = validate_draft(values)
    repository = uow.repository(SpecialtyRepository)
    if repository.find(draft.name, draft.township) is not None:
        raise InvalidSpecialty({"name": f"{draft.township}已登记过名为“{draft.name}”的特产"})
    specialty = repository.add(draft)
    uow.record(SpecialtyAdded(specialty))
    return specialty


def ensure_demo_specialties(uow: UnitOfWork) -> int:
    """Add the demo products that are missing, so seeding twice leaves the same data; return how many."""
    repository = uow.repository(SpecialtyRepository)
    created = 0
    for values in DEMO_SPECIALTIES:
        if repository.find(values["name"], values["township"]) is None:
            add_specialty(uow, values)
            created += 1
    return created


def search_document(specialty: Specialty) -> SearchDocument:
    """How a product appears in the site search: found by its name, township, description and price."""
    return SearchDocument(
        doc_id=f"{PLUGIN}:{SEARCH_KIND}:{specialty.id}",
        kind=SEARCH_KIND,
        title=specialty.name,
        body="\n".join(part for part in (specialty.township, specialty.description, specialty.price_note) if part),
        url=f"{PUBLIC_PATH}#specialty-{specialty.id}",
        published_at=specialty.created_at,
        category=f"地方特产/{specialty.township}",
        keywords=(specialty.township,),
    )


def search_documents(specialties: Iterable[Specialty]) -> Iterator[SearchDocument]:
    """The documents of several products, for ``govcore search reindex`` and the daily job."""
    return (search_document(specialty) for specialty in specialties)


def refresh_search_index(platform: "Platform", uow: UnitOfWork) -> None:
    """Daily job: send every product to the search index again.

    A product is indexed right after the commit that registered it. If that write fails (the index
    folder full or locked, the process stopped between the commit and the write), the failure is
    only logged and the product would stay unsearchable until someone ran ``govcore search reindex``.
    Re-sending this plugin's few documents every night bounds that gap to a day, without rebuilding
    the other plugins' documents. The index is written after the job's (read-only) transaction ends,
    like every other index write.
    """
    documents = list(search_documents(uow.repository(SpecialtyRepository).all()))
    uow.after_commit(lambda: platform.search.index(documents))
