"""信息专题 (topics): the rules that need no web or database. Framework-free.

A topic gathers items from any columns on a page of its own, optionally in sections. Editors
create many at once from a list (one title a line, optional ``[slug]``), copy one as the start of
the next year's, and give each a banner image, which is checked by its content, not its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govcore.i18n import _
from plugins.content.domain import SLUG_PATTERN

TITLE_MAX = 100  # content_topic.title
SLUG_MAX = 63  # the longest SLUG_PATTERN allows (content_topic.slug holds 64)
SECTION_TITLE_MAX = 100  # content_topic_section.title
DESCRIPTION_MAX = 2000
BATCH_MAX = 100  # topics per batch: a list longer than that is a mistake, not a plan
BANNER_MAX_BYTES = 5 * 1024 * 1024
COPY_SUFFIX = "（副本）"
LAYOUTS = {
    "sections": _("分栏目显示"),
    "list": _("单一列表"),
}
_LINE = re.compile(r"^(?P<title>[^\[\]]+?)\s*(?:\[(?P<slug>[^\]]*)\])?$")

# The image formats a browser shows everywhere, recognised by their first bytes.
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True)
class Problem:
    """A mistake in an editor's input: a message id with its mapping, translated by the web layer."""

    message: str
    mapping: dict = field(default_factory=dict)
    line: int | None = None  # the line of a batch list it concerns

    def at(self, line: int) -> "Problem":
        return Problem(self.message, self.mapping, line)


@dataclass(frozen=True)
class TopicSpec:
    title: str
    slug: str = ""  # empty: the topic gets ``t<id>``


def default_slug(topic_id: int) -> str:
    """A stable address for a topic created without one, like columns get ``c<id>``."""
    return f"t{topic_id}"


def check_title(title: str) -> Problem | None:
    if not title:
        return Problem(_("请填写专题名称"))
    if len(title) > TITLE_MAX:
        return Problem(_("专题名称不能超过 ${max} 个字符"), {"max": TITLE_MAX})
    return None


def check_slug(slug: str) -> Problem | None:
    """An empty slug is allowed (one is generated); a given one must be a lowercase address part."""
    if slug and not SLUG_PATTERN.match(slug):
        return Problem(_("英文标识“${slug}”只能包含小写字母、数字和连字符，以字母或数字开头，最多 ${max} 个字符"),
                       {"slug": slug, "max": SLUG_MAX})
    return None


def parse_topic_list(text: str) -> tuple[list[TopicSpec], list[Problem]]:
    """Read one topic a line, ``标题`` or ``标题 [slug]``; blank lines and ``#`` comments are skipped.

    Returns the specs and every problem found (each naming its line), so an editor fixes the
    whole list at once. Titles and slugs must be unique within the list; the caller checks them
    against the topics that exist.
    """
    specs: list[TopicSpec] = []
    problems: list[Problem] = []
    titles: set[str] = set()
    slugs: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            problems.append(Problem(_("无法识别：${text}"), {"text": line}, number))
            continue
        title, slug = match.group("title").strip(), (match.group("slug") or "").strip()
        problem = check_title(title) or check_slug(slug)
        if problem:
            problems.append(problem.at(number))
            continue
        if title in titles:
            problems.append(Problem(_("专题名称“${title}”重复"), {"title": title}, number))
            continue
        if slug and slug in slugs:
            problems.append(Problem(_("英文标识“${slug}”重复"), {"slug": slug}, number))
            continue
        titles.add(title)
        slugs.add(slug)
        specs.append(TopicSpec(title, slug))
    if not specs and not problems:
        problems.append(Problem(_("请至少填写一个专题名称，每行一个")))
    elif len(specs) > BATCH_MAX:
        problems.append(Problem(_("一次最多新建 ${max} 个专题"), {"max": BATCH_MAX}))
    return specs, problems


def copy_title(title: str) -> str:
    """The copy's title: the original's with “（副本）”, shortened so it still fits."""
    return title[:TITLE_MAX - len(COPY_SUFFIX)] + COPY_SUFFIX


def copy_slug(slug: str, taken: set[str]) -> str:
    """A free slug for a copy: ``<slug>-copy``, then ``<slug>-copy-2`` …, within the length limit."""
    number = 1
    while True:
        suffix = "-copy" if number == 1 else f"-copy-{number}"
        candidate = slug[:SLUG_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1


def image_type(data: bytes) -> str | None:
    """The media type of a PNG, JPEG, GIF or WebP image judged by its bytes, else None.

    The file name and the browser's declared type are not trusted: a banner is shown to every
    visitor, so only content that is really one of these images is stored.
    """
    for signature, media_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return media_type
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
