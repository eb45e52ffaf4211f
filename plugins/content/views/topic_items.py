"""信息专题, the items of a topic: found by a search and added in one step, reordered, moved
between sections, removed. An item can be in many topics; it stays stored once.

A holder of ``content.topics.edit`` limited to a column subtree may only add items whose home
column lies in that subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPFound, HTTPNotFound
from sqlalchemy import delete, insert, or_, select, update

from adapters.web.i18n import _
from adapters.web.scopes import covers
from govcore.errors import GovcoreError
from plugins.content.domain import path_to
from plugins.content.items import STATUS_TITLES
from plugins.content.orm import Item, Topic, TopicItem, TopicSection
from plugins.content.plugin import COLUMN_SCOPE, TOPICS_EDIT
from plugins.content.views.topic_common import T, flash, get_topic, next_position, sections_of, visible_change
from ports.search import SearchQuery

SEARCH_LIMIT = 50  # candidates shown by the staff search


def includeme(config: Configurator) -> None:
    config.add_route("content.admin_topic_items", "/admin/content/topics/{id:\\d+}/items")
    config.add_route("content.admin_topic_items_add", "/admin/content/topics/{id:\\d+}/items/add")
    for func, route, method in ((items_page, "content.admin_topic_items", "GET"),
                                (items_change, "content.admin_topic_items", "POST"),
                                (items_add, "content.admin_topic_items_add", "POST")):
        config.add_view(func, route_name=route, request_method=method, permission=TOPICS_EDIT,
                        renderer=T + "admin_topic_items.pt")


@dataclass(frozen=True)
class Member:
    item_id: int
    title: str
    status: str
    published_at: object
    column_id: int
    section_id: int | None
    position: int


def _members(session, topic_id: int) -> list[Member]:
    rows = session.execute(
        select(TopicItem.item_id, Item.title, Item.status, Item.published_at, Item.column_id, TopicItem.section_id,
               TopicItem.position)
        .join(Item, Item.id == TopicItem.item_id).where(TopicItem.topic_id == topic_id)
        .order_by(TopicItem.position, TopicItem.item_id))
    return [Member(*row) for row in rows]


def _allowed_columns(request) -> set[int] | None:
    """The columns whose items the user may add: None for all, else those within the user's scope."""
    if request.permission_scopes(TOPICS_EDIT, COLUMN_SCOPE) is None:
        return None
    tree = request.content_columns
    return {node.id for node in tree.by_id.values()
            if covers(request, TOPICS_EDIT, COLUMN_SCOPE, [n.id for n in path_to(node.id, tree.by_id)])}


def _column_options(request, allowed: set[int] | None) -> list[tuple[int, str]]:
    tree = request.content_columns
    paths = [(node.id, " / ".join(n.title for n in path_to(node.id, tree.by_id)))
             for node in tree.by_id.values() if allowed is None or node.id in allowed]
    return sorted(paths, key=lambda pair: pair[1])


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _candidates(request, topic: Topic, text: str, column_id: int | None, allowed: set[int] | None) -> list[Item]:
    """Items matching the search, not yet in the topic: full-text hits first, then title matches.

    The search index (with Chinese word segmentation) finds items by their words; the title
    search also finds what the index has not caught up with. Both are read back from the
    database, so stale index entries cannot show.
    """
    session = request.dbsession
    conditions = [Item.id.not_in(select(TopicItem.item_id).where(TopicItem.topic_id == topic.id))]
    if column_id is not None:
        conditions.append(Item.column_id == column_id)
    if allowed is not None:
        conditions.append(Item.column_id.in_(allowed))
    ranked: list[int] = []
    if text:
        kinds = tuple(request.platform.content_types)
        try:
            result = request.platform.search.search(SearchQuery(text, public_only=False, kinds=kinds,
                                                                page_size=SEARCH_LIMIT))
        except GovcoreError:  # the index is unavailable (missing or damaged): the title search still works
            result = None
        if result is not None:
            ranked = [int(hit.doc_id.rsplit(":", 1)[1]) for hit in result.hits
                      if hit.doc_id.startswith("content:item:")]
        conditions.append(or_(Item.id.in_(ranked), Item.title.ilike(_like(text), escape="\\")))
    query = (select(Item).where(*conditions)
             .order_by(Item.published_at.desc().nulls_last(), Item.id.desc()).limit(SEARCH_LIMIT))
    items = list(session.scalars(query))
    order = {item_id: index for index, item_id in enumerate(ranked)}
    return sorted(items, key=lambda item: order.get(item.id, len(order)))


