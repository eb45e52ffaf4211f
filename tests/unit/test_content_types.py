import pytest

from govcore.content_types import county_content_types
from govcore.contributions import ContentType, FieldSpec
from govcore.county import parse_county
from govcore.errors import ConfigurationError

ARTICLE = ContentType("article", "文章", "content", fields=(FieldSpec("title", "标题", required=True),))


def county(types):
    return parse_county({"county": {"name": "甲县"}, "content_types": types})


def test_county_fields_are_appended_to_the_plugin_schema():
    merged = county_content_types({"article": ARTICLE}, county({"article": {"fields": [
        {"name": "office", "title": "责任科室", "required": True},
        {"name": "level", "title": "密级", "kind": "choice", "choices": ["公开", "内部"]},
    ]}}))
    assert [f.name for f in merged["article"].fields] == ["title", "office", "level"]
    assert merged["article"].fields[2].choices == ("公开", "内部")
    assert ARTICLE.fields == (FieldSpec("title", "标题", required=True),)  # the plugin's own is untouched


@pytest.mark.parametrize("types, message", [
    ({"video": {"fields": []}}, "不存在的信息类型"),
    ({"article": {"fields": [{"name": "title", "title": "重复"}]}}, "已有字段"),
    ({"article": {"fields": [{"name": "x", "title": "X", "kind": "colour"}]}}, "不受支持"),
    ({"article": {"fields": [{"name": "x", "title": "X", "kind": "choice"}]}}, "需要 choices"),
    ({"article": {"fields": [{"title": "无名"}]}}, "需要 name 和 title"),
])
def test_mistakes_are_reported_in_chinese(types, message):
    with pytest.raises(ConfigurationError, match=message):
        county_content_types({"article": ARTICLE}, county(types))
