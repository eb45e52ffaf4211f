import datetime as dt

import pytest

from govcore.county import load_county, parse_county
from govcore.errors import ConfigurationError
from tests.expected import BUILTIN_PLUGINS


def test_parse_minimal_and_defaults():
    county = parse_county({"county": {"name": "甲县"}})
    assert county.full_name == "甲县人民政府"
    assert county.enabled_plugins == ()
    assert county.plugin_settings("content") == {}


def test_calendar_overrides_and_plugin_sections():
    county = parse_county({
        "county": {"name": "甲县"},
        "plugins": {"enabled": ["content"]},
        "calendar": {"overrides": [{"date": dt.date(2026, 12, 31), "working": False, "reason": "县庆"}]},
        "content": {"columns": "a"},
    })
    assert county.calendar_overrides[0].day == dt.date(2026, 12, 31)
    assert county.plugin_settings("content") == {"columns": "a"}


@pytest.mark.parametrize("raw", [
    {},
    {"county": {"name": "甲县"}, "plugins": {"enabled": "content"}},
    {"county": {"name": "甲县"}, "plugins": {"enabled": ["content", "content"]}},
    {"county": {"name": "甲县"}, "calendar": {"overrides": [{"working": True}]}},
])
def test_invalid_configuration_is_reported_in_chinese(raw):
    with pytest.raises(ConfigurationError) as info:
        parse_county(raw)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message_zh)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigurationError, match="找不到"):
        load_county(tmp_path)
    (tmp_path / "county.toml").write_text("[county\nname=", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="格式错误"):
        load_county(tmp_path)


def test_shipped_deployments_parse():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "deployments"
    example = load_county(root / "example-county")
    minimal = load_county(root / "minimal-county")
    assert set(example.enabled_plugins) >= set(BUILTIN_PLUGINS)
    assert minimal.enabled_plugins == ("content",)
