"""Columns (信息分类): the tree every published item lives in. Framework-free."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Protocol

from govcore.errors import ValidationError
from govcore.i18n import _




COLUMN_KINDS = {
    "list": _("文章列表"),
    "pictures": _("图片列表"),
    "page": _("单页"),
    "link": _("外部链接"),
    "services": _("服务列表"),
}
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_OUTLINE_LINE = re.compile(r"^(?P<title>[^\[]+?)\s*(?:\[(?P<slug>[^\]]*)\])?\s*$")


@dataclass
class ColumnSpec:
    """A column to create: from county.toml's default tree or an editor's batch outline."""

    title: str
    slug: str = ""
    kind: str = "list"
    children: list["ColumnSpec"] = field(default_factory=list)


@dataclass
class ColumnNode:
    """A column as the portal shows it: in the tree, with its path for breadcrumbs."""

    id: int
    parent_id: int | None
    title: str
    slug: str
    kind: str
    position: int
    hidden: bool
    children: list["ColumnNode"] = field(default_factory=list)


def parse_outline(text: str, indent_width: int = 2) -> list[ColumnSpec]:
    """Parse an indented outline, one column a line, optional ``[slug]`` after the title.

    ::

        地方概况 [overview]
          自然地理 [geography]

    Tabs count as one level. A line indented deeper than one level below its predecessor is an
    error, reported with its line number in Chinese.
    """
    roots: list[ColumnSpec] = []
    stack: list[tuple[int, ColumnSpec]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        expanded = raw.replace("\t", " " * indent_width)
        level = (len(expanded) - len(expanded.lstrip(" "))) // indent_width
        match = _OUTLINE_LINE.match(expanded.strip())
        if not match:
            raise ValidationError(f"第 {number} 行无法识别：{raw.strip()}", f"line {number} not understood")
        slug = (match.group("slug") or "").strip()
        if slug and not SLUG_PATTERN.match(slug):
            raise ValidationError(
                f"第 {number} 行的英文标识“{slug}”只能包含小写字母、数字和连字符",
                f"line {number}: invalid slug {slug!r}",
            )
        spec = ColumnSpec(title=match.group("title").strip(), slug=slug)
        while stack and stack[-1][0] >= level:
            stack.pop()
        expected = stack[-1][0] + 1 if stack else 0
        if level > expected:
            raise ValidationError(f"第 {number} 行缩进过深（比上一级多了不止一层）", f"line {number} is indented too deep")
        (stack[-1][1].children if stack else roots).append(spec)
        stack.append((level, spec))
    return roots


def build_tree(rows: Iterable[ColumnNode]) -> list[ColumnNode]:
    """Link flat rows into a forest ordered by position, in one pass."""
    by_id = {row.id: row for row in rows}
    roots = []
    for row in sorted(by_id.values(), key=lambda r: (r.position, r.id)):
        parent = by_id.get(row.parent_id) if row.parent_id is not None else None
        (parent.children if parent else roots).append(row)
    return roots


def path_to(node_id: int, nodes_by_id: dict[int, ColumnNode]) -> list[ColumnNode]:
    """The chain of columns from the top of the tree down to ``node_id``, for breadcrumbs."""
    chain = []
    current = nodes_by_id.get(node_id)
    while current is not None:
        chain.append(current)
        current = nodes_by_id.get(current.parent_id) if current.parent_id is not None else None
    return list(reversed(chain))


class ColumnRepository(Protocol):
    def find_child(self, parent_id: int | None, title: str) -> ColumnNode | None: ...

    def add(self, parent_id: int | None, spec: ColumnSpec, position: int) -> ColumnNode: ...

    def child_count(self, parent_id: int | None) -> int: ...

    def all_nodes(self) -> list[ColumnNode]: ...


def ensure_columns(repository: ColumnRepository, specs: list[ColumnSpec], parent_id: int | None = None) -> int:
    """Create the columns of ``specs`` that do not exist yet under their parent (matched by title).

    Idempotent, so re-running a deployment's seeding adds only what its configuration gained.
    Returns how many columns were created.
    """
    created = 0
    for spec in specs:
        node = repository.find_child(parent_id, spec.title)
        if node is None:
            node = repository.add(parent_id, spec, repository.child_count(parent_id))
            created += 1
        created += ensure_columns(repository, spec.children, node.id)
    return created
