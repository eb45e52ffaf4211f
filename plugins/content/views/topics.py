"""信息专题 (topics), staff side: the list, batch creation, each topic's settings, banner and
sections, copying and deleting. The items of a topic are in :mod:`topic_items`, the public pages
and the home block in :mod:`topics_public`.

Topics are site-wide: whoever holds ``content.topics.edit`` manages them. Every change is
audited; every change visitors can see bumps the portal generation so cached pages follow.
"""

from __future__ import annotations

import re

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPFound
from sqlalchemy import delete, func, insert, select, update

from adapters.web.i18n import _
from plugins.content.orm import Topic, TopicItem, TopicSection, Upload
from plugins.content.plugin import TOPICS_EDIT
from plugins.content.topics import (BANNER_MAX_BYTES, DESCRIPTION_MAX, LAYOUTS, SECTION_TITLE_MAX, SLUG_MAX,
                                    TITLE_MAX, Problem, check_slug, check_title, copy_slug, copy_title,
                                    default_slug, image_type, parse_topic_list)
from plugins.content.views.topic_common import (T, flash, get_topic, next_position, sections_of,
                                                visible_change)

POSITION_MAX = 9999
_BLOB_KEY = re.compile(r"^[0-9a-f]{64}$")


def includeme(config: Configurator) -> None:
    admin = "/admin/content/topics"
    config.add_route("content.admin_topics", admin)
    config.add_route("content.admin_topics_batch", admin + "/batch")
    config.add_route("content.admin_topic_new", admin + "/new")
    config.add_route("content.admin_topic_edit", admin + "/{id:\\d+}")
    config.add_route("content.admin_topic_sections", admin + "/{id:\\d+}/sections")
    config.add_route("content.admin_topic_copy", admin + "/{id:\\d+}/copy")
    config.add_route("content.admin_topic_delete", admin + "/{id:\\d+}/delete")

    def view(func, route, renderer=None, method="POST"):
        config.add_view(func, route_name=route, request_method=method, permission=TOPICS_EDIT,
                        renderer=T + renderer if renderer else None)

    view(admin_topics, "content.admin_topics", "admin_topics.pt", "GET")
    view(batch_create, "content.admin_topics_batch", "admin_topics.pt")
    view(new_form, "content.admin_topic_new", "admin_topic_edit.pt", "GET")
    view(create, "content.admin_topic_new", "admin_topic_edit.pt")
    view(edit_form, "content.admin_topic_edit", "admin_topic_edit.pt", "GET")
    view(save, "content.admin_topic_edit", "admin_topic_edit.pt")
    view(sections, "content.admin_topic_sections", "admin_topic_edit.pt")
    view(copy, "content.admin_topic_copy")
    view(remove, "content.admin_topic_delete", "admin_topic_edit.pt")
    config.include("plugins.content.views.topic_items")
    config.include("plugins.content.views.topics_public")


def _t(request, problem: Problem) -> str:
    message = request.localizer.translate(_(problem.message, mapping=problem.mapping))
    if problem.line is None:
        return message
    return request.localizer.translate(_("第 ${line} 行：${message}", mapping={"line": problem.line,
                                                                             "message": message}))


# -- staff: the list and batch creation ----------------------------------------------------------


def _list_page(request, batch_text: str = "", errors: list[str] | None = None) -> dict:
    session = request.dbsession
    topics = list(session.scalars(select(Topic).order_by(Topic.position, Topic.id)))
    counts = dict(session.execute(select(TopicItem.topic_id, func.count()).group_by(TopicItem.topic_id)).all())
    return {"topics": topics, "counts": counts, "batch_text": batch_text, "errors": errors or [],
            "layouts": LAYOUTS}


def admin_topics(request):
    return _list_page(request)


