"""Error pages in Chinese: 403 (or a login redirect), 404, 500."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPFound
from transaction.interfaces import NoTransaction

from adapters.web.i18n import _

log = logging.getLogger(__name__)

T = "adapters.web:templates/error.pt"

MESSAGES = {
    403: (_("没有访问权限"), _("您没有查看此页面的权限。如需开通，请联系本单位的系统管理员。")),
    404: (_("页面不存在"), _("您访问的页面不存在或已被移除，请检查网址，或从首页重新进入。")),
    500: (_("服务器内部错误"), _("系统处理您的请求时出现了问题，已记录此错误。本次请求未作任何更改，此前已保存的内容不受影响，请稍后再试。")),
}


def includeme(config) -> None:
    config.add_forbidden_view(forbidden, renderer=T)
    config.add_notfound_view(not_found, renderer=T)
    config.add_exception_view(server_error, context=Exception, renderer=T)


def _page(request, status: int) -> dict:
    request.response.status_int = status
    title, message = MESSAGES[status]
    return {"status": status, "title": title, "message": message}


def forbidden(exc, request):
    user = request.current_user
    if request.method == "GET" and not request.path.startswith("/api/"):
        if user is None:
            return HTTPFound(location=request.route_path("login", _query={"came_from": request.path_qs}))
        if user.must_change_password:
            return HTTPFound(location=request.route_path("password", _query={"came_from": request.path_qs}))
    return _page(request, 403)


def not_found(exc, request):
    return _page(request, 404)


def server_error(exc, request):
    log.exception("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    _replace_failed_transaction(request)
    return _page(request, 500)


def _replace_failed_transaction(request) -> None:
    """When the commit itself failed, pyramid_tm shows this page after its transaction ended (it
    clears ``tm.active`` first) with the failed transaction still current; the layout's reads (the
    navigation, the user) could not join it, so they get a fresh one that writes nothing and is
    abandoned when the request ends."""
    if "tm.active" in request.environ:
        return  # an error in the view: the page is rendered in its transaction, which is then aborted
    manager = request.tm
    try:
        manager.get()
    except NoTransaction:
        return  # committed, or no transaction was ever begun (e.g. the health checks)
    manager.abort()
    manager.begin()
    request.add_finished_callback(lambda _request: manager.abort())
