"""The content plugin's part of ``/api/v1``: the public column tree and single columns.

The fragment and the views live together so that the contract and the code change in one place.
Only columns a visitor can see are returned: a hidden column hides its whole subtree, as on the
portal.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request

from adapters.web.api import API_PREFIX
from govcore.contributions import ApiSpecFragment
from govcore.core_plugin import PORTAL_VIEW
from govcore.errors import NotFound
from plugins.content.domain import COLUMN_KINDS, SLUG_PATTERN, ColumnNode, path_to
from plugins.content.web import ColumnTree, column_url

COLUMNS_PATH = "/columns"
COLUMN_PATH = "/columns/{slug}"
MAX_DEPTH = 10

_COLUMN_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"},
    "slug": {"type": "string", "description": "英文标识，用于网址"},
    "title": {"type": "string"},
    "kind": {
        "type": "string",
        "enum": list(COLUMN_KINDS),
        "description": "栏目类型：" + "，".join(f"{kind} {title}" for kind, title in COLUMN_KINDS.items()),
    },
    "url": {"type": "string", "description": "门户网站上栏目页面的地址"},
    "has_children": {"type": "boolean", "description": "是否有公开的下级栏目"},
}
_COLUMN_REQUIRED = list(_COLUMN_PROPERTIES)


def api_fragment() -> ApiSpecFragment:
    """What ``govcore_register_api`` returns for this plugin."""
    column = {"$ref": "#/components/schemas/Column"}
    return ApiSpecFragment(
        plugin="content",
        tags=({"name": "content", "description": "信息发布：栏目"},),
        paths={
            COLUMNS_PATH: {
                "get": {
                    "tags": ["content"],
                    "operationId": "listColumns",
                    "summary": "栏目树",
                    "description": "公开的栏目，按排列顺序，逐级嵌套。",
                    "parameters": [
                        {
                            "name": "depth",
                            "in": "query",
                            "required": False,
                            "description": f"返回几级栏目（1 为只返回顶级栏目），默认 {MAX_DEPTH}",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH, "default": MAX_DEPTH},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "栏目树",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ColumnTree"}}},
                        }
                    },
                }
            },
            COLUMN_PATH: {
                "get": {
                    "tags": ["content"],
                    "operationId": "getColumn",
                    "summary": "单个栏目",
                    "description": "栏目本身、它的公开下级栏目，以及从顶级栏目到它的路径（用于面包屑导航）。",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "description": "栏目的英文标识",
                            "schema": {"type": "string", "pattern": SLUG_PATTERN.pattern},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "栏目",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ColumnDetail"}}},
                        },
                        "404": {"$ref": "#/components/responses/Error"},
                    },
                }
            },
        },
        schemas={
            "Column": {
                "type": "object",
                "required": _COLUMN_REQUIRED,
                "additionalProperties": False,
                "properties": _COLUMN_PROPERTIES,
            },
            "ColumnTreeNode": {
                "type": "object",
                "required": [*_COLUMN_REQUIRED, "children"],
                "additionalProperties": False,
                "properties": {
                    **_COLUMN_PROPERTIES,
                    "children": {
                        "type": "array",
                        "description": "下级栏目；超出 depth 的层级为空，此时看 has_children",
                        "items": {"$ref": "#/components/schemas/ColumnTreeNode"},
                    },
                },
            },
            "ColumnTree": {
                "type": "object",
                "required": ["columns"],
                "additionalProperties": False,
                "properties": {"columns": {"type": "array", "items": {"$ref": "#/components/schemas/ColumnTreeNode"}}},
            },
            "ColumnDetail": {
                "type": "object",
                "required": ["column", "children", "path"],
                "additionalProperties": False,
                "properties": {
                    "column": column,
                    "children": {"type": "array", "items": column},
                    "path": {"type": "array", "description": "从顶级栏目到本栏目（含）", "items": column},
                },
            },
        },
    )


def includeme(config: Configurator) -> None:
    config.add_route("content.api_columns", API_PREFIX + COLUMNS_PATH)
    config.add_route("content.api_column", API_PREFIX + COLUMN_PATH)
    api_view = {"openapi": True, "renderer": "json", "request_method": "GET", "permission": PORTAL_VIEW}
    config.add_view(list_columns, route_name="content.api_columns", **api_view)
    config.add_view(get_column, route_name="content.api_column", **api_view)


def list_columns(request: Request) -> dict[str, Any]:
    depth = request.openapi_validated.parameters.query["depth"]
    return {"columns": _subtree(request, request.content_columns.roots, depth)}


def get_column(request: Request) -> dict[str, Any]:
    tree: ColumnTree = request.content_columns
    slug = request.openapi_validated.parameters.path["slug"]
    node = tree.by_slug.get(slug)
    path = path_to(node.id, tree.by_id) if node is not None else []
    if node is None or any(n.hidden for n in path):
        raise NotFound("栏目不存在或未公开", f"no public column {slug!r}")
    return {
        "column": _column(request, node),
        "children": [_column(request, child) for child in node.children if not child.hidden],
        "path": [_column(request, n) for n in path],
    }


def _column(request: Request, node: ColumnNode) -> dict[str, Any]:
    return {
        "id": node.id,
        "slug": node.slug,
        "title": node.title,
        "kind": node.kind,
        "url": column_url(request, node),
        "has_children": any(not child.hidden for child in node.children),
    }


def _subtree(request: Request, nodes: list[ColumnNode], depth: int) -> list[dict[str, Any]]:
    return [
        {**_column(request, node), "children": _subtree(request, node.children, depth - 1) if depth > 1 else []}
        for node in nodes
        if not node.hidden
    ]
