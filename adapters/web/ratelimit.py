"""Rate limits on sign-in and anonymous submissions, and the 429 page.

The ``limits`` package counts in memory with a moving window, per process: several workers each
keep their own counts, so a county running N workers allows up to N times the configured rate.
That bounds guessing and form spam well enough; the account lockout, which must hold exactly, is
kept in the database instead.

Plugins limit their own anonymous forms with the view decorator::

    config.add_view(submit_letter, route_name="mailbox.new", request_method="POST",
                    permission=PORTAL_VIEW, decorator=limit_submissions(limit="5/hour"))

or call ``request.rate_limits.consume(rule, key, limit)`` where a view needs another key.
"""

from __future__ import annotations

import functools
import math
import time
from typing import Callable, Mapping

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPTooManyRequests
from pyramid.request import Request

from adapters.web.i18n import _

REGISTRY_KEY = "govcore.rate_limits"
ANONYMOUS_RULE = "anonymous_ip"
T = "adapters.web:templates/rate_limited.pt"
API_MESSAGE = "请求过于频繁，请稍后再试"


class RateLimited(HTTPTooManyRequests):
    """Raised by a view (or a decorator) when a limit is exceeded; rendered as a 429 page."""

    def __init__(self, seconds: int):
        super().__init__()
        self.seconds = seconds  # until the request would be allowed; not the Response's retry_after


class RateLimits:
    """Named rules (``"login_ip": "30/10 minutes"``) counted per key (an address, an account)."""

    def __init__(self, rules: Mapping[str, str]):
        self.storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.rules = {name: parse(text) for name, text in rules.items()}

    def _item(self, rule: str, limit: str | None) -> RateLimitItem:
        return parse(limit) if limit else self.rules[rule]

    def allowed(self, rule: str, key: str, limit: str | None = None) -> bool:
        """Whether one more event under ``rule`` for ``key`` would stay within the limit."""
        return self.limiter.test(self._item(rule, limit), rule, key)

    def hit(self, rule: str, key: str, limit: str | None = None) -> bool:
        """Count one event; False when it went over the limit."""
        return self.limiter.hit(self._item(rule, limit), rule, key)

    def retry_after(self, rule: str, key: str, limit: str | None = None) -> int:
        """Seconds until the oldest counted event leaves the window."""
        stats = self.limiter.get_window_stats(self._item(rule, limit), rule, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def check(self, rule: str, key: str, limit: str | None = None) -> None:
        """Refuse (429) when the limit is already reached, without counting this request."""
        if not self.allowed(rule, key, limit):
            raise RateLimited(self.retry_after(rule, key, limit))

    def consume(self, rule: str, key: str, limit: str | None = None) -> None:
        """Count this request, refusing it (429) when it goes over the limit."""
        if not self.hit(rule, key, limit):
            raise RateLimited(self.retry_after(rule, key, limit))

    def reset(self) -> None:
        self.storage.reset()


def client_address(request: Request) -> str:
    """The client's address for counting: REMOTE_ADDR, never the client-supplied X-Forwarded-For.

    Behind a reverse proxy the server must put the real address into REMOTE_ADDR (waitress
    ``trusted_proxy``); otherwise every visitor counts as the proxy.
    """
    return request.remote_addr or ""


def limit_submissions(rule: str = ANONYMOUS_RULE, limit: str | None = None,
                      methods: tuple[str, ...] = ("POST",)) -> Callable:
    """A view decorator limiting submissions per client address and per route.

    ``limit`` ("5/hour") overrides the rule's configured rate for this view; the count is kept
    per route, so two forms do not share one allowance.
    """

    def decorate(view):
        @functools.wraps(view)
        def limited(context, request):
            if request.method in methods:
                route = request.matched_route.name if request.matched_route is not None else request.path
                request.rate_limits.consume(rule, f"{route}|{client_address(request)}", limit)
            return view(context, request)

        return limited

    return decorate


def too_many_requests(exc: RateLimited, request: Request):
    request.response.status_int = 429
    request.response.headers["Retry-After"] = str(exc.seconds)
    if request.path.startswith("/api/"):
        request.override_renderer = "json"
        return {"message": API_MESSAGE}
    minutes = max(1, math.ceil(exc.seconds / 60))
    return {"message": _("您的操作过于频繁，请 ${minutes} 分钟后再试。", mapping={"minutes": minutes})}


def includeme(config: Configurator) -> None:
    settings = config.registry["govcore.security"]
    config.registry[REGISTRY_KEY] = RateLimits(settings.rate_limits)
    config.add_request_method(lambda r: r.registry[REGISTRY_KEY], "rate_limits", reify=True)
    config.add_exception_view(too_many_requests, context=RateLimited, renderer=T)
