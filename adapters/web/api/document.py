"""The OpenAPI document of ``/api/v1``: the core's base merged with every enabled plugin's fragment.

The document is built once at start-up from data only, so it can be unit-tested without an app and
a plugin cannot reach into another plugin's part of it.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from jsonschema.exceptions import ValidationError as SchemaValidationError
from openapi_spec_validator import validate
from openapi_spec_validator.exceptions import OpenAPISpecValidatorError
from referencing.exceptions import Unresolvable

from govcore.contributions import ApiSpecFragment
from govcore.errors import ConfigurationError
from govcore.plugins import CORE_PLUGIN

API_PREFIX = "/api/v1"
OPENAPI_VERSION = "3.1.0"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
ERROR_RESPONSE_REF = "#/components/responses/Error"
INVALID_REQUEST_RESPONSE_REF = "#/components/responses/InvalidRequest"
UNAVAILABLE_RESPONSE_REF = "#/components/responses/Unavailable"

DESCRIPTION = """\
govcore 平台的 JSON 接口（第 1 版）。

- 请求和响应都按本说明校验：不符合说明的请求返回 400，响应体列出每一处问题。
- 所有错误响应的格式相同：`{"message": "中文说明", "errors": [...]}`，`errors` 仅在校验失败时出现。
- 路径不支持的请求方法返回 405，`Allow` 响应头列出支持的方法。
- 数据库暂时无法连接时返回 503，`Retry-After` 响应头给出建议等待的秒数。
- 公开的读取接口无需登录。需要登录的接口使用浏览器登录后的会话 Cookie（`govcore_session`）。
- 修改数据的请求（POST、PUT、PATCH、DELETE）必须在 `X-CSRF-Token` 请求头中提供当前会话的
  CSRF 令牌，否则返回 400。
