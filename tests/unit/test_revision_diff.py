"""The revision diff: Chinese text compared by character, Latin runs whole, everything escaped."""

from plugins.content.revision_diff import (DELETE, EQUAL, INSERT, TOKEN_BUDGET, FieldChange, Segment, diff_lines,
                                           diff_tokens, field_changes, has_changes, render_lines, tokens)


def test_tokens_keep_latin_runs_and_numbers_whole_and_split_chinese_by_character():
    assert tokens("2026年GDP增长7.5%") == ["2026", "年", "GDP", "增", "长", "7", ".", "5", "%"]
    assert tokens("a  b") == ["a", "  ", "b"]


def test_a_changed_word_in_a_chinese_sentence_is_deleted_and_inserted_in_place():
    segments = diff_tokens("县政府召开常务会议", "县政府召开专题会议")
    assert segments == [Segment(EQUAL, "县政府召开"), Segment(DELETE, "常务"), Segment(INSERT, "专题"),
                        Segment(EQUAL, "会议")]


def test_numbers_change_whole_rather_than_digit_by_digit():
    assert diff_tokens("投资1200万元", "投资1500万元") == [
        Segment(EQUAL, "投资"), Segment(DELETE, "1200"), Segment(INSERT, "1500"), Segment(EQUAL, "万元")]


def test_lines_are_matched_first_then_diffed_inside():
    old = "第一段不变\n第二段：今年完成造林三千亩\n将被删除的一段"
    new = "第一段不变\n第二段：今年完成造林五千亩\n全新的内容完全不同的句子"
    lines = diff_lines(old, new)
    assert [line.kind for line in lines] == [EQUAL, "changed", DELETE, INSERT]
    assert Segment(DELETE, "三") in lines[1].segments and Segment(INSERT, "五") in lines[1].segments
    assert has_changes(lines)
    assert not has_changes(diff_lines(old, old))


def test_added_and_removed_lines_stand_alone():
    lines = diff_lines("甲\n乙", "甲\n乙\n丙")
    assert [line.kind for line in lines] == [EQUAL, EQUAL, INSERT]
    assert [line.kind for line in diff_lines("甲\n乙", "乙")] == [DELETE, EQUAL]


def test_the_rendered_diff_escapes_revision_text():
    html = render_lines(diff_lines("<script>alert(1)</script>", '<img src=x onerror="alert(1)">正文'))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;" in html and "&quot;" in html
    assert html.count("<del>") >= 1 and html.count("<ins>") >= 1
    added = render_lines(diff_lines("", "<b onmouseover='x'>"))
    assert added == '<p class="diff-line diff-insert"><ins>&lt;b onmouseover=&#x27;x&#x27;&gt;</ins></p>'


def test_rendered_lines_carry_their_kind():
    html = render_lines(diff_lines("旧的句子", "旧的句子\n新增一行"))
    assert html == '<p class="diff-line diff-equal">旧的句子</p>\n<p class="diff-line diff-insert"><ins>新增一行</ins></p>'


def test_a_very_long_rewritten_line_is_replaced_whole():
    old, new = "甲" * 1500, "乙" * 1500
    assert len(old) * len(new) > TOKEN_BUDGET
    assert diff_tokens(old, new) == [Segment(DELETE, old), Segment(INSERT, new)]


def test_field_changes_list_only_what_differs_with_blank_and_missing_alike():
    old = {"subtitle": "", "source": "县政府办", "fields": {"valid_until": "2026-10-01", "x": None}}
    new = {"subtitle": None, "source": "县融媒体中心", "written_on": "2026-09-01",
           "fields": {"valid_until": "2026-12-31", "y": ""}}
    assert field_changes(old, new, ["subtitle", "source", "written_on", "fields"]) == [
        FieldChange("source", "县政府办", "县融媒体中心"),
        FieldChange("written_on", None, "2026-09-01"),
        FieldChange("fields.valid_until", "2026-10-01", "2026-12-31"),
    ]
