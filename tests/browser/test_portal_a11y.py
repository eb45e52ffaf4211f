"""Accessibility of the public portal in a real browser: axe-core on the home, column, item, topic
and search pages in the normal, large-text (长辈版) and high-contrast modes; the skip link; the
display toggles and the headline carousel by keyboard.

The example county's demo content (published by ``govcore init``) gives the column, item and
topic to look at; the test finds them by following the home page's links, as a visitor would.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_smoke import AXE_SCRIPT, AXE_TAGS, BLOCKING_IMPACTS, describe_violations

pytestmark = pytest.mark.browser

MODES = {
    "normal": [],
    "large": [("display_font", "large")],
    "contrast": [("display_contrast", "high")],
}
PAGES = ("home", "column", "item", "topic", "search")


def _status(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def portal_paths(browser, live_site) -> dict[str, str | None]:
    """The page of each kind to audit, found from the home page; None where the site has none."""
    context = browser.new_context(base_url=live_site.base_url)
    page = context.new_page()
    try:
        page.goto("/")
        column = page.locator(".news-list a.more").first.get_attribute("href")
        item = page.locator(".news-list .item-list a").first.get_attribute("href")
        topic = None
        if _status(live_site.base_url + "/topics") == 200:
            page.goto("/topics")
            links = page.locator('main a[href^="/topic/"]')
            topic = links.first.get_attribute("href") if links.count() else None
        search = "/search?q=%E4%BC%9A%E8%AE%AE"  # 会议
        if _status(live_site.base_url + search) != 200:
            search = None
    finally:
        context.close()
    return {"home": "/", "column": column, "item": item, "topic": topic, "search": search}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", PAGES)
def test_no_serious_accessibility_violations(audit_page: Page, live_site, portal_paths, kind: str, mode: str):
    path = portal_paths[kind]
    if path is None:
        pytest.skip(f"the site has no {kind} page to audit (its route does not answer yet)")
    audit_page.context.add_cookies([{"name": name, "value": value, "url": live_site.base_url}
                                    for name, value in MODES[mode]])
    response = audit_page.goto(path)
    assert response is not None and response.status == 200
    if mode != "normal":
        expect(audit_page.locator("html")).to_have_class(re.compile(f"mode-{mode}"))
    audit_page.add_script_tag(path=AXE_SCRIPT)
    results = audit_page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = results["violations"]
    blocking = [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core violations on {path} ({mode}):\n{describe_violations(violations)}"


@pytest.mark.parametrize("kind", ("home", "column", "item"))
def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(page: Page, portal_paths, kind: str):
    page.goto(portal_paths[kind])
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_display_toggles_switch_by_keyboard_and_are_remembered(page: Page, portal_paths):
    page.goto(portal_paths["item"])
    html = page.locator("html")
    large = page.get_by_role("button", name="长辈版")
    expect(large).to_have_attribute("aria-pressed", "false")
    large.focus()
    page.keyboard.press("Space")
    expect(large).to_have_attribute("aria-pressed", "true")
    expect(html).to_have_class(re.compile("mode-large"))
    contrast = page.get_by_role("button", name="高对比度")
    contrast.focus()
    page.keyboard.press("Enter")
    expect(html).to_have_class(re.compile("mode-large.*mode-contrast|mode-contrast.*mode-large"))
    page.goto(portal_paths["column"])
    expect(page.locator("html")).to_have_class(re.compile("mode-contrast"))
    expect(page.get_by_role("button", name="高对比度")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="长辈版").click()
    expect(page.locator("html")).not_to_have_class(re.compile("mode-large"))


def test_article_font_size_switch(page: Page, portal_paths):
    page.goto(portal_paths["item"])
    sizes = page.get_by_role("group", name="字号")
    expect(sizes).to_be_visible()
    body = page.locator("#article-body")
    medium = float(body.evaluate("element => parseFloat(getComputedStyle(element).fontSize)"))
    sizes.get_by_role("button", name="大", exact=True).click()
    expect(sizes.get_by_role("button", name="大", exact=True)).to_have_attribute("aria-pressed", "true")
    assert float(body.evaluate("element => parseFloat(getComputedStyle(element).fontSize)")) > medium
    page.reload()
    expect(page.get_by_role("group", name="字号").get_by_role("button", name="大", exact=True)).to_have_attribute(
        "aria-pressed", "true")


def test_headline_carousel_pauses_and_moves_by_keyboard(page: Page):
    page.goto("/")
    carousel = page.locator("[data-carousel]")
    slides = carousel.locator(".carousel-slide")
    if slides.count() < 2:
        # One headline is shown as it is, without controls: nothing moves, nothing to pause.
        expect(carousel.locator(".carousel-controls")).to_be_hidden()
        return
    pause = carousel.get_by_role("button", name="暂停轮播")
    pause.focus()
    page.keyboard.press("Enter")
    expect(carousel.get_by_role("button", name="继续轮播")).to_be_focused()
    expect(slides.nth(0)).to_be_visible()
    carousel.get_by_role("button", name="下一条").click()
    expect(slides.nth(1)).to_be_visible()
    expect(slides.nth(0)).to_be_hidden()
    page.keyboard.press("ArrowLeft")
    expect(slides.nth(0)).to_be_visible()


def test_print_view_has_a_print_button_and_no_navigation(page: Page, portal_paths):
    page.goto(portal_paths["item"])
    page.get_by_role("link", name="打印本页").click()
    expect(page).to_have_url(re.compile(r"/item/\d+/print$"))
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    expect(page.get_by_role("navigation")).to_have_count(0)
