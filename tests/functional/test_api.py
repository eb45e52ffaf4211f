"""The ``/api/v1`` JSON API: its OpenAPI document, the core and content paths, JSON errors."""

from __future__ import annotations

import jsonschema
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate
from pyramid.httpexceptions import HTTPForbidden
from pyramid.testing import DummyRequest
from sqlalchemy import update

from adapters.web.api import API_PREFIX
from adapters.web.api.document import base_document, merge_document, validate_document
from adapters.web.api.errors import forbidden, server_error
from adapters.web.url_decoding import NOT_UTF8
from adapters.web.api.views import DOCUMENT_KEY, PLUGINS_KEY
from adapters.web.outage import DatabaseUnavailable
from govcore.contributions import ApiSpecFragment
from govcore.errors import ConfigurationError
from plugins.content.orm import Column, SqlColumnRepository


@pytest.fixture
def document(wsgi_app) -> dict:
    return wsgi_app.registry[DOCUMENT_KEY]


def assert_matches_document(document: dict, response, path_pattern: str, path_args: dict | None = None) -> None:
    """Check a response against the document independently of the app's own validation."""
    request = MockRequest(
        "http://localhost",
        "get",
        response.request.path,
        path_pattern=API_PREFIX + path_pattern,
        args=dict(response.request.GET),
        view_args=path_args or {},
    )
    OpenAPI.from_dict(document).validate_response(
        request,
        MockResponse(response.body, response.status_int, headers=dict(response.headers),
                     content_type=response.content_type),
    )


def test_a_response_that_drifts_from_the_document_is_a_500_json(testapp, wsgi_app, monkeypatch):
    assert wsgi_app.registry.settings["pyramid_openapi3.enable_response_validation"] is True
    monkeypatch.setitem(wsgi_app.registry, PLUGINS_KEY, [{"name": "content", "title": "信息发布", "extra": 1}])
    response = testapp.get(f"{API_PREFIX}/plugins", status=500)
    assert response.json == {"message": "服务器返回的数据不符合接口说明，已记录此错误，请稍后再试"}


def test_openapi_json_is_served_and_valid(testapp):
    response = testapp.get(f"{API_PREFIX}/openapi.json")
    assert response.content_type == "application/json"
    document = response.json
    validate(document)
    assert document["info"]["title"] == "govcore API"
    assert document["servers"] == [{"url": API_PREFIX}]
    assert {"/health", "/plugins", "/columns", "/columns/{slug}"} <= set(document["paths"])
    assert "X-CSRF-Token" in document["info"]["description"]


def test_openapi_yaml_is_the_same_document(testapp):
    response = testapp.get(f"{API_PREFIX}/openapi.yaml")
    assert yaml.safe_load(response.text) == testapp.get(f"{API_PREFIX}/openapi.json").json


def test_openapi_yaml_body_is_what_the_document_says(testapp, document):
    # Clients (and schemathesis) parse a YAML body before checking it: it is an object, not a string.
    schema = document["paths"]["/openapi.yaml"]["get"]["responses"]["200"]["content"]["text/yaml"]["schema"]
    jsonschema.validate(yaml.safe_load(testapp.get(f"{API_PREFIX}/openapi.yaml").text), schema)


def test_every_api_route_is_described(wsgi_app, document):
    routes = {
        route.pattern.removeprefix(API_PREFIX)
        for route in wsgi_app.routes_mapper.get_routes()
        if route.pattern.startswith(API_PREFIX + "/")
    }
    assert routes == set(document["paths"])


def test_every_api_view_is_validated_against_the_document(wsgi_app):
    api_routes = {route.name for route in wsgi_app.routes_mapper.get_routes() if route.pattern.startswith(API_PREFIX)}
    views = [
        entry["introspectable"]
        for entry in wsgi_app.registry.introspector.get_category("views")
        if entry["introspectable"]["route_name"] in api_routes - {"api.openapi_yaml"}  # a file, served as is
    ]
    assert len(views) == len(api_routes) - 1
    assert all(view.get("openapi") is True for view in views)


def test_health(testapp, document):
    response = testapp.get(f"{API_PREFIX}/health", status=(200, 503))
    assert response.json["status"] == ("ok" if response.status_int == 200 else "fail")
    assert set(response.json["checks"]) == {"database", "search", "scheduler", "blobs"}
    assert response.json["checks"]["database"]["ok"] is True
    assert_matches_document(document, response, "/health")


