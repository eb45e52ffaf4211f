"""The organisation tree: county → departments and townships → villages. Framework-free."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol


def _(text: str) -> str:
    """Marks a label for the translation catalogue; the web layer translates it on display."""
    return text


ORG_KINDS = {
    "county": _("县"),
    "department": _("部门"),
    "township": _("乡镇"),
    "village": _("村"),
    "other": _("其他"),
}


@dataclass(frozen=True)
class OrgUnitNode:
    id: int
    parent_id: int | None
    name: str
    kind: str
    code: str | None
    position: int
    disabled: bool


class OrgUnitRepository(Protocol):
    def all_units(self) -> list[OrgUnitNode]:
        """Every unit, disabled ones included, in no particular order."""


def ancestors(units: Iterable[OrgUnitNode], unit_id: int) -> list[int]:
    """``unit_id`` and the ids above it, nearest first (a cycle in bad data stops the walk)."""
    parent_of = {unit.id: unit.parent_id for unit in units}
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current in parent_of and current not in chain:
        chain.append(current)
        current = parent_of[current]
    return chain


def unit_paths(units: Iterable[OrgUnitNode]) -> dict[int, str]:
    """A readable path for each unit (示例县 / 城关镇 / 东村), for pickers and exports."""
    units = list(units)
    by_id = {unit.id: unit for unit in units}
    return {
        unit.id: " / ".join(by_id[i].name for i in reversed(ancestors(units, unit.id)))
        for unit in units
    }
