"""The public disclosure catalogue (政府信息公开目录): published items with their disclosure data.

An item belongs to the catalogue when it has a 索引号 or its home column lies under the 政务公开
column (slug ``disclosure``). Visitors browse by 发布机构 and by 主题分类, each with its count,
narrow to a year, and page newest first by keyset on ``(published_at, id)``, so a page deep in
twenty years of documents costs what the first one does. Items in hidden columns stay out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pyramid.config import Configurator
from sqlalchemy import and_, func, or_, select

from adapters.web.i18n import _
from govcore.core_plugin import PORTAL_VIEW
from plugins.content.domain import ColumnNode
from plugins.content.items import DISCLOSURE_THEMES, PUBLISHED, ListingCursor
from plugins.content.orm import Item
from plugins.content.views.portal_pages import MAX_PAGE_NUMBER, item_url, local_time
from plugins.content.web import ColumnTree, column_url

T = "plugins.content:templates/"
ROUTE = "content.disclosure_catalogue"
DISCLOSURE_SLUG = "disclosure"
PAGE_SIZE = 20
ORG_MAX = 100  # the issuing_org column's width; longer values cannot match anything
FIRST_YEAR = 1990


@dataclass(frozen=True)
class Row:
    """One catalogue line, as the table shows it."""

    url: str
    title: str
    index_no: str
    issuing_org: str
    written_on: str
    doc_number: str
    published_on: str
    published_iso: str
    validity: str


def includeme(config: Configurator) -> None:
    config.add_route(ROUTE, "/disclosure/catalogue")
    config.add_view(catalogue, route_name=ROUTE, renderer=T + "catalogue.pt", permission=PORTAL_VIEW)
    config.add_cacheable_route(ROUTE)  # anonymous visitors' copies, purged on publish


def _subtree(node: ColumnNode) -> list[int]:
    ids, stack = [], [node]
    while stack:
        current = stack.pop()
        ids.append(current.id)
        stack.extend(current.children)
    return ids


def _column_sets(tree: ColumnTree) -> tuple[list[int], list[int], ColumnNode | None]:
    """(visible columns under 政务公开, columns hidden themselves or below a hidden one, 政务公开)."""
    hidden: list[int] = []
    for node in tree.by_id.values():
        if node.hidden:
            hidden.extend(_subtree(node))
    root = tree.by_slug.get(DISCLOSURE_SLUG)
    hidden_set = set(hidden)
    disclosure = [cid for cid in _subtree(root) if cid not in hidden_set] if root is not None else []
    return disclosure, sorted(hidden_set), (root if root is not None and root.id not in hidden_set else None)


def _year_range(request, year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(request.platform.county.timezone)
    return dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)


def _filters(request) -> tuple[str, str, int | None]:
    org = request.GET.get("org", "").strip()
    theme = request.GET.get("theme", "").strip()
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and FIRST_YEAR <= int(raw_year) <= 2100 else None
    return (org if len(org) <= ORG_MAX else ""), (theme if theme in DISCLOSURE_THEMES else ""), year


def catalogue(request):
    tree: ColumnTree = request.content_columns
    disclosure_ids, hidden_ids, root = _column_sets(tree)
    org, theme, year = _filters(request)
    base = [Item.status == PUBLISHED, Item.published_at.is_not(None),
            or_(Item.index_no != "", Item.column_id.in_(disclosure_ids))]
    if hidden_ids:
        base.append(Item.column_id.not_in(hidden_ids))
    by_org = [Item.issuing_org == org] if org else []
    by_theme = [Item.theme == theme] if theme else []
    by_year = []
    if year is not None:
        start, end = _year_range(request, year)
        by_year = [Item.published_at >= start, Item.published_at < end]
    session = request.dbsession

    # Each facet counts under the other filters, so its numbers say what a click on it will show.
    orgs = session.execute(select(Item.issuing_org, func.count()).where(*base, *by_theme, *by_year,
                                                                        Item.issuing_org != "")
                           .group_by(Item.issuing_org).order_by(func.count().desc(), Item.issuing_org)).all()
    theme_counts = dict(session.execute(select(Item.theme, func.count()).where(*base, *by_org, *by_year)
                                        .group_by(Item.theme)).all())
    total = session.scalar(select(func.count()).select_from(Item).where(*base, *by_org, *by_theme, *by_year))
    first, last = session.execute(select(func.min(Item.published_at), func.max(Item.published_at))
                                  .where(*base)).one()
    years = (list(range(local_time(request, last).year, local_time(request, first).year - 1, -1))
             if first is not None else [])

    token = request.GET.get("after", "")
    after = ListingCursor.decode(token) if token else None
    query = select(Item).where(*base, *by_org, *by_theme, *by_year)
    if after is not None:
        query = query.where(or_(Item.published_at < after.published_at,
                                and_(Item.published_at == after.published_at, Item.id < after.item_id)))
    items = list(session.scalars(query.order_by(Item.published_at.desc(), Item.id.desc()).limit(PAGE_SIZE + 1)))
    page, more = items[:PAGE_SIZE], len(items) > PAGE_SIZE
    raw_page = request.GET.get("page", "")
    number = min(max(int(raw_page), 2), MAX_PAGE_NUMBER) if after is not None and raw_page.isdigit() else 1
    kept = {name: value for name, value in (("org", org), ("theme", theme), ("year", year)) if value}

    if root is not None:
        request.breadcrumbs.append((root.title, column_url(request, root)))
    request.breadcrumbs.append((request.localizer.translate(_("政府信息公开目录")), request.route_path(ROUTE)))
    return {
        "rows": [_row(request, item) for item in page],
        "orgs": orgs,
        "themes": [(name, theme_counts.get(name, 0)) for name in DISCLOSURE_THEMES
                   if theme_counts.get(name) or name == theme],
        "years": years, "org": org, "theme": theme, "year": year, "total": total, "page_number": number,
        "link": lambda **changes: request.route_path(ROUTE, _query={
            name: value for name, value in {**kept, **changes}.items() if value}),
        "next_url": request.route_path(ROUTE, _query={**kept, "after": ListingCursor(
            False, page[-1].published_at, page[-1].id).encode(), "page": number + 1}) if more else None,
        "first_url": request.route_path(ROUTE, _query=kept) if after is not None else None,
    }


def _row(request, item: Item) -> Row:
    published = local_time(request, item.published_at)
    return Row(url=item_url(request, item), title=item.title, index_no=item.index_no, issuing_org=item.issuing_org,
               written_on=item.written_on.isoformat() if item.written_on else "", doc_number=item.doc_number,
               published_on=published.strftime("%Y-%m-%d"), published_iso=published.isoformat(),
               validity=item.validity)
