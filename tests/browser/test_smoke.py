"""Smoke tests in a real browser: navigation, accessibility, the administrator's first visit."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Locator, Page, expect

from adapters.testing.pytest_plugin import TEST_PASSWORD
from tests.expected import BUILTIN_PLUGINS, DEFAULT_TOP_COLUMNS, EXTRA_NAVIGATION

pytestmark = pytest.mark.browser

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
TAB_LIMIT = 100



def main_navigation(page: Page) -> Locator:
    return page.get_by_role("navigation", name="主导航")


def top_link(page: Page, title: str) -> Locator:
    return main_navigation(page).get_by_role("link", name=title, exact=True)


def sub_menu(page: Page, title: str) -> Locator:
    return top_link(page, title).locator("xpath=following-sibling::ul")


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def tab_until_focused(page: Page, target: Locator) -> None:
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{TAB_LIMIT} presses of Tab never reached {target}")


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
            summary = node.get("failureSummary", "").splitlines()
            lines.extend(f"        {line.strip()}" for line in summary if line.strip())
    return "\n".join(lines)


def test_home_page_navigation_shows_the_six_top_columns(page: Page):
    page.goto("/")
    expect(page).to_have_title(re.compile("示例县人民政府"))
    top_items = main_navigation(page).locator(":scope > ul > li > a")
    expect(top_items).to_have_text(["首页", *DEFAULT_TOP_COLUMNS, *EXTRA_NAVIGATION])


def test_hovering_a_top_column_reveals_its_sub_columns(page: Page):
    page.goto("/")
    for title, children in DEFAULT_TOP_COLUMNS.items():
        menu = sub_menu(page, title)
        expect(menu).to_be_hidden()
        top_link(page, title).hover()
        expect(menu).to_be_visible()
        expect(menu.get_by_role("link")).to_have_text(children)
    page.get_by_role("contentinfo").hover()
    expect(sub_menu(page, "网上办事")).to_be_hidden()


def test_keyboard_focus_reveals_sub_columns_and_tabs_through_them(page: Page):
    page.goto("/")
    menu = sub_menu(page, "政务公开")
    expect(menu).to_be_hidden()
    tab_until_focused(page, top_link(page, "政务公开"))
    expect(menu).to_be_visible()
    for child in DEFAULT_TOP_COLUMNS["政务公开"]:
        page.keyboard.press("Tab")
        expect(menu.get_by_role("link", name=child, exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(top_link(page, "参政议政")).to_be_focused()
    expect(menu).to_be_hidden()
    expect(sub_menu(page, "参政议政")).to_be_visible()


def test_sub_column_link_leads_to_its_column_page_with_breadcrumbs(page: Page):
    page.goto("/")
    top_link(page, "政务公开").hover()
    sub_menu(page, "政务公开").get_by_role("link", name="政府文件", exact=True).click()
    expect(page).to_have_url(re.compile(r"/column/documents$"))
    expect(heading(page)).to_have_text("政府文件")
    breadcrumbs = page.get_by_role("navigation", name="当前位置")
    expect(breadcrumbs.get_by_role("listitem")).to_have_text(["首页", "政务公开", "政府文件"])
    expect(breadcrumbs.locator('[aria-current="page"]')).to_have_text("政府文件")
    breadcrumbs.get_by_role("link", name="政务公开", exact=True).click()
    expect(page).to_have_url(re.compile(r"/column/disclosure$"))
    expect(heading(page)).to_have_text("政务公开")


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/column/disclosure", 200), ("/column/documents", 200), ("/login", 200),
     ("/no/such/page", 404)],
    ids=["home", "column", "leaf-column", "login", "not-found"],
)
def test_no_serious_accessibility_violations(audit_page: Page, path: str, status: int):
    response = audit_page.goto(path)
    assert response is not None and response.status == status
    audit_page.add_script_tag(path=AXE_SCRIPT)
    results = audit_page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations = results["violations"]
    blocking = [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core violations on {path}:\n{describe_violations(violations)}"


def test_administrator_first_sign_in_to_sign_out(page: Page, admin_account, screenshot_dir: Path):
    page.goto("/login")
    page.get_by_label("用户名").fill(admin_account.login)
    page.get_by_label("密码", exact=True).fill(admin_account.password)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(r"/account/password$"))
    expect(page.get_by_role("status")).to_contain_text("首次登录")
    page.get_by_label("当前密码").fill(admin_account.password)
    page.get_by_label("新密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("再次输入新密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="保存").click()

    # 三员分立: the administrator must enrol a second factor before anything else opens.
    expect(page).to_have_url(re.compile(r"/account/totp$"))
    expect(page.get_by_role("img", name="用于验证器应用的二维码")).to_be_visible()
    page.screenshot(path=screenshot_dir / "totp-enrolment.png", full_page=True)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="启用双因素认证").click()

    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(heading(page)).to_have_text("控制台")
    expect(page.get_by_role("status")).to_contain_text("双因素认证已启用")
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)

    menu = page.get_by_role("navigation", name="后台菜单")
    menu.get_by_role("link", name="栏目结构", exact=True).click()
    expect(heading(page)).to_have_text("栏目结构")
    tree = page.locator(".tree")
    for title, children in DEFAULT_TOP_COLUMNS.items():
        branch = tree.get_by_role("link", name=title, exact=True).locator("xpath=ancestor::li[1]")
        expect(branch.locator("a.org-name")).to_have_text([title, *children])
        expect(branch.locator("a.column-edit")).to_have_text([f"编辑：{name}" for name in [title, *children]])

    menu.get_by_role("link", name="插件", exact=True).click()
    expect(heading(page)).to_have_text("插件")
    rows = page.get_by_role("table").locator("tbody tr")
    for name in BUILTIN_PLUGINS:
        row = rows.filter(has=page.get_by_role("rowheader", name=name, exact=True))
        expect(row.get_by_role("cell").last).to_have_text("已启用")

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("banner").get_by_role("link", name="登录", exact=True)).to_be_visible()
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/login\?came_from="))


def test_home_page_screenshot_for_visual_review(page: Page, screenshot_dir: Path):
    page.goto("/")
    expect(main_navigation(page)).to_be_visible()
    path = screenshot_dir / "home.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 0
