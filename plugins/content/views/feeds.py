"""Machine-read views of the portal: RSS 2.0 and Atom per column, and the sitemap.

Feeds list a column's newest public items (its own and those shown in it by 引用) whose home column
is visible. The sitemap lists the home page, the visible columns and topics and every published
item; past 50,000 addresses (the protocol's limit per file) ``/sitemap.xml`` becomes an index of
``/sitemap-pages.xml`` and ``/sitemap-items-<n>.xml``, where page n holds the published items with
ids in ``((n-1)·50000, n·50000]``: a range scan on the primary key, never an OFFSET, and an item
keeps its sitemap page forever, so crawlers re-read only the pages whose lastmod moved.

All of these are cached for anonymous visitors (adapters.web.caching); this module also tells the
page cache when the content plugin's pages change (the portal generation).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from email.utils import format_datetime
from typing import Iterable
from xml.sax.saxutils import XMLGenerator
from zoneinfo import ZoneInfo

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from sqlalchemy import func, select

from govcore.core_plugin import PORTAL_VIEW
from plugins.content.domain import ColumnNode, path_to
from plugins.content.items import LINK, PUBLISHED
from plugins.content.orm import Item, Placement, PortalState, Topic
from plugins.content.sanitize import html_to_text

FEED_SIZE = 20
SUMMARY_CHARS = 200
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
RSS_TYPE, ATOM_TYPE, XML_TYPE = "application/rss+xml", "application/atom+xml", "application/xml"
# Characters XML 1.0 cannot carry at all, not even escaped; an editor can paste them from Word.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def includeme(config: Configurator) -> None:
    config.add_route("content.feed_rss", "/column/{slug}/rss.xml")
    config.add_route("content.feed_atom", "/column/{slug}/atom.xml")
    config.add_route("sitemap", "/sitemap.xml")
    config.add_route("content.sitemap_pages", "/sitemap-pages.xml")
    config.add_route("content.sitemap_items", "/sitemap-items-{n:\\d{1,6}}.xml")
    config.add_view(rss_feed, route_name="content.feed_rss", permission=PORTAL_VIEW)
    config.add_view(atom_feed, route_name="content.feed_atom", permission=PORTAL_VIEW)
    config.add_view(sitemap, route_name="sitemap", permission=PORTAL_VIEW)
    config.add_view(sitemap_pages, route_name="content.sitemap_pages", permission=PORTAL_VIEW)
    config.add_view(sitemap_items, route_name="content.sitemap_items", permission=PORTAL_VIEW)
    for route in ("content.feed_rss", "content.feed_atom", "sitemap", "content.sitemap_pages",
                  "content.sitemap_items"):
        config.add_cacheable_route(route)
    config.add_portal_generation("content", portal_state)


def portal_state(session) -> tuple[int, dt.datetime | None]:
    """The generation the page cache keys on, bumped by every change visitors could see."""
    row = session.execute(select(PortalState.generation, PortalState.changed_at).where(PortalState.id == 1)).first()
    return (row.generation, row.changed_at) if row is not None else (0, None)


# -- columns ------------------------------------------------------------------------------------

def visible_columns(request) -> list[ColumnNode]:
    """Every column visitors can open: not hidden, and under no hidden column."""
    found: list[ColumnNode] = []

    def walk(nodes: list[ColumnNode]) -> None:
        for node in sorted(nodes, key=lambda n: (n.position, n.id)):
            if not node.hidden:
                found.append(node)
                walk(node.children)

    walk(request.content_columns.roots)
    return found


def _feed_column(request) -> tuple[ColumnNode, list[ColumnNode]]:
    tree = request.content_columns
    node = tree.by_slug.get(request.matchdict["slug"])
    chain = path_to(node.id, tree.by_id) if node is not None else []
    if not chain or any(n.hidden for n in chain):
        raise HTTPNotFound()
    return node, chain


def latest_items(session, column_id: int, visible_ids: Iterable[int], size: int) -> list[Item]:
    """The column's newest public items whose home column is visible, pinned or not.

    The listing index puts ``pinned`` before the date, so one range per value of ``pinned``
    (each an index scan that stops after ``size`` rows) beats sorting the whole column by date.
    """
    visible = list(visible_ids)
    rows = []
    for pinned in (False, True):
        rows.extend(session.execute(
            select(Placement.item_id, Placement.published_at)
            .join(Item, Item.id == Placement.item_id)
            .where(Placement.column_id == column_id, Placement.public.is_(True), Placement.pinned.is_(pinned),
                   Item.column_id.in_(visible))
            .order_by(Placement.published_at.desc(), Placement.item_id.desc())
            .limit(size)
        ).all())
    rows.sort(key=lambda row: (row.published_at, row.item_id), reverse=True)
    ids = [row.item_id for row in rows[:size]]
    by_id = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(ids)))} if ids else {}
    return [by_id[item_id] for item_id in ids]


# -- feeds --------------------------------------------------------------------------------------

def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def summary_of(item: Item) -> str:
    if item.summary:
        return _text(item.summary)
    text = " ".join(html_to_text(item.body or "").split())
    return _text(text[:SUMMARY_CHARS] + ("…" if len(text) > SUMMARY_CHARS else ""))


def _local(request, moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(request.platform.county.timezone)).replace(microsecond=0)


def _shown_at(item: Item) -> dt.datetime:
    return item.published_at or item.created_at


def _feed_parts(request):
    node, chain = _feed_column(request)
    items = latest_items(request.dbsession, node.id, (n.id for n in visible_columns(request)), FEED_SIZE)
    county = request.platform.county.full_name
    title = _text(f"{county} - {' - '.join(n.title for n in chain)}")
    return node, items, title


def _xml_response(root: ET.Element, content_type: str) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body=body, content_type=content_type, charset="utf-8")


def rss_feed(request):
    node, items, title = _feed_parts(request)
    rss = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = request.route_url("content.column", slug=node.slug)
    ET.SubElement(channel, "description").text = title
    ET.SubElement(channel, "language").text = "zh-cn"
    ET.SubElement(channel, "atom:link", {"href": request.route_url("content.feed_rss", slug=node.slug),
                                         "rel": "self", "type": RSS_TYPE})
    if items:
        newest = max(_shown_at(item) for item in items)
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(_local(request, newest))
    for item in items:
        url = request.route_url("content.item", id=item.id)
        entry = ET.SubElement(channel, "item")
        ET.SubElement(entry, "title").text = _text(item.title)
        ET.SubElement(entry, "link").text = url
        ET.SubElement(entry, "guid", {"isPermaLink": "true"}).text = url
        ET.SubElement(entry, "pubDate").text = format_datetime(_local(request, _shown_at(item)))
        ET.SubElement(entry, "description").text = summary_of(item)
        if item.source:
            ET.SubElement(entry, "source", {"url": url}).text = _text(item.source)
    return _xml_response(rss, RSS_TYPE)


def atom_feed(request):
    node, items, title = _feed_parts(request)
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "zh-CN"})
    self_url = request.route_url("content.feed_atom", slug=node.slug)
    ET.SubElement(feed, "id").text = self_url
    ET.SubElement(feed, "title").text = title
    updated = max((item.updated_at for item in items), default=None) or _portal_changed_at(request)
    ET.SubElement(feed, "updated").text = _local(request, updated).isoformat()
    ET.SubElement(feed, "link", {"rel": "self", "type": ATOM_TYPE, "href": self_url})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html",
                                 "href": request.route_url("content.column", slug=node.slug)})
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = _text(request.platform.county.full_name)
    for item in items:
        url = request.route_url("content.item", id=item.id)
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = url
        ET.SubElement(entry, "title", {"type": "text"}).text = _text(item.title)
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": url})
        ET.SubElement(entry, "published").text = _local(request, _shown_at(item)).isoformat()
        ET.SubElement(entry, "updated").text = _local(request, item.updated_at).isoformat()
        ET.SubElement(entry, "summary", {"type": "text"}).text = summary_of(item)
    return _xml_response(feed, ATOM_TYPE)


def _portal_changed_at(request) -> dt.datetime:
    """When the portal last changed: an empty feed's <updated> (Atom requires one)."""
    _generation, changed_at = portal_state(request.dbsession)
    return changed_at or request.platform.clock.now()


