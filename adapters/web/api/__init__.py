"""The versioned JSON API under ``/api/v1``, described by an OpenAPI 3.1 document.

The document is merged at start-up from the core's base and every enabled plugin's
``govcore_register_api`` fragment, validated, and handed to pyramid_openapi3, which then validates
every request to (and, unless ``govcore.api.validate_responses = false``, every response of) a view
added with ``openapi=True``. pyramid_openapi3 loads its spec from a file only, so the merged
document is written to ``<var>/api/openapi.yaml``; the same file is served at
``/api/v1/openapi.yaml`` and the document as JSON at ``/api/v1/openapi.json``.

Swagger UI (pyramid_openapi3's explorer) is left out on purpose: it loads its scripts from a CDN,
which the content security policy forbids and a government site must not depend on.

A plugin's API views use ``API_PREFIX`` in their route patterns and the same paths, without the
prefix, in their fragment; a path in the document without a route stops the start-up.
"""

from __future__ import annotations

from pathlib import Path

from pyramid.config import Configurator
from pyramid.settings import asbool

from adapters.web.api.document import API_PREFIX, base_document, merge_document, validate_document, write_document
from adapters.web.api.views import DOCUMENT_KEY, PLUGINS_KEY
from govcore.core_plugin import PORTAL_VIEW
from govcore.plugins import describe_plugins

__all__ = ["API_PREFIX", "includeme"]

VALIDATE_RESPONSES = "govcore.api.validate_responses"


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    platform = config.registry["platform"]
    document = merge_document(base_document(), platform.plugins.api_fragments)
    validate_document(document)
    spec_file = write_document(document, Path(platform.var_dir) / "api" / "openapi.yaml")
    settings["pyramid_openapi3.enable_response_validation"] = asbool(settings.get(VALIDATE_RESPONSES, True))
    config.registry[DOCUMENT_KEY] = document
    # Computed once: the enabled plugins cannot change while the process runs.
    config.registry[PLUGINS_KEY] = [
        {"name": info.name, "title": info.title}
        for info in describe_plugins(platform.plugins.enabled)
        if info.enabled
    ]

    config.include("pyramid_openapi3")
    config.pyramid_openapi3_spec(
        str(spec_file), route=f"{API_PREFIX}/openapi.yaml", route_name="api.openapi_yaml", permission=PORTAL_VIEW
    )
    # pyramid_openapi3's file view takes every method; the others are refused as on every API path.
    config.add_view(
        "adapters.web.api.errors.method_not_allowed",
        route_name="api.openapi_yaml",
        documented_method=False,
        permission=PORTAL_VIEW,
        require_csrf=False,
    )
    config.add_route("api.openapi_json", f"{API_PREFIX}/openapi.json")
    config.add_route("api.health", f"{API_PREFIX}/health")
    config.add_route("api.plugins", f"{API_PREFIX}/plugins")
    api_view = {"openapi": True, "renderer": "json", "request_method": "GET", "permission": PORTAL_VIEW}
    config.add_view("adapters.web.api.views.openapi_json", route_name="api.openapi_json", **api_view)
    config.add_view("adapters.web.views.health.healthz", route_name="api.health", **api_view)
    config.add_view("adapters.web.api.views.enabled_plugins", route_name="api.plugins", **api_view)
    config.include("adapters.web.api.errors")