def batch_create(request):
    """Create a hidden, empty topic for each line; all or none, so a corrected list can be resent."""
    text = request.POST.get("titles", "")
    specs, problems = parse_topic_list(text)
    session = request.dbsession
    errors = [_t(request, problem) for problem in problems]
    if specs and not problems:
        titles = {spec.title for spec in specs}
        slugs = {spec.slug for spec in specs if spec.slug}
        errors += [request.localizer.translate(_("已有名为“${title}”的专题", mapping={"title": title}))
                   for title in sorted(session.scalars(select(Topic.title).where(Topic.title.in_(titles))))]
        errors += [request.localizer.translate(_("英文标识“${slug}”已被其他专题使用", mapping={"slug": slug}))
                   for slug in sorted(session.scalars(select(Topic.slug).where(Topic.slug.in_(slugs))))]
    if errors:
        request.response.status_int = 400
        return _list_page(request, text, errors)
    position = next_position(session, Topic.position)
    now = request.platform.clock.now()
    created = []
    for offset, spec in enumerate(specs):
        topic = Topic(title=spec.title, slug=spec.slug or "", description="", banner_key="", layout="sections",
                      hidden=True, position=position + offset, created_at=now)
        session.add(topic)
        session.flush()
        topic.slug = topic.slug or default_slug(topic.id)
        created.append(topic)
    request.audit("content.topic.batch_create", "topic", "",
                  summary={"topics": [{"id": t.id, "title": t.title, "slug": t.slug} for t in created]})
    flash(request, _("已新建 ${count} 个专题（默认隐藏，添加信息后再设为显示）", mapping={"count": len(created)}))
    return HTTPFound(location=request.route_path("content.admin_topics"))


# -- staff: one topic's settings and sections ----------------------------------------------------


def _values(topic: Topic) -> dict:
    return {"title": topic.title, "slug": topic.slug, "description": topic.description or "",
            "layout": topic.layout, "hidden": topic.hidden, "position": str(topic.position),
            "banner_key": topic.banner_key}


