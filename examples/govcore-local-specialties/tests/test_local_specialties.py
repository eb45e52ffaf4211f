"""Unit tests of the plugin's rules and use cases: no database, no web server, in-memory fakes.

The fakes subclass the real Protocols, so a method added to a Protocol and forgotten here fails
loudly instead of drifting.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest

from govcore.clock import FixedClock
from govcore_local_specialties import services
from govcore_local_specialties.domain import (
    FIELD_NAMES,
    MAX_LENGTHS,
    SPECIALTY_TYPE,
    InvalidSpecialty,
    Specialty,
    SpecialtyAdded,
    SpecialtyDraft,
    SpecialtyRepository,
    normalise,
    validate_draft,
)
from ports.persistence import UnitOfWork
from ports.search import SearchDocument

PACKAGE = Path(__file__).resolve().parents[1] / "govcore_local_specialties"
FRAMEWORKS = {"pyramid", "sqlalchemy", "alembic", "chameleon", "webob", "transaction", "zope", "whoosh", "adapters"}
TEA = {"name": "高山云雾茶", "township": "青山乡", "description": "清明前后采摘。", "price_note": ""}


class FakeSpecialtyRepository(SpecialtyRepository):
    def __init__(self, clock: FixedClock):
        self.clock = clock
        self.rows: list[Specialty] = []

    def add(self, draft: SpecialtyDraft) -> Specialty:
        specialty = Specialty(len(self.rows) + 1, draft.name, draft.township, draft.description, draft.price_note,
                              self.clock.now())
        self.rows.append(specialty)
        return specialty

    def find(self, name: str, township: str) -> Specialty | None:
        return next((s for s in self.rows if (s.name, s.township) == (name, township)), None)

    def newest(self, limit: int) -> list[Specialty]:
        return sorted(self.rows, key=lambda s: (s.created_at, s.id), reverse=True)[:limit]

    def all(self) -> list[Specialty]:
        return sorted(self.rows, key=lambda s: (s.township, s.name))


class FakeUnitOfWork(UnitOfWork):
    """Collects events and after-commit callbacks; :meth:`commit` plays the transaction's part."""

    def __init__(self, repository: FakeSpecialtyRepository):
        self.repositories: dict[type, Any] = {SpecialtyRepository: repository}
        self.events: list[Any] = []
        self.callbacks: list[Callable[[], None]] = []

    def repository(self, kind):
        return self.repositories[kind]

    def record(self, event: Any) -> None:
        self.events.append(event)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)

    def commit(self) -> None:
        for callback in self.callbacks:
            callback()
        self.callbacks = []


class RecordingIndex:
    def __init__(self):
        self.indexed: list[SearchDocument] = []

    def index(self, documents) -> None:
        self.indexed.extend(documents)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 11, 25, 9, 30))


@pytest.fixture
def uow(clock) -> FakeUnitOfWork:
    return FakeUnitOfWork(FakeSpecialtyRepository(clock))


# -- validation ----------------------------------------------------------------------------------


def test_a_complete_submission_becomes_a_tidy_draft():
    draft = validate_draft({"name": "  高山  云雾茶 ", "township": "青山乡\n", "description": "第一段\r\n\r\n第二段  ",
                            "price_note": " 每斤 300 元起 "})
    assert draft == SpecialtyDraft("高山 云雾茶", "青山乡", "第一段\n\n第二段", "每斤 300 元起")


def test_every_missing_required_field_is_named_in_chinese_at_once():
    with pytest.raises(InvalidSpecialty) as info:
        validate_draft({"name": " ", "price_note": "面议"})
    assert info.value.errors == {"name": "请填写特产名称", "township": "请填写所属乡镇", "description": "请填写特产介绍"}
    assert info.value.field == "name"  # the first field of the form, for focusing it


def test_the_price_note_is_optional():
    assert validate_draft({**TEA, "price_note": ""}).price_note == ""


@pytest.mark.parametrize("field", ["name", "township", "description", "price_note"])
def test_overlong_values_are_refused_with_the_limit_and_the_length(field):
    too_long = "茶" * (MAX_LENGTHS[field] + 1)
    with pytest.raises(InvalidSpecialty) as info:
        validate_draft({**TEA, field: too_long})
    title = next(spec.title for spec in SPECIALTY_TYPE.fields if spec.name == field)
    assert info.value.errors == {field: f"{title}不能超过 {MAX_LENGTHS[field]} 个字（现有 {len(too_long)} 个）"}


