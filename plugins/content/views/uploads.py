"""Uploading files for items (images, audio, video, attachments) and serving them back.

Upload answer (``POST /admin/content/uploads``, multipart, one or more files in any field, the
``kind`` field optionally limiting what is welcome: image, media, attachment). It follows the
format Jodit's uploader reads, with our own ``uploads`` list beside it::

    {"success": true,
     "data": {"files": ["/files/<sha256>/<name>", …], "isImages": [true, …], "baseurl": "",
              "messages": [], "error": 0,
              "uploads": [{"id": 7, "key": "<sha256>", "url": "/files/<sha256>/<name>", "name": "…",
                           "media_type": "image/png", "category": "image", "size": 1234}, …]}}

A refusal is HTTP 400 (413 when too large) with ``success: false`` and the reasons, in Chinese, in
``data.messages``; nothing of that request is kept.

Serving (``GET /files/<sha256>[/<name>]``): a file is public once a published item uses it or it
is a topic's banner; until then only staff who may view items get it, with private caching.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from sqlalchemy import exists, select
from webob.static import FileIter

from adapters.web.i18n import _
from govcore.core_plugin import PORTAL_VIEW
from plugins.content.items import PUBLISHED
from plugins.content.orm import Item, Topic, Upload
from plugins.content.plugin import ITEMS_EDIT, ITEMS_VIEW
from plugins.content.views.uploads_types import (ATTACHMENT, AUDIO, IMAGE, VIDEO, Detected, Refused, detect,
                                                 kind_of_media_type, media_type_of)

DEFAULT_MAX_MB = {IMAGE: 20, AUDIO: 20, VIDEO: 200, ATTACHMENT: 20}
WANTED = {"image": {IMAGE}, "media": {AUDIO, VIDEO}, "attachment": {ATTACHMENT, IMAGE, AUDIO, VIDEO}}
WANTED_TITLES = {"image": "图片", "media": "音频或视频", "attachment": "附件"}
INLINE = {IMAGE, AUDIO, VIDEO}
PUBLIC_CACHE = "public, max-age=31536000, immutable"  # content-addressed: the bytes under a key never change
STAFF_CACHE = "private, max-age=3600"
KEY_PATTERN = "{key:[0-9a-f]{64}}"


def includeme(config: Configurator) -> None:
    config.add_route("content.upload", "/admin/content/uploads")
    config.add_route("content.file", "/files/" + KEY_PATTERN + "/{name}")
    config.add_route("content.file_bare", "/files/" + KEY_PATTERN)
    config.add_view(upload, route_name="content.upload", request_method="POST", renderer="json",
                    permission=ITEMS_EDIT)
    for route in ("content.file", "content.file_bare"):
        config.add_view(serve, route_name=route, request_method=("GET", "HEAD"), permission=PORTAL_VIEW)


# -- storing ---------------------------------------------------------------------------------

def limits(request) -> dict[str, int]:
    """Size limits in bytes per category: ``[content] upload_max_mb`` is one number for all, or a
    table with ``image``, ``audio``, ``video``, ``attachment``."""
    raw = request.platform.county.plugin_settings("content").get("upload_max_mb")
    megabytes = dict(DEFAULT_MAX_MB)
    if isinstance(raw, (int, float)):
        megabytes = {name: raw for name in megabytes}
    elif isinstance(raw, dict):
        megabytes.update({name: value for name, value in raw.items() if name in megabytes})
    return {name: int(value * 1024 * 1024) for name, value in megabytes.items()}


@dataclass(frozen=True)
class UploadRefused(Exception):
    message: str
    status: int = 400


def file_fields(post) -> list:
    """The uploaded files of a request, in order, whatever the fields are called."""
    return [value for _name, value in post.items() if hasattr(value, "file") and getattr(value, "filename", "")]


def check_upload(request, field, wanted: set[str]) -> Detected:
    """What the uploaded file is, by its content; raises :class:`UploadRefused` when it may not be kept."""
    stream = field.file
    stream.seek(0, 2)
    size = stream.tell()
    translate = request.localizer.translate
    try:
        detected = detect(stream, field.filename)
    except Refused as refused:
        raise UploadRefused(f"{field.filename}：{refused.message}") from None
    category = detected.kind.category
    if category not in wanted:
        raise UploadRefused(translate(_("${name}：此处只能上传${wanted}，该文件是${kind}", mapping={
            "name": field.filename, "wanted": translate(_("、")).join(sorted(_category_titles(wanted))), "kind": detected.kind.title})))
    limit = limits(request)[category]
    if size > limit:
        raise UploadRefused(translate(_("${name}：文件过大，${kind}不能超过 ${mb} MB", mapping={
            "name": field.filename, "kind": detected.kind.title, "mb": limit // (1024 * 1024)})), 413)
    return detected


def store_checked(request, field, detected: Detected, *, attachment: bool = False) -> Upload:
    """Put a checked file in the blob store, record it and audit it."""
    field.file.seek(0)
    ref = request.platform.blobs.put(field.file)
    row = Upload(blob_key=ref.key, filename=detected.filename[:255], media_type=media_type_of(detected),
                 size=ref.size, item_id=None, attachment=attachment, position=0,
                 uploaded_by=request.current_user.id, uploaded_at=request.platform.clock.now())
    request.dbsession.add(row)
    request.dbsession.flush()
    request.audit("content.upload", "upload", row.id, summary={
        "key": ref.key, "name": row.filename, "media_type": row.media_type, "size": ref.size})
    return row


def _category_titles(categories: set[str]) -> list[str]:
    titles = {IMAGE: "图片", AUDIO: "音频", VIDEO: "视频", ATTACHMENT: "文档"}
    return [titles[name] for name in categories]


def file_url(request, row: Upload) -> str:
    return request.route_path("content.file", key=row.blob_key, name=row.filename)


def describe(request, row: Upload) -> dict:
    kind = kind_of_media_type(row.media_type)
    return {"id": row.id, "key": row.blob_key, "url": file_url(request, row), "name": row.filename,
            "media_type": row.media_type, "category": kind.category if kind else ATTACHMENT, "size": row.size}


def upload(request):
    """Store the posted files (all or none) and answer in Jodit's uploader format."""
    wanted = WANTED.get(request.params.get("kind", "attachment"), WANTED["attachment"])
    largest = max(limits(request).values())
    if request.content_length and request.content_length > largest + 1024 * 1024:
        return _refusal(request, [request.localizer.translate(_("文件过大，不能超过 ${mb} MB", mapping={
            "mb": largest // (1024 * 1024)}))], 413)
    fields = file_fields(request.POST)
    if not fields:
        return _refusal(request, [request.localizer.translate(_("没有收到文件"))], 400)
    try:
        checked = [(field, check_upload(request, field, wanted)) for field in fields]
    except UploadRefused as refused:
        return _refusal(request, [refused.message], refused.status)
    attachment = request.params.get("kind") == "attachment"
    rows = [store_checked(request, field, detected, attachment=attachment) for field, detected in checked]
    described = [describe(request, row) for row in rows]
    return {"success": True, "data": {
        "files": [entry["url"] for entry in described],
        "isImages": [entry["category"] == IMAGE for entry in described],
        "baseurl": "", "messages": [], "error": 0, "uploads": described}}


def _refusal(request, messages: list[str], status: int) -> dict:
    request.response.status_int = status
    return {"success": False, "data": {"files": [], "isImages": [], "baseurl": "", "messages": messages,
                                       "error": 1, "uploads": []}}


# -- serving ---------------------------------------------------------------------------------

def is_public(session, key: str) -> bool:
    """A published item uses the file (body, cover, attachment, field), or it is a topic banner."""
    used = select(Upload.id).join(Item, Item.id == Upload.item_id).where(
        Upload.blob_key == key, Item.status == PUBLISHED)
    return bool(session.scalar(select(exists(used)))) or bool(session.scalar(select(exists(
        select(Topic.id).where(Topic.banner_key == key)))))


def serve(request):
    key = request.matchdict["key"]
    session = request.dbsession
    rows = list(session.scalars(select(Upload).where(Upload.blob_key == key).order_by(Upload.id)))
    banner = not rows and session.scalar(select(exists(select(Topic.id).where(Topic.banner_key == key))))
    if not rows and not banner:
        raise HTTPNotFound()
    public = is_public(session, key)
    if not public and not request.has_permission(ITEMS_VIEW):
        raise HTTPNotFound()  # not 403: an unpublished file's existence is not the public's business
    try:
        stream = request.platform.blobs.open(key)
    except KeyError:
        raise HTTPNotFound() from None
    wanted_name = request.matchdict.get("name")
    row = next((r for r in rows if r.filename == wanted_name), rows[0] if rows else None)
    media_type = row.media_type if row else "image/jpeg"
    filename = row.filename if row else key
    kind = kind_of_media_type(media_type)
    category = kind.category if kind else ATTACHMENT
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    response = Response(app_iter=FileIter(stream), conditional_response=True, content_length=size)
    response.headers["Content-Type"] = media_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Content-Disposition"] = _disposition("inline" if category in INLINE else "attachment", filename)
    response.headers["Cache-Control"] = PUBLIC_CACHE if public else STAFF_CACHE
    response.etag = key
    if row is not None:
        response.last_modified = row.uploaded_at.astimezone(dt.timezone.utc)
    # Uploads are never pages: no script runs from them even if a browser were tricked into rendering one.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response


def _disposition(mode: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name and the real one, UTF-8 percent-encoded, for Chinese names."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"{mode}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
