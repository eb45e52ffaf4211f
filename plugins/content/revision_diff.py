"""What changed between two states of an item: field values side by side, the body word by word.

Framework-free. Bodies are compared as plain text (one line a block, from ``html_to_text``), first
line by line, then, inside lines that changed, by tokens: a run of Latin letters or digits is one
token, every other character (a Chinese character, a punctuation mark) is one. Chinese has no
spaces, so a character diff is what an editor reads as “which words changed”; runs keep numbers
and English words whole. The HTML this module returns escapes every piece of text, so a revision
can never inject markup into the page that shows its diff.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
_TOKEN = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.DOTALL)
# Beyond this many token comparisons a changed line is shown as removed and added whole: the
# matcher is quadratic, and a paragraph that long rewritten is read better whole anyway.
TOKEN_BUDGET = 2_000_000
# Lines less alike than this are a removal plus an addition, not an edit of one line.
PAIRING_RATIO = 0.3


@dataclass(frozen=True)
class Segment:
    kind: str  # equal, insert, delete
    text: str


@dataclass(frozen=True)
class Line:
    """One line of the compared body: unchanged, changed inside, or added or removed whole."""

    kind: str  # equal, changed, insert, delete
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: Any
    new: Any


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def diff_tokens(old: str, new: str) -> list[Segment]:
    """The segments turning ``old`` into ``new``, adjacent pieces of one kind merged."""
    a, b = tokens(old), tokens(new)
    if len(a) * len(b) > TOKEN_BUDGET:
        return _merge([Segment(DELETE, old), Segment(INSERT, new)])
    segments = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment(EQUAL, "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            segments.append(Segment(DELETE, "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(Segment(INSERT, "".join(b[j1:j2])))
    return _merge(segments)


def _merge(segments: Iterable[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].kind == segment.kind:
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def diff_lines(old: str, new: str) -> list[Line]:
    """The body's lines with what changed, old text first within each changed stretch."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[Line] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [Line(EQUAL, (Segment(EQUAL, text),)) for text in a[i1:i2]]
        elif tag == "delete":
            lines += [Line(DELETE, (Segment(DELETE, text),)) for text in a[i1:i2]]
        elif tag == "insert":
            lines += [Line(INSERT, (Segment(INSERT, text),)) for text in b[j1:j2]]
        else:
            lines += _replaced(a[i1:i2], b[j1:j2])
    return lines


def _replaced(old: list[str], new: list[str]) -> list[Line]:
    """Pair the lines of a changed stretch in order; alike pairs are diffed inside, the rest whole."""
    lines: list[Line] = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else None
        after = new[index] if index < len(new) else None
        if before is not None and after is not None and _alike(before, after):
            lines.append(Line("changed", tuple(diff_tokens(before, after))))
            continue
        if before is not None:
            lines.append(Line(DELETE, (Segment(DELETE, before),)))
        if after is not None:
            lines.append(Line(INSERT, (Segment(INSERT, after),)))
    return lines


def _alike(before: str, after: str) -> bool:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return matcher.quick_ratio() >= PAIRING_RATIO and matcher.ratio() >= PAIRING_RATIO


def render_segments(segments: Iterable[Segment]) -> str:
    """Escaped HTML: insertions in ``<ins>``, deletions in ``<del>``, the rest as text."""
    parts = []
    for segment in segments:
        text = html.escape(segment.text, quote=True)
        if segment.kind == INSERT:
            parts.append(f"<ins>{text}</ins>")
        elif segment.kind == DELETE:
            parts.append(f"<del>{text}</del>")
        else:
            parts.append(text)
    return "".join(parts)


def render_lines(lines: Iterable[Line]) -> str:
    """The whole body diff as escaped HTML, one ``<p>`` a line, classed by what happened to it."""
    return "\n".join(f'<p class="diff-line diff-{line.kind}">{render_segments(line.segments)}</p>'
                     for line in lines)


def has_changes(lines: Iterable[Line]) -> bool:
    return any(line.kind != EQUAL for line in lines)


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any], order: Iterable[str]) -> list[FieldChange]:
    """The fields in ``order`` whose values differ; a missing value counts as empty.

    A mapping value (the county's extra fields) is compared key by key, named ``outer.inner``.
    """
    changes = []
    for name in order:
        before, after = old.get(name), new.get(name)
        if isinstance(before, Mapping) or isinstance(after, Mapping):
            before, after = before or {}, after or {}
            keys = list(dict.fromkeys([*before, *after]))
            changes += [FieldChange(f"{name}.{key}", before.get(key), after.get(key)) for key in keys
                        if _normal(before.get(key)) != _normal(after.get(key))]
        elif _normal(before) != _normal(after):
            changes.append(FieldChange(name, before, after))
    return changes


def _normal(value: Any) -> Any:
    """Treat None and "" alike: an old revision without a field equals one with it left blank."""
    return "" if value is None else value
