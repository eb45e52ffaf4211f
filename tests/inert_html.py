"""What "rendered inert" means for user HTML, checked by parsing it as a browser's tokenizer would."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from plugins.content.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LOCAL_MEDIA

VECTORS = Path(__file__).parent / "fixtures" / "xss" / "vectors.json"
SAFE_LINK = ("http://", "https://", "mailto:", "/", "#")
MEDIA = {("img", "src"), ("audio", "src"), ("video", "src"), ("video", "poster"), ("source", "src")}


def xss_vectors() -> list[str]:
    return [vector for group in json.loads(VECTORS.read_text(encoding="utf-8")).values() for vector in group]


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"] | {"rel"}
        for name, value in attrs:
            value = (value or "").strip()
            if name not in allowed or name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"attribute {name} on <{tag}>")
            elif (tag, name) in MEDIA and not LOCAL_MEDIA.match(value):
                self.problems.append(f"media source {value!r}")
            elif name == "href" and not value.lower().startswith(SAFE_LINK) and ":" in value.split("/")[0]:
                self.problems.append(f"link {value!r}")

    handle_startendtag = handle_starttag


def problems(html: str) -> list[str]:
    """Everything in ``html`` that could run script, load foreign content or restyle the page."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems
