import pytest

from govcore.errors import ValidationError
from plugins.content.domain import ColumnNode, ColumnSpec, build_tree, ensure_columns, parse_outline, path_to


def test_outline_nesting_and_slugs():
    roots = parse_outline("地方概况 [overview]\n  自然地理 [geography]\n  历史概况\n\t\t古迹\n招商引资\n")
    assert [r.title for r in roots] == ["地方概况", "招商引资"]
    assert roots[0].slug == "overview"
    assert [c.title for c in roots[0].children] == ["自然地理", "历史概况"]
    assert roots[0].children[1].children[0].title == "古迹"


@pytest.mark.parametrize("text, message", [
    ("甲\n      乙", "第 2 行缩进过深"),
    ("甲 [Bad Slug]", "第 1 行的英文标识"),
])
def test_outline_errors_name_the_line(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_outline(text)


class MemoryColumns:
    def __init__(self):
        self.nodes: list[ColumnNode] = []

    def find_child(self, parent_id, title):
        return next((n for n in self.nodes if n.parent_id == parent_id and n.title == title), None)

    def add(self, parent_id, spec: ColumnSpec, position):
        node = ColumnNode(len(self.nodes) + 1, parent_id, spec.title, spec.slug or f"c{len(self.nodes) + 1}",
                          spec.kind, position, False)
        self.nodes.append(node)
        return node

    def child_count(self, parent_id):
        return sum(1 for n in self.nodes if n.parent_id == parent_id)

    def all_nodes(self):
        return list(self.nodes)


def test_ensure_columns_is_idempotent_and_adds_only_new_columns():
    repo = MemoryColumns()
    assert ensure_columns(repo, parse_outline("甲\n  乙\n丙")) == 3
    assert ensure_columns(repo, parse_outline("甲\n  乙\n  丁\n丙")) == 1
    tree = build_tree([ColumnNode(n.id, n.parent_id, n.title, n.slug, n.kind, n.position, n.hidden) for n in repo.nodes])
    assert [n.title for n in tree] == ["甲", "丙"]
    assert [c.title for c in tree[0].children] == ["乙", "丁"]
    by_id = {n.id: n for n in repo.nodes}
    assert [n.title for n in path_to(by_id[4].id, by_id)] == ["甲", "丁"]
