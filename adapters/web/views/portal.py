"""The public home page and the language switch."""

from __future__ import annotations

from markupsafe import Markup
from pyramid.httpexceptions import HTTPFound, HTTPNotFound

LOCALES = {"zh_CN", "en"}
ONE_YEAR = 365 * 24 * 3600


def home(request):
    platform = request.platform
    blocks = platform.plugins.portal_blocks
    chosen = platform.county.portal_blocks
    if chosen:
        by_name = {block.name: block for block in blocks}
        blocks = [by_name[name] for name in chosen if name in by_name]
    return {
        "blocks": [(block, Markup(block.render(request))) for block in blocks],
    }


def switch_locale(request):
    code = request.matchdict["code"]
    if code not in LOCALES:
        raise HTTPNotFound()
    target = request.params.get("came_from", "")
    # Only local paths, so the switch cannot be used to send visitors to another site.
    if not target.startswith("/") or target.startswith("//"):
        target = request.route_path("home")
    response = HTTPFound(location=target)
    response.set_cookie("_LOCALE_", code, max_age=ONE_YEAR, httponly=True, samesite="Lax")
    return response
