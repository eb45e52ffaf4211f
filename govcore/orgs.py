"""The organisation tree: county → departments and townships → villages. Framework-free.

The rules (which kind of unit may sit under which, unique codes and sibling names, no cycles,
disabled units take no newcomers) live here so that the staff pages and the batch import check
them alike, against a snapshot of the whole tree that the repository hands over. A county has a
few thousand units at most, so a snapshot per request is cheap and keeps every rule simple.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Iterable, Protocol, Sequence

from govcore.errors import NotFound, ValidationError
from govcore.i18n import _



ORG_KINDS = {
    "county": _("县"),
    "department": _("部门"),
    "township": _("乡镇"),
    "village": _("村"),
    "other": _("其他"),
}

# Which kinds may sit directly under which (None: at the top of the tree). Lenient on purpose,
# since counties organise differently: "other" fits anywhere (开发区, 社区, 村民小组 …), a
# department may sit under the county, a township (财政所) or another department (科室).
ALLOWED_PARENT_KINDS: dict[str, frozenset[str | None]] = {
    "county": frozenset({None, "other"}),
    "department": frozenset({"county", "township", "department", "other"}),
    "township": frozenset({"county", "other"}),
    "village": frozenset({"township", "other"}),
    "other": frozenset({None, "county", "department", "township", "village", "other"}),
}

# The kind the "add a unit" form proposes under a parent of each kind (None: at the top).
SUGGESTED_CHILD_KIND: dict[str | None, str] = {
    None: "county", "county": "department", "department": "department",
    "township": "village", "village": "other", "other": "other",
}

# What people write in the 类型 column of an import sheet; the kinds' own names work too.
KIND_ALIASES = {
    "县": "county", "区": "county", "县区": "county",
    "部门": "department", "单位": "department", "机关": "department",
    "乡镇": "township", "乡": "township", "镇": "township", "街道": "township", "乡镇街道": "township",
    "村": "village", "社区": "village", "村社区": "village", "村委会": "village",
    "其他": "other",
}

NAME_MAX = 100
CODE_MAX = 32
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# A path is written with either slash; neither may appear in a name, so every path is unambiguous.
PATH_SEPARATORS = ("/", "／")
_PATH_SPLIT = re.compile("[/／]")


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

    def add(self, parent_id: int | None, name: str, kind: str, code: str | None, position: int) -> OrgUnitNode:
        """Store a new, enabled unit and return it with its id."""

    def save(self, unit: OrgUnitNode) -> None:
        """Write the parent, name, kind, code, position and disabled flag of the unit with ``unit.id``."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input, for showing next to its field.

    ``message`` is Simplified Chinese and may hold ``${name}`` placeholders filled from
    ``mapping``, so the web layer can translate it as one catalogue entry.
    """

    field: str
    message: str
    mapping: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return string.Template(self.message).safe_substitute(self.mapping)


class RulesBroken(ValidationError):
    """Input that breaks one or more rules; ``problems`` says which, field by field."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("；".join(p.text() for p in problems), field=problems[0].field if problems else None)
        self.problems = list(problems)


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


def subtree_ids(units: Iterable[OrgUnitNode], roots: Iterable[int]) -> set[int]:
    """The ids of ``roots`` and of every unit beneath them (e.g. what a scoped manager may see)."""
    return OrgTree(units).subtree(roots)


def kind_label(kind: str) -> str:
    return ORG_KINDS.get(kind, kind)


def resolve_kind(text: str) -> str | None:
    """The kind a sheet cell means (村, 乡镇, 街道, village …), or None when it names none."""
    value = text.strip()
    if value in ORG_KINDS:
        return value
    if value in KIND_ALIASES:
        return KIND_ALIASES[value]
    return next((kind for kind, label in ORG_KINDS.items() if label == value), None)


