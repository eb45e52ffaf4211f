"""Column tree rules: outline checks with line numbers, cycles, sibling order, copy names."""

import pytest

from govcore.errors import ValidationError
from plugins.content.domain import (COPY_SUFFIX, SLUG_MAX, TITLE_MAX, ColumnNode, build_tree, check_move, copy_slug,
                                    copy_title, count_specs, outline_conflicts, placed, read_outline, subtree)


def tree(*rows):
    nodes = {row[0]: ColumnNode(row[0], row[1], row[2], row[2], "list", i, False) for i, row in enumerate(rows)}
    build_tree(nodes.values())
    return nodes


@pytest.fixture
def nodes():
    # 1 政务公开 ─ 2 政府文件 ─ 4 规范性文件
    #           └ 3 政务动态
    # 5 网上办事
    return tree((1, None, "a"), (2, 1, "b"), (3, 1, "c"), (4, 2, "d"), (5, None, "e"))


def test_every_bad_line_is_reported_with_its_number_and_good_lines_are_kept():
    text = "甲\n  乙 [Bad]\n    丙\n丁\n      戊\n己 [ok-slug]\n" + "长" * (TITLE_MAX + 1)
    roots, errors = read_outline(text)
    assert [spec.title for spec in roots] == ["甲", "丁", "己"]
    assert roots[0].children == []  # 乙 was wrong; 丙 below it is left out without a second message
    assert roots[2].slug == "ok-slug" and roots[2].line == 6
    assert [error.split(" 行")[0] for error in errors] == ["第 2", "第 5", "第 7"]
    assert "英文标识" in errors[0] and "缩进过深" in errors[1] and "超过 100 个字符" in errors[2]


def test_outline_conflicts_with_the_tree_and_within_itself():
    roots, errors = read_outline("政务动态\n新栏目 [news]\n  子栏目 [dup]\n  子栏目 [dup]\n另一个 [taken]\n")
    assert errors == []
    assert count_specs(roots) == 5
    problems = outline_conflicts(roots, taken_slugs={"taken"}, parent_titles={"政务动态"})
    assert problems == [
        "第 1 行：上级栏目下已有名为“政务动态”的栏目",
        "第 4 行：与第 3 行同名，同一上级下栏目名称不能重复",
        "第 4 行：英文标识“dup”与第 3 行重复",
        "第 5 行：英文标识“taken”已被其他栏目使用",
    ]


def test_a_column_cannot_move_under_itself_or_its_descendants(nodes):
    for parent in (1, 2, 4):
        with pytest.raises(ValidationError, match="不能把栏目移到它自己或它的下级栏目之下"):
            check_move(1, parent, nodes)
    check_move(2, 3, nodes)  # a sibling's subtree is fine
    check_move(2, None, nodes)  # and so is the top level
    with pytest.raises(ValidationError, match="目标上级栏目不存在"):
        check_move(2, 99, nodes)


def test_subtree_lists_parents_before_children(nodes):
    assert [node.id for node in subtree(nodes[1])] == [1, 2, 4, 3]


@pytest.mark.parametrize("index, order", [(0, [9, 1, 2, 3]), (2, [1, 2, 9, 3]), (None, [1, 2, 3, 9]),
                                          (99, [1, 2, 3, 9]), (-5, [9, 1, 2, 3])])
def test_placing_a_column_among_its_siblings(index, order):
    assert placed([1, 2, 3], 9, index) == order


def test_placing_a_column_that_is_already_among_them_moves_it():
    assert placed([1, 2, 3], 1, 2) == [2, 3, 1]
    assert placed([1, 2, 3], 3, 0) == [3, 1, 2]


def test_copy_slugs_are_unique_and_fit():
    assert copy_slug("news", {"news"}) == "news-copy"
    assert copy_slug("news", {"news", "news-copy"}) == "news-copy-2"
    assert copy_slug("news", {"news", "news-copy", "news-copy-2"}) == "news-copy-3"
    long = "x" * SLUG_MAX
    assert len(copy_slug(long, {long})) == SLUG_MAX and copy_slug(long, {long}).endswith("-copy")


def test_copy_titles_are_marked_and_unique_among_siblings():
    assert copy_title("政务动态", set()) == "政务动态" + COPY_SUFFIX
    assert copy_title("政务动态", {"政务动态（副本）"}) == "政务动态（副本2）"
    assert len(copy_title("长" * TITLE_MAX, set())) == TITLE_MAX
