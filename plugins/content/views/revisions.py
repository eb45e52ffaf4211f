"""An item's revisions: the list, a visual diff against the current text or another revision, and
restoring a revision (which is itself saved as a new revision, so nothing is ever lost).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from sqlalchemy import select

from adapters.db.orm import User
from adapters.web.i18n import _
from plugins.content.items import EDITABLE_STATUSES, STATUS_TITLES
from plugins.content.orm import Item, Revision
from plugins.content.plugin import ITEMS_EDIT, ITEMS_VIEW
from plugins.content.publishing import Publishing
from plugins.content.revision_diff import diff_lines, field_changes, has_changes, render_lines
from plugins.content.sanitize import clean_html, html_to_text
from plugins.content.store import AUTOSAVE, REVISED_FIELDS
from plugins.content.views.item_scope import item_context, local_time

T = "plugins.content:templates/"
PAGE_SIZE = 100
RESTORE = "restore"
KIND_TITLES = {"save": _("保存"), "publish": _("发布"), RESTORE: _("恢复"), AUTOSAVE: _("自动保存")}
FIELD_TITLES = {
    "title": _("标题"), "subtitle": _("副标题"), "summary": _("摘要"), "cover_key": _("封面图片"),
    "source": _("来源"), "author": _("作者"), "link_url": _("链接地址"), "keywords": _("关键词"),
    "type": _("信息类型"), "index_no": _("索引号"), "doc_number": _("发文字号"), "issuing_org": _("发布机构"),
    "written_on": _("成文日期"), "theme": _("主题分类"), "disclosure_mode": _("公开方式"), "validity": _("有效性"),
}


def includeme(config: Configurator) -> None:
    base = "/admin/content/items/{id:\\d+}/revisions"
    config.add_route("content.admin_item_revisions", base, factory=item_context)
    config.add_route("content.admin_item_revision", base + "/{number:\\d+}", factory=item_context)
    config.add_route("content.admin_item_revision_restore", base + "/{number:\\d+}/restore", factory=item_context)
    config.add_view(revision_list, route_name="content.admin_item_revisions", request_method="GET",
                    renderer=T + "admin_item_revisions.pt", permission=ITEMS_VIEW)
    config.add_view(revision_diff, route_name="content.admin_item_revision", request_method="GET",
                    renderer=T + "admin_item_revision.pt", permission=ITEMS_VIEW)
    config.add_view(restore, route_name="content.admin_item_revision_restore", request_method="POST",
                    renderer=T + "admin_item_revision.pt", permission=ITEMS_EDIT)


@dataclass(frozen=True)
class Version:
    """One side of a comparison: a revision, or the item as it is now (number None)."""

    number: int | None
    title: str
    body: str
    data: dict[str, Any]
    saved: str
    saved_by: str


def _item(request) -> Item:
    item = request.dbsession.get(Item, int(request.matchdict["id"]))
    if item is None:
        raise HTTPNotFound()
    return item


def _revision(request, item: Item, number: int) -> Revision:
    revision = request.dbsession.scalar(select(Revision).where(
        Revision.item_id == item.id, Revision.number == number, Revision.kind != AUTOSAVE))
    if revision is None or number < 1:
        raise HTTPNotFound()
    return revision


def _names(request, user_ids) -> dict[int, str]:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(request.dbsession.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def revision_list(request):
    item = _item(request)
    before = request.GET.get("before", "")
    statement = select(Revision).where(Revision.item_id == item.id, Revision.kind != AUTOSAVE)
    if before.isdigit() and len(before) < 10:
        statement = statement.where(Revision.number < int(before))
    revisions = list(request.dbsession.scalars(statement.order_by(Revision.number.desc()).limit(PAGE_SIZE + 1)))
    older = revisions[PAGE_SIZE - 1].number if len(revisions) > PAGE_SIZE else None
    revisions = revisions[:PAGE_SIZE]
    names = _names(request, (revision.saved_by for revision in revisions))
    return {
        "item": item, "status_title": STATUS_TITLES.get(item.status, item.status),
        "revisions": [{"number": r.number, "kind": KIND_TITLES.get(r.kind, r.kind), "by": names.get(r.saved_by, ""),
                       "at": local_time(request, r.saved_at), "note": r.note} for r in revisions],
        "older_url": request.route_path("content.admin_item_revisions", id=item.id, _query={"before": older})
        if older else None,
        "newest_url": request.route_path("content.admin_item_revisions", id=item.id) if before else None,
    }


def _current(request, item: Item) -> Version:
    # As ItemStore records a revision's data, so that both sides compare alike.
    data = {name: _as_recorded(getattr(item, name)) for name in REVISED_FIELDS}
    return Version(None, item.title, item.body or "", data, local_time(request, item.updated_at),
                   _names(request, [item.updated_by]).get(item.updated_by, ""))


def _as_recorded(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _version(request, revision: Revision, names: dict[int, str]) -> Version:
    return Version(revision.number, revision.title, revision.body or "", dict(revision.data or {}),
                   local_time(request, revision.saved_at), names.get(revision.saved_by, ""))


def _field_title(request, item: Item, name: str) -> str:
    translate = request.localizer.translate
    if name.startswith("fields."):
        key = name.split(".", 1)[1]
        kind = request.platform.content_types.get(item.type)
        specs = {spec.name: spec.title for spec in (kind.fields if kind else ())}
        return translate(_(specs.get(key, key)))
    return translate(FIELD_TITLES.get(name, name))


def _page(request, item: Item, revision: Revision, errors: list | None = None) -> dict:
    against_raw = request.params.get("against", "")
    against = int(against_raw) if against_raw.isdigit() and len(against_raw) < 10 else None
    other = _revision(request, item, against) if against is not None and against != revision.number else None
    names = _names(request, [revision.saved_by, other.saved_by if other else None])
    this = _version(request, revision, names)
    newer = _version(request, other, names) if other is not None else _current(request, item)
    old, new = (newer, this) if other is not None and other.number < revision.number else (this, newer)
    lines = diff_lines(html_to_text(old.body), html_to_text(new.body))
    changes = [{"title": _field_title(request, item, change.name), "old": _shown(change.old), "new": _shown(change.new)}
               for change in field_changes({"title": old.title, **old.data}, {"title": new.title, **new.data},
                                           ("title", *REVISED_FIELDS))]
    numbers = list(request.dbsession.scalars(select(Revision.number).where(
        Revision.item_id == item.id, Revision.kind != AUTOSAVE).order_by(Revision.number.desc()).limit(PAGE_SIZE)))
    return {
        "item": item, "revision": revision, "kind": KIND_TITLES.get(revision.kind, revision.kind),
        "old": old, "new": new, "changes": changes, "body_changed": has_changes(lines),
        "body_diff": render_lines(lines),
        # Stored bodies were cleaned when saved; cleaning again applies today's stricter rules, if any.
        "old_body": clean_html(revision.body or ""),
        "against_numbers": [number for number in numbers if number != revision.number],
        "against": other.number if other is not None else None,
        "can_restore": item.status in EDITABLE_STATUSES and request.has_permission(ITEMS_EDIT, request.context),
        "restore_locked": item.status not in EDITABLE_STATUSES,
        "status_title": STATUS_TITLES.get(item.status, item.status),
        "errors": list(errors or []),
    }


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def revision_diff(request):
    item = _item(request)
    return _page(request, item, _revision(request, item, int(request.matchdict["number"])))


def restore(request):
    """Put the revision's title, body and fields back, as a new revision; refused during review."""
    item = _item(request)
    revision = _revision(request, item, int(request.matchdict["number"]))
    translate = request.localizer.translate
    if item.status not in EDITABLE_STATUSES:
        request.response.status_int = 409
        return _page(request, item, revision, [translate(_("信息处于“${status}”状态，不能恢复旧版本", mapping={
            "status": translate(_(STATUS_TITLES.get(item.status, item.status)))}))])
    if request.POST.get("version") != str(item.version):
        request.response.status_int = 409
        return _page(request, item, revision, [translate(_("信息已被他人修改，请查看最新内容后再决定是否恢复"))])
    values = _restored_values(item, revision)
    if all(getattr(item, name) == value for name, value in values.items()):
        request.session.flash(translate(_("第 ${number} 版与当前内容相同，无需恢复", mapping={
            "number": revision.number})), "success")
        return HTTPFound(location=request.route_path("content.admin_item_revisions", id=item.id))
    publishing = Publishing(request.platform, request.uow)
    publishing.store.update(item, values, request.current_user.id, note=f"恢复自第 {revision.number} 版", kind=RESTORE)
    request.audit("content.item.revision_restore", "item", item.id,
                  summary={"title": item.title, "revision": revision.number, "version": item.version})
    publishing.changed(item)
    request.session.flash(translate(_("已恢复第 ${number} 版的内容", mapping={"number": revision.number})), "success")
    return HTTPFound(location=request.route_path("content.admin_item_revisions", id=item.id))


def _restored_values(item: Item, revision: Revision) -> dict[str, Any]:
    """What the revision recorded, typed as the item's columns want it; fields it lacks stay as they are."""
    values: dict[str, Any] = {"title": revision.title, "body": clean_html(revision.body or "")}
    for name in REVISED_FIELDS:
        if name not in (revision.data or {}):
            continue
        value = revision.data[name]
        if name == "written_on":
            value = dt.date.fromisoformat(value) if value else None
        elif name == "fields":
            value = dict(value or {})
        values[name] = value
    return values

