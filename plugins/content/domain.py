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
# The portal's page layouts a column may choose; "" is the layout its kind implies.
TEMPLATES = ("", "list", "pictures", "cards", "page")
TEMPLATE_TITLES = {
    "": _("默认（按栏目类型）"),
    "list": _("文字列表"),
    "pictures": _("图片列表"),
    "cards": _("卡片"),
    "page": _("单页"),
}
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SLUG_MAX = 64
TITLE_MAX = 100
OUTLINE_MAX_LINES = 500  # one batch; a bigger tree is added in several steps
COPY_SUFFIX = "（副本）"
_OUTLINE_LINE = re.compile(r"^(?P<title>[^\[]+?)\s*(?:\[(?P<slug>[^\]]*)\])?\s*$")


@dataclass
class ColumnSpec:
    """A column to create: from county.toml's default tree or an editor's batch outline."""

    title: str
    slug: str = ""
    kind: str = "list"
    children: list["ColumnSpec"] = field(default_factory=list)
    line: int = 0  # where an outline gave it, for messages about it


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
    template: str = ""  # a portal layout other than the kind's own (TEMPLATES)
    link_url: str = ""  # where a link column points
    children: list["ColumnNode"] = field(default_factory=list)


def parse_outline(text: str, indent_width: int = 2) -> list[ColumnSpec]:
    """Parse an indented outline, one column a line, optional ``[slug]`` after the title.

    ::

        地方概况 [overview]
          自然地理 [geography]

    Tabs count as one level. A line indented deeper than one level below its predecessor is an
    error, reported with its line number in Chinese.
    """
    roots, errors = read_outline(text, indent_width)
    if errors:
        raise ValidationError(errors[0], "the outline has errors")
    return roots


def read_outline(text: str, indent_width: int = 2) -> tuple[list[ColumnSpec], list[str]]:
    """The outline's columns and every line's mistake (in Chinese, each naming its line).

    A line in error is left out together with what is indented below it, so that one mistake
    yields one message rather than a cascade.
    """
    roots: list[ColumnSpec] = []
    errors: list[str] = []
    stack: list[tuple[int, ColumnSpec | None]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        expanded = raw.replace("\t", " " * indent_width)
        level = (len(expanded) - len(expanded.lstrip(" "))) // indent_width
        while stack and stack[-1][0] >= level:
            stack.pop()
        expected = stack[-1][0] + 1 if stack else 0
        parent = stack[-1][1] if stack else None
        spec, error = _outline_line(number, raw, expanded)
        if level > expected:
            spec, error = None, f"第 {number} 行缩进过深（比上一级多了不止一层）"
        if error:
            errors.append(error)
        elif stack and parent is None:
            spec = None  # below a line in error: already reported through it
        if spec is not None:
            (parent.children if parent else roots).append(spec)
        stack.append((level, spec))
    return roots, errors


def _outline_line(number: int, raw: str, expanded: str) -> tuple[ColumnSpec | None, str]:
    match = _OUTLINE_LINE.match(expanded.strip())
    if not match:
        return None, f"第 {number} 行无法识别：{raw.strip()}"
    slug = (match.group("slug") or "").strip()
    if slug and not SLUG_PATTERN.match(slug):
        return None, f"第 {number} 行的英文标识“{slug}”只能包含小写字母、数字和连字符"
    title = match.group("title").strip()
    if len(title) > TITLE_MAX:
        return None, f"第 {number} 行的栏目名称超过 {TITLE_MAX} 个字符"
    return ColumnSpec(title=title, slug=slug, line=number), ""


def outline_conflicts(roots: list[ColumnSpec], taken_slugs: set[str], parent_titles: set[str]) -> list[str]:
    """Mistakes an outline makes against the tree it is added to: each naming its line.

    ``taken_slugs`` are every column's slugs; ``parent_titles`` the titles of the columns already
    under the parent the outline goes to (siblings must differ in title).
    """
    errors: list[str] = []
    seen_slugs: dict[str, int] = {}

    def walk(specs: list[ColumnSpec], titles: set[str], existing: bool) -> None:
        seen_titles: dict[str, int] = {}
        for spec in specs:
            if spec.title in titles and existing:
                errors.append(f"第 {spec.line} 行：上级栏目下已有名为“{spec.title}”的栏目")
            elif spec.title in seen_titles:
                errors.append(f"第 {spec.line} 行：与第 {seen_titles[spec.title]} 行同名，同一上级下栏目名称不能重复")
            seen_titles.setdefault(spec.title, spec.line)
            if spec.slug in taken_slugs:
                errors.append(f"第 {spec.line} 行：英文标识“{spec.slug}”已被其他栏目使用")
            elif spec.slug and spec.slug in seen_slugs:
                errors.append(f"第 {spec.line} 行：英文标识“{spec.slug}”与第 {seen_slugs[spec.slug]} 行重复")
            if spec.slug:
                seen_slugs.setdefault(spec.slug, spec.line)
            walk(spec.children, set(), False)

    walk(roots, parent_titles, True)
    return sorted(errors, key=_line_number)


def _line_number(message: str) -> int:
    found = re.match(r"第 (\d+) 行", message)
    return int(found.group(1)) if found else 0


def count_specs(specs: list[ColumnSpec]) -> int:
    return sum(1 + count_specs(spec.children) for spec in specs)


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


# -- changing the tree ---------------------------------------------------------------------------

def subtree(node: ColumnNode) -> list[ColumnNode]:
    """The column and everything below it, parents before their children."""
    nodes = [node]
    for child in node.children:
        nodes.extend(subtree(child))
    return nodes


def check_move(node_id: int, new_parent_id: int | None, nodes_by_id: dict[int, ColumnNode]) -> None:
    """Refuse to put a column under itself or anything below it: the tree would become a cycle."""
    if new_parent_id is None:
        return
    if new_parent_id not in nodes_by_id:
        raise ValidationError("目标上级栏目不存在", f"no column {new_parent_id}")
    if any(node.id == node_id for node in path_to(new_parent_id, nodes_by_id)):
        raise ValidationError("不能把栏目移到它自己或它的下级栏目之下", f"moving {node_id} under {new_parent_id} makes a cycle")


def placed(sibling_ids: list[int], node_id: int, index: int | None) -> list[int]:
    """The siblings' order once ``node_id`` stands at ``index`` among them (at the end when None)."""
    order = [sibling for sibling in sibling_ids if sibling != node_id]
    index = len(order) if index is None else max(0, min(index, len(order)))
    return order[:index] + [node_id] + order[index:]


def copy_slug(slug: str, taken: set[str]) -> str:
    """``slug-copy``, then ``slug-copy-2``, ``-3`` … : the first not taken, within the slug length."""
    for number in range(1, len(taken) + 2):
        suffix = "-copy" if number == 1 else f"-copy-{number}"
        candidate = slug[:SLUG_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: more candidates than taken slugs")


def copy_title(title: str, taken: set[str]) -> str:
    """``标题（副本）``, then ``标题（副本2）`` … : the first no sibling has, within the title length."""
    for number in range(1, len(taken) + 2):
        suffix = COPY_SUFFIX if number == 1 else COPY_SUFFIX.replace("）", f"{number}）")
        candidate = title[:TITLE_MAX - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: more candidates than taken titles")
