"""Items (信息): their kinds, life cycle, 索引号 and archiving rules. Framework-free.

An item moves through these statuses::

    draft ──submit──▶ review ──approved──▶ scheduled ──time──▶ published ──▶ offline
      ▲                 │                     (or straight to published)        │
      └──returned───────┘                                   archived ◀──────────┘ (restore: back)

A column without a review procedure publishes on submission.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import struct
from dataclasses import dataclass

from govcore.contributions import ContentType, FieldSpec
from govcore.errors import ValidationError
from govcore.i18n import _

DRAFT, REVIEW, SCHEDULED, PUBLISHED, OFFLINE, ARCHIVED = "draft", "review", "scheduled", "published", "offline", "archived"
STATUS_TITLES = {
    DRAFT: _("草稿"),
    REVIEW: _("审核中"),
    SCHEDULED: _("待发布"),
    PUBLISHED: _("已发布"),
    OFFLINE: _("已下线"),
    ARCHIVED: _("已归档"),
}
EDITABLE_STATUSES = frozenset({DRAFT, SCHEDULED, PUBLISHED, OFFLINE})  # review locks the text for reviewers

# The built-in kinds of item; their own fields beyond the common ones (title, summary, body …).
ARTICLE, NOTICE, PICTURES, VIDEO, LINK, PAGE = "article", "notice", "pictures", "video", "link", "page"
ITEM_TYPES = (
    ContentType(ARTICLE, "文章", "content", description="新闻、动态等图文信息"),
    ContentType(NOTICE, "通知公告", "content", fields=(
        FieldSpec("valid_until", "有效期至", kind="date", help="过期后按归档规则自动归档"),
    ), description="通知、公告、公示"),
    ContentType(PICTURES, "图片新闻", "content", description="以封面图片为主的图文报道"),
    ContentType(VIDEO, "视频", "content", fields=(
        FieldSpec("duration", "时长", help="例如 03:25"),
    ), description="正文中上传的视频用网页播放器播放"),
    ContentType(LINK, "链接", "content", description="点击标题直接打开外部网址"),
    ContentType(PAGE, "单页", "content", description="单页栏目的正文"),
)

# 政务公开: the fixed vocabularies of the catalogue (GB/T 主题分类 abbreviated, as counties use it).
DISCLOSURE_THEMES = ("综合政务", "国民经济管理", "财政、金融、审计", "国土资源、能源", "农业、林业、水利", "工业、交通",
                     "商贸、海关、旅游", "市场监管、安全生产监管", "城乡建设、环境保护", "科技、教育", "文化、广电、新闻出版",
                     "卫生、体育", "人口与计划生育、妇女儿童工作", "劳动、人事、监察", "公安、安全、司法", "民政、扶贫、救灾",
                     "其他")
DISCLOSURE_MODES = ("主动公开", "依申请公开", "不予公开")
VALIDITIES = ("有效", "失效", "废止", "修订")
DEFAULT_INDEX_PATTERN = "{org}-{year}-{seq:05d}"
_PATTERN_FIELDS = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def format_index_number(pattern: str, *, org: str, year: int, theme: str, seq: int) -> str:
    """The 索引号 of an item, from the county's pattern (``{org}``, ``{year}``, ``{theme}``, ``{seq}``)."""
    unknown = set(_PATTERN_FIELDS.findall(pattern)) - {"org", "year", "theme", "seq"}
    if unknown or "{seq" not in pattern:
        raise ValidationError(f"索引号格式“{pattern}”有误：只能使用 {{org}} {{year}} {{theme}} {{seq}}，且必须含 {{seq}}",
                              f"bad index number pattern {pattern!r}")
    return pattern.format(org=org, year=year, theme=theme, seq=seq)


def index_scope(pattern: str, *, org: str, year: int, theme: str) -> str:
    """Sequence numbers restart for every distinct prefix the pattern gives apart from ``{seq}``."""
    return _PATTERN_FIELDS.sub(lambda m: "#" if m.group(1) == "seq" else "{" + m.group(1) + "}", pattern).format(
        org=org, year=year, theme=theme)


def status_after_approval(publish_at: dt.datetime | None, now: dt.datetime) -> str:
    return SCHEDULED if publish_at is not None and publish_at > now else PUBLISHED


@dataclass(frozen=True)
class ArchiveRule:
    """Archive published items of ``column_ids`` (all columns when empty) older than ``older_than_days``
    days, and any published item whose ``expires_at`` has passed when ``expired`` is set."""

    older_than_days: int | None = None
    column_ids: tuple[int, ...] = ()
    expired: bool = True

    def applies(self, *, column_id: int, published_at: dt.datetime | None, expires_at: dt.datetime | None,
                now: dt.datetime) -> bool:
        if self.column_ids and column_id not in self.column_ids:
            return False
        if self.expired and expires_at is not None and expires_at <= now:
            return True
        return (self.older_than_days is not None and published_at is not None
                and published_at <= now - dt.timedelta(days=self.older_than_days))


def parse_archive_rules(raw: list[dict], column_ids_by_slug: dict[str, int]) -> list[ArchiveRule]:
    """``[[content.archive_rules]]`` tables of county.toml: ``older_than_days``, ``columns`` (slugs), ``expired``."""
    rules = []
    for entry in raw:
        slugs = entry.get("columns", [])
        missing = [slug for slug in slugs if slug not in column_ids_by_slug]
        if missing:
            raise ValidationError(f"归档规则中的栏目不存在：{'、'.join(missing)}", f"archive rule names unknown columns {missing}")
        days = entry.get("older_than_days")
        rules.append(ArchiveRule(older_than_days=int(days) if days is not None else None,
                                 column_ids=tuple(column_ids_by_slug[slug] for slug in slugs),
                                 expired=bool(entry.get("expired", True))))
    return rules


@dataclass(frozen=True)
class ListingCursor:
    """Where a column page ends: the last row's sort key, so the next page is one index range scan."""

    pinned: bool
    published_at: dt.datetime
    item_id: int

    def encode(self) -> str:
        micros = int(self.published_at.timestamp() * 1_000_000)
        return base64.urlsafe_b64encode(struct.pack(">?qq", self.pinned, micros, self.item_id)).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "ListingCursor | None":
        """The cursor a page link carries, or None for a malformed one (which shows the first page)."""
        try:
            pinned, micros, item_id = struct.unpack(">?qq", base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            moment = dt.datetime.fromtimestamp(micros / 1_000_000, dt.timezone.utc)
        except (ValueError, struct.error, OverflowError, OSError):
            return None
        return cls(pinned, moment, item_id)