class OrgTree:
    """A snapshot of the whole tree with the lookups the rules and the pages need.

    Siblings are ordered by position, then id. A unit whose parent is missing is treated as a
    root; units caught in a cycle (bad data) are reachable by id but not from the roots.
    """

    def __init__(self, units: Iterable[OrgUnitNode]):
        self.by_id: dict[int, OrgUnitNode] = {}
        self._children: dict[int | None, list[OrgUnitNode]] = {}
        self._by_code: dict[str, OrgUnitNode] = {}
        for unit in sorted(units, key=lambda u: (u.position, u.id)):
            self.by_id[unit.id] = unit
        for unit in self.by_id.values():
            self._index(unit)

    def _index(self, unit: OrgUnitNode) -> None:
        parent = unit.parent_id if unit.parent_id in self.by_id else None
        self._children.setdefault(parent, []).append(unit)
        if unit.code:
            self._by_code[unit.code.casefold()] = unit

    def include(self, unit: OrgUnitNode) -> None:
        """Take in a newly added unit (last among its siblings), as an import does row by row."""
        self.by_id[unit.id] = unit
        self._index(unit)

    def get(self, unit_id: int | None) -> OrgUnitNode | None:
        return self.by_id.get(unit_id) if unit_id is not None else None

    def children(self, parent_id: int | None) -> list[OrgUnitNode]:
        return list(self._children.get(parent_id, ()))

    @property
    def roots(self) -> list[OrgUnitNode]:
        return self.children(None)

    def walk(self) -> list[tuple[OrgUnitNode, int]]:
        """(unit, depth) in display order: each unit followed by its children."""
        out: list[tuple[OrgUnitNode, int]] = []
        stack = [(unit, 0) for unit in reversed(self.roots)]
        seen: set[int] = set()
        while stack:
            unit, depth = stack.pop()
            if unit.id in seen:
                continue
            seen.add(unit.id)
            out.append((unit, depth))
            stack.extend((child, depth + 1) for child in reversed(self.children(unit.id)))
        return out

    def ancestors(self, unit_id: int) -> list[int]:
        """``unit_id`` and the ids above it, nearest first."""
        chain: list[int] = []
        current = self.by_id.get(unit_id)
        while current is not None and current.id not in chain:
            chain.append(current.id)
            current = self.by_id.get(current.parent_id) if current.parent_id is not None else None
        return chain

    def path(self, unit_id: int) -> str:
        return " / ".join(self.by_id[i].name for i in reversed(self.ancestors(unit_id)))

    def subtree(self, roots: Iterable[int]) -> set[int]:
        """The ids of ``roots`` (those that exist) and of every unit beneath them."""
        found: set[int] = set()
        stack = [unit_id for unit_id in roots if unit_id in self.by_id]
        while stack:
            unit_id = stack.pop()
            if unit_id in found:
                continue
            found.add(unit_id)
            stack.extend(child.id for child in self._children.get(unit_id, ()))
        return found

    def is_active(self, unit_id: int) -> bool:
        """False when the unit or any unit above it is disabled: it then takes no newcomers."""
        return unit_id in self.by_id and not any(self.by_id[i].disabled for i in self.ancestors(unit_id))

    def by_code(self, code: str) -> OrgUnitNode | None:
        return self._by_code.get(code.strip().casefold()) if code and code.strip() else None

    def find_by_path(self, text: str) -> list[OrgUnitNode]:
        """The units a written path names (示例县/城关镇/东村; spaces around the slashes do not matter).

        When the tree has a single root, the path may leave it out (城关镇/东村), as people
        naturally do inside one county. Sibling names are unique, so more than one match only
        happens with data that predates that rule.
        """
        names = [part.strip() for part in _PATH_SPLIT.split(text) if part.strip()]
        if not names:
            return []
        found = self._descend(self.roots, names)
        if not found and len(self.roots) == 1:
            found = self._descend(self.children(self.roots[0].id), names)
        return found

    def _descend(self, level: list[OrgUnitNode], names: list[str]) -> list[OrgUnitNode]:
        matches = [unit for unit in level if unit.name == names[0]]
        if len(names) == 1:
            return matches
        return [found for unit in matches for found in self._descend(self.children(unit.id), names[1:])]

    def next_position(self, parent_id: int | None) -> int:
        siblings = self._children.get(parent_id, ())
        return max((unit.position for unit in siblings), default=-1) + 1

    def parent_choices(self, unit_id: int | None) -> list[OrgUnitNode]:
        """Units offered as the parent of ``unit_id`` (None: a new unit), in display order.

        Left out: the unit itself and everything beneath it, and disabled units other than the
        current parent (so that saving an unchanged form stays possible). Kind rules are left to
        :func:`check_unit`, since the same form may change the kind too.
        """
        excluded = self.subtree([unit_id]) if unit_id is not None else set()
        current = self.by_id[unit_id].parent_id if unit_id in self.by_id else None
        return [unit for unit, _depth in self.walk()
                if unit.id not in excluded and (self.is_active(unit.id) or unit.id == current)]


