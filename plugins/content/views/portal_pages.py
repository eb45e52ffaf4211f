"""The public column, item and print pages.

Each page costs few queries whatever the size of the site: the column tree (once per request,
``request.content_columns``), then for a column page one keyset range over its placements and one
fetch of that page's items; for an item page the item, its attachments and its column's newest
others. Only published items in visible columns are shown; an archived one answers 410.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.renderers import get_renderer, render_to_response

from adapters.web.caching import CACHE_CONTROL
from adapters.web.i18n import _
from govcore.core_plugin import PORTAL_VIEW
from plugins.content.domain import ColumnNode, path_to
from plugins.content.items import ARCHIVED, LINK, PUBLISHED, ListingCursor
from plugins.content.orm import Item
from plugins.content.seals import fingerprint
from plugins.content.store import ItemStore
from plugins.content.web import column_url
from plugins.content.views.uploads_types import format_label

T = "plugins.content:templates/"
PAGE_SIZE = 20
RELATED_COUNT = 5
MAX_PAGE_NUMBER = 1_000_000  # only displayed; anything else in ?page= is ignored


def includeme(config: Configurator) -> None:
    config.add_route("content.column", "/column/{slug}")
    config.add_route("content.item", "/item/{id:\\d+}")
    config.add_route("content.item_print", "/item/{id:\\d+}/print")
    config.add_view(column_page, route_name="content.column", renderer=T + "column.pt", permission=PORTAL_VIEW)
    config.add_view(item_page, route_name="content.item", renderer=T + "item.pt", permission=PORTAL_VIEW)
    config.add_view(item_print, route_name="content.item_print", renderer=T + "item_print.pt",
                    permission=PORTAL_VIEW)
    for route_name in ("content.column", "content.item", "content.item_print"):
        config.add_cacheable_route(route_name)  # anonymous visitors' copies, purged on publish


# -- helpers shared with the home page blocks -------------------------------------------------

@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(request, moment: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) moment in the county's timezone, as visitors read dates."""
    return moment.astimezone(_zone(request.platform.county.timezone)) if moment is not None else None


def item_url(request, item: Item) -> str:
    return request.route_path("content.item", id=item.id)


def file_url(key: str, filename: str = "") -> str:
    """A blob's public address (the ``content.file`` route), with the name browsers save it as."""
    return f"/files/{key}/{quote(filename)}" if filename else f"/files/{key}"


def safe_link(url: str) -> str | None:
    """An address a link item or column may send visitors to: http(s) anywhere, or a local path."""
    url = (url or "").strip()
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def visible_chain(request, node: ColumnNode | None) -> list[ColumnNode] | None:
    """The column's path from the top, or None when it or any column above it is hidden."""
    if node is None:
        return None
    chain = path_to(node.id, request.content_columns.by_id)
    return None if any(n.hidden for n in chain) else chain


@dataclass(frozen=True)
class Entry:
    """An item as a list shows it."""

    id: int
    title: str
    url: str
    date: str  # YYYY-MM-DD in the county's timezone
    datetime: str  # ISO 8601 for <time datetime>
    summary: str
    pinned: bool
    cover_url: str
    type: str


def entry(request, item: Item) -> Entry:
    moment = local_time(request, item.published_at or item.created_at)
    return Entry(id=item.id, title=item.title, url=item_url(request, item), date=moment.strftime("%Y-%m-%d"),
                 datetime=moment.isoformat(), summary=item.summary or "", pinned=bool(item.pinned),
                 cover_url=file_url(item.cover_key) if item.cover_key else "", type=item.type)


def store(request) -> ItemStore:
    return ItemStore(request.dbsession, request.platform.clock.now())


# -- column pages -----------------------------------------------------------------------------

def _page_number(request, after: ListingCursor | None) -> int:
    raw = request.GET.get("page", "")
    if after is None or not raw.isdigit():
        return 1
    return min(max(int(raw), 2), MAX_PAGE_NUMBER)