# -- sitemap ------------------------------------------------------------------------------------

class _Writer:
    """A streaming XML writer into memory: 50,000 URLs without building 50,000 elements."""

    def __init__(self, root: str):
        self.buffer = io.BytesIO()
        self.xml = XMLGenerator(self.buffer, "utf-8", short_empty_elements=True)
        self.root = root
        self.xml.startDocument()
        self.xml.startElement(root, {"xmlns": SITEMAP_NS})

    def add(self, kind: str, loc: str, lastmod: dt.datetime | None) -> None:
        self.xml.startElement(kind, {})
        self._leaf("loc", loc)
        if lastmod is not None:
            self._leaf("lastmod", lastmod.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat())
        self.xml.endElement(kind)

    def _leaf(self, name: str, text: str) -> None:
        self.xml.startElement(name, {})
        self.xml.characters(text)
        self.xml.endElement(name)

    def response(self) -> Response:
        self.xml.endElement(self.root)
        self.xml.endDocument()
        return Response(body=self.buffer.getvalue(), content_type=XML_TYPE, charset="utf-8")


def _page_urls(request) -> list[tuple[str, dt.datetime | None]]:
    """Home, visible columns (not links elsewhere) and visible topics; they change with the portal."""
    changed_at = _portal_changed_at(request)
    urls = [(request.route_url("home"), changed_at)]
    urls += [(request.route_url("content.column", slug=node.slug), changed_at)
             for node in visible_columns(request) if node.kind != "link"]
    topics = request.dbsession.scalars(select(Topic.slug).where(Topic.hidden.is_(False))
                                       .order_by(Topic.position, Topic.id)).all()
    urls += [(request.route_url("content.topic", slug=slug), changed_at) for slug in topics]
    return urls


