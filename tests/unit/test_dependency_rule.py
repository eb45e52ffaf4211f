"""The core stays framework-free: ``govcore`` and ``ports`` import no web, database or search library."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "pyramid", "sqlalchemy", "whoosh", "apscheduler", "httpx", "requests", "chameleon", "webob",
    "transaction", "zope", "alembic", "jieba", "waitress", "click", "argon2", "chinese_calendar",
    "adapters", "plugins",
}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


@pytest.mark.parametrize("package", ["govcore", "ports"])
def test_core_imports_no_framework(package):
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    ]
    assert offences == []


def test_ports_import_nothing_but_the_standard_library_and_core_model():
    allowed_roots = {"govcore", "ports", "__future__"}
    import sys

    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "ports").rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] not in allowed_roots and module.split(".")[0] not in sys.stdlib_module_names
    ]
    assert offences == []


def test_the_rule_catches_an_offending_import(tmp_path):
    offender = tmp_path / "bad.py"
    offender.write_text("import os\nfrom sqlalchemy import select\n")
    assert [m for _, m in imported_modules(offender) if m.split(".")[0] in FORBIDDEN] == ["sqlalchemy"]
