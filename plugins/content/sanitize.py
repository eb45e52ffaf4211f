"""What HTML an item body may hold, enforced with nh3 on an explicit allow-list.

The editor is a convenience, not a boundary: whatever a browser posts is cleaned here before it is
stored, and stored bodies are rendered as they are. Images, audio and video may come only from our
own blob store (``/files/…``); links may point to http(s), mail and our own pages.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s", "sub", "sup", "span",
    "blockquote", "pre", "code", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
    "audio", "video", "source", "div",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title", "lang"},
    "a": {"href", "name", "target"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
    "audio": {"src", "controls", "preload"},
    "video": {"src", "controls", "preload", "width", "height", "poster"},
    "source": {"src", "type"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# A link must visibly be one of ours: browsers skip leading control characters and some spaces, so
# "\x01javascript:" would otherwise pass as a relative address.
SAFE_HREF = re.compile(r"^(https?://|mailto:|/|#)[^\x00-\x20\x7f-\x9f\u00a0\u1680\u180e\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]*$",
                       re.IGNORECASE)
LOCAL_MEDIA = re.compile(r"^/files/[0-9a-f]{64}(/[^/?#]*)?$")
_MEDIA_ATTRIBUTES = {("img", "src"), ("audio", "src"), ("video", "src"), ("video", "poster"), ("source", "src")}
# Word pastes carry classes like MsoNormal and namespaced tags; we keep only our own class names.
_OWN_CLASS = re.compile(r"^(align-(left|center|right)|table-bordered|attachment)$")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if (tag, attribute) in _MEDIA_ATTRIBUTES:
        return value if LOCAL_MEDIA.match(value) else None
    if attribute == "class":
        kept = " ".join(name for name in value.split() if _OWN_CLASS.match(name))
        return kept or None
    if attribute == "href":
        return value if SAFE_HREF.match(value) else None
    if attribute == "target":
        return "_blank" if value == "_blank" else None
    if attribute in {"width", "height", "colspan", "rowspan", "span", "start"}:
        return value if value.isdigit() and len(value) <= 5 else None
    return value


def clean_html(raw: str) -> str:
    """The body as it may be stored and shown: only allowed tags, attributes and URL schemes."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer",
        strip_comments=True,
        clean_content_tags={"script", "style", "xml", "template", "noscript", "iframe", "object", "embed"},
    ).strip()


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|tr|td|th|blockquote|pre|figcaption)>|<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\f\v]+")


def html_to_text(body: str) -> str:
    """Plain text of a (clean) body, for search, summaries and revision diffs; one line a block."""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", body)))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"""\balt=("[^"]*[^"\s][^"]*"|'[^']*[^'\s][^']*')""", re.IGNORECASE)


def images_without_alt(body: str) -> int:
    """How many pictures in a body have no description for visitors who cannot see them (WCAG 1.1.1)."""
    return sum(1 for tag in _IMG.findall(body) if not _ALT.search(tag))


def used_uploads(body: str) -> set[str]:
    """The blob keys a body refers to, so saving ties those uploads to the item."""
    return set(re.findall(r"/files/([0-9a-f]{64})", body))