def clean_name(name: str) -> str:
    return " ".join(name.split())


def clean_code(code: str | None) -> str | None:
    """An empty code is no code: units without one are many, a blank one would not be unique."""
    if code is None:
        return None
    return code.strip() or None


def check_unit(tree: OrgTree, *, unit_id: int | None, parent_id: int | None, name: str, kind: str,
               code: str | None) -> list[Problem]:
    """Everything wrong with adding (``unit_id`` None) or changing a unit to these values.

    ``name`` and ``code`` must already be cleaned (:func:`clean_name`, :func:`clean_code`).
    """
    problems: list[Problem] = []
    unit = tree.get(unit_id)
    if not name:
        problems.append(Problem("name", _("请填写单位名称")))
    elif len(name) > NAME_MAX:
        problems.append(Problem("name", _("单位名称不能超过 ${max} 个字"), {"max": str(NAME_MAX)}))
    elif any(sep in name for sep in PATH_SEPARATORS):
        problems.append(Problem("name", _("单位名称不能包含斜杠（/）")))
    if kind not in ORG_KINDS:
        problems.append(Problem("kind", _("请选择单位类型")))
    if code is not None:
        other = tree.by_code(code)
        if len(code) > CODE_MAX:
            problems.append(Problem("code", _("编码不能超过 ${max} 个字符"), {"max": str(CODE_MAX)}))
        elif not CODE_PATTERN.match(code):
            problems.append(Problem("code", _("编码只能包含字母、数字、点、下划线和连字符，并以字母或数字开头")))
        elif other is not None and other.id != unit_id:
            problems.append(Problem("code", _("编码“${code}”已被“${other}”使用"),
                                    {"code": code, "other": tree.path(other.id)}))

    parent = tree.get(parent_id)
    moving = unit is None or unit.parent_id != parent_id
    if parent_id is not None and parent is None:
        problems.append(Problem("parent", _("上级单位不存在")))
        return problems
    if unit is not None and parent is not None and parent.id in tree.subtree([unit.id]):
        problems.append(Problem("parent", _("不能把单位移到它自己或它的下级单位之下")))
        return problems
    if parent is not None and moving and not tree.is_active(parent.id):
        problems.append(Problem("parent", _("上级单位“${parent}”已停用，不能在其下增加单位"),
                                {"parent": tree.path(parent.id)}))
    # Kind rules apply to what changes, so units from before a rule can still be renamed.
    if kind in ORG_KINDS and (moving or unit.kind != kind):
        allowed = ALLOWED_PARENT_KINDS[kind]
        if parent is None and None not in allowed:
            problems.append(Problem("parent", _("${kind}必须设在上级单位之下"), {"kind": kind_label(kind)}))
        elif parent is not None and parent.kind not in allowed:
            problems.append(Problem("parent", _("${kind}不能设在${parent_kind}“${parent}”之下"),
                                    {"kind": kind_label(kind), "parent_kind": kind_label(parent.kind),
                                     "parent": parent.name}))
        if unit is not None and unit.kind != kind:
            for child in tree.children(unit.id):
                if kind not in ALLOWED_PARENT_KINDS.get(child.kind, frozenset()):
                    problems.append(Problem("kind", _("下级有${child_kind}“${child}”，类型不能改为${kind}"),
                                            {"child_kind": kind_label(child.kind), "child": child.name,
                                             "kind": kind_label(kind)}))
                    break
    if name and any(sibling.name == name and sibling.id != unit_id for sibling in tree.children(parent_id)):
        problems.append(Problem("name", _("同一上级单位下已有名为“${name}”的单位"), {"name": name}))
    return problems


