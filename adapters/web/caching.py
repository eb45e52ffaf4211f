"""HTTP caching of anonymous portal pages: validators, 304 answers and an in-process copy.

What may be cached is opted in, never guessed: a route is cached only when its module declared it
with ``config.add_cacheable_route(name)``, and only while some plugin tells when portal pages
change, through ``config.add_portal_generation(name, reader)``. ``reader(session)`` returns
``(generation, changed_at)``; every change that visitors could see bumps the generation (the content
plugin does so on publish, unpublish, archive, restore and column or topic changes). A page is then
identified by the generations plus everything else it depends on: scheme and host (feeds carry
absolute links), path and query, the language cookie and the display-mode cookies. That identity
gives the ETag, and keys a bounded in-process copy of the response, so a hit costs no rendering, no
session, no transaction and no route matching.

Only requests of anonymous visitors take part: GET or HEAD, no session cookie, no Authorization
header. A response is kept only when it is a plain 200 of an opted-in route that sets no cookie (a
pending response callback, such as a session being saved, counts as setting one), does not say
``private``, ``no-store`` or ``no-cache``, varies on no header, and has its body in memory. Sessions
differ per visitor, so ``Vary: Cookie`` would make every visitor a cache of their own; the cookies
that change a page are part of the key instead.

Browsers get ``Cache-Control: public, max-age=0, must-revalidate``: they keep the page but ask each
time, and a purge is seen at once. The generations are read from the database at most once a second
per process (``govcore.page_cache.fresh_seconds``), so a publication shows in every worker of every
machine within that second without the workers talking to each other; a state-changing request
handled by this process marks them stale at once, so its own next page is current. One query a
second per process is nothing, while one per page view would cost as much as a small page.

While the database is down (``adapters.web.outage``), kept pages are still served (stale-if-error):
those filed under the last version read before the outage, so visitors keep reading the portal as
it was. A page not kept answers the outage's 503. After a failed read the generations are not read
again for ``fresh_seconds``, so an outage costs one connection attempt per second, not one per page.

The tween sits under the security-headers tween (cached answers and 304s get those headers like any
other response) and the outage tween, and over the audit tween and pyramid_tm, so a hit opens no
transaction and reads no session. Settings: ``govcore.page_cache.entries`` (default 2000; 0 keeps
no copies, validators remain), ``govcore.page_cache.max_mb`` (default 64).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from importlib import metadata
from typing import Callable

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from adapters.web.outage import DatabaseUnavailable, is_database_outage

log = logging.getLogger(__name__)

REGISTRY_KEY = "govcore.page_cache"
SESSION_COOKIE = "govcore_session"  # the cookie_name of the session factory in adapters.web.shell
LOCALE_COOKIE = "_LOCALE_"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Never cached whatever a route declares: staff area, API, accounts, files and static assets
# (these two have their own caching headers), and the health check, which must not wait for the
# database. Checked first so they cost nothing here.
BYPASS_PREFIXES = ("/admin", "/api/", "/login", "/logout", "/account", "/register", "/files/", "/static/",
                   "/healthz")
CACHEABLE_TYPES = frozenset({"text/html", "application/xml", "text/xml", "application/rss+xml",
                             "application/atom+xml"})
CACHE_CONTROL = "public, max-age=0, must-revalidate"
DEFAULT_ENTRIES = 2000
DEFAULT_MAX_MB = 64
MAX_ENTRY_SHARE = 16  # one page may take at most 1/16 of the byte budget
DEFAULT_FRESH_SECONDS = 1.0

GenerationReader = Callable[[object], tuple[int, "dt.datetime | None"]]


@dataclass(frozen=True)
class PortalVersion:
    """What visitors see, as of one read: each source's generation, and when it last changed."""

    generations: tuple[int, ...]
    changed_at: dt.datetime | None


@dataclass(frozen=True)
class Reading:
    """One read of the generations: the version, or the outage that stopped it, and when."""

    version: PortalVersion | None
    failure: BaseException | None
    at: float


@dataclass(frozen=True)
class Entry:
    """A kept response: what the view answered, with its validators."""

    status: str
    headerlist: tuple[tuple[str, str], ...]
    body: bytes
    etag: str
    last_modified: dt.datetime | None


