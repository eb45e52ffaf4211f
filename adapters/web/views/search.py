"""The public search page (全站搜索): every plugin's public documents, Chinese words segmented by
the index adapter, matches highlighted, filters by column, type and date, sorted by relevance or date.

The page belongs to the core and works without the content plugin: the column filter is offered
only when a plugin gives the request a column tree (``request.content_columns``), whose paths are
the categories the content plugin files its items under. Results are never cached: the index
follows every plugin's changes, not only those that bump the portal generation.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

from markupsafe import Markup
from pyramid.config import Configurator

from adapters.search.whoosh_index import SearchUnavailable
from adapters.web.query_form import QueryForm
from adapters.web.i18n import _
from govcore.core_plugin import PORTAL_VIEW
from ports.search import SearchHit, SearchQuery

PAGE_SIZE = 10
MAX_PAGES = 50  # deeper than this nobody reads; the words need refining instead
TEXT_MAX = 100
PAGE_LINKS = 4  # page numbers shown on each side of the current one
SORTS = ("relevance", "date")


def includeme(config: Configurator) -> None:
    config.add_route("search", "/search")
    config.add_view(search_page, route_name="search", request_method="GET",
                    renderer="adapters.web:templates/search.pt", permission=PORTAL_VIEW)


@dataclass(frozen=True)
class ColumnOption:
    slug: str
    label: str
    category: str  # the prefix of SearchDocument.category


@dataclass(frozen=True)
class SearchForm(QueryForm):
    max_length: ClassVar[int] = 2 * TEXT_MAX  # longer than allowed, so the error can say so

    q: str = ""
    column: str = ""
    kind: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"


def column_options(request) -> list[ColumnOption]:
    """Visible top-level columns and their visible children, when a plugin provides a column tree."""
    try:
        tree = request.content_columns
    except AttributeError:  # no plugin gives the request a column tree
        return []
    options = []
    for top in sorted(tree.visible_roots(), key=lambda n: (n.position, n.id)):
        options.append(ColumnOption(top.slug, top.title, f"/{top.slug}/"))
        for child in sorted((c for c in top.children if not c.hidden), key=lambda n: (n.position, n.id)):
            options.append(ColumnOption(child.slug, f"{top.title} › {child.title}", f"/{top.slug}/{child.slug}/"))
    return options


def _errors(form: SearchForm, columns: dict[str, ColumnOption], kinds: dict) -> list:
    errors = []
    if len(form.q) > TEXT_MAX:
        errors.append(_("搜索词不能超过 ${max} 个字", mapping={"max": TEXT_MAX}))
    if form.column and form.column not in columns:
        errors.append(_("所选栏目不存在，请重新选择"))
    if form.kind and form.kind not in kinds:
        errors.append(_("所选类型不存在，请重新选择"))
    if form.sort not in SORTS:
        errors.append(_("请选择有效的排序方式"))
    errors += form.date_errors()
    return errors


def _page_number(raw: str) -> int:
    return min(int(raw), MAX_PAGES) if raw.isdigit() and 0 < len(raw) < 4 and int(raw) > 0 else 1


def _safe_url(url: str) -> str | None:
    """A hit's address as a link: a path on this site or an http(s) address, nothing else."""
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if url.startswith(("http://", "https://")) else None


def _hit(request, hit: SearchHit, kinds: dict, tz: ZoneInfo) -> dict:
    kind = kinds.get(hit.kind)
    moment = hit.published_at.astimezone(tz) if hit.published_at is not None else None
    return {
        "title": hit.title,
        "url": _safe_url(hit.url),
        # The adapter escapes the text and adds only <mark> (ports.search.SearchHit).
        "snippet": Markup(hit.snippet),
        "kind": request.localizer.translate(_(kind.title)) if kind is not None else "",
        "date": moment.strftime("%Y-%m-%d") if moment else "",
        "datetime": moment.isoformat() if moment else "",
    }


def _pages(request, form: SearchForm, current: int, total: int) -> list[tuple[int, str]]:
    last = min(math.ceil(total / PAGE_SIZE), MAX_PAGES)
    if last <= 1:
        return []
    numbers = sorted({1, last, *range(max(1, current - PAGE_LINKS), min(last, current + PAGE_LINKS) + 1)})
    return [(number, request.route_path("search", _query={**form.query(), "page": number})) for number in numbers]


def search_page(request):
    form = SearchForm.from_params(request.GET)
    options = column_options(request)
    columns = {option.slug: option for option in options}
    kinds = request.platform.content_types
    current = _page_number(request.GET.get("page", "1"))
    page = {"form": form, "columns": options, "kinds": kinds, "errors": [], "unavailable": False,
            "searched": False, "hits": [], "total": 0, "estimated": False, "suggestion_url": None, "suggestion": None,
            "pages": [], "page_number": current, "sort_urls": {}}
    page["errors"] = [request.localizer.translate(error) for error in _errors(form, columns, kinds)]
    if page["errors"]:
        request.response.status_int = 400
        return page
    if not form.q:
        return page
    tz = ZoneInfo(request.platform.county.timezone)
    start, after = form.moments(tz)
    query = SearchQuery(
        text=form.q, public_only=True, kinds=(form.kind,) if form.kind else (),
        category=columns[form.column].category if form.column else "",
        published_from=start,
        # The whole last day: up to the start of the next one.
        published_to=after - dt.timedelta(microseconds=1) if after else None,
        sort=form.sort, page=current, page_size=PAGE_SIZE)
    try:
        result = request.platform.search.search(query)
    except SearchUnavailable:
        request.response.status_int = 503
        page["unavailable"] = True
        return page
    page.update(searched=True, total=result.total, estimated=result.total_is_estimate,
                pages=_pages(request, form, current, result.total),
                hits=[_hit(request, hit, kinds, tz) for hit in result.hits],
                sort_urls={sort: request.route_path("search", _query=form.query(sort=sort)) for sort in SORTS})
    if result.suggestion and result.suggestion != form.q:
        page["suggestion"] = result.suggestion
        page["suggestion_url"] = request.route_path("search", _query=form.query(q=result.suggestion))
    return page
