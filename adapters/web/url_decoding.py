"""A 400 for an address whose path or query string is not UTF-8, instead of an unhandled error.

WebOb decodes ``PATH_INFO`` and the query string as UTF-8 whenever they are first read, and the
first readers (the page cache's and the audit trail's tweens, pyramid_tm's hook, pyramid_openapi3's
response tween) sit outside the exception views, so ``/api/v1/columns/%FF`` or ``?depth=%FF``
escaped the application as a ``UnicodeDecodeError``. This tween runs above them; API paths
(told by the raw WSGI path, which is always readable) get the API's JSON error, pages a plain one.
"""

from __future__ import annotations

from typing import Callable

from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

from adapters.web.api.errors import API_PATH_PREFIX, error_response

NOT_UTF8 = "请求地址中有无法识别的字符：路径和查询参数须使用 UTF-8 编码"


def url_decoding_tween_factory(handler: Callable[[Request], Response], registry: Registry) -> Callable:
    def url_decoding_tween(request: Request) -> Response:
        if _decodable(request):
            return handler(request)
        if request.environ.get("PATH_INFO", "").startswith(API_PATH_PREFIX):
            return error_response(400, NOT_UTF8)
        return Response(NOT_UTF8, status=400, content_type="text/plain", charset="utf-8")

    return url_decoding_tween


def _decodable(request: Request) -> bool:
    try:
        request.path_info  # noqa: B018 - reading it is the test
        request.GET  # noqa: B018
    except UnicodeDecodeError:
        return False
    return True
