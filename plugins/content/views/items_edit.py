"""The staff item editor: new and edit forms, autosave, preview (actions: items_edit_actions).

Saving is guarded three ways: the column scope (a role limited to a column subtree writes only
there), the edit lock (another editor who took over makes this one's save stale), and the item's
version (a save based on an older version is refused). A refused save shows the editor's own text
again, so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPForbidden, HTTPFound
from sqlalchemy import select

from adapters.web.i18n import _
from govcore.errors import ValidationError
from plugins.content.domain import path_to
from plugins.content.items import (ARCHIVED, DEFAULT_INDEX_PATTERN, format_index_number, DISCLOSURE_MODES, DISCLOSURE_THEMES,
                                   EDITABLE_STATUSES, OFFLINE, PUBLISHED, REVIEW, SCHEDULED, STATUS_TITLES,
                                   VALIDITIES)
from plugins.content.orm import Item, Upload
from plugins.content.plugin import ITEMS_EDIT, ITEMS_PUBLISH, ITEMS_VIEW
from plugins.content.sanitize import clean_html, images_without_alt, used_uploads
from plugins.content.views.items_edit_actions import action_route
from plugins.content.views.items_edit_common import (item_factory, lock_holder, may, publishing, take_lock,
                                                     the_item)
from plugins.content.views.items_edit_form import (BLOB_KEY, FIELD_PREFIX, PLAIN_FIELDS, MOMENTS, attachment_order,
                                                   parse, raw_from_item, raw_from_post)
from plugins.content.views.uploads import (WANTED, UploadRefused, check_upload, describe, file_url,
                                           store_checked)
from plugins.content.views.uploads_types import kind_of_media_type

T = "plugins.content:templates/"
DEFAULT_INDEX_ORG = "000000000"
DISCLOSURE_SLUG = "disclosure"  # the 政务公开 column: items beneath it get a 索引号 on save


def includeme(config: Configurator) -> None:
    config.add_route("content.admin_item_new", "/admin/content/items/new")
    config.add_route("content.admin_item_edit", "/admin/content/items/{id:\\d+}", factory=item_factory)
    config.add_route("content.admin_item_autosave", "/admin/content/items/{id:\\d+}/autosave", factory=item_factory)
    config.add_route("content.admin_item_preview", "/admin/content/items/{id:\\d+}/preview", factory=item_factory)
    form = T + "admin_item_edit.pt"
    config.add_view(new_form, route_name="content.admin_item_new", request_method="GET", renderer=form,
                    permission=ITEMS_EDIT)
    config.add_view(create, route_name="content.admin_item_new", request_method="POST", renderer=form,
                    permission=ITEMS_EDIT)
    config.add_view(edit_form, route_name="content.admin_item_edit", request_method="GET", renderer=form,
                    permission=ITEMS_VIEW)
    config.add_view(save, route_name="content.admin_item_edit", request_method="POST", renderer=form,
                    permission=ITEMS_EDIT)
    config.add_view(autosave, route_name="content.admin_item_autosave", request_method="POST", renderer="json",
                    permission=ITEMS_EDIT)
    config.add_view(preview, route_name="content.admin_item_preview", request_method="GET",
                    renderer=T + "admin_item_preview.pt", permission=ITEMS_VIEW)
    config.include("plugins.content.views.items_edit_actions")


# -- shared pieces ------------------------------------------------------------------------------

def _tz(request):
    return request.platform.clock.tz


def _editable_columns(request) -> list[tuple[int, str]]:
    """(id, path) of the columns the user may write in, in tree order."""
    tree = request.content_columns
    result: list[tuple[int, str]] = []

    def walk(nodes):
        for node in sorted(nodes, key=lambda n: (n.position, n.id)):
            if may(request, ITEMS_EDIT, node.id):
                result.append((node.id, " / ".join(n.title for n in path_to(node.id, tree.by_id))))
            walk(node.children)

    walk(tree.roots)
    return result


def _blob_categories(request, keys: set[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = request.dbsession.execute(select(Upload.blob_key, Upload.media_type).where(Upload.blob_key.in_(keys)))
    result = {}
    for key, media_type in rows:
        kind = kind_of_media_type(media_type)
        result[key] = kind.category if kind else "attachment"
    return result


def _raw_keys(raw: dict[str, Any]) -> set[str]:
    return {value for name, value in raw.items()
            if (name == "cover_key" or name.startswith(FIELD_PREFIX)) and isinstance(value, str)
            and BLOB_KEY.match(value)}


def _content_type(request, name: str):
    return request.platform.content_types.get(name)


def _attachments(request, ids: list[int]) -> list[dict]:
    rows = {row.id: row for row in request.dbsession.scalars(select(Upload).where(Upload.id.in_(ids)))} if ids else {}
    return [describe(request, rows[i]) for i in ids if i in rows]


def _status(request, item: Item | None) -> dict:
    if item is None:
        return {}
    return {"name": item.status, "title": request.localizer.translate(STATUS_TITLES.get(item.status, item.status)),
            "case_url": f"/admin/tasks/cases/{item.case_id}" if item.case_id and item.status == REVIEW else None}


def _actions(request, item: Item | None) -> list[tuple[str, str]]:
    """The actions open to this user on this item, as (action, label)."""
    if item is None:
        return []
    edit, publish = may(request, ITEMS_EDIT, item.column_id), may(request, ITEMS_PUBLISH, item.column_id)
    status = item.status
    actions = []
    if edit and status in ("draft", OFFLINE):
        actions.append(("submit", _("提交审核") if not publish else _("提交")))
    if publish and status in ("draft", OFFLINE):
        actions.append(("publish", _("直接发布")))
    if publish and status in (PUBLISHED, SCHEDULED):
        actions.append(("unpublish", _("下线")))
    if publish and status != ARCHIVED and status != REVIEW:
        actions.append(("archive", _("归档")))
    if publish and status == ARCHIVED:
        actions.append(("restore", _("恢复")))
    return [(name, request.localizer.translate(label)) for name, label in actions]


def _page(request, *, item: Item | None, raw: dict, errors: dict, notice: str = "", holder=None,
          attachments: list[dict] | None = None, autosave_at: dt.datetime | None = None) -> dict:
    translate = request.localizer.translate
    types = list(request.platform.content_types.values())
    content_type = _content_type(request, raw.get("type", "")) or (types[0] if types else None)
    columns = _editable_columns(request)
    readonly = item is not None and (item.status not in EDITABLE_STATUSES or holder is not None
                                     or not may(request, ITEMS_EDIT, item.column_id))
    cover = raw.get("cover_key", "")
    return {
        "item": item,
        "raw": raw,
        "errors": {name: translate(message) for name, message in errors.items()},
        "notice": notice,
        "types": types,
        "content_type": content_type,
        "columns": columns,
        "column_titles": dict(columns),
        "themes": DISCLOSURE_THEMES,
        "modes": DISCLOSURE_MODES,
        "validities": VALIDITIES,
        "attachments": attachments or [],
        "cover_url": request.route_path("content.file_bare", key=cover) if BLOB_KEY.match(cover or "") else None,
        "status": _status(request, item),
        "actions": _actions(request, item),
        "action_route": action_route,
        "holder": holder,
        "readonly": readonly,
        "autosave_at": autosave_at.astimezone(_tz(request)) if autosave_at else None,
        "action_url": (request.route_path("content.admin_item_edit", id=item.id) if item
                       else request.route_path("content.admin_item_new")),
        "upload_url": request.route_path("content.upload"),
        "autosave_url": request.route_path("content.admin_item_autosave", id=item.id) if item else "",
        "field_name": lambda spec: FIELD_PREFIX + spec.name,
    }


# -- new ----------------------------------------------------------------------------------------

def new_form(request):
    columns = dict(_editable_columns(request))
    if not columns:
        raise HTTPForbidden()
    column = request.params.get("column", "")
    type_name = request.params.get("type", "article")
    raw = {name: "" for name in (*PLAIN_FIELDS, *MOMENTS)}
    raw.update(type=type_name if _content_type(request, type_name) else "article", body="", cover_key="",
               pinned=False, column_id=column if column.isdigit() and int(column) in columns else "",
               extra_columns=[], written_on="", generate_index=False)
    return _page(request, item=None, raw=raw, errors={})


def create(request):
    raw = raw_from_post(request.POST)
    attachment_ids, _removed = attachment_order(request.POST)
    upload_errors = _take_files(request, raw, attachment_ids)
    parsed = _parse(request, raw)
    errors = {**parsed.errors, **upload_errors}
    if errors:
        request.response.status_int = 400
        return _page(request, item=None, raw=raw, errors=errors, attachments=_attachments(request, attachment_ids))
    values = dict(parsed.values)
    store = publishing(request).store
    user_id = request.current_user.id
    item = store.create(column_id=values.pop("column_id"), type=values.pop("type"), title=values.pop("title"),
                        user_id=user_id, **values)
    _finish_save(request, item, parsed, attachment_ids)
    take_lock(request, item)
    request.audit("content.item.create", "item", item.id, summary={
        "title": item.title, "column": item.column_id, "type": item.type})
    request.session.flash(request.localizer.translate(_("信息“${title}”已保存为草稿", mapping={"title": item.title})),
                          "success")
    _warn_about_pictures(request, item)
    return HTTPFound(location=request.route_path("content.admin_item_edit", id=item.id))


# -- edit ---------------------------------------------------------------------------------------

def edit_form(request):
    item = the_item(request)
    store = publishing(request).store
    holder = lock_holder(request, item)
    editable = item.status in EDITABLE_STATUSES and may(request, ITEMS_EDIT, item.column_id)
    if holder is None and editable:
        take_lock(request, item)
    raw = raw_from_item(item, _tz(request), store.columns_of(item))
    saved = store.autosave_of(item.id, request.current_user.id)
    offer = saved.saved_at if saved is not None and saved.saved_at > item.updated_at else None
    notice = ""
    if offer and request.params.get("restore") == "autosave" and editable:
        raw.update({name: value for name, value in (saved.data or {}).items() if name in raw or
                    name.startswith(FIELD_PREFIX)})
        raw.update(title=saved.title, body=saved.body)
        notice = request.localizer.translate(_("已恢复自动保存的内容；保存后才生效。"))
        offer = None
    attachments = [describe(request, row) for row in store.attachments(item.id)]
    return _page(request, item=item, raw=raw, errors={}, notice=notice, holder=holder, attachments=attachments,
                 autosave_at=offer)


def save(request):
    item = the_item(request)
    if not may(request, ITEMS_EDIT, item.column_id):
        raise HTTPForbidden()
    raw = raw_from_post(request.POST)
    attachment_ids, _removed = attachment_order(request.POST)
    translate = request.localizer.translate
    refusal = _refusal(request, item)
    if refusal:
        request.response.status_int = 409
        return _page(request, item=item, raw=raw, errors={"form": refusal}, holder=lock_holder(request, item),
                     attachments=_attachments(request, attachment_ids))
    upload_errors = _take_files(request, raw, attachment_ids)
    parsed = _parse(request, raw)
    errors = {**parsed.errors, **upload_errors}
    if errors:
        request.response.status_int = 400
        return _page(request, item=item, raw=raw, errors=errors, attachments=_attachments(request, attachment_ids))
    store = publishing(request).store
    before = {name: getattr(item, name) for name in parsed.values}
    store.update(item, parsed.values, request.current_user.id, note=request.POST.get("note", "").strip()[:200])
    _finish_save(request, item, parsed, attachment_ids)
    take_lock(request, item)
    changed = sorted(name for name, value in before.items() if getattr(item, name) != value)
    request.audit("content.item.update", "item", item.id, summary={"title": item.title, "changed": changed,
                                                                   "version": item.version})
    request.session.flash(translate(_("信息“${title}”已保存", mapping={"title": item.title})), "success")
    _warn_about_pictures(request, item)
    return HTTPFound(location=request.route_path("content.admin_item_edit", id=item.id))


def _warn_about_pictures(request, item: Item) -> None:
    """Saved anyway, but the editor is told: public pages must describe their pictures."""
    missing = images_without_alt(item.body or "")
    if missing:
        request.session.flash(request.localizer.translate(_(
            "正文中有 ${count} 张图片没有替代文字：请在编辑器中双击图片，填写图片说明，方便视障读者借助读屏软件了解图片内容",
            mapping={"count": missing})), "warning")


def _refusal(request, item: Item):
    """Why this save may not go ahead (review, takeover, an older version), or None."""
    if item.status not in EDITABLE_STATUSES:
        return _("此信息${status}，不能修改；您填写的内容仍在下方，可复制保留。",
                 mapping={"status": request.localizer.translate(STATUS_TITLES[item.status])})
    holder = lock_holder(request, item)
    if holder is not None:
        return _("${name} 已于 ${time} 接管编辑，您的修改未保存；您填写的内容仍在下方，请复制保留后与其协调。",
                 mapping={"name": holder.name, "time": holder.since.strftime("%H:%M")})
    version = request.POST.get("version", "")
    if version != str(item.version):
        return _("此信息在您打开后已被他人修改（现为第 ${version} 版），您的修改未保存；您填写的内容仍在下方，"
                 "请复制保留后刷新页面再改。", mapping={"version": item.version})
    return None


# -- saving helpers -----------------------------------------------------------------------------

def _parse(request, raw: dict):
    allowed = {column_id for column_id, _title in _editable_columns(request)}
    categories = _blob_categories(request, _raw_keys(raw))
    parsed = parse(raw, content_type=_content_type(request, raw["type"]), tz=_tz(request), allowed_columns=allowed,
                   blob_category=categories.get)
    problem = _index_pattern_problem(request)
    if problem:
        parsed.errors["index_no"] = problem
    return parsed


def _index_settings(request) -> tuple[str, str]:
    settings = request.platform.county.plugin_settings("content")
    return settings.get("index_pattern", DEFAULT_INDEX_PATTERN), str(settings.get("index_org", DEFAULT_INDEX_ORG))


def _index_pattern_problem(request) -> str | None:
    """A wrong pattern in county.toml is found before anything is written."""
    pattern, org = _index_settings(request)
    try:
        format_index_number(pattern, org=org, year=2000, theme="", seq=1)
    except ValidationError as problem:
        return problem.message_zh
    return None


def _take_files(request, raw: dict, attachment_ids: list[int]) -> dict:
    """Files sent with the form itself (the page without JavaScript): cover, new attachments, file fields."""
    errors: dict[str, Any] = {}
    posted = [(name, value) for name, value in request.POST.items()
              if hasattr(value, "file") and getattr(value, "filename", "")]
    for name, field in posted:
        if name == "cover_file":
            wanted, target = WANTED["image"], "cover_key"
        elif name == "new_attachments":
            wanted, target = WANTED["attachment"], None
        elif name.startswith(FIELD_PREFIX) and name.endswith("__file"):
            target = name[:-len("__file")]
            spec = _field_spec(request, raw.get("type", ""), target[len(FIELD_PREFIX):])
            if spec is None:
                continue
            wanted = WANTED["image"] if spec.kind == "image" else WANTED["attachment"]
        else:
            continue
        try:
            row = store_checked(request, field, check_upload(request, field, wanted),
                                attachment=target is None)
        except UploadRefused as refused:
            errors[target or "attachments"] = refused.message
            continue
        if target is None:
            attachment_ids.append(row.id)
        else:
            raw[target] = row.blob_key
    return errors


def _field_spec(request, type_name: str, name: str):
    content_type = _content_type(request, type_name)
    return next((spec for spec in content_type.fields if spec.name == name), None) if content_type else None


def _finish_save(request, item: Item, parsed, attachment_ids: list[int]) -> None:
    """引用 columns, uploads, 索引号 and the re-index after a create or update."""
    store = publishing(request).store
    editable = {column_id for column_id, _title in _editable_columns(request)}
    kept = [column_id for column_id in store.columns_of(item) if column_id not in editable]
    store.set_extra_columns(item, [*parsed.extra_columns, *kept])
    _claim(request, item, attachment_ids)
    if not item.index_no and (parsed.generate_index or _under_disclosure(request, item.column_id)):
        pattern, org = _index_settings(request)
        moment = (item.published_at or request.platform.clock.now()).astimezone(_tz(request))
        item.index_no = store.next_index_number(pattern, org=org, year=moment.year, theme=item.theme or "")
    publishing(request).changed(item)


def _under_disclosure(request, column_id: int) -> bool:
    tree = request.content_columns
    return any(node.slug == DISCLOSURE_SLUG for node in path_to(column_id, tree.by_id))


def _claim(request, item: Item, attachment_ids: list[int]) -> None:
    """Tie the body's files, the cover, file fields and the attachments to the item.

    A file another item already owns gets a row of its own for this item too, so the rule that a
    file is public while a published item uses it holds for both.
    """
    session = request.dbsession
    keys = used_uploads(item.body or "") | ({item.cover_key} - {""})
    keys |= {value for value in (item.fields or {}).values() if isinstance(value, str) and BLOB_KEY.match(value)}
    ids: list[int] = []
    rows_by_key: dict[str, list[Upload]] = {}
    for row in session.scalars(select(Upload).where(Upload.blob_key.in_(keys))) if keys else ():
        rows_by_key.setdefault(row.blob_key, []).append(row)
    for key, rows in rows_by_key.items():
        mine = [row for row in rows if row.item_id in (None, item.id)]
        if mine:
            ids.append(next((row for row in mine if row.item_id == item.id), mine[0]).id)
        else:
            source = rows[0]
            copy = Upload(blob_key=key, filename=source.filename, media_type=source.media_type, size=source.size,
                          item_id=item.id, attachment=False, position=0, uploaded_by=request.current_user.id,
                          uploaded_at=request.platform.clock.now())
            session.add(copy)
            session.flush()
            ids.append(copy.id)
    owned = {row.id for row in session.scalars(select(Upload).where(
        Upload.id.in_(attachment_ids), (Upload.item_id.is_(None)) | (Upload.item_id == item.id)))} \
        if attachment_ids else set()
    publishing(request).store.claim_uploads(item, ids, [i for i in attachment_ids if i in owned])


# -- autosave and preview -----------------------------------------------------------------------

def autosave(request):
    """Keep the editor's unsaved text (JSON answer); refused while another editor holds the lock."""
    item = the_item(request)
    translate = request.localizer.translate
    if not may(request, ITEMS_EDIT, item.column_id):
        raise HTTPForbidden()
    refusal = _refusal(request, item) if item.status not in EDITABLE_STATUSES or lock_holder(request, item) else None
    if refusal:
        request.response.status_int = 409
        return {"ok": False, "message": translate(refusal)}
    raw = raw_from_post(request.POST)
    data = {name: value for name, value in raw.items()
            if name not in ("title", "body", "remove_cover", "generate_index") and isinstance(value, (str, list, bool))}
    store = publishing(request).store
    revision = store.autosave(item, request.current_user.id, raw["title"][:200], clean_html(raw["body"] or ""), data)
    take_lock(request, item)
    request.audit("content.item.autosave", "item", item.id, summary={"title": revision.title})
    saved_at = revision.saved_at.astimezone(_tz(request))
    return {"ok": True, "saved_at": saved_at.strftime("%H:%M:%S"),
            "message": translate(_("已自动保存（${time}）", mapping={"time": saved_at.strftime("%H:%M")}))}


def preview(request):
    """The item as the public page shows it, drafts included, marked 预览 and kept out of search engines."""
    item = the_item(request)
    if not may(request, ITEMS_VIEW, item.column_id):
        raise HTTPForbidden()
    tree = request.content_columns
    request.breadcrumbs.extend((node.title, request.route_path("content.column", slug=node.slug))
                               for node in path_to(item.column_id, tree.by_id))
    store = publishing(request).store
    published = (item.published_at or item.publish_at or item.updated_at).astimezone(_tz(request))
    return {
        "item": item,
        "published": published,
        "status_title": request.localizer.translate(STATUS_TITLES.get(item.status, item.status)),
        "attachments": [describe(request, row) for row in store.attachments(item.id)],
        "cover_url": (request.route_path("content.file_bare", key=item.cover_key) if item.cover_key else None),
        "content_type": _content_type(request, item.type),
        "edit_url": request.route_path("content.admin_item_edit", id=item.id),
        "file_url": file_url,
    }