def column_page(request):
    """A column as its kind shows it; list-like kinds page by keyset (``?after=<cursor>&page=N``).

    Paging goes forward only, with a link back to the first page: a "previous" link would need
    either a reverse range query or the chain of earlier cursors in every URL, and the first page
    plus the browser's own history serve visitors as well.
    """
    tree = request.content_columns
    node = tree.by_slug.get(request.matchdict["slug"])
    chain = visible_chain(request, node)
    if chain is None:
        raise HTTPNotFound()
    if node.kind == "link":
        target = safe_link(node.link_url)
        if target is None:
            raise HTTPNotFound()
        return HTTPFound(location=target)
    request.breadcrumbs.extend((n.title, column_url(request, n)) for n in chain)
    children = [child for child in node.children if not child.hidden]
    token = request.GET.get("after", "")
    after = ListingCursor.decode(token) if token else None
    number = _page_number(request, after)
    # A column's template overrides its kind's layout, except that services stay tiles.
    layout = node.kind if node.kind == "services" or not node.template else node.template
    values = {"column": node, "column_layout": layout, "children": children, "column_url": column_url, "page_number": number,
              "entries": [], "page_item": None, "page_meta": None, "next_url": None, "first_url": None}
    if layout == "page":
        # A single page shows its newest (or pinned) item's text in place of a list.
        items, _next = store(request).listing(node.id, None, 1)
        values["page_item"] = items[0] if items else None
        values["page_meta"] = entry(request, items[0]) if items else None
        return values
    items, following = store(request).listing(node.id, after, PAGE_SIZE)
    values["entries"] = [entry(request, item) for item in items]
    if following is not None:
        values["next_url"] = request.route_path("content.column", slug=node.slug,
                                                _query={"after": following.encode(), "page": number + 1})
    if after is not None:
        values["first_url"] = column_url(request, node)
    return values


# -- item pages -------------------------------------------------------------------------------

def _gone(request):
    """An archived item: say so (410), rather than pretend the address never existed."""
    translate = request.localizer.translate
    response = render_to_response("adapters.web:templates/error.pt", {
        "status": 410,
        "title": translate(_("信息已归档")),
        "message": translate(_("该信息已归档，不再在网站上公开。如需查阅，请联系发布单位。")),
    }, request=request)
    response.status_int = 410
    # A 410 is heuristically cacheable (RFC 9110 §15.1) and Chromium keeps one without Cache-Control
    # for good, like a 301: a restored item would stay "gone" for whoever saw it archived.
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _public_item(request):
    """The item and its home column's path, or the response that replaces the page."""
    item = request.dbsession.get(Item, int(request.matchdict["id"]))
    if item is None:
        raise HTTPNotFound()
    if item.status == ARCHIVED:
        return None, None, _gone(request)
    chain = visible_chain(request, request.content_columns.by_id.get(item.column_id))
    if item.status != PUBLISHED or chain is None:
        raise HTTPNotFound()
    if item.type == LINK:
        target = safe_link(item.link_url)
        if target is None:
            raise HTTPNotFound()
        return None, None, HTTPFound(location=target)
    return item, chain, None


def _disclosure(request, item: Item) -> list[tuple[str, str]]:
    """政务公开 metadata rows, when the item carries an 索引号."""
    if not item.index_no:
        return []
    translate = request.localizer.translate
    rows = [
        (_("索引号"), item.index_no),
        (_("发布机构"), item.issuing_org),
        (_("成文日期"), item.written_on.strftime("%Y-%m-%d") if item.written_on else ""),
        (_("发文字号"), item.doc_number),
        (_("主题分类"), item.theme),
        (_("有效性"), item.validity),
    ]
    return [(translate(label), value) for label, value in rows]


def _item_values(request, item: Item, chain: list[ColumnNode]) -> dict:
    items = store(request)
    moment = local_time(request, item.published_at or item.created_at)
    cover = item.cover_key and item.cover_key not in (item.body or "")
    return {
        "item": item,
        "column": chain[-1],
        "column_url": column_url(request, chain[-1]),
        "published": moment.strftime("%Y-%m-%d %H:%M"),
        "published_iso": moment.isoformat(),
        "cover_url": file_url(item.cover_key) if cover else "",
        "attachments": [(upload.filename, upload.size, format_label(upload.media_type),
                         file_url(upload.blob_key, upload.filename))
                        for upload in items.attachments(item.id)],
        "disclosure": _disclosure(request, item),
        "fingerprint": fingerprint(request.uow, item),
        "item_url": item_url(request, item),
        "print_url": request.route_path("content.item_print", id=item.id),
        "size_label": size_label,
        "macros": get_renderer(T + "item_macros.pt").implementation(),
    }


def item_page(request):
    item, chain, response = _public_item(request)
    if response is not None:
        return response
    request.breadcrumbs.extend((n.title, column_url(request, n)) for n in chain)
    request.breadcrumbs.append((request.localizer.translate(_("正文")), item_url(request, item)))
    values = _item_values(request, item, chain)
    others, _next = store(request).listing(item.column_id, None, RELATED_COUNT + 1)
    values["related"] = [entry(request, other) for other in others if other.id != item.id][:RELATED_COUNT]
    return values


def item_print(request):
    item, chain, response = _public_item(request)
    if response is not None:
        return response
    return _item_values(request, item, chain)


def size_label(size: int) -> str:
    """A file size as people read it: 980 B, 12.5 KB, 3.2 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
