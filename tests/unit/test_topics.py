"""The framework-free rules of 信息专题: batch lists, copies, banner images by content."""

import pytest

from plugins.content.topics import (BATCH_MAX, COPY_SUFFIX, SLUG_MAX, TITLE_MAX, TopicSpec, check_slug, copy_slug, copy_title,
                                    image_type, parse_topic_list)


def test_a_list_gives_one_topic_a_line_with_optional_slugs():
    specs, problems = parse_topic_list("乡村振兴 [rural]\n\n# 注释行\n  优化营商环境  \n安全生产月[safety-2026]\n")
    assert problems == []
    assert specs == [TopicSpec("乡村振兴", "rural"), TopicSpec("优化营商环境", ""), TopicSpec("安全生产月", "safety-2026")]


def test_every_mistake_of_a_list_is_reported_with_its_line():
    text = "乡村振兴 [Rural]\n优化营商环境\n优化营商环境\n甲 [a]\n乙 [a]\n[only-slug]\n" + "长" * (TITLE_MAX + 1)
    specs, problems = parse_topic_list(text)
    assert [(p.line, p.mapping) for p in problems] == [
        (1, {"slug": "Rural", "max": SLUG_MAX}), (3, {"title": "优化营商环境"}), (5, {"slug": "a"}),
        (6, {"text": "[only-slug]"}), (7, {"max": TITLE_MAX})]
    assert [spec.title for spec in specs] == ["优化营商环境", "甲"]


def test_an_empty_or_overlong_list_is_refused():
    assert parse_topic_list(" \n# 只有注释\n")[1][0].message == "请至少填写一个专题名称，每行一个"
    specs, problems = parse_topic_list("\n".join(f"专题{n}" for n in range(BATCH_MAX + 1)))
    assert problems and problems[-1].mapping == {"max": BATCH_MAX}


@pytest.mark.parametrize("slug, ok", [("", True), ("rural-2026", True), ("9a", True), ("-a", False), ("A", False),
                                      ("乡村", False), ("a" * SLUG_MAX, True), ("a" * (SLUG_MAX + 1), False)])
def test_slugs(slug, ok):
    assert (check_slug(slug) is None) is ok


def test_a_copy_gets_a_marked_title_and_a_free_slug():
    assert copy_title("乡村振兴") == "乡村振兴" + COPY_SUFFIX
    assert len(copy_title("长" * TITLE_MAX)) == TITLE_MAX and copy_title("长" * TITLE_MAX).endswith(COPY_SUFFIX)
    assert copy_slug("rural", {"rural"}) == "rural-copy"
    assert copy_slug("rural", {"rural", "rural-copy", "rural-copy-2"}) == "rural-copy-3"
    long_slug = "a" * SLUG_MAX
    assert len(copy_slug(long_slug, set())) == SLUG_MAX and check_slug(copy_slug(long_slug, set())) is None


@pytest.mark.parametrize("data, media_type", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 20, "image/jpeg"),
    (b"GIF89a" + b"\0" * 20, "image/gif"),
    (b"RIFF\x10\0\0\0WEBPVP8 ", "image/webp"),
    (b"RIFF\x10\0\0\0WAVEfmt ", None),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
    (b"%PDF-1.7", None),
    (b"", None),
])
def test_images_are_recognised_by_their_bytes(data, media_type):
    assert image_type(data) == media_type
