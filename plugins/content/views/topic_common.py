"""What the topic views share: loading a topic, its sections, positions, and portal cache busting."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import func, select

from plugins.content.orm import Topic, TopicSection
from plugins.content.publishing import bump_portal_generation

T = "plugins.content:templates/"


def banner_url(topic: Topic) -> str | None:
    """The banner's address under the content plugin's file route (``content.file``, /files/<key>)."""
    return f"/files/{topic.banner_key}" if topic.banner_key else None


def item_url(item_id: int) -> str:
    """The public page of an item (route ``content.item``, served by the items views)."""
    return f"/item/{item_id}"


def get_topic(request) -> Topic:
    topic = request.dbsession.get(Topic, int(request.matchdict["id"]))
    if topic is None:
        raise HTTPNotFound()
    return topic


def sections_of(session, topic_id: int) -> list[TopicSection]:
    return list(session.scalars(select(TopicSection).where(TopicSection.topic_id == topic_id)
                                .order_by(TopicSection.position, TopicSection.id)))


def visible_change(request, *visible: bool) -> None:
    """Empty the portal caches when the change shows: the topic is, or was, visible."""
    if any(visible):
        bump_portal_generation(request.dbsession, request.platform.clock.now())


def flash(request, message) -> None:
    request.session.flash(request.localizer.translate(message), "success")


def next_position(session, column, *where) -> int:
    return (session.scalar(select(func.max(column)).where(*where)) or 0) + 1