def _edit_page(request, topic: Topic | None, values: dict, errors: dict | None = None,
               section_errors: dict | None = None) -> dict:
    return {
        "topic": topic,
        "values": values,
        "errors": errors or {},
        "section_errors": section_errors or {},
        "sections": sections_of(request.dbsession, topic.id) if topic else [],
        "layouts": LAYOUTS,
        "banner_src": f"/files/{values['banner_key']}" if values["banner_key"] else None,
        "limits": {"title": TITLE_MAX, "slug": SLUG_MAX, "description": DESCRIPTION_MAX,
                   "section": SECTION_TITLE_MAX, "position": POSITION_MAX,
                   "banner_mb": BANNER_MAX_BYTES // (1024 * 1024)},
    }


def new_form(request):
    return _edit_page(request, None, {"title": "", "slug": "", "description": "", "layout": "sections",
                                      "hidden": True, "position": "", "banner_key": ""})


def edit_form(request):
    topic = get_topic(request)
    return _edit_page(request, topic, _values(topic))


def _read_form(request, topic: Topic | None) -> tuple[dict, dict, tuple | None]:
    """The submitted settings, the errors by field, and a new banner as (bytes, media type, name)."""
    post = request.POST
    values = {
        "title": post.get("title", "").strip(),
        "slug": post.get("slug", "").strip(),
        "description": post.get("description", "").strip().replace("\r\n", "\n"),
        "layout": post.get("layout", ""),
        "hidden": post.get("hidden") == "1",
        "position": post.get("position", "").strip(),
        # A banner accepted by an earlier submission that failed on other fields is kept.
        "banner_key": post.get("banner_key", topic.banner_key if topic else ""),
    }
    problems = {"title": check_title(values["title"]), "slug": check_slug(values["slug"])}
    errors = {name: _t(request, problem) for name, problem in problems.items() if problem}
    if "slug" not in errors and values["slug"]:
        other = select(Topic.id).where(Topic.slug == values["slug"])
        if topic is not None:
            other = other.where(Topic.id != topic.id)
        if request.dbsession.scalar(other) is not None:
            errors["slug"] = request.localizer.translate(
                _("英文标识“${slug}”已被其他专题使用", mapping={"slug": values["slug"]}))
    if len(values["description"]) > DESCRIPTION_MAX:
        errors["description"] = request.localizer.translate(
            _("专题简介不能超过 ${max} 个字符", mapping={"max": DESCRIPTION_MAX}))
    if values["layout"] not in LAYOUTS:
        errors["layout"] = request.localizer.translate(_("请选择版式"))
    if values["position"] and not (values["position"].isdigit() and int(values["position"]) <= POSITION_MAX):
        errors["position"] = request.localizer.translate(
            _("排序号须为 0 到 ${max} 之间的整数", mapping={"max": POSITION_MAX}))
    if values["banner_key"] and not _stored_image(request, values["banner_key"]):
        values["banner_key"] = topic.banner_key if topic else ""
    if post.get("remove_banner") == "1":
        values["banner_key"] = ""
    banner = None
    upload = post.get("banner")
    if getattr(upload, "file", None) is not None and upload.filename:
        data = upload.file.read(BANNER_MAX_BYTES + 1)
        media_type = image_type(data)
        if len(data) > BANNER_MAX_BYTES:
            errors["banner"] = request.localizer.translate(
                _("横幅图片不能超过 ${max} MB", mapping={"max": BANNER_MAX_BYTES // (1024 * 1024)}))
        elif media_type is None:
            errors["banner"] = request.localizer.translate(
                _("“${name}”不是 PNG、JPEG、GIF 或 WebP 图片，请重新选择", mapping={"name": upload.filename}))
        else:
            banner = (data, media_type, upload.filename[-255:])
    return values, errors, banner


def _stored_image(request, key: str) -> bool:
    """Whether ``key`` names a stored image: a pending banner comes back from the browser unchecked."""
    if not _BLOB_KEY.match(key) or not request.platform.blobs.exists(key):
        return False
    with request.platform.blobs.open(key) as stream:
        return image_type(stream.read(16)) is not None


def _store_banner(request, banner: tuple) -> str:
    data, media_type, filename = banner
    ref = request.platform.blobs.put(data)
    request.dbsession.add(Upload(blob_key=ref.key, filename=filename, media_type=media_type, size=ref.size,
                                 item_id=None, attachment=False, position=0,
                                 uploaded_by=request.current_user.id, uploaded_at=request.platform.clock.now()))
    return ref.key


def _apply(request, topic: Topic | None, values: dict, errors: dict, banner: tuple | None):
    """Save the settings, or re-show the form (400) keeping a banner that was accepted."""
    if banner is not None:
        values["banner_key"] = _store_banner(request, banner)
    if errors:
        request.response.status_int = 400
        return None
    session = request.dbsession
    if topic is None:
        topic = Topic(created_at=request.platform.clock.now(), slug="")
        session.add(topic)
    topic.title, topic.description, topic.layout = values["title"], values["description"], values["layout"]
    topic.hidden, topic.banner_key = values["hidden"], values["banner_key"]
    topic.position = int(values["position"]) if values["position"] else next_position(session, Topic.position)
    topic.slug = values["slug"] or topic.slug
    session.flush()
    topic.slug = topic.slug or default_slug(topic.id)
    return topic


def create(request):
    values, errors, banner = _read_form(request, None)
    topic = _apply(request, None, values, errors, banner)
    if topic is None:
        return _edit_page(request, None, values, errors)
    request.audit("content.topic.create", "topic", topic.id, summary=_values(topic))
    visible_change(request, not topic.hidden)
    flash(request, _("专题“${title}”已新建，可以添加分栏目和信息了", mapping={"title": topic.title}))
    return HTTPFound(location=request.route_path("content.admin_topic_edit", id=topic.id))


def save(request):
    topic = get_topic(request)
    before = _values(topic)
    values, errors, banner = _read_form(request, topic)
    if _apply(request, topic, values, errors, banner) is None:
        return _edit_page(request, topic, values, errors)
    after = _values(topic)
    if after != before:
        changed = {name for name in after if after[name] != before[name]}
        request.audit("content.topic.update", "topic", topic.id,
                      summary={"before": {n: before[n] for n in changed}, "after": {n: after[n] for n in changed}})
        visible_change(request, not before["hidden"], not topic.hidden)
    flash(request, _("专题“${title}”已保存", mapping={"title": topic.title}))
    return HTTPFound(location=request.route_path("content.admin_topic_edit", id=topic.id))


def sections(request):
    """Add, rename, move up or down, or delete one section; its items stay in the topic, unsectioned."""
    topic = get_topic(request)
    session = request.dbsession
    op = request.POST.get("op", "")
    title = request.POST.get("title", "").strip()
    listed = sections_of(session, topic.id)
    section = next((s for s in listed if str(s.id) == request.POST.get("section", "")), None)
    if op not in ("add", "rename", "up", "down", "delete") or (op != "add" and section is None):
        raise HTTPBadRequest(request.localizer.translate(_("请求的分栏目操作无效")))
    if op in ("add", "rename"):
        problem = None
        if not title:
            problem = _("请填写分栏目名称")
        elif len(title) > SECTION_TITLE_MAX:
            problem = _("分栏目名称不能超过 ${max} 个字符", mapping={"max": SECTION_TITLE_MAX})
        elif any(s.title == title and s is not section for s in listed):
            problem = _("本专题已有名为“${title}”的分栏目", mapping={"title": title})
        if problem:
            request.response.status_int = 400
            key = "new" if op == "add" else section.id
            return _edit_page(request, topic, _values(topic),
                              section_errors={key: (request.localizer.translate(problem), title)})
    summary: dict = {"topic": topic.id}
    if op == "add":
        section = TopicSection(topic_id=topic.id, title=title, position=len(listed))
        session.add(section)
        session.flush()
        summary["title"] = title
    elif op == "rename":
        summary.update(before=section.title, after=title)
        section.title = title
    elif op in ("up", "down"):
        index = listed.index(section)
        other = index - 1 if op == "up" else index + 1
        if 0 <= other < len(listed):
            listed[index], listed[other] = listed[other], listed[index]
        for position, row in enumerate(listed):
            row.position = position
        summary["order"] = [row.id for row in listed]
    else:
        moved = session.execute(update(TopicItem).where(TopicItem.section_id == section.id)
                                .values(section_id=None)).rowcount
        session.delete(section)
        summary.update(title=section.title, items_unsectioned=moved)
    request.audit(f"content.topic.section.{op}", "topic_section", section.id, summary=summary)
    visible_change(request, not topic.hidden)
    return HTTPFound(location=request.route_path("content.admin_topic_edit", id=topic.id, _anchor="sections"))


def copy(request):
    """A hidden copy with the same settings, sections and items, to adapt (e.g. next year's topic)."""
    source = get_topic(request)
    session = request.dbsession
    taken = set(session.scalars(select(Topic.slug)))  # a few hundred at most; exact beats clever here
    topic = Topic(title=copy_title(source.title), slug=copy_slug(source.slug, taken),
                  description=source.description, banner_key=source.banner_key, layout=source.layout, hidden=True,
                  position=next_position(session, Topic.position), created_at=request.platform.clock.now())
    session.add(topic)
    session.flush()
    mapping = {}
    for section in sections_of(session, source.id):
        twin = TopicSection(topic_id=topic.id, title=section.title, position=section.position)
        session.add(twin)
        session.flush()
        mapping[section.id] = twin.id
    members = session.execute(select(TopicItem.item_id, TopicItem.section_id, TopicItem.position)
                              .where(TopicItem.topic_id == source.id)).all()
    if members:
        session.execute(insert(TopicItem), [
            {"topic_id": topic.id, "item_id": item_id, "section_id": mapping.get(section_id), "position": position}
            for item_id, section_id, position in members])
    request.audit("content.topic.copy", "topic", topic.id,
                  summary={"from": source.id, "slug": topic.slug, "sections": len(mapping), "items": len(members)})
    flash(request, _("已复制为“${title}”（已隐藏），请修改名称和英文标识", mapping={"title": topic.title}))
    return HTTPFound(location=request.route_path("content.admin_topic_edit", id=topic.id))


def remove(request):
    topic = get_topic(request)
    if request.POST.get("confirm") != "1":
        request.response.status_int = 400
        return _edit_page(request, topic, _values(topic), {
            "confirm": request.localizer.translate(_("请勾选“确认删除”后再删除专题"))})
    session = request.dbsession
    # Explicit rather than trusting ON DELETE CASCADE, which SQLite applies only with its pragma on.
    count = session.execute(delete(TopicItem).where(TopicItem.topic_id == topic.id)).rowcount
    session.execute(delete(TopicSection).where(TopicSection.topic_id == topic.id))
    request.audit("content.topic.delete", "topic", topic.id, summary={**_values(topic), "items": count})
    visible_change(request, not topic.hidden)
    session.delete(topic)
    flash(request, _("专题“${title}”已删除（其中的信息未受影响）", mapping={"title": topic.title}))
    return HTTPFound(location=request.route_path("content.admin_topics"))
