"""The English catalogue translates every message of the "govcore" domain, and its .mo is current.

The messages are extracted afresh, as scripts/i18n does, so that a Chinese UI text added without
an English translation fails here. To fix: run scripts/i18n, translate the new messages in
adapters/web/locale/en/LC_MESSAGES/govcore.po, and run scripts/i18n again to compile them.
"""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "adapters" / "web" / "locale"
ENGLISH = LOCALE / "en" / "LC_MESSAGES"
# CJK ideographs, and the CJK and full-width punctuation that goes with them (，。：).
CJK = re.compile("[\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"\$\{\w+\}")


def translations(catalog) -> dict[str, str]:
    """Message id → translation, for the messages the application would use."""
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


@pytest.fixture(scope="module")
def english():
    with (ENGLISH / "govcore.po").open("rb") as po:
        return read_po(po)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A fresh extraction, by the code scripts/i18n runs (adapters/web/locale/extract.py)."""
    spec = importlib.util.spec_from_file_location("govcore_locale_extract", LOCALE / "extract.py")
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)
    template = tmp_path_factory.mktemp("locale") / "govcore.pot"
    extract.write_template(template)
    with template.open("rb") as pot:
        return read_po(pot)


def test_the_extraction_finds_templates_python_code_and_plugin_titles(extracted):
    ids = {m.id for m in extracted}
    assert {"跳到主要内容", "页面不存在", "栏目导航", "信息发布", "系统管理员"} <= ids


def test_every_extracted_message_has_an_english_translation(extracted, english):
    translated = translations(english)
    missing = [
        "{} ({}:{})".format(m.id, *m.locations[0])
        for m in extracted
        if m.id and not translated.get(m.id, "").strip()
    ]
    assert missing == [], "untranslated or fuzzy in en/LC_MESSAGES/govcore.po; run scripts/i18n"


def test_translations_keep_the_placeholders(english):
    changed = [
        m.id
        for m in english
        if m.id and m.string and set(PLACEHOLDER.findall(m.id)) != set(PLACEHOLDER.findall(m.string))
    ]
    assert changed == []


def test_no_english_translation_is_still_chinese(english):
    assert [m.string for m in english if m.id and CJK.search(m.string)] == []


def test_the_committed_mo_is_the_compiled_po(english):
    compiled = io.BytesIO()
    write_mo(compiled, english)
    compiled.seek(0)
    with (ENGLISH / "govcore.mo").open("rb") as committed:
        assert translations(read_mo(committed)) == translations(read_mo(compiled)), "run scripts/i18n"