def _require(tree: OrgTree, unit_id: int) -> OrgUnitNode:
    unit = tree.get(unit_id)
    if unit is None:
        raise NotFound("单位不存在", f"org unit {unit_id} does not exist")
    return unit


def add_unit(repo: OrgUnitRepository, parent_id: int | None, name: str, kind: str, code: str | None,
             tree: OrgTree | None = None) -> OrgUnitNode:
    """Add a unit as the last child of ``parent_id``; raises :class:`RulesBroken`."""
    tree = tree if tree is not None else OrgTree(repo.all_units())
    name, code = clean_name(name), clean_code(code)
    problems = check_unit(tree, unit_id=None, parent_id=parent_id, name=name, kind=kind, code=code)
    if problems:
        raise RulesBroken(problems)
    unit = repo.add(parent_id, name, kind, code, tree.next_position(parent_id))
    tree.include(unit)
    return unit


def change_unit(repo: OrgUnitRepository, unit_id: int, parent_id: int | None, name: str, kind: str,
                code: str | None) -> dict[str, list]:
    """Rename, re-kind, re-code and/or move a unit; returns the changed fields as [old, new].

    A moved unit goes last among its new siblings. Raises :class:`RulesBroken` or NotFound.
    """
    tree = OrgTree(repo.all_units())
    unit = _require(tree, unit_id)
    name, code = clean_name(name), clean_code(code)
    problems = check_unit(tree, unit_id=unit_id, parent_id=parent_id, name=name, kind=kind, code=code)
    if problems:
        raise RulesBroken(problems)
    changes: dict[str, list] = {}
    for key, old, new in (("name", unit.name, name), ("kind", unit.kind, kind), ("code", unit.code, code)):
        if old != new:
            changes[key] = [old, new]
    position = unit.position
    if parent_id != unit.parent_id:
        old_parent = tree.path(unit.parent_id) if unit.parent_id is not None else ""
        new_parent = tree.path(parent_id) if parent_id is not None else ""
        changes["parent"] = [old_parent, new_parent]
        position = tree.next_position(parent_id)
    if changes:
        repo.save(OrgUnitNode(unit.id, parent_id, name, kind, code, position, unit.disabled))
    return changes


def shift_unit(repo: OrgUnitRepository, unit_id: int, offset: int) -> bool:
    """Move a unit ``offset`` places among its siblings (−1 up, +1 down); False at either end.

    Siblings are renumbered 0, 1, 2 … so that gaps and ties in old data do not matter.
    """
    tree = OrgTree(repo.all_units())
    unit = _require(tree, unit_id)
    siblings = tree.children(unit.parent_id if unit.parent_id in tree.by_id else None)
    index = next(i for i, sibling in enumerate(siblings) if sibling.id == unit.id)
    target = index + offset
    if offset == 0 or not 0 <= target < len(siblings):
        return False
    siblings.insert(target, siblings.pop(index))
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            repo.save(OrgUnitNode(sibling.id, sibling.parent_id, sibling.name, sibling.kind, sibling.code,
                                  position, sibling.disabled))
    return True