def _published(request):
    """The condition on items the sitemap lists: published, with a visible home column, on this site."""
    visible = [node.id for node in visible_columns(request)]
    return (Item.status == PUBLISHED, Item.column_id.in_(visible), Item.type != LINK)


def _item_rows(request, low: int | None = None, high: int | None = None):
    query = select(Item.id, Item.updated_at).where(*_published(request))
    if low is not None:
        query = query.where(Item.id > low, Item.id <= high)
    return request.dbsession.execute(query.order_by(Item.id))


def sitemap(request):
    """One sitemap while everything fits in one file, otherwise an index of the pages."""
    pages = _page_urls(request)
    count = request.dbsession.scalar(select(func.count()).select_from(Item).where(*_published(request))) or 0
    if len(pages) + count <= SITEMAP_LIMIT:
        writer = _Writer("urlset")
        for loc, lastmod in pages:
            writer.add("url", loc, lastmod)
        for row in _item_rows(request):
            writer.add("url", request.route_url("content.item", id=row.id), row.updated_at)
        return writer.response()
    bucket = ((Item.id - 1) // SITEMAP_LIMIT).label("bucket")
    buckets = request.dbsession.execute(select(bucket, func.max(Item.updated_at)).where(*_published(request))
                                        .group_by(bucket).order_by(bucket)).all()
    writer = _Writer("sitemapindex")
    writer.add("sitemap", request.route_url("content.sitemap_pages"), max(m for _loc, m in pages if m))
    for number, lastmod in buckets:
        writer.add("sitemap", request.route_url("content.sitemap_items", n=int(number) + 1), lastmod)
    return writer.response()


def sitemap_pages(request):
    writer = _Writer("urlset")
    for loc, lastmod in _page_urls(request):
        writer.add("url", loc, lastmod)
    return writer.response()


def sitemap_items(request):
    number = int(request.matchdict["n"])
    if number < 1:
        raise HTTPNotFound()
    rows = _item_rows(request, (number - 1) * SITEMAP_LIMIT, number * SITEMAP_LIMIT).all()
    if not rows:
        raise HTTPNotFound()
    writer = _Writer("urlset")
    for row in rows:
        writer.add("url", request.route_url("content.item", id=row.id), row.updated_at)
    return writer.response()
