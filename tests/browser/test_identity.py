"""Identity and access end to end in a real browser: 三员分立 and a role scoped to one column.

The 系统管理员 creates a department and a staff account in it, the 安全管理员 gives that person
the 编辑 role for the 政务公开 subtree only, the person edits a column inside it and is refused one
outside it, and the 审计管理员 finds every one of those steps in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pyotp
import pytest
from playwright.sync_api import Locator, Page, expect

from adapters.testing.pytest_plugin import TEST_PASSWORD
from tests.browser.conftest import Account, LiveSite
from tests.expected import DEFAULT_TOP_COLUMNS

pytestmark = pytest.mark.browser

SECURITY_ADMIN = "demo-secadmin"
AUDITOR = "demo-auditor"
COUNTY = "示例县"
DEPARTMENT = "数据资源局"
STAFF_LOGIN = "zhang-wei"
STAFF_NAME = "张伟"
SCOPE_COLUMN = "政务公开"
EDITED_COLUMN = "政府文件"
OUTSIDE_COLUMN = "地方概况"
NEW_DESCRIPTION = "本县政府发布的规范性文件与政策解读。"


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def fresh_totp_code(secret: str, last_step: int | None) -> tuple[str, int]:
    """A code for a time step later than ``last_step``: the site accepts each step only once."""
    totp = pyotp.TOTP(secret)
    while True:
        step = totp.timecode(dt.datetime.now())
        if last_step is None or step > last_step:
            return totp.generate_otp(step), step
        time.sleep(0.5)


def sign_in_first_time(page: Page, account: Account) -> None:
    """Sign in with the one-time password and replace it, as everybody must at first."""
    page.goto("/login")
    page.get_by_label("用户名").fill(account.login)
    page.get_by_label("密码", exact=True).fill(account.password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/account/password"))
    expect(page.get_by_role("status")).to_contain_text("首次登录")
    page.get_by_label("当前密码").fill(account.password)
    page.get_by_label("新密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("再次输入新密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="保存").click()


def sign_in_administrator(page: Page, account: Account) -> None:
    """First sign-in of one of the three administrators: new password, then TOTP enrolment."""
    sign_in_first_time(page, account)
    expect(page).to_have_url(re.compile(r"/account/totp"))
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    code, _step = fresh_totp_code(secret, None)
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="启用双因素认证").click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.get_by_role("status")).to_contain_text("双因素认证已启用")


def column_ids(page: Page) -> dict[str, int]:
    """Every public column's id by title, from the public API."""
    response = page.request.get("/api/v1/columns?depth=3")
    assert response.ok, response.status
    ids: dict[str, int] = {}

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            ids[node["title"]] = node["id"]
            walk(node["children"])

    walk(response.json()["columns"])
    return ids


def audit_rows(page: Page, login: str, action: str = "", result: str = "") -> Locator:
    page.goto("/admin/audit")
    page.get_by_label("人员（登录名）").fill(login)
    page.get_by_label("操作").fill(action)
    if result:
        page.get_by_label("结果").select_option(label=result)
    page.get_by_role("button", name="查询").click()
    expect(heading(page)).to_have_text("审计日志")
    return page.locator(".audit-table tbody tr")