def test_health_answers_a_signed_in_staff_member_too(testapp, document, make_user, login):
    # The health checks open no transaction; the session guard used to look the user up anyway (500).
    make_user("health-watcher", roles=["department_admin"])
    login("health-watcher")
    response = testapp.get(f"{API_PREFIX}/health", status=(200, 503))
    assert response.json["checks"]["database"]["ok"] is True
    assert_matches_document(document, response, "/health")


def test_plugins_lists_the_enabled_plugins(testapp, platform, document):
    response = testapp.get(f"{API_PREFIX}/plugins")
    plugins = response.json["plugins"]
    assert {plugin["name"] for plugin in plugins} == set(platform.plugins.enabled)
    content = next(plugin for plugin in plugins if plugin["name"] == "content")
    assert content["title"].startswith("信息发布")
    assert_matches_document(document, response, "/plugins")


def test_columns_is_the_public_tree(testapp, document):
    response = testapp.get(f"{API_PREFIX}/columns")
    roots = response.json["columns"]
    overview = roots[0]
    assert (overview["slug"], overview["title"], overview["url"]) == ("overview", "地方概况", "/column/overview")
    assert overview["has_children"] is True
    assert [child["slug"] for child in overview["children"]][:2] == ["geography", "history"]
    assert_matches_document(document, response, "/columns")


def test_columns_depth_limits_the_levels(testapp, document):
    response = testapp.get(f"{API_PREFIX}/columns", {"depth": "1"})
    roots = response.json["columns"]
    assert roots and all(root["children"] == [] for root in roots)
    assert all(root["has_children"] for root in roots)
    assert_matches_document(document, response, "/columns")


@pytest.mark.parametrize("depth", ["abc", "0", "99"])
def test_a_request_outside_the_document_is_400_json(testapp, depth):
    response = testapp.get(f"{API_PREFIX}/columns", {"depth": depth}, status=400)
    assert response.content_type == "application/json"
    assert response.json["message"] == "请求参数不符合接口说明"
    assert response.json["errors"]
    assert all(error["message"] for error in response.json["errors"])


def test_one_column_with_children_and_path(testapp, document):
    response = testapp.get(f"{API_PREFIX}/columns/overview")
    assert response.json["column"]["title"] == "地方概况"
    assert response.json["path"] == [response.json["column"]]
    assert "geography" in [child["slug"] for child in response.json["children"]]
    assert_matches_document(document, response, "/columns/{slug}", {"slug": "overview"})

    leaf = testapp.get(f"{API_PREFIX}/columns/geography").json
    assert [n["slug"] for n in leaf["path"]] == ["overview", "geography"]
    assert leaf["children"] == [] and leaf["column"]["has_children"] is False


def test_unknown_column_is_404_json(testapp, document):
    response = testapp.get(f"{API_PREFIX}/columns/no-such-column", status=404)
    assert response.content_type == "application/json"
    assert response.json == {"message": "栏目不存在或未公开"}
    assert_matches_document(document, response, "/columns/{slug}", {"slug": "no-such-column"})


def test_hidden_columns_are_not_published(testapp, dbsession):
    # Left uncommitted: the app's requests share the test's connection, so they see it, and it is
    # rolled back with the test's transaction.
    dbsession.execute(update(Column).where(Column.slug == "overview").values(hidden=True))
    testapp.get(f"{API_PREFIX}/columns/overview", status=404)
    testapp.get(f"{API_PREFIX}/columns/geography", status=404)  # under a hidden column
    slugs = [root["slug"] for root in testapp.get(f"{API_PREFIX}/columns").json["columns"]]
    assert "overview" not in slugs and slugs


def test_head_is_answered_like_get(testapp, document):
    assert document["paths"]["/plugins"]["head"]["operationId"] == "listPluginsHead"
    response = testapp.head(f"{API_PREFIX}/plugins")
    assert (response.status_int, response.body) == (200, b"")
    testapp.head(f"{API_PREFIX}/columns/no-such-column", status=404)


def test_api_errors_are_json_not_html_pages(testapp):
    unknown = testapp.get(f"{API_PREFIX}/no-such-thing", status=404)
    assert unknown.json == {"message": "请求的资源不存在"}
    wrong_method = testapp.post(f"{API_PREFIX}/plugins", status=405)
    assert wrong_method.content_type == "application/json"
    assert testapp.get("/no-such-page", status=404).content_type == "text/html"


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/plugins"),
    ("DELETE", "/columns/overview"),
    ("OPTIONS", "/columns"),
    ("TRACE", "/openapi.yaml"),  # pyramid_openapi3's file view used to answer every method with the file
    ("PUT", "/openapi.yaml"),
])
def test_a_method_the_path_does_not_take_is_405_naming_the_ones_it_does(testapp, method, path):
    response = testapp.request(API_PREFIX + path, method=method, status=405)
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.json == {"message": "不支持该请求方法"}


