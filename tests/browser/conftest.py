"""Browser tests: the example county served the real way, driven by Debian's Chromium.

``govcore init`` and ``govcore serve`` run as subprocesses on a fresh SQLite database, exactly as
an operator runs them, and Playwright drives ``/usr/bin/chromium`` against that server. Without
Chromium, or when Playwright cannot launch it, the browser tests are skipped, unless
``GOVCORE_REQUIRE_BROWSER=1`` turns that into a failure (as ``.ci/run`` does).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, NoReturn

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from adapters.bootstrap import DATABASE_ENV, SECRET_ENV
from adapters.cli.options import DEPLOYMENT_ENV
from adapters.cli.setup import ADMIN_LOGIN

REQUIRE_BROWSER_ENV = "GOVCORE_REQUIRE_BROWSER"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEPLOYMENT = Path(__file__).resolve().parents[2] / "deployments" / "example-county"
GOVCORE_COMMAND = Path(sys.executable).with_name("govcore")
INIT_TIMEOUT_SECONDS = 300
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10
VIEWPORT = {"width": 1280, "height": 900}
ACTION_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Account:
    login: str
    password: str


# One line per account in the output of ``govcore init`` (adapters/cli/setup.py), e.g.
# "  安全管理员  用户名 demo-secadmin   密码 Ab3-Cd4-Ef5".
ACCOUNT_LINE = re.compile(r"^\s+(?P<title>\S+)\s+用户名 (?P<login>\S+)\s+密码 (?P<password>\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class LiveSite:
    """A running ``govcore serve`` and the accounts that ``govcore init`` printed for it, by login."""

    base_url: str
    accounts: dict[str, Account]

    @property
    def admin(self) -> Account:
        return self.accounts[ADMIN_LOGIN]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment() -> dict[str, str]:
    """The caller's environment minus anything that could point the server elsewhere, plus a secret."""
    environment = {name: value for name, value in os.environ.items() if name not in (DATABASE_ENV, DEPLOYMENT_ENV)}
    environment[SECRET_ENV] = secrets.token_urlsafe(48)
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _initialise(options: list[str], environment: dict[str, str]) -> dict[str, Account]:
    """Run ``govcore init`` and return the accounts it printed with their one-time passwords."""
    result = subprocess.run(
        [str(GOVCORE_COMMAND), "init", str(DEPLOYMENT), *options],
        env=environment, capture_output=True, text=True, timeout=INIT_TIMEOUT_SECONDS, check=False,
    )
    output = f"{result.stdout}\n{result.stderr}"
    if result.returncode != 0:
        pytest.fail(f"govcore init exited with status {result.returncode}:\n{output}")
    accounts = {match["login"]: Account(login=match["login"], password=match["password"])
                for match in ACCOUNT_LINE.finditer(result.stdout)}
    if ADMIN_LOGIN not in accounts:
        pytest.fail(f"govcore init printed no one-time password for {ADMIN_LOGIN!r}:\n{output}")
    return accounts


def _wait_until_healthy(url: str, server: subprocess.Popen, log_path: Path) -> None:
    """Poll ``/healthz`` until it answers 200; fail early if the server process exits."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    last_problem = "no answer yet"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"govcore serve exited with status {server.returncode}:\n{log_path.read_text()}")
        try:
            with opener.open(url, timeout=2):
                return
        except urllib.error.HTTPError as exc:
            last_problem = f"HTTP {exc.code}: {exc.read().decode('utf-8', 'replace')}"
        except OSError as exc:
            last_problem = str(exc)
        time.sleep(0.2)
    pytest.fail(f"{url} not healthy after {START_TIMEOUT_SECONDS}s ({last_problem}):\n{log_path.read_text()}")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _serve(tmp_path_factory) -> Iterator[LiveSite]:
    """The example county on a fresh SQLite database, served by ``govcore serve`` on a free port."""
    folder = tmp_path_factory.mktemp("live-site")
    environment = _server_environment()
    port = _free_port()
    options = ["--database", f"sqlite:///{folder / 'db.sqlite'}", "--var", str(folder / "var")]
    accounts = _initialise(options, environment)
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(GOVCORE_COMMAND), "serve", str(DEPLOYMENT), *options, "--port", str(port)],
            env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(f"{base_url}/healthz", server, log_path)
        yield LiveSite(base_url=base_url, accounts=accounts)
    finally:
        _stop(server)


@pytest.fixture(scope="session")
def live_site(tmp_path_factory) -> Iterator[LiveSite]:
    """The example county shared by the tests of the session."""
    yield from _serve(tmp_path_factory)


@pytest.fixture(scope="module")
def own_site(tmp_path_factory) -> Iterator[LiveSite]:
    """A site of the module's own, for scenarios that spend the one-time passwords of ``govcore init``."""
    yield from _serve(tmp_path_factory)


def _browser_unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_BROWSER_ENV}=1 requires the browser tests")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once for the session."""
    if not CHROMIUM.is_file():
        _browser_unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            _browser_unavailable(f"Playwright cannot launch {CHROMIUM}: {exc.message}")
        yield chromium
        chromium.close()


def _open_page(browser: Browser, site: LiveSite, **options) -> Iterator[Page]:
    context = browser.new_context(base_url=site.base_url, locale="zh-CN", viewport=VIEWPORT, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser, live_site) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies) under the site's own Content-Security-Policy."""
    yield from _open_page(browser, live_site)


@pytest.fixture
def new_page(browser) -> Iterator[Callable[[LiveSite], Page]]:
    """Opens a page in a fresh browser context (one person) on the given site; all closed afterwards."""
    opened: list[Iterator[Page]] = []

    def open_page(site: LiveSite) -> Page:
        pages = _open_page(browser, site)
        opened.append(pages)
        return next(pages)

    yield open_page
    for pages in reversed(opened):
        pages.close()


@pytest.fixture
def audit_page(browser, live_site) -> Iterator[Page]:
    """A page whose context ignores the site's CSP, so that the vendored axe-core can be injected."""
    yield from _open_page(browser, live_site, bypass_csp=True)


@pytest.fixture
def admin_account(live_site) -> Account:
    """The administrator with the one-time password ``govcore init`` printed."""
    return live_site.admin


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where the screenshots for visual review go (under pytest's temporary folder)."""
    return tmp_path_factory.mktemp("screenshots")
