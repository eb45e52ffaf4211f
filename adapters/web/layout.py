"""What every template can use: the page frames and the county."""

from __future__ import annotations

from pyramid.renderers import get_renderer

from adapters.web.i18n import _


def add_renderer_globals(event) -> None:
    request = event.get("request")
    if request is None:
        return
    event["layout"] = get_renderer("adapters.web:templates/layout.pt").implementation()
    event["admin_layout"] = get_renderer("adapters.web:templates/admin_layout.pt").implementation()
    event["county"] = request.platform.county
    # Plugins hand the shell plain Chinese titles (menu entries, blocks); translate them on display.
    event["t"] = lambda text: request.localizer.translate(_(text))