def _search_params(request) -> tuple[str, int | None]:
    text = request.params.get("q", "").strip()[:100]
    column = request.params.get("column", "")
    return text, int(column) if column.isdigit() else None


def _items_page(request, topic: Topic, errors: list[str] | None = None) -> dict:
    session = request.dbsession
    text, column_id = _search_params(request)
    allowed = _allowed_columns(request)
    searched = bool(text) or column_id is not None
    members = _members(session, topic.id)
    listed = sections_of(session, topic.id)
    order = {section.id: index for index, section in enumerate(listed)}
    members.sort(key=lambda m: (order.get(m.section_id, len(order)), m.position, m.item_id))
    titles = {section.id: section.title for section in listed}
    groups = [(titles.get(section_id), list(rows)) for section_id, rows in groupby(members, key=lambda m: m.section_id)]
    tree = request.content_columns
    return {
        "topic": topic,
        "sections": listed,
        "groups": groups,
        "member_count": len(members),
        "query": text,
        "column_id": column_id,
        "columns": _column_options(request, allowed),
        "column_titles": {node.id: node.title for node in tree.by_id.values()},
        "searched": searched,
        "candidates": _candidates(request, topic, text, column_id, allowed) if searched else [],
        "search_limit": SEARCH_LIMIT,
        "statuses": STATUS_TITLES,
        "errors": errors or [],
        "items_url": _items_url(request, topic),
        "local_date": lambda moment: moment.astimezone(request.platform.clock.tz).date().isoformat()
        if moment else "",
    }


def items_page(request):
    return _items_page(request, get_topic(request))


def _items_url(request, topic: Topic) -> str:
    """The topic's items page with the current search, so staff return to the results they were in."""
    text, column_id = _search_params(request)
    query = {key: value for key, value in (("q", text), ("column", column_id)) if value not in ("", None)}
    return request.route_path("content.admin_topic_items", id=topic.id, _query=query)


def _back_to_items(request, topic: Topic) -> HTTPFound:
    return HTTPFound(location=_items_url(request, topic))


def _target_section(request, topic: Topic, name: str) -> tuple[bool, int | None]:
    """(valid, section id) of the section chosen in field ``name``; empty means “no section”."""
    value = request.POST.get(name, "")
    if not value:
        return True, None
    section = request.dbsession.get(TopicSection, int(value)) if value.isdigit() else None
    return (section is not None and section.topic_id == topic.id), (section.id if section else None)


def _chosen_ids(request, name: str) -> list[int]:
    return sorted({int(value) for value in request.POST.getall(name) if value.isdigit()})