class ResponseStore:
    """A bounded LRU of responses, by count and by bytes; thread-safe."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // MAX_ENTRY_SHARE
        self.bytes = 0
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> bool:
        size = len(entry.body)
        if self.max_entries <= 0 or size > self.max_entry_bytes:
            return False
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.bytes -= len(previous.body)
            self._entries[key] = entry
            self.bytes += size
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                _key, evicted = self._entries.popitem(last=False)
                self.bytes -= len(evicted.body)
        return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


class PortalGenerations:
    """The portal's version, re-read from the database at most every ``fresh_seconds``."""

    def __init__(self, session_factory: Callable[[], object], fresh_seconds: float,
                 clock: Callable[[], float] = time.monotonic):
        self.session_factory = session_factory
        self.fresh_seconds = fresh_seconds
        self.clock = clock
        self.readers: dict[str, GenerationReader] = {}
        # The version of the last successful read: what kept pages are filed under during an outage.
        self.last_known: PortalVersion | None = None
        self._reading: Reading | None = None
        self._lock = threading.Lock()

    def current(self) -> PortalVersion | None:
        """The version, or None when no plugin reports one or a fault other than an outage stopped
        the read (pages are then served uncached).

        Raises :class:`DatabaseUnavailable` when the database is down, and keeps raising it for
        ``fresh_seconds`` without trying again.
        """
        reading = self._reading
        if reading is None or self._stale(reading):
            reading = self._refresh(reading)
        if reading.failure is not None:
            raise DatabaseUnavailable("the portal generation cannot be read") from reading.failure
        return reading.version

    def expire(self) -> None:
        """Read again on the next request (this process may just have changed something)."""
        self._reading = None

    def _stale(self, reading: Reading) -> bool:
        return self.clock() - reading.at >= self.fresh_seconds

    def _refresh(self, reading: Reading | None) -> Reading:
        if not self._lock.acquire(blocking=reading is None):
            return reading  # another thread is reading it: a few milliseconds older is fine
        try:
            latest = self._reading
            if latest is not None and not self._stale(latest):
                return latest
            latest = self._read()
            # Nothing to remember when no version came back for a reason other than an outage.
            self._reading = latest if latest.version is not None or latest.failure is not None else None
            return latest
        finally:
            self._lock.release()

    def _read(self) -> Reading:
        if not self.readers:
            return Reading(None, None, self.clock())
        try:
            session = self.session_factory()
            try:
                read = [self.readers[name](session) for name in sorted(self.readers)]
            finally:
                session.close()
        except Exception as error:  # noqa: BLE001 - without a version nothing is cached; the page still renders
            if is_database_outage(error):
                return Reading(None, error, self.clock())  # the outage tween logs it, once per outage
            log.exception("could not read the portal generation; serving pages uncached")
            return Reading(None, None, self.clock())
        moments = [_utc(moment) for _generation, moment in read if moment is not None]
        version = PortalVersion(tuple(generation for generation, _moment in read), max(moments) if moments else None)
        self.last_known = version
        return Reading(version, None, self.clock())


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


class PageCache:
    """The policy: who takes part, which responses are kept, and the validators they carry."""

    def __init__(self, generations: PortalGenerations, store: ResponseStore, seed: str = ""):
        self.generations = generations
        self.store = store
        self.routes: set[str] = set()
        self.seed = seed  # the code's version: a new release may render the same data differently

    @staticmethod
    def takes_part(request: Request) -> bool:
        """An anonymous visitor's request (GET or HEAD) for a page that could be a public one."""
        return (SESSION_COOKIE not in request.cookies
                and "HTTP_AUTHORIZATION" not in request.environ
                and not request.path.startswith(BYPASS_PREFIXES))

    @staticmethod
    def key(request: Request, version: PortalVersion) -> tuple:
        display = getattr(request, "display_classes", "")
        return (version.generations, request.scheme, request.host, request.path_qs,
                request.cookies.get(LOCALE_COOKIE, ""), display)

    def stale_entry(self, request: Request) -> Entry | None:
        """The copy kept of this page under the last version read, for serving during an outage."""
        version = self.generations.last_known
        return self.store.get(self.key(request, version)) if version is not None else None

    def etag(self, key: tuple) -> str:
        digest = hashlib.blake2b(repr((self.seed, key)).encode("utf-8"), digest_size=12).hexdigest()
        return f'W/"{digest}"'

    def keeps(self, request: Request, response: Response) -> bool:
        """May this response be served to other anonymous visitors?"""
        route = request.matched_route
        if route is None or route.name not in self.routes or response.status_int != 200:
            return False
        if getattr(request, "exception", None) is not None or request.response_callbacks:
            return False  # a response callback may still set a cookie (a session being saved)
        headers = response.headers
        if "Set-Cookie" in headers or "Vary" in headers:
            return False
        control = response.cache_control
        if control.private is not None or control.no_store or control.no_cache is not None:
            return False
        return response.content_type in CACHEABLE_TYPES and isinstance(response.app_iter, (list, tuple))


