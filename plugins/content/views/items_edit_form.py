"""The item form's fields: read from an item or a POST, checked, and turned into item values.

The form is always shown from ``raw`` (the strings as the editor typed them), so a refused save
shows exactly what was sent, and nothing the editor wrote is lost.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from adapters.web.i18n import _
from govcore.contributions import ContentType, FieldSpec
from plugins.content.items import DISCLOSURE_MODES, DISCLOSURE_THEMES, LINK, VALIDITIES
from plugins.content.sanitize import clean_html

TEXT_LIMITS = {"title": 200, "subtitle": 200, "source": 200, "author": 100, "link_url": 500, "keywords": 300,
               "doc_number": 100, "issuing_org": 100}
SUMMARY_MAX = 2000
FIELD_TEXT_MAX = 2000
PLAIN_FIELDS = ("title", "subtitle", "summary", "source", "author", "link_url", "keywords", "doc_number",
                "issuing_org", "theme", "disclosure_mode", "validity")
MOMENTS = ("published_at", "publish_at", "unpublish_at", "expires_at")
BLOB_KEY = re.compile(r"^[0-9a-f]{64}$")
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
KEYWORD_SEPARATORS = re.compile(r"[，、；;,\s]+")
FIELD_PREFIX = "f_"


@dataclass
class Parsed:
    values: dict[str, Any]  # item attributes
    extra_columns: list[int]
    generate_index: bool
    errors: dict[str, Any] = field(default_factory=dict)  # field name -> translation string


def _local(moment: dt.datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime(LOCAL_MINUTE) if moment else ""


def raw_from_item(item, tz: ZoneInfo, extra_columns: list[int]) -> dict[str, Any]:
    raw: dict[str, Any] = {name: getattr(item, name) or "" for name in PLAIN_FIELDS}
    raw.update({name: _local(getattr(item, name), tz) for name in MOMENTS})
    raw.update(type=item.type, body=item.body or "", cover_key=item.cover_key or "", pinned=bool(item.pinned),
               column_id=str(item.column_id), extra_columns=[str(c) for c in extra_columns],
               written_on=item.written_on.isoformat() if item.written_on else "", generate_index=False)
    for name, value in (item.fields or {}).items():
        raw[FIELD_PREFIX + name] = "" if value is None else str(value)
    return raw


def raw_from_post(post) -> dict[str, Any]:
    raw: dict[str, Any] = {name: post.get(name, "").strip() for name in PLAIN_FIELDS}
    raw.update({name: post.get(name, "").strip() for name in MOMENTS})
    raw.update(type=post.get("type", "").strip(), body=post.get("body", ""), cover_key=post.get("cover_key", "").strip(),
               pinned=post.get("pinned") == "1", column_id=post.get("column_id", "").strip(),
               extra_columns=[value for value in post.getall("extra_columns") if value.strip()],
               written_on=post.get("written_on", "").strip(), generate_index=post.get("generate_index") == "1",
               remove_cover=post.get("remove_cover") == "1")
    for name, value in post.items():
        if name.startswith(FIELD_PREFIX) and isinstance(value, str):
            raw[name] = value.strip()
    return raw


def attachment_order(post) -> tuple[list[int], set[int]]:
    """Kept attachment ids sorted by the order numbers typed (or set by the page's buttons), and the removed."""
    removed = {int(v) for v in post.getall("remove_attachments") if v.isdigit()}
    entries = []
    for position, value in enumerate(post.getall("attachment_ids")):
        if not value.isdigit():
            continue
        order = post.get(f"attachment_order_{value}", "")
        entries.append((int(order) if order.lstrip("-").isdigit() else position + 1, position, int(value)))
    return [upload_id for _order, _pos, upload_id in sorted(entries) if upload_id not in removed], removed


def _moment(text: str, tz: ZoneInfo) -> dt.datetime | None:
    if not text:
        return None
    for pattern in (LOCAL_MINUTE, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=tz).astimezone(dt.timezone.utc)
        except ValueError:
            continue
    raise ValueError(text)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in text)


