"""The core's own API views; ``/api/v1/health`` reuses the ``/healthz`` view itself."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

DOCUMENT_KEY = "govcore.api.document"
PLUGINS_KEY = "govcore.api.plugins"


def openapi_json(request: Request) -> dict[str, Any]:
    return request.registry[DOCUMENT_KEY]


def enabled_plugins(request: Request) -> dict[str, Any]:
    return {"plugins": request.registry[PLUGINS_KEY]}