def test_a_value_at_the_limit_is_accepted():
    assert len(validate_draft({**TEA, "name": "茶" * MAX_LENGTHS["name"]}).name) == MAX_LENGTHS["name"]


def test_a_line_break_cannot_split_a_single_line_field():
    assert normalise({**TEA, "name": "高山\n云雾茶"}).name == "高山 云雾茶"


def test_the_form_fields_are_the_content_types_fields():
    assert FIELD_NAMES == ("name", "township", "description", "price_note")
    assert [spec.name for spec in SPECIALTY_TYPE.fields if spec.required] == ["name", "township", "description"]
    assert set(MAX_LENGTHS) == set(FIELD_NAMES)


def test_paragraphs_are_separated_by_blank_lines(clock):
    specialty = Specialty(1, "茶", "青山乡", "第一段\n接着写\n\n\n第二段\n", "", clock.now())
    assert specialty.paragraphs() == ["第一段\n接着写", "第二段"]


# -- use cases -----------------------------------------------------------------------------------


def test_adding_stores_the_product_and_records_an_event(uow, clock):
    specialty = services.add_specialty(uow, TEA)
    assert specialty.id == 1 and specialty.created_at == clock.now()
    assert uow.repository(SpecialtyRepository).all() == [specialty]
    assert uow.events == [SpecialtyAdded(specialty)]


def test_the_same_name_twice_in_one_township_is_refused(uow):
    services.add_specialty(uow, TEA)
    with pytest.raises(InvalidSpecialty) as info:
        services.add_specialty(uow, {**TEA, "description": "另一种写法"})
    assert info.value.errors == {"name": "青山乡已登记过名为“高山云雾茶”的特产"}
    services.add_specialty(uow, {**TEA, "township": "城关镇"})  # another township may have its own


def test_an_invalid_submission_stores_nothing(uow):
    with pytest.raises(InvalidSpecialty):
        services.add_specialty(uow, {**TEA, "township": ""})
    assert uow.repository(SpecialtyRepository).all() == [] and uow.events == []


def test_demo_products_are_seeded_once(uow):
    assert services.ensure_demo_specialties(uow) == len(services.DEMO_SPECIALTIES)
    assert services.ensure_demo_specialties(uow) == 0
    assert len(uow.repository(SpecialtyRepository).all()) == len(services.DEMO_SPECIALTIES)


def test_a_search_document_points_into_the_public_list(uow, clock):
    specialty = services.add_specialty(uow, {**TEA, "price_note": "每斤 300 元起"})
    document = services.search_document(specialty)
    assert document.doc_id == "local_specialties:specialty:1"
    assert document.kind == "specialty" and document.title == "高山云雾茶"
    assert document.url == "/specialties#specialty-1"
    assert document.body == "青山乡\n清明前后采摘。\n每斤 300 元起"
    assert document.public and document.published_at == clock.now()
    assert document.category == "地方特产/青山乡" and document.keywords == ("青山乡",)


def test_the_daily_job_reindexes_every_product_only_after_its_transaction(uow):
    services.ensure_demo_specialties(uow)
    index = RecordingIndex()
    platform = SimpleNamespace(search=index)  # the job uses nothing else of the platform
    services.refresh_search_index(platform, uow)
    assert index.indexed == []
    uow.commit()
    assert sorted(d.title for d in index.indexed) == sorted(v["name"] for v in services.DEMO_SPECIALTIES)


# -- the dependency rule -------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["domain.py", "services.py", "plugin.py"])
def test_rules_and_hooks_import_no_framework(module):
    """domain and services stay testable like this file; plugin.py stays cheap to import."""
    top_level = ast.parse((PACKAGE / module).read_text(encoding="utf-8")).body  # hooks import adapters lazily
    imported = {alias.name for node in top_level if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in top_level if isinstance(node, ast.ImportFrom) and node.module}
    assert {name for name in imported if name.split(".")[0] in FRAMEWORKS} == set()
