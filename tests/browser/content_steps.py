"""Steps the content browser tests share: the Jodit editor, portal pages that follow a publish, feeds.

Anonymous portal pages are cached per server process and notice a publish within about a second
(the generation is read at most once a second), so a portal check reloads the page until it shows
what it must, within a deadline, instead of sleeping for a guessed time.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable

from playwright.sync_api import Locator, Page, expect

UPLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
PORTAL_DEADLINE_SECONDS = 15
POLL_INTERVAL_MS = 200
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


# -- the portal follows a change ------------------------------------------------------------------

def reload_until(page: Page, url: str, find: Callable[[Page], Locator], *, present: bool = True,
                 status: int = 200) -> Locator:
    """Load ``url`` again until ``find(page)`` matches (or no longer matches) and the status is ``status``."""
    deadline = time.monotonic() + PORTAL_DEADLINE_SECONDS
    while True:
        response = page.goto(url)
        answered = response.status if response is not None else None
        found = find(page)
        if answered == status and (found.count() > 0) == present:
            return found
        if time.monotonic() > deadline:
            assert answered == status, f"{url} answered {answered}, expected {status}"
            if present:
                expect(found).not_to_have_count(0)
            else:
                expect(found).to_have_count(0)
            return found
        page.wait_for_timeout(POLL_INTERVAL_MS)


def fetch_until(page: Page, url: str, check: Callable[[int, str], bool], what: str) -> str:
    """GET ``url`` (the page's cookies, no rendering) until ``check(status, text)`` holds; the last text."""
    deadline = time.monotonic() + PORTAL_DEADLINE_SECONDS
    while True:
        response = page.request.get(url)
        text = response.text()
        if check(response.status, text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{url}: {what} (last answer {response.status}):\n{text[:2000]}")
        page.wait_for_timeout(POLL_INTERVAL_MS)


def rss_items(text: str) -> list[tuple[str, str]]:
    """(title, link) of each <item> of an RSS 2.0 document."""
    channel = ET.fromstring(text).find("channel")
    assert channel is not None, text[:500]
    return [(item.findtext("title", ""), item.findtext("link", "")) for item in channel.findall("item")]


def sitemap_locations(page: Page, url: str = "/sitemap.xml") -> set[str]:
    """Every <loc> the sitemap lists, following a sitemap index to its parts."""
    response = page.request.get(url)
    assert response.ok, (url, response.status)
    root = ET.fromstring(response.text())
    locations = {loc.text or "" for loc in root.iterfind("sm:url/sm:loc", SITEMAP_NS)}
    for part in root.iterfind("sm:sitemap/sm:loc", SITEMAP_NS):
        locations |= sitemap_locations(page, part.text or "")
    return locations


# -- the Jodit editor -----------------------------------------------------------------------------

def editor_area(page: Page) -> Locator:
    return page.locator(".jodit-wysiwyg")


def toolbar_button(page: Page, name: str) -> Locator:
    """A Jodit toolbar button by its control name (``table``, ``uploadImage``, …)."""
    return page.locator(f".jodit-toolbar-button_{name} button.jodit-toolbar-button__button").first


def insert_table(page: Page, rows: int, columns: int, cells: list[str]) -> None:
    """Insert a table with the toolbar's size picker, then type ``cells`` into it row by row."""
    toolbar_button(page, "table").click()
    picker = page.locator(".jodit-form__container")
    expect(picker).to_be_visible()
    # The picker is a 10-wide grid of cells; hovering sizes the table, pressing inserts it.
    cell = picker.locator(f"span[data-index='{(rows - 1) * 10 + columns - 1}']")
    cell.hover()
    expect(page.locator(".jodit-form__center")).to_have_text(f"{rows} × {columns}")
    cell.click()
    table_cells = editor_area(page).locator("table td")
    expect(table_cells).to_have_count(rows * columns)
    for index, text in enumerate(cells):
        table_cells.nth(index).click()
        page.keyboard.type(text)


def upload_image(page: Page, path: Path) -> None:
    """Insert an image through the editor's own upload button (a file chooser, checked by the server)."""
    with page.expect_file_chooser() as chooser:
        toolbar_button(page, "uploadImage").click()
    chooser.value.set_files(str(path))
    expect(page.locator("[data-editor-status]")).to_have_text("上传完成")
    expect(editor_area(page).locator("img[src^='/files/']")).to_have_count(1)
