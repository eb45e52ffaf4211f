"""Local specialties (地方特产): what a product is and what makes one acceptable. Framework-free.

Like govcore's own core, this module imports only the standard library and ``govcore``: its rules
are unit-tested without a database or a web server, and the staff form, the demo seed and any
later import all go through the same checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping, Protocol

from govcore.contributions import ContentType, FieldSpec
from govcore.errors import ValidationError
from govcore.events import DomainEvent

PLUGIN = "local_specialties"  # the entry-point name: county.toml enables the plugin by it
EDIT_PERMISSION = "specialties.edit"

# Longest accepted value of each field, in characters. orm.py sizes its columns from this table;
# the migration repeats the numbers because a revision must not change when this module does.
MAX_LENGTHS: dict[str, int] = {"name": 50, "township": 30, "description": 2000, "price_note": 100}

# The type describes its fields once: the staff form is rendered from it, so labels, hints and
# which fields are required cannot drift between the declaration and the page.
SPECIALTY_TYPE = ContentType(
    name="specialty",
    title="地方特产",
    plugin=PLUGIN,
    fields=(
        FieldSpec("name", "特产名称", required=True, help="如：高山云雾茶"),
        FieldSpec("township", "所属乡镇", required=True, help="填写乡镇全称，如：青山乡"),
        FieldSpec("description", "特产介绍", kind="textarea", required=True,
                  help="产地、特点、上市季节等；空一行另起一段"),
        FieldSpec("price_note", "价格说明", help="如：每斤 120 元起，以实际销售为准"),
    ),
    add_permission=EDIT_PERMISSION,
    description="本县各乡镇的特色农产品和传统手工艺品",
)

FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in SPECIALTY_TYPE.fields)


@dataclass(frozen=True)
class SpecialtyDraft:
    """A product as it will be stored, before it has an id: the output of :func:`validate_draft`."""

    name: str
    township: str
    description: str
    price_note: str = ""


@dataclass(frozen=True)
class Specialty:
    """A registered product, as the portal, the search index and the staff list see it."""

    id: int
    name: str
    township: str
    description: str
    price_note: str
    created_at: dt.datetime  # timezone-aware, in the county's time zone

    def paragraphs(self) -> list[str]:
        """The description split at blank lines, so templates show paragraphs without storing markup."""
        return [block.strip() for block in self.description.split("\n\n") if block.strip()]


@dataclass(frozen=True)
class SpecialtyAdded(DomainEvent):
    """A product was registered; dispatched after the commit, when it is safe to index it."""

    specialty: Specialty


class InvalidSpecialty(ValidationError):
    """Every problem of one submission at once, by field, so a form can mark each field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()), f"invalid specialty: {', '.join(errors)}",
                         field=next(iter(errors)))
        self.errors = errors


def normalise(values: Mapping[str, str]) -> SpecialtyDraft:
    """Tidy what a person typed without changing what they meant.

    Single-line fields lose surrounding and repeated whitespace (a pasted line break in a name would
    otherwise split the product in two on the portal); the description keeps its line breaks, with
    Windows line ends made plain. Missing fields count as empty.
    """
    tidy = {}
    for spec in SPECIALTY_TYPE.fields:
        raw = str(values.get(spec.name, "") or "")
        if spec.kind == "textarea":
            tidy[spec.name] = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
        else:
            tidy[spec.name] = " ".join(raw.split())
    return SpecialtyDraft(**tidy)


def problems(draft: SpecialtyDraft) -> dict[str, str]:
    """What is wrong with ``draft``, as Chinese messages by field name, in form order; empty if nothing."""
    found: dict[str, str] = {}
    for spec in SPECIALTY_TYPE.fields:
        value = getattr(draft, spec.name)
        if spec.required and not value:
            found[spec.name] = f"请填写{spec.title}"
        elif len(value) > MAX_LENGTHS[spec.name]:
            found[spec.name] = f"{spec.title}不能超过 {MAX_LENGTHS[spec.name]} 个字（现有 {len(value)} 个）"
    return found


def validate_draft(values: Mapping[str, str]) -> SpecialtyDraft:
    """Normalise and check submitted values; raise :class:`InvalidSpecialty` naming every problem."""
    draft = normalise(values)
    found = problems(draft)
    if found:
        raise InvalidSpecialty(found)
    return draft


class SpecialtyRepository(Protocol):
    """Where products are kept. ``orm.py`` implements it on SQLAlchemy; unit tests use a fake."""

    def add(self, draft: SpecialtyDraft) -> Specialty:
        """Store a new product, stamped with the current time, and return it with its id."""

    def find(self, name: str, township: str) -> Specialty | None:
        """The product of that exact name in that township, if one is registered."""

    def newest(self, limit: int) -> list[Specialty]:
        """The ``limit`` most recently registered products, newest first."""

    def all(self) -> list[Specialty]:
        """Every product, by township and then name.

        Unpaged on purpose: a county registers tens of products, not thousands.
        """
