"""The content plugin's home page blocks: headlines, news lists, notices and service shortcuts.

Each block costs a fixed number of queries however many columns or items there are: the news
block reads the newest items of all its columns in one UNION ALL of keyset-ordered ranges (each
served by the placement listing index) plus one fetch of those items.

county.toml settings, all optional::

    [content]
    home_columns = ["government-news", "tourism-news"]   # news lists, in this order
    services_column = "services"                         # whose children are the service shortcuts
    notices_column = "notices"                           # where the notices block's 更多 leads
"""

from __future__ import annotations

from pyramid.renderers import render
from sqlalchemy import exists, select, union_all

from govcore.contributions import PortalBlock
from plugins.content.domain import ColumnNode
from plugins.content.items import NOTICE, PUBLISHED
from plugins.content.orm import Column, Item, Placement
from plugins.content.views.portal_pages import entry, store, visible_chain
from plugins.content.web import column_url

T = "plugins.content:templates/"
HEADLINE_COUNT = 5
NEWS_COUNT = 8
DEFAULT_NEWS_COLUMNS = 4
NOTICE_COUNT = 8
SERVICE_COUNT = 12
HEADLINE_INTERVAL_MS = 6000  # WCAG 2.2.2: moving content that lasts past 5 s must be pausable; it is


def portal_blocks() -> list[PortalBlock]:
    return [
        PortalBlock("content.headlines", "头条", render_headlines, order=10, width="full"),
        PortalBlock("content.news", "新闻动态", render_news, order=20, width="full"),
        PortalBlock("content.notices", "通知公告", render_notices, order=30, width="half"),
        PortalBlock("content.services", "网上办事", render_services, order=35, width="half"),
    ]


def _settings(request) -> dict:
    return request.platform.county.plugin_settings("content")


def _public(request, items: list[Item]) -> list[Item]:
    """Leave out items whose home column is hidden (the column tree is already loaded)."""
    by_id = request.content_columns.by_id
    return [item for item in items if visible_chain(request, by_id.get(item.column_id)) is not None]


# -- 头条 -------------------------------------------------------------------------------------

def render_headlines(request) -> str:
    """Pinned published items with a cover image, newest first, as an accessible carousel."""
    query = (select(Item).where(Item.status == PUBLISHED, Item.pinned.is_(True), Item.cover_key != "")
             .order_by(Item.published_at.desc(), Item.id.desc()).limit(HEADLINE_COUNT * 2))
    items = _public(request, list(request.dbsession.scalars(query)))[:HEADLINE_COUNT]
    if not items:
        return ""
    return render(T + "block_headlines.pt", {"entries": [entry(request, item) for item in items],
                                             "interval": HEADLINE_INTERVAL_MS}, request=request)


# -- 新闻列表 ---------------------------------------------------------------------------------

def _walk(nodes: list[ColumnNode]):
    for node in nodes:
        if not node.hidden:
            yield node
            yield from _walk(node.children)


def news_columns(request) -> list[ColumnNode]:
    """The configured columns, or the first list columns (in tree order) that have published items."""
    tree = request.content_columns
    slugs = _settings(request).get("home_columns")
    if slugs:
        nodes = [tree.by_slug.get(slug) for slug in slugs]
        return [node for node in nodes if visible_chain(request, node) is not None]
    notices = _settings(request).get("notices_column", "notices")  # the notices block shows that one already
    candidates = [node for node in _walk(tree.roots) if node.kind == "list" and node.slug != notices]
    if not candidates:
        return []
    # One probe of the listing index per candidate, not a scan of every placement.
    filled = set(request.dbsession.scalars(select(Column.id).where(
        Column.id.in_([node.id for node in candidates]),
        exists().where(Placement.column_id == Column.id, Placement.public.is_(True)))))
    return [node for node in candidates if node.id in filled][:DEFAULT_NEWS_COLUMNS]


def latest_by_column(session, column_ids: list[int], size: int) -> dict[int, list[Item]]:
    """The first ``size`` items of each column in listing order, in two queries."""
    if not column_ids:
        return {}
    ranges = [
        select(Placement.column_id, Placement.item_id, Placement.pinned, Placement.published_at)
        .where(Placement.column_id == column_id, Placement.public.is_(True))
        .order_by(Placement.pinned.desc(), Placement.published_at.desc(), Placement.item_id.desc())
        .limit(size).subquery()
        for column_id in column_ids
    ]
    rows = session.execute(union_all(*(select(r) for r in ranges))).all()
    items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_({r.item_id for r in rows})))}
    by_column: dict[int, list[Item]] = {column_id: [] for column_id in column_ids}
    # SQL promises no order across a UNION ALL, so each column's rows are put back in listing order.
    for row in sorted(rows, key=lambda r: (not r.pinned, -r.published_at.timestamp(), -r.item_id)):
        by_column[row.column_id].append(items[row.item_id])
    return by_column


def render_news(request) -> str:
    columns = news_columns(request)
    if not columns:
        return ""
    latest = latest_by_column(request.dbsession, [node.id for node in columns], NEWS_COUNT)
    lists = [(node, column_url(request, node), [entry(request, item) for item in latest[node.id]])
             for node in columns]
    return render(T + "block_news.pt", {"lists": lists}, request=request)


# -- 通知公告 ---------------------------------------------------------------------------------

def render_notices(request) -> str:
    query = (select(Item).where(Item.type == NOTICE, Item.status == PUBLISHED)
             .order_by(Item.published_at.desc(), Item.id.desc()).limit(NOTICE_COUNT * 2))
    items = _public(request, list(request.dbsession.scalars(query)))[:NOTICE_COUNT]
    tree = request.content_columns
    home = tree.by_slug.get(_settings(request).get("notices_column", "notices"))
    if visible_chain(request, home) is None:
        home = tree.by_id.get(items[0].column_id) if items else None
    return render(T + "block_notices.pt", {"entries": [entry(request, item) for item in items],
                                           "more_url": column_url(request, home) if home else None},
                  request=request)


# -- 网上办事 ---------------------------------------------------------------------------------

def services_column(request) -> ColumnNode | None:
    tree = request.content_columns
    configured = _settings(request).get("services_column")
    node = tree.by_slug.get(configured) if configured else next(
        (n for n in _walk(tree.roots) if n.kind == "services"), tree.by_slug.get("services"))
    return node if visible_chain(request, node) is not None else None


def render_services(request) -> str:
    """Icon tiles: the services column's sub-columns, then its own items (usually links)."""
    node = services_column(request)
    if node is None:
        return ""
    items, _following = store(request).listing(node.id, None, SERVICE_COUNT)
    tiles = [(child.title, column_url(request, child), "") for child in node.children if not child.hidden]
    tiles += [(e.title, e.url, e.cover_url) for e in (entry(request, item) for item in items)]
    return render(T + "block_services.pt", {"column": node, "more_url": column_url(request, node),
                                            "tiles": tiles[:SERVICE_COUNT]}, request=request)
