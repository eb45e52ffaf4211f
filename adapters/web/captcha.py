"""An optional image captcha for anonymous forms (county.toml ``[security] captcha = true``).

The image comes from ``/captcha.png``; the session keeps only an HMAC of its text (the session
cookie is signed, not encrypted), and each text is checked once: a second submission needs a new
image. Forms include the field with::

    <metal:captcha use-macro="load: adapters.web:templates/captcha.pt" />

and the view refuses the submission when ``captcha_problem(request)`` returns a message.
The image is not accessible to blind visitors, which is why the captcha is off by default and the
rate limits are the first line of defence.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from captcha.image import ImageCaptcha
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from pyramid.response import Response

from adapters.web.i18n import _
from govcore.core_plugin import PORTAL_VIEW

SESSION_KEY = "captcha"
FIELD = "captcha"
LENGTH = 4
ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ2345678"  # no 0/O, 1/I, 9/Q look-alikes
VALID_SECONDS = 600
WRONG = _("验证码不正确，请重新输入")


def new_text() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _digest(request: Request, text: str) -> str:
    key = request.registry.settings["govcore.secret"].encode()
    return hmac.new(key, f"captcha:{text.upper()}".encode(), hashlib.sha256).hexdigest()


def captcha_image(request: Request) -> Response:
    if not request.security_settings.captcha:
        raise HTTPNotFound()
    text = new_text()
    request.session[SESSION_KEY] = {"digest": _digest(request, text),
                                    "at": int(request.platform.clock.now().timestamp())}
    response = Response(body=ImageCaptcha(width=160, height=60).generate(text).getvalue(),
                        content_type="image/png")
    response.cache_control = "no-store"
    return response


def captcha_problem(request: Request):
    """None when the captcha is off or answered right; otherwise the message to show."""
    if not request.security_settings.captcha:
        return None
    stored = request.session.pop(SESSION_KEY, None)
    answer = request.POST.get(FIELD, "").strip()
    now = int(request.platform.clock.now().timestamp())
    if (not isinstance(stored, dict) or not answer or now - stored.get("at", 0) > VALID_SECONDS
            or not hmac.compare_digest(stored.get("digest", ""), _digest(request, answer))):
        return WRONG
    return None


def includeme(config: Configurator) -> None:
    config.add_route("captcha", "/captcha.png")
    config.add_view(captcha_image, route_name="captcha", request_method="GET", permission=PORTAL_VIEW)