"""

_CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ok", "detail"],
    "additionalProperties": False,
    "properties": {
        "ok": {"type": "boolean", "description": "该项是否正常"},
        "detail": {"type": "string", "description": "说明，如数据库类型或故障原因"},
        "documents": {"type": "integer", "minimum": 0, "description": "搜索索引中的文档数"},
        "mode": {"type": "string", "enum": ["in-process", "worker", "off"], "description": "定时任务的运行方式"},
        "jobs": {"type": "integer", "minimum": 0, "description": "已安排的定时任务数"},
    },
}


def base_document() -> dict[str, Any]:
    """The core's part of the document: info, servers, the core's paths and shared components."""
    health_response = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}},
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "govcore API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": API_PREFIX}],
        "tags": [{"name": "core", "description": "平台"}],
        "paths": {
            "/openapi.json": {
                "get": {
                    "tags": ["core"],
                    "operationId": "getOpenApiJson",
                    "summary": "本接口说明（JSON）",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 文档",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/openapi.yaml": {
                "get": {
                    "tags": ["core"],
                    "operationId": "getOpenApiYaml",
                    "summary": "本接口说明（YAML）",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 文档，与 /openapi.json 内容相同",
                            # The schema describes the parsed YAML, as for any structured media type.
                            "content": {"text/yaml": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/health": {
                "get": {
                    "tags": ["core"],
                    "operationId": "getHealth",
                    "summary": "运行状态",
                    "description": "数据库、搜索索引、定时任务和文件存储是否正常，供负载均衡和监控使用。",
                    "responses": {
                        "200": {"description": "各项正常", **health_response},
                        "503": {"description": "至少一项不正常", **health_response},
                    },
                }
            },
            "/plugins": {
                "get": {
                    "tags": ["core"],
                    "operationId": "listPlugins",
                    "summary": "已启用的插件",
                    "responses": {
                        "200": {
                            "description": "本县启用的插件，按名称排序",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PluginList"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["message"],
                    "additionalProperties": False,
                    "properties": {
                        "message": {"type": "string", "description": "给用户看的中文说明"},
                        "errors": {
                            "type": "array",
                            "description": "请求不符合接口说明时，逐条列出的问题",
                            "items": {"$ref": "#/components/schemas/ErrorDetail"},
                        },
                    },
                },
                "ErrorDetail": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "message": {"type": "string"},
                        "field": {"type": "string", "description": "出错的参数或字段"},
                        "exception": {"type": "string", "description": "校验器给出的错误类别"},
                    },
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "checks"],
                    "additionalProperties": False,
                    "properties": {
                        "status": {"type": "string", "enum": ["ok", "fail"]},
                        "checks": {
                            "type": "object",
                            "required": ["database", "search", "scheduler", "blobs"],
                            "additionalProperties": False,
                            "properties": {
                                "database": {"$ref": "#/components/schemas/HealthCheck"},
                                "search": {"$ref": "#/components/schemas/HealthCheck"},
                                "scheduler": {"$ref": "#/components/schemas/HealthCheck"},
                                "blobs": {"$ref": "#/components/schemas/HealthCheck"},
                            },
                        },
                    },
                },
                "HealthCheck": _CHECK_SCHEMA,
                "PluginList": {
                    "type": "object",
                    "required": ["plugins"],
                    "additionalProperties": False,
                    "properties": {
                        "plugins": {"type": "array", "items": {"$ref": "#/components/schemas/Plugin"}},
                    },
                },
                "Plugin": {
                    "type": "object",
                    "required": ["name", "title"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "description": "插件名，即 county.toml 中启用时写的名字"},
                        "title": {"type": "string"},
                    },
                },
            },
            "responses": {
                "Error": {
                    "description": "错误（状态码说明原因）",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "InvalidRequest": {
                    "description": "请求不符合接口说明，或地址不是 UTF-8 编码；`errors` 逐条列出参数的问题",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "Unavailable": {
                    "description": "数据库暂时无法连接，请按 Retry-After 稍后重试",
                    "headers": {
                        "Retry-After": {
                            "description": "建议重试前等待的秒数",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 0},
                        }
                    },
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
            "parameters": {
                "CsrfToken": {
                    "name": "X-CSRF-Token",
                    "in": "header",
                    "required": True,
                    "description": "当前会话的 CSRF 令牌；修改数据的请求必须提供",
                    "schema": {"type": "string"},
                }
            },
        },
    }


def merge_document(base: Mapping[str, Any], fragments: Iterable[ApiSpecFragment]) -> dict[str, Any]:
    """Merge plugin fragments into a copy of ``base``; a path, schema or tag has exactly one owner.

    A name claimed twice raises :class:`ConfigurationError` naming both owners (the base belongs to
    the core), so two plugins can never silently replace each other's contract. What every API
    view does is added rather than left to each fragment: each operation gets the responses any
    request can meet, unless it describes them itself (400 for a request outside the document or
    an address that is not UTF-8; 503 with Retry-After while the database is down; ``default``, the
    shared error body the error views return for any other status), and a ``get`` gets its
    ``head`` twin, because Pyramid answers HEAD with the GET view and pyramid_openapi3 validates a
    HEAD request against a ``head`` operation.
    """
    document = _plain(base, CORE_PLUGIN)
    paths: dict[str, Any] = document.setdefault("paths", {})
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    tags: list[dict[str, Any]] = document.setdefault("tags", [])
    path_owners = dict.fromkeys(paths, CORE_PLUGIN)
    schema_owners = dict.fromkeys(schemas, CORE_PLUGIN)
    tag_owners = dict.fromkeys((tag["name"] for tag in tags), CORE_PLUGIN)
    for fragment in fragments:
        plugin = fragment.plugin
        _claim(path_owners, fragment.paths, plugin, "路径", "path")
        _claim(schema_owners, fragment.schemas, plugin, "数据结构", "schema")
        _claim(tag_owners, (tag["name"] for tag in fragment.tags), plugin, "标签", "tag")
        paths.update(_plain(fragment.paths, plugin))
        schemas.update(_plain(fragment.schemas, plugin))
        tags.extend(_plain(list(fragment.tags), plugin))
    for path_item in paths.values():
        for method, operation in path_item.items():
            if method in HTTP_METHODS:
                responses = operation.setdefault("responses", {})
                responses.setdefault("400", {"$ref": INVALID_REQUEST_RESPONSE_REF})
                responses.setdefault("503", {"$ref": UNAVAILABLE_RESPONSE_REF})
                responses.setdefault("default", {"$ref": ERROR_RESPONSE_REF})
        if "get" in path_item and "head" not in path_item:
            path_item["head"] = _head_of(path_item["get"])
    return document


def validate_document(document: Mapping[str, Any]) -> None:
    """Stop the start-up on a document that is not valid OpenAPI, rather than fail per request."""
    try:
        validate(document)
    except Unresolvable as exc:
        raise _invalid(f"unresolvable reference {exc.ref}") from exc
    except SchemaValidationError as exc:
        raise _invalid(f"{exc.json_path}: {exc.message}") from exc
    except OpenAPISpecValidatorError as exc:
        raise _invalid(str(exc) or type(exc).__name__) from exc


def write_document(document: Mapping[str, Any], path: Path) -> Path:
    """Write the document as YAML for pyramid_openapi3, which loads its spec from a file.

    The file is replaced atomically and only when its content changes, so several workers starting
    together never read half a file and a reloader watching it is not triggered by a rewrite.
    """
    text = yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)
    return path


def _head_of(get: dict[str, Any]) -> dict[str, Any]:
    """The HEAD operation of a GET one: same parameters and statuses, bodies not described."""
    head = {key: value for key, value in get.items() if key not in ("operationId", "responses")}
    if "operationId" in get:
        head["operationId"] = get["operationId"] + "Head"
    head["responses"] = {
        status: {key: value for key, value in response.items() if key != "content"}
        for status, response in get["responses"].items()
    }
    return copy.deepcopy(head)


def _invalid(reason: str) -> ConfigurationError:
    return ConfigurationError(f"接口说明（OpenAPI）无效：{reason}", f"the OpenAPI document is invalid: {reason}")


def _claim(owners: dict[str, str], names: Iterable[str], plugin: str, what_zh: str, what_en: str) -> None:
    for name in names:
        if name in owners:
            raise ConfigurationError(
                f"接口说明中的{what_zh} {name} 被插件 {owners[name]} 和 {plugin} 重复声明",
                f"API {what_en} {name} declared by both {owners[name]} and {plugin}",
            )
        owners[name] = plugin


def _plain(value: Any, plugin: str) -> Any:
    """A deep copy as plain JSON data (tuples become lists), failing early on what JSON cannot hold."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"插件 {plugin} 的接口说明含有无法转换为 JSON 的内容：{exc}",
            f"plugin {plugin}'s API fragment holds a value JSON cannot represent: {exc}",
        ) from exc