def set_unit_disabled(repo: OrgUnitRepository, unit_id: int, disabled: bool) -> bool:
    """Disable or enable one unit; False when it already was. Its staff and sub-units are kept."""
    unit = _require(OrgTree(repo.all_units()), unit_id)
    if unit.disabled == disabled:
        return False
    repo.save(OrgUnitNode(unit.id, unit.parent_id, unit.name, unit.kind, unit.code, unit.position, disabled))
    return True


# --- batch import -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowProblem:
    """Why one row of an import sheet was not imported: its row number, column and a message."""

    row: int
    column: str
    message: str
    mapping: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return string.Template(self.message).safe_substitute(self.mapping)


@dataclass
class ImportReport:
    rows: int = 0
    created: list = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def failed_rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})


# The column titles of the unit sheet; they are data, matched as written, so not translated.
UNIT_COLUMNS = {
    "parent_path": "上级单位路径",
    "parent_code": "上级单位编码",
    "name": "单位名称",
    "kind": "类型",
    "code": "编码",
}
UNIT_REQUIRED_COLUMNS = ("name", "kind")


@dataclass(frozen=True)
class UnitRow:
    row: int
    name: str = ""
    kind: str = ""
    code: str = ""
    parent_path: str = ""
    parent_code: str = ""


def resolve_unit_reference(tree: OrgTree, path: str, code: str, path_field: str,
                           code_field: str) -> tuple[OrgUnitNode | None, list[Problem]]:
    """The unit a sheet row names by code or by path (both given: they must agree).

    Returns (None, []) when neither is given.
    """
    path, code = path.strip(), code.strip()
    by_code = tree.by_code(code) if code else None
    if code and by_code is None:
        return None, [Problem(code_field, _("没有编码为“${code}”的单位"), {"code": code})]
    if not path:
        return by_code, []
    matches = tree.find_by_path(path)
    if not matches:
        return None, [Problem(path_field, _("找不到单位“${path}”"), {"path": path})]
    if len(matches) > 1:
        return None, [Problem(path_field, _("“${path}”对应多个单位，请改用编码"), {"path": path})]
    if by_code is not None and by_code.id != matches[0].id:
        return None, [Problem(code_field, _("编码“${code}”与路径“${path}”指的不是同一个单位"),
                              {"code": code, "path": path})]
    return matches[0], []


def import_units(repo: OrgUnitRepository, rows: Iterable[UnitRow]) -> ImportReport:
    """Add the units of a sheet, row by row, keeping the valid rows and reporting the others.

    A row may name as its parent a unit that an earlier row of the same sheet created.
    """
    tree = OrgTree(repo.all_units())
    report = ImportReport()
    for row in rows:
        report.rows += 1
        problems = _unit_row_problems(tree, row)
        if problems:
            parent_column = "parent_code" if row.parent_code.strip() and not row.parent_path.strip() else "parent_path"
            for problem in problems:
                key = parent_column if problem.field == "parent" else problem.field
                report.problems.append(RowProblem(row.row, UNIT_COLUMNS.get(key, key), problem.message,
                                                  problem.mapping))
            continue
        parent, _found = resolve_unit_reference(tree, row.parent_path, row.parent_code, "parent_path", "parent_code")
        report.created.append(add_unit(repo, parent.id if parent else None, row.name, resolve_kind(row.kind),
                                       row.code, tree=tree))
    return report


def _unit_row_problems(tree: OrgTree, row: UnitRow) -> list[Problem]:
    kind = resolve_kind(row.kind)
    problems: list[Problem] = []
    if not row.kind.strip():
        problems.append(Problem("kind", _("请填写类型")))
    elif kind is None:
        problems.append(Problem("kind", _("无法识别的类型“${value}”，可填：县、部门、乡镇、村、其他"),
                                {"value": row.kind.strip()}))
    parent, found = resolve_unit_reference(tree, row.parent_path, row.parent_code, "parent_path", "parent_code")
    problems += found
    if problems:
        return problems
    return check_unit(tree, unit_id=None, parent_id=parent.id if parent else None, name=clean_name(row.name),
                      kind=kind, code=clean_code(row.code))