def test_scoped_editor_from_creation_to_audit(own_site: LiveSite, new_page):
    accounts = own_site.accounts

    # (1) The 系统管理员 creates a department under the county and a staff account in it.
    admin = new_page(own_site)
    sign_in_administrator(admin, accounts["admin"])
    admin.goto("/admin/org/add")
    admin.get_by_label("上级单位").select_option(label=COUNTY)
    admin.get_by_label("单位名称").fill(DEPARTMENT)
    admin.get_by_label("类型").select_option(label="部门")
    admin.get_by_role("button", name="保存").click()
    expect(admin).to_have_url(re.compile(r"/admin/org#unit-\d+$"))
    expect(admin.get_by_role("status")).to_contain_text(f"已新增单位“{DEPARTMENT}”")

    admin.goto("/admin/users/add")
    admin.get_by_label("登录名").fill(STAFF_LOGIN)
    admin.get_by_label("姓名").fill(STAFF_NAME)
    unit_option = admin.locator("#org_unit option").filter(has_text=DEPARTMENT)
    expect(unit_option).to_have_count(1)
    admin.get_by_label("所属单位").select_option(value=unit_option.get_attribute("value"))
    admin.get_by_label("邮箱（可不填）").fill("zhang.wei@example.com")
    admin.get_by_label("手机（可不填）").fill("13800000000")
    admin.get_by_role("button", name="保存").click()
    one_time_password = admin.locator("#one-time-password").inner_text().strip()
    assert one_time_password
    account_href = admin.get_by_role("link", name="查看账户").get_attribute("href")
    user_id = int(re.fullmatch(r"/admin/users/(\d+)", account_href).group(1))
    staff = Account(login=STAFF_LOGIN, password=one_time_password)

    # (2) The 安全管理员 gives the person the 编辑 role for the 政务公开 subtree only.
    security = new_page(own_site)
    sign_in_administrator(security, accounts[SECURITY_ADMIN])
    security.goto(f"/admin/roles/users/{user_id}")
    expect(heading(security)).to_have_text(STAFF_NAME)
    assign = security.get_by_role("form", name="分配角色")
    assign.get_by_label("角色", exact=True).select_option(label="编辑")
    scope_option = assign.locator('optgroup[label="栏目"] option').filter(has_text=re.compile(rf"^{SCOPE_COLUMN}$"))
    expect(scope_option).to_have_count(1)
    assign.get_by_label("适用范围").select_option(value=scope_option.get_attribute("value"))
    assign.get_by_role("button", name="分配").click()
    expect(security).to_have_url(re.compile(rf"/admin/roles/users/{user_id}$"))
    expect(security.get_by_role("status")).to_contain_text(f"已为 {STAFF_NAME} 分配角色“编辑”")
    held = security.get_by_role("table").locator("tbody tr")
    expect(held).to_have_count(1)
    expect(held).to_contain_text(f"栏目：{SCOPE_COLUMN}")

    # (3) The person sees only the 政务公开 subtree, edits 政府文件, and is refused 地方概况.
    editor = new_page(own_site)
    sign_in_first_time(editor, staff)
    expect(editor).to_have_url(re.compile(r"/admin$"))
    editor.goto("/admin/content/columns")
    expect(heading(editor)).to_have_text("栏目结构")
    tree = editor.locator(".tree")
    expect(tree.locator(":scope > ul > li")).to_have_count(1)
    expect(tree.locator("a:not(.column-edit)")).to_have_text([SCOPE_COLUMN, *DEFAULT_TOP_COLUMNS[SCOPE_COLUMN]])
    expect(tree.get_by_role("link", name=OUTSIDE_COLUMN, exact=True)).to_have_count(0)

    ids = column_ids(editor)
    tree.locator("a.column-edit").filter(has_text=re.compile(rf"^编辑：{EDITED_COLUMN}$")).click()
    expect(editor).to_have_url(re.compile(rf"/admin/content/columns/{ids[EDITED_COLUMN]}/edit$"))
    expect(heading(editor)).to_have_text("编辑栏目")
    csrf_token = editor.locator('form.column-form input[name="csrf_token"]').get_attribute("value")
    editor.get_by_label("栏目说明（选填）").fill(NEW_DESCRIPTION)
    editor.get_by_role("button", name="保存").click()
    expect(editor).to_have_url(re.compile(r"/admin/content/columns$"))
    expect(editor.locator(".flash")).to_contain_text(f"栏目“{EDITED_COLUMN}”已保存")

    outside_url = f"/admin/content/columns/{ids[OUTSIDE_COLUMN]}/edit"
    response = editor.goto(outside_url)
    assert response is not None and response.status == 403
    expect(editor.get_by_label("栏目名称")).to_have_count(0)
    # Saving it anyway (a forged form) is refused too, and that attempt is what the trail records.
    attempt = editor.request.post(outside_url, form={
        "csrf_token": csrf_token, "title": OUTSIDE_COLUMN, "description": "越权修改",
    })
    assert attempt.status == 403

    # (4) The 审计管理员 finds each step in the audit trail.
    auditor = new_page(own_site)
    sign_in_administrator(auditor, accounts[AUDITOR])

    rows = audit_rows(auditor, "admin", "org.create")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(DEPARTMENT)
    expect(rows).to_contain_text("成功")

    rows = audit_rows(auditor, "admin", "user.create")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(f"user {user_id}")
    expect(rows).to_contain_text(STAFF_LOGIN)
    expect(rows).to_contain_text("成功")

    rows = audit_rows(auditor, SECURITY_ADMIN, "role.assign")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(f"user {user_id}")
    expect(rows).to_contain_text(f"栏目：{SCOPE_COLUMN}")
    expect(rows).to_contain_text("成功")

    rows = audit_rows(auditor, STAFF_LOGIN, "content.column.update")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(f"column {ids[EDITED_COLUMN]}")
    expect(rows).to_contain_text(NEW_DESCRIPTION)
    expect(rows).to_contain_text("成功")

    rows = audit_rows(auditor, STAFF_LOGIN, result="拒绝")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("content.admin_column_edit")
    expect(rows).to_contain_text(f"column {ids[OUTSIDE_COLUMN]}")
    expect(rows).to_contain_text("拒绝")
