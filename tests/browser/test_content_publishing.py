"""An article from a new column to the portal and back, in a real browser.

The 总编 batch-adds a column subtree (which takes the 稿件三审 procedure by default); the 编辑
writes an article there with an image, a table and an attachment and submits it; the 责任编辑,
the 主编 and the 总编 approve it in turn from their 待办. The article then shows on the home page,
in its column, the column's RSS feed, the sitemap and the search results; the 总编 gathers it
into a topic. Archived, it leaves the portal (its address answers 410) but staff search still
finds it; restored from the list of archived items, it is back.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSite
from tests.browser.content_steps import (UPLOADS, editor_area, fetch_until, insert_table, reload_until,
                                         rss_items, sitemap_locations, upload_image)
from tests.browser.test_identity import column_ids, heading, sign_in_first_time
from tests.browser.test_workflow import act

pytestmark = pytest.mark.browser

EDITOR = "demo-editor"
REVIEWERS = ("demo-resp-editor", "demo-chief-editor", "demo-editor-in-chief")  # 初审, 复审, 终审
CHIEF = "demo-editor-in-chief"  # manages the column structure, topics, archiving

OUTLINE = "\n".join([
    "乡村振兴 [rural]",
    "  振兴动态 [rural-news]",
    "  产业发展 [rural-industry]",
    "    特色农业 [rural-farming]",
])
SUBTREE = {"乡村振兴": "rural", "振兴动态": "rural-news", "产业发展": "rural-industry", "特色农业": "rural-farming"}
COLUMN = "振兴动态"
HOME_NEWS_COLUMN = "政务动态"  # a news list of the example county's home page; the article is shown there too
TERM = "油茶"  # in nothing of the demo content
TITLE = "示例县油茶产业对接会签约项目十二个"
SUMMARY = "全县油茶种植面积达到十二万亩，对接会现场签约项目十二个。"
PARAGRAPH = "11月20日，示例县油茶产业对接会在县会展中心举行，来自省内外的六十余家企业参会。"
TABLE = ["乡镇", "面积（万亩）", "签约项目", "城关镇", "3.2", "5"]
IMAGE = UPLOADS / "red.png"
ATTACHMENT = UPLOADS / "notice.pdf"
TOPIC = "乡村振兴在行动"
TOPIC_SLUG = "rural-revival"


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"content-{name}.png"), full_page=True)


def batch_add_subtree(chief: Page) -> None:
    chief.goto("/admin/content/columns")
    expect(heading(chief)).to_have_text("栏目结构")
    chief.get_by_role("link", name="批量添加栏目").click()
    chief.get_by_label("上级栏目").select_option(label="（顶级栏目）")
    chief.get_by_label("栏目列表（每行一个，两个空格表示下一级）").fill(OUTLINE)
    chief.get_by_role("button", name="预览").click()
    preview = chief.locator(".column-preview")
    expect(preview.get_by_role("heading")).to_contain_text("添加 4 个栏目")
    for title, slug in SUBTREE.items():
        expect(preview).to_contain_text(title)
        expect(preview).to_contain_text(f"/{slug}")
    chief.get_by_role("button", name="确认添加").click()
    expect(chief).to_have_url(re.compile(r"/admin/content/columns$"))
    expect(chief.locator(".flash-success")).to_contain_text("已批量添加 4 个栏目")
    tree = chief.locator(".tree")
    branch = tree.locator("li", has=chief.get_by_role("link", name="乡村振兴", exact=True)).first
    expect(branch.locator("a.org-name")).to_have_text(list(SUBTREE))


def check_review_procedure(chief: Page, column_id: int) -> None:
    """A new column reviews what is submitted to it with 稿件三审 unless someone changes that."""
    chief.goto(f"/admin/content/columns/{column_id}/edit")
    expect(heading(chief)).to_have_text("编辑栏目")
    procedure = chief.get_by_label("审核流程")
    expect(procedure).to_have_value("content.article_review")
    expect(procedure.locator("option:checked")).to_have_text("稿件三审")


def write_article(editor: Page, column_id: int, screenshots: Path) -> int:
    editor.goto(f"/admin/content/items/new?column={column_id}")
    expect(heading(editor)).to_have_text("新建信息")
    expect(editor.get_by_label("所属栏目")).to_have_value(str(column_id))
    editor.get_by_label("标题", exact=True).fill(TITLE)
    editor.get_by_label("摘要（选填）").fill(SUMMARY)
    editor.get_by_label("关键词（用逗号分隔）").fill(f"{TERM},乡村振兴")

    body = editor_area(editor)
    expect(body).to_be_visible()
    body.click()
    editor.keyboard.type(PARAGRAPH)
    editor.keyboard.press("Enter")
    upload_image(editor, IMAGE)
    editor.keyboard.press("Enter")
    insert_table(editor, 2, 3, TABLE)

    also = editor.get_by_label("同时发布到（引用，可多选）")
    also.select_option(label=f"政务公开 / {HOME_NEWS_COLUMN}")
    editor.get_by_label(re.compile(r"^添加附件")).set_input_files(str(ATTACHMENT))
    shot(editor, screenshots, "1-editor")
    editor.get_by_role("button", name="保存", exact=True).click()

    expect(editor).to_have_url(re.compile(r"/admin/content/items/\d+$"))
    expect(editor.locator(".flash-success")).to_contain_text(f"信息“{TITLE}”已保存为草稿")
    expect(editor.locator("#item-status")).to_contain_text("草稿")
    expect(editor.locator("[data-attachments]")).to_contain_text(ATTACHMENT.name)
    # What the server kept of the body: the uploaded image, the table with its text, the paragraph.
    saved = editor_area(editor)
    expect(saved.locator("img[src^='/files/']")).to_have_count(1)
    expect(saved.locator("table td")).to_have_text(TABLE)
    expect(saved).to_contain_text(PARAGRAPH)
    return int(re.search(r"/admin/content/items/(\d+)$", editor.url).group(1))


def submit_for_review(editor: Page) -> str:
    editor.get_by_role("button", name="提交审核").click()
    expect(editor.locator("#item-status")).to_contain_text("审核中")
    case_link = editor.get_by_role("link", name="查看审核流程")
    href = case_link.get_attribute("href")
    assert href and re.fullmatch(r"/admin/tasks/cases/\d+", href), href
    return href


def approve_in_turn(site: LiveSite, new_page, signed_in: dict[str, Page], case_url: str, screenshots: Path) -> None:
    reviewers = []
    for login in REVIEWERS:
        if login not in signed_in:
            signed_in[login] = new_page(site)
            sign_in_first_time(signed_in[login], site.accounts[login])
        reviewers.append(signed_in[login])
    for number, reviewer in enumerate(reviewers, start=1):
        reviewer.goto("/admin/tasks")
        task = reviewer.get_by_role("link", name=TITLE)
        expect(task).to_be_visible()
        # The step is the current reviewer's alone: those after them do not have it yet.
        for later in reviewers[number:]:
            later.goto("/admin/tasks")
            expect(later.get_by_role("link", name=TITLE)).to_have_count(0)
        task.click()
        expect(reviewer).to_have_url(re.compile(re.escape(case_url) + "$"))
        if number == 1:
            shot(reviewer, screenshots, "2-case")
        act(reviewer, case_url, "approve", f"同意（第 {number} 审）")
    expect(reviewers[-1].locator("#case-status")).to_contain_text("已办结（通过）")


def check_portal_shows(visitor: Page, item_id: int, column_slug: str, screenshots: Path) -> None:
    item_url = f"/item/{item_id}"
    on_home = reload_until(visitor, "/", lambda p: p.locator(f"main a[href$='{item_url}']", has_text=TITLE))
    expect(on_home.first).to_be_visible()
    shot(visitor, screenshots, "3-home")

    listed = reload_until(visitor, f"/column/{column_slug}", lambda p: p.locator(".item-list a", has_text=TITLE))
    expect(listed).to_have_count(1)
    expect(visitor.locator(".item-list")).to_contain_text(SUMMARY)
    listed.click()
    expect(visitor).to_have_url(re.compile(re.escape(item_url) + "$"))
    article = visitor.locator("#article-body")
    expect(heading(visitor)).to_have_text(TITLE)
    expect(article).to_contain_text(PARAGRAPH)
    image = article.locator("img")
    expect(image).to_have_count(1)
    # The uploaded file is public now that the item is: the visitor's browser loads it.
    visitor.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(article.locator("table td")).to_have_text(TABLE)
    attachment = visitor.locator(".attachments a", has_text=ATTACHMENT.name)
    expect(attachment).to_have_count(1)
    download = visitor.request.get(attachment.get_attribute("href"))
    assert download.ok and download.body() == ATTACHMENT.read_bytes()
    shot(visitor, screenshots, "4-article")

    feed = fetch_until(visitor, f"/column/{column_slug}/rss.xml",
                       lambda status, text: status == 200 and TITLE in text, "the RSS feed lists the article")
    entries = dict(rss_items(feed))
    assert entries[TITLE].endswith(item_url), entries

    locations = sitemap_locations(visitor)
    assert any(loc.endswith(item_url) for loc in locations), sorted(locations)[:20]

    hit = reload_until(visitor, f"/search?q={TERM}", lambda p: p.locator(".search-hit a", has_text=TITLE))
    expect(hit).to_have_count(1)
    expect(hit).to_have_attribute("href", re.compile(re.escape(item_url) + "$"))
    shot(visitor, screenshots, "5-search")


def gather_in_topic(chief: Page) -> None:
    chief.goto("/admin/content/topics")
    expect(heading(chief)).to_have_text("信息专题")
    chief.get_by_role("link", name="新建专题").click()
    chief.get_by_label("专题名称").fill(TOPIC)
    chief.get_by_label("英文标识（选填）").fill(TOPIC_SLUG)
    chief.get_by_label("专题简介（选填）").fill("示例县推进乡村振兴的工作动态与政策。")
    chief.get_by_label("在门户网站隐藏此专题").uncheck()
    chief.get_by_role("button", name="保存", exact=True).click()
    expect(chief.locator(".flash-success")).to_contain_text(f"专题“{TOPIC}”已新建")
    chief.get_by_role("link", name="管理专题中的信息").click()
    chief.get_by_label("关键词").fill(TERM)
    chief.get_by_role("button", name="检索").click()
    candidate = chief.locator("#candidates").get_by_label(TITLE)
    expect(candidate).to_have_count(1)
    candidate.check()
    chief.get_by_role("button", name="添加所选信息").click()
    expect(chief.locator("#members-form")).to_contain_text(TITLE)


def archive(chief: Page, item_id: int) -> None:
    chief.goto(f"/admin/content/items/{item_id}")
    expect(chief.locator("#item-status")).to_contain_text("已发布")
    chief.locator("#item-status button[data-action=archive]").click()
    expect(chief.locator("#item-status")).to_contain_text("已归档")


def check_portal_forgets(visitor: Page, item_id: int, column_slug: str, screenshots: Path) -> None:
    item_url = f"/item/{item_id}"
    gone = reload_until(visitor, item_url, lambda p: heading(p), status=410)
    expect(gone).to_have_text("信息已归档")
    expect(visitor.locator("main")).not_to_contain_text(PARAGRAPH)
    shot(visitor, screenshots, "7-gone")
    reload_until(visitor, f"/column/{column_slug}", lambda p: p.locator(".item-list a", has_text=TITLE),
                 present=False)
    reload_until(visitor, "/", lambda p: p.locator(f"main a[href$='{item_url}']"), present=False)
    reload_until(visitor, f"/topic/{TOPIC_SLUG}", lambda p: p.locator(".topic-items a", has_text=TITLE),
                 present=False)
    reload_until(visitor, f"/search?q={TERM}", lambda p: p.locator(".search-hit a", has_text=TITLE), present=False)
    fetch_until(visitor, f"/column/{column_slug}/rss.xml",
                lambda status, text: status == 200 and TITLE not in text, "the RSS feed drops the archived article")
    assert not any(loc.endswith(item_url) for loc in sitemap_locations(visitor))


def check_staff_search_finds_archived(chief: Page, item_id: int) -> None:
    chief.goto("/admin/content/search")
    chief.get_by_label("关键词").fill(TERM)
    chief.get_by_role("button", name="检索").click()
    hit = chief.locator(".search-hit", has_text=TITLE)
    expect(hit).to_have_count(1)
    expect(hit.locator(".item-status")).to_have_text("已归档")
    expect(hit.get_by_role("link", name=TITLE)).to_have_attribute("href", f"/admin/content/items/{item_id}")


def restore_from_archive_list(chief: Page, item_id: int) -> None:
    chief.goto("/admin/content/items")
    chief.get_by_role("link", name="已归档信息").click()
    row = chief.locator(f"tr[data-item-id='{item_id}']")
    expect(row).to_contain_text(TITLE)
    row.get_by_role("button", name=re.compile("^恢复")).click()
    expect(chief.locator(".flash-error")).to_have_count(0)
    expect(chief.locator(f"tr[data-item-id='{item_id}']")).to_have_count(0)
    chief.goto(f"/admin/content/items/{item_id}")
    expect(chief.locator("#item-status")).to_contain_text("已发布")


def test_an_article_from_a_new_column_to_the_portal_archive_and_back(own_site: LiveSite, new_page, screenshot_dir):
    accounts = own_site.accounts
    chief = new_page(own_site)
    sign_in_first_time(chief, accounts[CHIEF])
    batch_add_subtree(chief)
    ids = column_ids(chief)
    for title in SUBTREE:
        assert title in ids, f"{title} is not among the public columns"
    check_review_procedure(chief, ids[COLUMN])

    editor = new_page(own_site)
    sign_in_first_time(editor, accounts[EDITOR])
    item_id = write_article(editor, ids[COLUMN], screenshot_dir)
    case_url = submit_for_review(editor)

    approve_in_turn(own_site, new_page, {CHIEF: chief}, case_url, screenshot_dir)
    editor.goto(f"/admin/content/items/{item_id}")
    expect(editor.locator("#item-status")).to_contain_text("已发布")

    visitor = new_page(own_site)
    check_portal_shows(visitor, item_id, SUBTREE[COLUMN], screenshot_dir)

    gather_in_topic(chief)
    topic_entry = reload_until(visitor, f"/topic/{TOPIC_SLUG}", lambda p: p.locator(".topic-items a", has_text=TITLE))
    expect(topic_entry).to_have_attribute("href", re.compile(rf"/item/{item_id}$"))
    shot(visitor, screenshot_dir, "6-topic")

    archive(chief, item_id)
    check_portal_forgets(visitor, item_id, SUBTREE[COLUMN], screenshot_dir)
    check_staff_search_finds_archived(chief, item_id)

    restore_from_archive_list(chief, item_id)
    back = reload_until(visitor, f"/column/{SUBTREE[COLUMN]}", lambda p: p.locator(".item-list a", has_text=TITLE))
    expect(back).to_have_count(1)
    reload_until(visitor, f"/item/{item_id}", lambda p: p.locator("#article-body table"))
    expect(heading(visitor)).to_have_text(TITLE)
    reload_until(visitor, f"/search?q={TERM}", lambda p: p.locator(".search-hit a", has_text=TITLE))
