"""JSON errors under ``/api/``: the statuses of the HTML error pages, as the documented Error body.

These views carry a ``path_info`` predicate, so Pyramid prefers them to the HTML views of
``adapters.web.views.errors`` (registered for the same exceptions, without predicates) on API paths
and leaves every other page alone.
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid.config import Configurator
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPError, HTTPForbidden, HTTPNotFound
from pyramid.request import Request
from pyramid.response import Response
from pyramid_openapi3 import RequestValidationError, ResponseValidationError

from adapters.web.api.document import API_PREFIX, HTTP_METHODS
from adapters.web.api.views import DOCUMENT_KEY
from govcore.errors import NotFound

log = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/"
API_PATH_INFO = f"^{API_PATH_PREFIX}"

INVALID_REQUEST = "请求参数不符合接口说明"
INVALID_RESPONSE = "服务器返回的数据不符合接口说明，已记录此错误，请稍后再试"
SERVER_ERROR = "服务器内部错误，已记录此错误，请稍后再试"
SIGN_IN_REQUIRED = "需要登录后才能访问"
CSRF_TOKEN_INVALID = "缺少或无效的 CSRF 令牌：修改数据的请求须在 X-CSRF-Token 请求头中提供当前会话的令牌"
CSRF_ORIGIN_INVALID = "请求来源与本网站不一致，已拒绝"
MESSAGES = {
    400: "请求无效",
    401: SIGN_IN_REQUIRED,
    403: "没有访问权限",
    404: "请求的资源不存在",
    405: "不支持该请求方法",
}
CLIENT_ERROR = "请求未能完成"


def includeme(config: Configurator) -> None:
    config.add_view_predicate("documented_method", DocumentedMethodPredicate)
    only_api = {"path_info": API_PATH_INFO}
    config.add_notfound_view(not_found, **only_api)
    config.add_forbidden_view(forbidden, **only_api)
    config.add_exception_view(invalid_request, context=RequestValidationError, **only_api)
    config.add_exception_view(invalid_response, context=ResponseValidationError, **only_api)
    config.add_exception_view(missing, context=NotFound, **only_api)
    config.add_exception_view(http_error, context=HTTPError, **only_api)
    config.add_exception_view(server_error, context=Exception, **only_api)


def error_response(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> Response:
    """The one shape of every API error: ``{"message": ..., "errors": [...]}``."""
    body: dict[str, Any] = {"message": message}
    if errors is not None:
        body["errors"] = errors
    return Response(json_body=body, status=status)


def not_found(exc: HTTPNotFound, request: Request) -> Response:
    # Pyramid answers a method no view of a matched route accepts with 404 (PredicateMismatch);
    # HTTP says 405 with the methods that would work.
    allowed = allowed_methods(request)
    if allowed and request.method not in allowed:
        return method_not_allowed(request)
    return error_response(404, MESSAGES[404])


def method_not_allowed(request: Request) -> Response:
    response = error_response(405, MESSAGES[405])
    response.allow = allowed_methods(request)
    return response


def allowed_methods(request: Request) -> list[str]:
    """The methods the document lists for the path the request's route serves; none without a route."""
    if request.matched_route is None:
        return []
    path_item = request.registry[DOCUMENT_KEY]["paths"].get(request.matched_route.pattern.removeprefix(API_PREFIX), {})
    return sorted(method.upper() for method in path_item if method in HTTP_METHODS)


class DocumentedMethodPredicate:
    """``documented_method=False``: the view applies to methods the document does not list for the path."""

    def __init__(self, value: bool, config: Configurator):
        self.value = bool(value)

    def text(self) -> str:
        return f"documented_method = {self.value}"

    phash = text

    def __call__(self, context: Any, request: Request) -> bool:
        return (request.method in allowed_methods(request)) == self.value


def forbidden(exc: HTTPForbidden, request: Request) -> Response:
    return error_response(403, SIGN_IN_REQUIRED if request.current_user is None else MESSAGES[403])


def invalid_request(exc: RequestValidationError, request: Request) -> Response:
    extract_errors = request.registry.settings["pyramid_openapi3_extract_errors"]
    errors = list(extract_errors(request, exc.errors))
    log.info("invalid API request %s %s: %s", request.method, request.path_qs, errors)
    return error_response(400, INVALID_REQUEST, errors)


def invalid_response(exc: ResponseValidationError, request: Request) -> Response:
    # Our fault, not the client's: log the details, do not hand them out.
    log.error("API response of %s %s does not match the OpenAPI document: %s", request.method, request.path, exc)
    return error_response(500, INVALID_RESPONSE)


def missing(exc: NotFound, request: Request) -> Response:
    return error_response(404, exc.message_zh)


def http_error(exc: HTTPError, request: Request) -> Response:
    if isinstance(exc, BadCSRFToken):
        return error_response(exc.status_code, CSRF_TOKEN_INVALID)
    if isinstance(exc, BadCSRFOrigin):
        return error_response(exc.status_code, CSRF_ORIGIN_INVALID)
    if exc.status_code >= 500:
        log.error("API request %s %s failed with %s", request.method, request.path, exc.status)
        return error_response(exc.status_code, SERVER_ERROR)
    return error_response(exc.status_code, MESSAGES.get(exc.status_code, CLIENT_ERROR))


def server_error(exc: Exception, request: Request) -> Response:
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, SERVER_ERROR)
