"""A county's configuration: ``county.toml`` in its deployment folder."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govcore.clock import DEFAULT_TIMEZONE
from govcore.errors import ConfigurationError

COUNTY_FILE = "county.toml"


@dataclass(frozen=True)
class CalendarOverride:
    day: dt.date
    working: bool
    reason: str = ""


@dataclass(frozen=True)
class CountyConfig:
    name: str
    full_name: str
    timezone: str = DEFAULT_TIMEZONE
    site_code: str = ""  # 网站标识码, shown in the footer as national rules require
    icp: str = ""  # ICP备案号
    police_record: str = ""  # 公安机关备案号
    organiser: str = ""  # 主办单位
    contact: str = ""
    enabled_plugins: tuple[str, ...] = ()
    demo: bool = False
    portal_blocks: tuple[str, ...] = ()
    calendar_overrides: tuple[CalendarOverride, ...] = ()
    sections: dict[str, Any] = field(default_factory=dict)  # every table, for plugins' own settings

    def plugin_settings(self, plugin: str) -> dict[str, Any]:
        """The ``[<plugin>]`` table of county.toml (empty when absent)."""
        value = self.sections.get(plugin, {})
        return value if isinstance(value, dict) else {}


def load_county(deployment_dir: str | Path) -> CountyConfig:
    path = Path(deployment_dir) / COUNTY_FILE
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigurationError(f"找不到县配置文件 {path}", f"county configuration not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"县配置文件 {path} 格式错误：{exc}", f"{path} is not valid TOML: {exc}") from exc
    return parse_county(raw, source=str(path))


def parse_county(raw: dict[str, Any], source: str = COUNTY_FILE) -> CountyConfig:
    county = raw.get("county")
    if not isinstance(county, dict) or not county.get("name"):
        raise ConfigurationError(f"{source} 缺少 [county] name", f"{source} lacks [county] name")
    plugins = raw.get("plugins", {}).get("enabled", [])
    if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
        raise ConfigurationError(
            f"{source} 的 [plugins] enabled 必须是插件名列表", f"{source}: [plugins] enabled must be a list of names"
        )
    if len(set(plugins)) != len(plugins):
        raise ConfigurationError(f"{source} 重复启用了同一插件", f"{source} enables a plugin twice")
    overrides = []
    for entry in raw.get("calendar", {}).get("overrides", []):
        try:
            overrides.append(CalendarOverride(entry["date"], bool(entry["working"]), entry.get("reason", "")))
        except (KeyError, TypeError) as exc:
            raise ConfigurationError(
                f"{source} 的 [[calendar.overrides]] 每项需要 date 和 working：{entry}",
                f"{source}: each [[calendar.overrides]] needs date and working: {entry}",
            ) from exc
    return CountyConfig(
        name=county["name"],
        full_name=county.get("full_name", f"{county['name']}人民政府"),
        timezone=county.get("timezone", DEFAULT_TIMEZONE),
        site_code=county.get("site_code", ""),
        icp=county.get("icp", ""),
        police_record=county.get("police_record", ""),
        organiser=county.get("organiser", county.get("full_name", "")),
        contact=county.get("contact", ""),
        enabled_plugins=tuple(plugins),
        demo=bool(raw.get("demo", {}).get("enabled", False)),
        portal_blocks=tuple(raw.get("portal", {}).get("blocks", [])),
        calendar_overrides=tuple(overrides),
        sections=raw,
    )