def items_add(request):
    """Add the chosen search results to the topic, at the end of the chosen section, in one step."""
    topic = get_topic(request)
    session = request.dbsession
    valid, section_id = _target_section(request, topic, "section")
    chosen = _chosen_ids(request, "item")
    if not valid:
        raise HTTPBadRequest(request.localizer.translate(_("所选分栏目不属于本专题")))
    if not chosen:
        request.response.status_int = 400
        return _items_page(request, topic, [request.localizer.translate(_("请先勾选要添加的信息"))])
    allowed = _allowed_columns(request)
    rows = session.execute(select(Item.id, Item.column_id).where(Item.id.in_(chosen))).all()
    refused = [item_id for item_id, column_id in rows if allowed is not None and column_id not in allowed]
    if len(rows) != len(chosen) or refused:
        request.response.status_int = 400
        return _items_page(request, topic, [request.localizer.translate(
            _("所选信息中有 ${count} 条不存在或不在您有权管理的栏目中，未添加任何信息",
              mapping={"count": len(chosen) - len(rows) + len(refused)}))])
    present = set(session.scalars(select(TopicItem.item_id).where(TopicItem.topic_id == topic.id,
                                                                  TopicItem.item_id.in_(chosen))))
    added = [item_id for item_id in chosen if item_id not in present]
    position = next_position(session, TopicItem.position, TopicItem.topic_id == topic.id)
    if added:
        session.execute(insert(TopicItem), [
            {"topic_id": topic.id, "item_id": item_id, "section_id": section_id, "position": position + offset}
            for offset, item_id in enumerate(added)])
        request.audit("content.topic.items.add", "topic", topic.id, summary={"items": added, "section": section_id})
        visible_change(request, not topic.hidden)
    flash(request, _("已向专题添加 ${count} 条信息", mapping={"count": len(added)}))
    return _back_to_items(request, topic)


def items_change(request):
    """Remove or move the ticked items, or move one item up or down within its section."""
    topic = get_topic(request)
    session = request.dbsession
    op = request.POST.get("op", "")
    if op.startswith(("up:", "down:")):
        direction, _sep, item_id = op.partition(":")
        return _reorder(request, topic, direction, int(item_id) if item_id.isdigit() else -1)
    chosen = _chosen_ids(request, "selected")
    valid, section_id = _target_section(request, topic, "target")
    if op not in ("remove", "move") or not valid:
        raise HTTPBadRequest(request.localizer.translate(_("请求的操作无效")))
    if not chosen:
        request.response.status_int = 400
        return _items_page(request, topic, [request.localizer.translate(_("请先勾选专题中的信息"))])
    members = (TopicItem.topic_id == topic.id, TopicItem.item_id.in_(chosen))
    if op == "remove":
        count = session.execute(delete(TopicItem).where(*members)).rowcount
        request.audit("content.topic.items.remove", "topic", topic.id, summary={"items": chosen})
        message = _("已从专题移除 ${count} 条信息（信息本身未删除）", mapping={"count": count})
    else:
        position = next_position(session, TopicItem.position, TopicItem.topic_id == topic.id)
        for offset, item_id in enumerate(chosen):
            session.execute(update(TopicItem).where(TopicItem.topic_id == topic.id, TopicItem.item_id == item_id)
                            .values(section_id=section_id, position=position + offset))
        request.audit("content.topic.items.move", "topic", topic.id, summary={"items": chosen, "section": section_id})
        message = _("已移动 ${count} 条信息", mapping={"count": len(chosen)})
    visible_change(request, not topic.hidden)
    flash(request, message)
    return _back_to_items(request, topic)


def _reorder(request, topic: Topic, direction: str, item_id: int):
    session = request.dbsession
    member = session.get(TopicItem, (topic.id, item_id))
    if member is None:
        raise HTTPNotFound()
    section = (TopicItem.section_id.is_(None) if member.section_id is None
               else TopicItem.section_id == member.section_id)
    rows = list(session.scalars(select(TopicItem).where(TopicItem.topic_id == topic.id, section)
                                .order_by(TopicItem.position, TopicItem.item_id)))
    index = rows.index(member)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rows):
        # Swap the two positions, keeping the section's slots, so other sections are untouched.
        slots = sorted(row.position for row in rows)
        rows[index], rows[other] = rows[other], rows[index]
        for slot, row in zip(_distinct(slots), rows):
            row.position = slot
        request.audit("content.topic.items.reorder", "topic", topic.id,
                      summary={"item": item_id, "direction": direction})
        visible_change(request, not topic.hidden)
    return _back_to_items(request, topic)


def _distinct(slots: list[int]) -> list[int]:
    """Positions made strictly increasing, so a swap is visible even where positions were equal."""
    result: list[int] = []
    for slot in slots:
        result.append(max(slot, result[-1] + 1) if result else slot)
    return result
