"""A Whoosh analyzer for Chinese (mixed with English and numbers), segmented by jieba.

Chinese has no spaces between words, so the text is cut into words with jieba. Indexing uses
jieba's *search mode*: every word is indexed together with the shorter dictionary words inside it
(中华人民共和国 also yields 中华, 人民, 共和国), so a query for a part of a long word still finds it.
Queries use the precise cut (``mode="query"``), which keeps query terms as few and as long as
possible. The sub-words share their word's position, which keeps phrase queries meaningful.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from typing import Iterator

import jieba
from whoosh.analysis import Analyzer, LowercaseFilter, StopFilter, Token, Tokenizer

# Full-width ASCII (Ａ-Ｚ, ０-９, punctuation) and the ideographic space, as Chinese text often uses
# them, mapped one character to one character so that token offsets stay valid for highlighting.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# Function words too frequent to help a search; single characters that carry meaning (县, 村, 镇)
# must stay, so the stop filter runs with ``minsize=1``.
STOP_WORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 就 都 而 也 之 等 对 把 被 从 以 为 于 其 这 那 着 过 吗 呢 吧 啊 并 且 但
    a an and are as at be by for from in is it of on or that the this to was were with
    """.split()
)


@functools.cache
def segmenter() -> jieba.Tokenizer:
    """jieba's default tokenizer, with its dictionary loaded once per process and without log noise."""
    jieba.setLogLevel(logging.WARNING)
    jieba.dt.initialize()
    return jieba.dt


def _is_word(text: str) -> bool:
    """True when the token holds a letter or a digit (punctuation and spaces are not searchable)."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


class ChineseTokenizer(Tokenizer):
    """Cuts text into words with jieba; ``mode="query"`` gives the precise cut, any other the search cut.

    It holds no state, so it pickles by reference into the index's schema.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return

        jieba_tokenizer = segmenter()
        frequencies = jieba_tokenizer.FREQ
        with_subwords = mode != "query"
        text = value.translate(_HALF_WIDTH)
        pos = start_pos
        start = 0
        for word in jieba_tokenizer.cut(text, HMM=True):
            end = start + len(word)
            if _is_word(word):
                spans: list[tuple[int, int]] = []
                if with_subwords:
                    # The same sub-words as jieba.tokenize(mode="search"): known 2- and 3-grams.
                    for size in (2, 3):
                        if len(word) > size:
                            spans.extend(
                                (i, i + size)
                                for i in range(len(word) - size + 1)
                                if frequencies.get(word[i : i + size])
                            )
                spans.append((0, len(word)))
                for left, right in spans:
                    token.text = word[left:right]
                    if keeporiginal:
                        token.original = value[start + left : start + right]
                    token.boost = 1.0
                    token.stopped = False
                    if positions:
                        token.pos = pos
                    if chars:
                        token.startchar = start_char + start + left
                        token.endchar = start_char + start + right
                    yield token
                pos += 1
            elif not word.isspace():
                # Punctuation separates words, so a phrase does not match across it.
                pos += 1
            start = end


def ChineseAnalyzer() -> Analyzer:
    """jieba segmentation, lower-cased, without stop words (positions kept for phrase queries)."""
    return ChineseTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=False)
