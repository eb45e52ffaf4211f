"""A procedure from the designer to the approval sheet, in a real browser.

The 系统管理员 builds a three-step procedure with a countersign step in the designer and sees its
diagram; an initiator starts a case on it; of the two people countersigning, one returns it to the
initiator, who resubmits it; then everybody approves. The case's history and its printable
approval sheet show every one of those decisions.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSite
from tests.browser.test_identity import heading, sign_in_administrator, sign_in_first_time

pytestmark = pytest.mark.browser

KEY = "county.purchase"
PROCEDURE = "办公设备采购审批"
STEPS = ("部门初审", "联合会签", "办公室终审")
FIRST = "demo-editor"  # 示例编辑: 部门初审, then one of the two countersigners
SECOND = "demo-chief-editor"  # 示例主编: the other countersigner, then 办公室终审
CASE_TITLE = "采购三台办公电脑"


def choose_person(page: Page, select_id: str, login_title: str) -> None:
    """Pick a person by the label the form shows (name and login)."""
    option = page.locator(f"#{select_id} option").filter(has_text=re.compile(rf"{re.escape(login_title)}(?![\w-])"))
    expect(option).to_have_count(1)
    page.locator(f"#{select_id}").select_option(value=option.get_attribute("value"))


def build_procedure(admin: Page) -> None:
    admin.goto("/admin/workflows")
    expect(heading(admin)).to_have_text("审批流程")
    admin.get_by_role("link", name="新建流程").click()
    admin.get_by_label("流程标识").fill(KEY)
    admin.get_by_label("流程名称").fill(PROCEDURE)
    admin.get_by_label("可在“我的待办”中发起（通用审批）").check()
    for index, title in enumerate(STEPS):
        if admin.locator(f"#step-{index}-title").count() == 0:
            admin.locator("#add-step").click()
        admin.locator(f"#step-{index}-title").fill(title)
        admin.locator(f"#step-{index}-actor-0-kind").select_option("person")
    choose_person(admin, "step-0-actor-0-person", FIRST)
    # The countersign step: two named people, both of whom must agree.
    admin.locator("#step-1-mode").select_option("all")
    admin.locator("#step-1-add-actor").click()
    admin.locator("#step-1-actor-1-kind").select_option("person")
    choose_person(admin, "step-1-actor-0-person", FIRST)
    choose_person(admin, "step-1-actor-1-person", SECOND)
    choose_person(admin, "step-2-actor-0-person", SECOND)
    admin.get_by_label("修改说明").fill("新建采购审批流程")
    admin.get_by_role("button", name="保存", exact=True).click()

    expect(admin).to_have_url(re.compile(rf"/admin/workflows/{re.escape(KEY)}$"))
    expect(heading(admin)).to_contain_text(PROCEDURE)
    diagram = admin.locator("svg[role=img]")
    expect(diagram).to_have_count(1)
    for title in STEPS:
        expect(diagram).to_contain_text(title)
    expect(diagram).to_contain_text("会签")


def act(page: Page, case_url: str, action: str, opinion: str, target: str | None = None) -> None:
    page.goto(case_url)
    if page.locator(f"#action-{action}").get_attribute("open") is None:
        page.locator(f"#action-{action} summary").click()
    if target is not None:
        page.locator(f"#target-{action}").select_option(label=target)
    page.locator(f"#opinion-{action}").fill(opinion)
    page.locator(f"#act-{action} button[type=submit]").click()
    expect(page.locator(".flash-error")).to_have_count(0)


def test_a_countersign_procedure_from_the_designer_to_the_approval_sheet(own_site: LiveSite, new_page):
    accounts = own_site.accounts
    admin = new_page(own_site)
    sign_in_administrator(admin, accounts["admin"])
    build_procedure(admin)

    # The administrator (any staff member may) starts a general approval on the new procedure.
    admin.goto("/admin/tasks/new")
    admin.get_by_label(PROCEDURE, exact=True).check()
    admin.get_by_label("事项标题").fill(CASE_TITLE)
    admin.get_by_label("事由及内容（可不填）").fill("办公室现有电脑已使用八年，申请采购三台。")
    admin.get_by_role("button", name="提交审批").click()
    expect(admin).to_have_url(re.compile(r"/admin/tasks/cases/\d+$"))
    case_url = re.search(r"/admin/tasks/cases/\d+$", admin.url).group(0)

    first = new_page(own_site)
    sign_in_first_time(first, accounts[FIRST])
    second = new_page(own_site)
    sign_in_first_time(second, accounts[SECOND])

    # 部门初审 shows in the first person's 待办 and is approved there.
    first.goto("/admin/tasks")
    expect(first.get_by_role("link", name=CASE_TITLE)).to_be_visible()
    act(first, case_url, "approve", "同意采购")
    # 联合会签: the first agrees, the second returns it to the initiator.
    act(first, case_url, "approve", "会签同意")
    act(second, case_url, "return", "请补充报价单", target="发起人")
    expect(second.locator("#case-status")).to_contain_text("待发起人处理")

    # The initiator resubmits; everybody approves this time.
    act(admin, case_url, "resubmit", "已补充三家报价")
    act(first, case_url, "approve", "同意")
    act(first, case_url, "approve", "会签同意")
    act(second, case_url, "approve", "会签同意，报价合理")
    act(second, case_url, "approve", "同意采购，按程序执行")
    expect(second.locator("#case-status")).to_contain_text("已办结（通过）")

    timeline = second.locator("#case-timeline li")
    expect(timeline).to_have_count(9)  # 发起, 3 decisions, 退回, 重新提交, 4 decisions
    for opinion in ("同意采购", "请补充报价单", "已补充三家报价", "会签同意，报价合理", "同意采购，按程序执行"):
        expect(second.locator("#case-timeline")).to_contain_text(opinion)
    expect(second.locator("#case-timeline")).to_contain_text("退回")

    second.goto(case_url + "/sheet")
    expect(second.locator("#sheet-heading")).to_have_text("审批单")
    expect(second.locator("#sheet-title")).to_have_text(CASE_TITLE)
    decisions = second.locator("#sheet-decisions")
    for text in ("部门初审", "联合会签", "办公室终审", "请补充报价单", "同意采购，按程序执行"):
        expect(decisions).to_contain_text(text)
