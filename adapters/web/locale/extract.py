"""Extract the messages of the "govcore" translation domain into a template (.pot file).

The messages come from the source tree (govcore/, adapters/, plugins/ and examples/):

- page templates (``*.pt``): ``i18n:translate`` and ``i18n:attributes`` in the ``govcore`` domain;
- Python code: ``_("…")`` calls;
- Python code: the titles plugins hand the shell (menu entries and their sections, home-page
  blocks, dashboard widgets, permissions, roles), which the templates translate on display.
  They are read from the source, so they must be string literals, like the texts of ``_("…")``.

Reading the source rather than loading the installed plugins keeps the result the same in every
environment, whether or not the examples are installed in it.

scripts/i18n runs this, then merges the template into each catalogue and compiles them;
tests/unit/test_i18n.py runs it to check that the English catalogue is complete.

Usage: python adapters/web/locale/extract.py OUTPUT.pot
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from importlib import metadata
from pathlib import Path
from typing import Iterator

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from lingua.extract import ExtractorOptions
from lingua.extractors.python import PythonExtractor
from lingua.extractors.xml import ChameleonExtractor

from adapters.web.i18n import DOMAIN
from govcore.contributions import DashboardWidget, MenuEntry, Permission, PortalBlock, RoleTemplate

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("govcore", "adapters", "plugins", "examples")
SKIPPED_DIRECTORIES = {"__pycache__", "node_modules", "build", "dist"}
EXTRACTORS = {".pt": ChameleonExtractor(), ".py": PythonExtractor()}
OPTIONS = ExtractorOptions(comment_tag=True, domain=DOMAIN, keywords=["_"])
HEADER = """\
# Translations template for the govcore web interface, made by scripts/i18n.
# This file is distributed under the same license as the govcore project."""

# The contributions whose titles the shell shows, by class name, with the fields holding them.
TITLED_CONTRIBUTIONS = {
    cls.__name__: (cls, attributes)
    for cls, attributes in [
        (MenuEntry, ("title", "section")),
        (PortalBlock, ("title",)),
        (DashboardWidget, ("title",)),
        (Permission, ("title",)),
        (RoleTemplate, ("title",)),
    ]
}


def source_files() -> list[Path]:
    """The templates and Python modules of the source tree, in a stable order."""
    return sorted(
        path
        for directory in SOURCES
        for path in (ROOT / directory).rglob("*")
        if path.suffix in EXTRACTORS
        and path.is_file()
        and not any(
            part in SKIPPED_DIRECTORIES or part.startswith(".") or part.endswith(".egg-info")
            for part in path.relative_to(ROOT).parts[:-1]
        )
    )


def contribution_titles(path: Path) -> Iterator[tuple[str, int, str]]:
    """(title, line, what it is) for each titled contribution a Python module builds."""
    source = path.read_text(encoding="utf-8")
    if not any(name in source for name in TITLED_CONTRIBUTIONS):
        return
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in TITLED_CONTRIBUTIONS:
            continue
        cls, attributes = TITLED_CONTRIBUTIONS[name]
        fields = dataclasses.fields(cls)
        # An argument left out takes the field's default (a menu entry's section is "系统").
        given = {field.name: ast.Constant(field.default) for field in fields}
        given.update(zip((field.name for field in fields), node.args))
        given.update((keyword.arg, keyword.value) for keyword in node.keywords)
        for attribute in attributes:
            value = given[attribute]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                yield value.value, node.lineno, f"{name}.{attribute}"


def build_template() -> Catalog:
    catalog = Catalog(domain=DOMAIN, header_comment=HEADER, project="govcore", version=metadata.version("govcore"),
                      charset="utf-8")
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        for message in EXTRACTORS[path.suffix](str(path), OPTIONS):
            catalog.add(
                message.msgid,
                locations=[(relative, int(message.location[1]))],
                auto_comments=[message.comment] if message.comment else [],
            )
        if path.suffix == ".py":
            for title, line, what in contribution_titles(path):
                catalog.add(title, locations=[(relative, line)], auto_comments=[what])
    return catalog


def summary(catalog: Catalog) -> list[tuple]:
    return [(m.id, m.locations, m.auto_comments) for m in catalog if m.id]


def write_template(path: Path) -> Catalog:
    """Extract every message into the template at ``path``. An unchanged template is left alone,
    so that its creation date, and the catalogues merged from it, do not change for nothing."""
    catalog = build_template()
    if path.exists():
        with path.open("rb") as existing:
            if summary(read_po(existing)) == summary(catalog):
                return catalog
    with path.open("wb") as output:
        write_po(output, catalog)
    return catalog


if __name__ == "__main__":
    template = write_template(Path(sys.argv[1]))
    print(f"{len(template)} messages in {sys.argv[1]}")
