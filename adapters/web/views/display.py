"""The public site's display modes (适老化): large text (长辈版) and high contrast.

Each mode is a cookie the browser script sets on a click and the server reads, so the chosen
mode is on the very first paint of the next page (a class on ``<html>``) and works without
JavaScript too: the toggles are links to ``/display/{setting}/{value}``, which set the cookie and
send the visitor back to the page they came from. The cookies carry a preference, not a secret,
so the script may write them (no HttpOnly).

A page cache in front of anonymous visitors must key on :func:`display_classes` as well as the URL.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound, HTTPNotFound

from govcore.core_plugin import PORTAL_VIEW

ONE_YEAR = 365 * 24 * 3600
# setting -> (cookie name, the value that turns it on, the class it puts on <html>)
SETTINGS = {
    "font": ("display_font", "large", "mode-large"),
    "contrast": ("display_contrast", "high", "mode-contrast"),
}
OFF = "normal"


def includeme(config: Configurator) -> None:
    config.add_route("display", "/display/{setting}/{value}")
    config.add_view(switch_display, route_name="display", permission=PORTAL_VIEW)
    config.add_request_method(display_modes, "display_modes", reify=True)
    config.add_request_method(display_classes, "display_classes", reify=True)


def display_modes(request) -> frozenset[str]:
    """The settings the visitor's cookies turn on, e.g. ``{"font"}``."""
    return frozenset(name for name, (cookie, on, _css) in SETTINGS.items() if request.cookies.get(cookie) == on)


def display_classes(request) -> str:
    """The classes for ``<html>``; a page cache keys on this."""
    return " ".join(SETTINGS[name][2] for name in sorted(request.display_modes))


def local_target(request) -> str:
    """Where to go back to: a path on this site only, never another host (no open redirect)."""
    target = request.params.get("came_from", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(
            ord(char) < 32 for char in target):
        return request.route_path("home")
    return target


def switch_display(request):
    setting = SETTINGS.get(request.matchdict["setting"])
    value = request.matchdict["value"]
    if setting is None or value not in (setting[1], OFF):
        raise HTTPNotFound()
    response = HTTPFound(location=local_target(request))
    if value == OFF:
        response.delete_cookie(setting[0], path="/")
    else:
        response.set_cookie(setting[0], value, max_age=ONE_YEAR, path="/", samesite="Lax",
                            secure=request.scheme == "https")
    return response