def conditional_match(request: Request, etag: str, last_modified: dt.datetime | None) -> bool:
    """Does the client already hold this version? If-None-Match wins over If-Modified-Since (RFC 9110)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        given = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in given or etag.removeprefix("W/") in given
    since = request.headers.get("If-Modified-Since")
    if since and last_modified is not None:
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return last_modified.replace(microsecond=0) <= moment
    return False


def _validators(etag: str, last_modified: dt.datetime | None) -> list[tuple[str, str]]:
    headers = [("ETag", etag), ("Cache-Control", CACHE_CONTROL)]
    if last_modified is not None:
        headers.append(("Last-Modified", format_datetime(last_modified, usegmt=True)))
    return headers


def not_modified(etag: str, last_modified: dt.datetime | None) -> Response:
    response = Response(status=304)
    response.headerlist = _validators(etag, last_modified)
    return response


def _from_entry(request: Request, entry: Entry) -> Response:
    if conditional_match(request, entry.etag, entry.last_modified):
        return not_modified(entry.etag, entry.last_modified)
    response = Response(status=entry.status)
    response.headerlist = list(entry.headerlist)
    response.app_iter = [entry.body]
    return response


def page_cache_tween_factory(handler, registry):
    cache: PageCache = registry[REGISTRY_KEY]

    def page_cache_tween(request: Request) -> Response:
        if request.method not in SAFE_METHODS:
            try:
                return handler(request)
            finally:
                cache.generations.expire()
        if not cache.takes_part(request):
            return handler(request)
        try:
            version = cache.generations.current()
        except DatabaseUnavailable:
            stale = cache.stale_entry(request)
            if stale is None:
                raise  # the outage tween answers 503
            return _from_entry(request, stale)
        if version is None:
            return handler(request)
        key = cache.key(request, version)
        entry = cache.store.get(key)
        if entry is not None:
            return _from_entry(request, entry)
        response = handler(request)
        if request.method != "GET" or not cache.keeps(request, response):
            return response
        etag = cache.etag(key)
        for name, value in _validators(etag, version.changed_at):
            response.headers[name] = value
        cache.store.put(key, Entry(response.status, tuple(response.headerlist), response.body, etag,
                                   version.changed_at))
        if conditional_match(request, etag, version.changed_at):
            return not_modified(etag, version.changed_at)
        return response

    return page_cache_tween


def add_cacheable_route(config: Configurator, route_name: str) -> None:
    """Let anonymous visitors' responses of this route be kept and revalidated (see the module doc)."""
    cache: PageCache = config.registry[REGISTRY_KEY]
    config.action(("govcore.cacheable_route", route_name), lambda: cache.routes.add(route_name))


def add_portal_generation(config: Configurator, name: str, reader: GenerationReader) -> None:
    """Tell the page cache when portal pages change: ``reader(session) -> (generation, changed_at)``.

    A plugin whose public pages (or home-page blocks) show data it changes registers one; two
    registrations under one name conflict.
    """
    cache: PageCache = config.registry[REGISTRY_KEY]
    config.action(("govcore.portal_generation", name),
                  lambda: cache.generations.readers.__setitem__(name, reader))


def _code_version() -> str:
    try:
        return metadata.version("govcore")
    except metadata.PackageNotFoundError:
        return ""


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    platform = config.registry["platform"]
    generations = PortalGenerations(
        lambda: platform.extras["session_factory"](),
        float(settings.get("govcore.page_cache.fresh_seconds", DEFAULT_FRESH_SECONDS)),
    )
    store = ResponseStore(int(settings.get("govcore.page_cache.entries", DEFAULT_ENTRIES)),
                          int(settings.get("govcore.page_cache.max_mb", DEFAULT_MAX_MB)) * 1024 * 1024)
    config.registry[REGISTRY_KEY] = PageCache(generations, store, _code_version())
    config.add_directive("add_cacheable_route", add_cacheable_route)
    config.add_directive("add_portal_generation", add_portal_generation)
    config.add_tween("adapters.web.caching.page_cache_tween_factory",
                     under="adapters.web.headers.security_headers_tween_factory",
                     over="adapters.web.audit.audit_outer_tween_factory")
    # The core's one public page; its blocks come from plugins, which register their generations.
    config.add_cacheable_route("home")
