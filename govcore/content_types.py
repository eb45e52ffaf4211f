"""Content types as a county sees them: the plugins' field schemas plus the county's own fields."""

from __future__ import annotations

from dataclasses import replace

from govcore.contributions import ContentType, FieldSpec
from govcore.county import CountyConfig
from govcore.errors import ConfigurationError

FIELD_KINDS = frozenset({"text", "textarea", "html", "date", "datetime", "number", "choice", "file", "image"})


def county_content_types(types: dict[str, ContentType], county: CountyConfig) -> dict[str, ContentType]:
    """Add the fields of ``[content_types.<name>]`` tables in county.toml to the plugins' types.

    ::

        [content_types.article]
        fields = [
          { name = "responsible_office", title = "责任科室", kind = "text", required = true },
        ]
    """
    merged = dict(types)
    for type_name, table in county.sections.get("content_types", {}).items():
        if type_name not in merged:
            raise ConfigurationError(
                f"county.toml 为不存在的信息类型 {type_name} 增加字段", f"county.toml extends unknown content type {type_name}"
            )
        known = {spec.name for spec in merged[type_name].fields}
        extra = []
        for raw in table.get("fields", []):
            spec = _field(type_name, raw)
            if spec.name in known:
                raise ConfigurationError(
                    f"信息类型 {type_name} 已有字段 {spec.name}", f"content type {type_name} already has field {spec.name}"
                )
            known.add(spec.name)
            extra.append(spec)
        merged[type_name] = replace(merged[type_name], fields=merged[type_name].fields + tuple(extra))
    return merged


def _field(type_name: str, raw: dict) -> FieldSpec:
    try:
        spec = FieldSpec(
            name=raw["name"],
            title=raw["title"],
            kind=raw.get("kind", "text"),
            required=bool(raw.get("required", False)),
            choices=tuple(raw.get("choices", ())),
            help=raw.get("help", ""),
        )
    except (KeyError, TypeError) as exc:
        raise ConfigurationError(
            f"信息类型 {type_name} 的字段定义需要 name 和 title：{raw}",
            f"fields of content type {type_name} need name and title: {raw}",
        ) from exc
    if spec.kind not in FIELD_KINDS:
        raise ConfigurationError(
            f"字段 {spec.name} 的类型 {spec.kind} 不受支持（可用：{', '.join(sorted(FIELD_KINDS))}）",
            f"field {spec.name}: unsupported kind {spec.kind}",
        )
    if spec.kind == "choice" and not spec.choices:
        raise ConfigurationError(f"选择型字段 {spec.name} 需要 choices", f"choice field {spec.name} needs choices")
    return spec
