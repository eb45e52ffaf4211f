"""信息专题, public side: the list of topics, each topic's page, and the home page's 专题专栏 block.

A topic page reads its items in one query whatever the number of sections (a window per
section); a single list and a section's own page are paged by keyset on (position, item).
Only published items show; a hidden topic answers 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound
from pyramid.renderers import render
from sqlalchemy import func, or_, select

from adapters.web.i18n import _
from govcore.core_plugin import PORTAL_VIEW
from plugins.content.items import PUBLISHED
from plugins.content.orm import Item, Topic, TopicItem, TopicSection
from plugins.content.views.topic_common import T, banner_url, item_url, sections_of

SECTION_PREVIEW = 10  # items per section on a topic's page; the rest behind “更多”
PAGE_SIZE = 20  # items per page of a single list
HOME_TOPICS = 4
_CURSOR = re.compile(r"^(-?\d{1,9})\.(\d{1,12})$")


def includeme(config: Configurator) -> None:
    config.add_route("content.topics", "/topics")
    config.add_route("content.topic", "/topic/{slug}")
    config.add_view(public_topics, route_name="content.topics", renderer=T + "topics.pt", permission=PORTAL_VIEW)
    config.add_view(public_topic, route_name="content.topic", renderer=T + "topic.pt", permission=PORTAL_VIEW)
    for route in ("content.topics", "content.topic"):
        config.add_cacheable_route(route)  # anonymous visitors' copies, purged when topics or items change


def _crumbs(request, topic: Topic | None = None) -> None:
    request.breadcrumbs.append((request.localizer.translate(_("专题专栏")), request.route_path("content.topics")))
    if topic is not None:
        request.breadcrumbs.append((topic.title, request.route_path("content.topic", slug=topic.slug)))


def _visible_topics(session, limit: int | None = None) -> list[Topic]:
    query = select(Topic).where(Topic.hidden.is_(False)).order_by(Topic.position, Topic.id)
    return list(session.scalars(query.limit(limit) if limit else query))


def public_topics(request):
    _crumbs(request)
    return {"topics": _visible_topics(request.dbsession), "banner_url": banner_url}


@dataclass(frozen=True)
class Entry:
    id: int
    title: str
    date: str  # the local publication date, ISO
    url: str


def _entries(request, rows) -> list[Entry]:
    tz = request.platform.clock.tz
    return [Entry(row.item_id, row.title, row.published_at.astimezone(tz).date().isoformat()
                  if row.published_at else "", item_url(row.item_id)) for row in rows]


def _published(topic_id: int):
    return (select(TopicItem.item_id, TopicItem.section_id, TopicItem.position, Item.title, Item.published_at)
            .join(Item, Item.id == TopicItem.item_id)
            .where(TopicItem.topic_id == topic_id, Item.status == PUBLISHED))


def _section_previews(request, topic: Topic, listed: list[TopicSection]) -> list[dict]:
    """Every section with its first published items, read in one query (a window per section)."""
    rank = func.row_number().over(partition_by=TopicItem.section_id,
                                  order_by=(TopicItem.position, TopicItem.item_id)).label("rank")
    inner = _published(topic.id).add_columns(rank).subquery()
    rows = request.dbsession.execute(select(inner).where(inner.c.rank <= SECTION_PREVIEW + 1)
                                     .order_by(inner.c.rank)).all()
    by_section: dict[int | None, list] = {}
    for row in rows:
        by_section.setdefault(row.section_id, []).append(row)
    known = {section.id for section in listed}
    # Items whose section was deleted come last, under a heading of their own.
    groups = [(section.id, section.title, by_section.get(section.id, [])) for section in listed]
    groups.append((None, request.localizer.translate(_("其他信息")),
                   [row for section_id, rows in by_section.items() if section_id not in known for row in rows]))
    return [{"id": section_id, "title": title, "entries": _entries(request, rows[:SECTION_PREVIEW]),
             "more": len(rows) > SECTION_PREVIEW and section_id is not None}
            for section_id, title, rows in groups if rows]


def _page(request, topic: Topic, section: TopicSection | None) -> tuple[list[Entry], str | None]:
    """One page of the topic's (or a section's) published items, by keyset on (position, item)."""
    query = _published(topic.id)
    if section is not None:
        query = query.where(TopicItem.section_id == section.id)
    after = request.params.get("after", "")
    if after:
        match = _CURSOR.match(after)
        if not match:
            raise HTTPBadRequest(request.localizer.translate(_("分页参数无效")))
        position, item_id = int(match.group(1)), int(match.group(2))
        query = query.where(or_(TopicItem.position > position,
                                (TopicItem.position == position) & (TopicItem.item_id > item_id)))
    rows = request.dbsession.execute(query.order_by(TopicItem.position, TopicItem.item_id)
                                     .limit(PAGE_SIZE + 1)).all()
    cursor = f"{rows[PAGE_SIZE - 1].position}.{rows[PAGE_SIZE - 1].item_id}" if len(rows) > PAGE_SIZE else None
    return _entries(request, rows[:PAGE_SIZE]), cursor


def public_topic(request):
    session = request.dbsession
    topic = session.scalar(select(Topic).where(Topic.slug == request.matchdict["slug"]))
    if topic is None or topic.hidden:
        raise HTTPNotFound()
    _crumbs(request, topic)
    listed = sections_of(session, topic.id)
    section = None
    chosen = request.params.get("section", "")
    if chosen:
        section = next((s for s in listed if str(s.id) == chosen), None)
        if section is None:
            raise HTTPNotFound()
        request.breadcrumbs.append((section.title, request.route_path("content.topic", slug=topic.slug,
                                                                      _query={"section": section.id})))
    paged = section is not None or topic.layout == "list" or not listed
    entries, cursor = _page(request, topic, section) if paged else ([], None)
    next_query = {key: value for key, value in (("section", section.id if section else None), ("after", cursor))
                  if value is not None}
    return {
        "topic": topic,
        "banner": banner_url(topic),
        "paragraphs": [p.strip() for p in topic.description.split("\n\n") if p.strip()],
        "section": section,
        "groups": [] if paged else _section_previews(request, topic, listed),
        "entries": entries,
        "next_url": request.route_path("content.topic", slug=topic.slug, _query=next_query) if cursor else None,
        "topic_url": request.route_path("content.topic", slug=topic.slug),
    }


def render_topics_block(request) -> str:
    """The home page's 专题专栏: the banners of the first visible topics."""
    return render(T + "topics_block.pt", {"topics": _visible_topics(request.dbsession, HOME_TOPICS),
                                          "banner_url": banner_url}, request=request)