@pytest.mark.parametrize("address", ["/columns/%FF", "/columns?depth=%FF", "/plugins?%E4%B8=1"])
def test_an_address_that_is_not_utf8_is_400_json(testapp, address):
    # Used to escape the application as a UnicodeDecodeError (a bare 500 from the WSGI server).
    response = testapp.get(API_PREFIX + address, status=400)
    assert response.json == {"message": NOT_UTF8}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_database_outage_is_the_documented_503(testapp, document, monkeypatch):
    def unreachable(self):
        raise DatabaseUnavailable()

    monkeypatch.setattr(SqlColumnRepository, "all_nodes", unreachable)
    assert document["paths"]["/columns"]["get"]["responses"]["503"] == {"$ref": "#/components/responses/Unavailable"}
    response = testapp.get(f"{API_PREFIX}/columns", status=503)
    assert int(response.headers["Retry-After"]) > 0
    assert_matches_document(document, response, "/columns")


def test_api_forbidden_and_server_errors_are_json():
    request = DummyRequest(path=f"{API_PREFIX}/x")
    request.current_user = None
    denied = forbidden(HTTPForbidden(), request)
    assert (denied.status_int, denied.content_type, denied.json["message"]) == (403, "application/json", "需要登录后才能访问")
    failed = server_error(RuntimeError("boom"), request)
    assert (failed.status_int, failed.content_type) == (500, "application/json")
    assert "boom" not in failed.text


def fragment(plugin: str, paths: tuple[str, ...] = (), schemas: tuple[str, ...] = ()) -> ApiSpecFragment:
    operation = {"get": {"responses": {"200": {"description": "ok"}}}}
    return ApiSpecFragment(plugin, {path: operation for path in paths}, {name: {"type": "object"} for name in schemas})


def test_merge_adds_fragments_a_default_error_response_and_head():
    merged = merge_document(base_document(), [fragment("a", paths=("/things",), schemas=("Thing",))])
    validate_document(merged)
    assert merged["paths"]["/things"]["get"]["responses"]["default"] == {"$ref": "#/components/responses/Error"}
    assert merged["paths"]["/things"]["head"]["responses"]["200"] == {"description": "ok"}
    assert "Thing" in merged["components"]["schemas"]
    assert "/things" not in base_document()["paths"]


def test_merge_documents_the_responses_any_request_can_meet():
    merged = merge_document(base_document(), [fragment("a", paths=("/things",))])
    validate_document(merged)
    for method in ("get", "head"):
        responses = merged["paths"]["/things"][method]["responses"]
        assert responses["400"] == {"$ref": "#/components/responses/InvalidRequest"}
        assert responses["503"] == {"$ref": "#/components/responses/Unavailable"}
    assert merged["components"]["responses"]["Unavailable"]["headers"]["Retry-After"]["required"] is True
    # An operation's own description of a status stays: /health answers 503 with its checks.
    health_503 = merged["paths"]["/health"]["get"]["responses"]["503"]
    assert health_503["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Health"}


def test_merge_rejects_a_path_declared_by_two_plugins():
    with pytest.raises(ConfigurationError) as raised:
        merge_document(base_document(), [fragment("alpha", paths=("/things",)), fragment("beta", paths=("/things",))])
    assert "alpha" in raised.value.message_zh and "beta" in raised.value.message_zh
    assert "/things" in raised.value.message_zh


def test_merge_rejects_a_plugin_taking_a_core_path_or_schema():
    with pytest.raises(ConfigurationError, match="core 和 alpha"):
        merge_document(base_document(), [fragment("alpha", paths=("/health",))])
    with pytest.raises(ConfigurationError, match="Error"):
        merge_document(base_document(), [fragment("alpha", schemas=("Error",))])


def test_merge_rejects_a_schema_declared_by_two_plugins():
    with pytest.raises(ConfigurationError, match="alpha 和 beta"):
        merge_document(base_document(), [fragment("alpha", schemas=("Thing",)), fragment("beta", schemas=("Thing",))])


def test_an_invalid_document_stops_the_start_up():
    broken = merge_document(base_document(), [])
    broken["paths"]["/plugins"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Missing"
    }
    with pytest.raises(ConfigurationError, match="Missing"):
        validate_document(broken)
