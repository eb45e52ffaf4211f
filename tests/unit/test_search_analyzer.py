"""The jieba analyzer: which words it yields, where, and that it survives being stored in an index."""

from __future__ import annotations

import logging
import pickle

import jieba

from adapters.search.analyzer import ChineseAnalyzer, segmenter


def tokens(text: str, mode: str = "index") -> list[tuple[str, int, int, int]]:
    return [(t.text, t.pos, t.startchar, t.endchar) for t in ChineseAnalyzer()(text, positions=True, chars=True, mode=mode)]


def words(text: str, mode: str = "index") -> list[str]:
    return [t[0] for t in tokens(text, mode)]


def test_index_mode_adds_the_words_inside_a_long_word_at_its_position():
    found = tokens("中华人民共和国成立")

    inside = [t for t in found if t[1] == 0]
    assert {"中华人民共和国", "中华", "人民", "共和国"} <= {t[0] for t in inside}
    assert ("成立", 1, 7, 9) in found
    for word, _pos, start, end in found:
        assert "中华人民共和国成立"[start:end] == word


def test_query_mode_keeps_the_precise_cut():
    assert words("中华人民共和国国务院办公厅", mode="query") == ["中华人民共和国", "国务院办公厅"]
    assert words("推进政务公开工作", mode="query") == ["推进", "政务", "公开", "工作"]


def test_mixed_text_is_lower_cased_and_full_width_characters_are_folded():
    text = "ＡＰＰ与iPhone１５在２０２４年发布"
    found = tokens(text, mode="query")

    assert [t[0] for t in found] == ["app", "iphone15", "2024", "年", "发布"]
    # Offsets still point into the original, full-width text, for highlighting.
    assert [text[start:end] for _w, _p, start, end in found][:3] == ["ＡＰＰ", "iPhone１５", "２０２４"]


def test_punctuation_spaces_and_stop_words_are_dropped_but_meaningful_single_characters_stay():
    assert words("县、乡镇的 村务公开！ The village & the county.", mode="query") == [
        "县", "乡镇", "村务公开", "village", "county",
    ]


def test_punctuation_breaks_phrases_but_spaces_do_not():
    positions = {word: pos for word, pos, _s, _e in tokens("政务，公开 open government")}

    assert positions["公开"] - positions["政务"] == 2
    assert positions["government"] - positions["open"] == 1


def test_the_analyzer_pickles_into_an_index_schema():
    analyzer = ChineseAnalyzer()

    restored = pickle.loads(pickle.dumps(analyzer))

    assert [t.text for t in restored("乡村振兴")] == [t.text for t in analyzer("乡村振兴")]


def test_jieba_is_loaded_once_and_quietly():
    assert segmenter() is segmenter() is jieba.dt
    assert jieba.dt.initialized
    assert logging.getLogger("jieba").level >= logging.WARNING