def parse(raw: dict[str, Any], *, content_type: ContentType | None, tz: ZoneInfo, allowed_columns: set[int],
          blob_category: Callable[[str], str | None]) -> Parsed:
    """Check the form; ``blob_category(key)`` tells what an uploaded file is (None: no such upload)."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if content_type is None:
        errors["type"] = _("请选择信息类型")
    else:
        values["type"] = content_type.name
    for name, limit in TEXT_LIMITS.items():
        if len(raw[name]) > limit:
            errors[name] = _("不能超过 ${max} 个字符", mapping={"max": limit})
        values[name] = raw[name]
    if not raw["title"]:
        errors["title"] = _("请填写标题")
    if len(raw["summary"]) > SUMMARY_MAX:
        errors["summary"] = _("摘要不能超过 ${max} 个字符", mapping={"max": SUMMARY_MAX})
    values["summary"] = raw["summary"]
    values["keywords"] = ",".join(word for word in KEYWORD_SEPARATORS.split(raw["keywords"]) if word)[:300]
    values["body"] = clean_html(raw["body"] or "")
    if content_type is not None and content_type.name == LINK:
        if not raw["link_url"]:
            errors["link_url"] = _("链接类信息请填写链接地址")
    if raw["link_url"] and not http_url(raw["link_url"]):
        errors["link_url"] = _("链接地址须以 http:// 或 https:// 开头")
    values["pinned"] = bool(raw["pinned"])
    cover = "" if raw.get("remove_cover") else raw["cover_key"]
    if cover and (not BLOB_KEY.match(cover) or blob_category(cover) != "image"):
        errors["cover_key"] = _("封面须是已上传的图片")
    values["cover_key"] = cover
    for name in MOMENTS:
        try:
            values[name] = _moment(raw[name], tz)
        except ValueError:
            errors[name] = _("时间格式应为 2024-05-01T09:30")
    if values.get("publish_at") and values.get("unpublish_at") and values["unpublish_at"] <= values["publish_at"]:
        errors["unpublish_at"] = _("下线时间须晚于发布时间")
    try:
        values["written_on"] = _date(raw["written_on"])
    except ValueError:
        errors["written_on"] = _("日期格式应为 2024-05-01")
    for name, vocabulary in (("theme", DISCLOSURE_THEMES), ("disclosure_mode", DISCLOSURE_MODES),
                             ("validity", VALIDITIES)):
        if raw[name] and raw[name] not in vocabulary:
            errors[name] = _("请从列表中选择")
    column_id = int(raw["column_id"]) if raw["column_id"].isdigit() else None
    if column_id is None or column_id not in allowed_columns:
        errors["column_id"] = _("请选择您可以编辑的栏目")
    else:
        values["column_id"] = column_id
    extra = []
    for value in raw["extra_columns"]:
        if not value.isdigit() or int(value) not in allowed_columns:
            errors["extra_columns"] = _("请选择您可以编辑的栏目")
        elif int(value) != column_id:
            extra.append(int(value))
    fields_values, field_errors = parse_fields(raw, content_type, tz, blob_category)
    values["fields"] = fields_values
    errors.update(field_errors)
    return Parsed(values, extra, bool(raw.get("generate_index")), errors)


def parse_fields(raw: dict[str, Any], content_type: ContentType | None, tz: ZoneInfo,
                 blob_category: Callable[[str], str | None]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The content type's own fields (plugins' and county.toml's), stored in ``item.fields``."""
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for spec in content_type.fields if content_type else ():
        key = FIELD_PREFIX + spec.name
        text = raw.get(key, "")
        if not text:
            if spec.required:
                errors[key] = _("请填写${title}", mapping={"title": spec.title})
            continue
        try:
            values[spec.name] = _field_value(spec, text, tz, blob_category)
        except ValueError as problem:
            errors[key] = problem.args[0]
    return values, errors


def _field_value(spec: FieldSpec, text: str, tz: ZoneInfo, blob_category: Callable[[str], str | None]) -> Any:
    kind = spec.kind
    if kind in ("text", "textarea"):
        if len(text) > FIELD_TEXT_MAX:
            raise ValueError(_("不能超过 ${max} 个字符", mapping={"max": FIELD_TEXT_MAX}))
        return text
    if kind == "html":
        return clean_html(text)
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("日期格式应为 2024-05-01")) from None
    if kind == "datetime":
        try:
            return _moment(text, tz).isoformat()
        except ValueError:
            raise ValueError(_("时间格式应为 2024-05-01T09:30")) from None
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise ValueError(_("请填写数字")) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(_("请填写数字"))
        return int(number) if number.is_integer() else number
    if kind == "choice":
        if text not in spec.choices:
            raise ValueError(_("请从列表中选择"))
        return text
    if kind in ("file", "image"):
        category = blob_category(text) if BLOB_KEY.match(text) else None
        if category is None or (kind == "image" and category != "image"):
            raise ValueError(_("请上传图片") if kind == "image" else _("请上传文件"))
        return text
    raise ValueError(_("不支持的字段类型"))
