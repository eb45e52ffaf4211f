"""The public portal: home blocks, column pages by kind with keyset paging, item and print pages,
and the display modes (长辈版, 高对比度) without JavaScript."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from sqlalchemy import select

from plugins.content.items import NOTICE
from plugins.content.orm import Column, Upload
from plugins.content.publishing import Publishing

STARTED = dt.datetime(2026, 9, 28, 9, 0)
COVER = "ab" * 32
ATTACHMENT = "cd" * 32


@pytest.fixture
def clock(stop_clock):
    return stop_clock(STARTED)


@pytest.fixture
def make_column(dbsession):
    """A column published on submission; ``parent`` is a slug."""
    def make(slug: str, kind: str = "list", parent: str | None = None, hidden: bool = False, **values) -> Column:
        parent_id = dbsession.scalar(select(Column.id).where(Column.slug == parent)) if parent else None
        column = Column(title=values.pop("title", f"栏目{slug}"), slug=slug, kind=kind, parent_id=parent_id,
                        position=values.pop("position", 90), hidden=hidden, description="", workflow_key="",
                        **values)
        dbsession.add(column)
        dbsession.commit()
        return column

    return make


def publish(platform, column: Column, title: str, *, also_in: tuple[Column, ...] = (), **values) -> int:
    """Create an item in ``column`` (and further columns) and publish it at the clock's time."""
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        item = publishing.store.create(column_id=column.id, type=values.pop("type", "article"), title=title,
                                       user_id=None, body=values.pop("body", f"<p>{title}的正文</p>"), **values)
        if also_in:
            publishing.store.set_extra_columns(item, [other.id for other in also_in])
        publishing.publish(item, None)
        return item.id


def draft(platform, column: Column, title: str) -> int:
    with platform.unit_of_work() as uow:
        return Publishing(platform, uow).store.create(column_id=column.id, type="article", title=title,
                                                      user_id=None, body="<p>草稿</p>").id


def item_links(page) -> list[str]:
    return [a["href"] for a in page.html.select("main .item-list a")]


def test_list_pages_by_keyset_return_every_item_once_in_order(testapp, platform, clock, make_column):
    column = make_column("t-news")
    ids = []
    for number in range(45):
        clock.advance(minutes=10)
        ids.append(publish(platform, column, f"新闻{number:02d}", pinned=number == 7))
    expected = [f"/item/{ids[7]}"] + [f"/item/{i}" for i in reversed(ids) if i != ids[7]]

    page = testapp.get("/column/t-news")
    seen, numbers = [], []
    while True:
        seen += item_links(page)
        pager = page.html.select_one("nav.pager")
        numbers.append(pager.select_one('[aria-current="page"]').get_text(strip=True) if pager else "第 1 页")
        following = page.html.select_one('nav.pager a[rel="next"]')
        if following is None:
            break
        page = testapp.get(following["href"])
        assert page.html.select_one("nav.pager").find("a", string="首页")["href"] == "/column/t-news"
    assert seen == expected
    assert numbers == ["第 1 页", "第 2 页", "第 3 页"]
    first = testapp.get("/column/t-news")
    pinned = first.html.select("main .item-list li")[0]
    assert pinned.select_one(".badge").get_text(strip=True) == "置顶" and "新闻07" in pinned.get_text()
    assert first.html.select_one("main .item-list time")["datetime"].endswith("+08:00")
    # A damaged cursor shows the first page rather than an error.
    assert item_links(testapp.get("/column/t-news?after=%%%&page=9")) == expected[:20]


def test_column_kinds(testapp, platform, clock, make_column):
    pictures = make_column("t-pictures", kind="pictures")
    publish(platform, pictures, "油菜花开", cover_key=COVER)
    grid = testapp.get("/column/t-pictures").html.select_one("main .picture-grid")
    assert grid.select_one("img")["src"] == f"/files/{COVER}" and "油菜花开" in grid.get_text()

    single = make_column("t-page", kind="page")
    publish(platform, single, "机构职能", type="page", body="<p>负责全县政务工作。</p>")
    page = testapp.get("/column/t-page")
    assert "负责全县政务工作。" in page.html.select_one("main article").get_text()
    assert not page.html.select("main .item-list")

    make_column("t-link", kind="link", link_url="https://www.gov.cn/")
    assert testapp.get("/column/t-link", status=302).location == "https://www.gov.cn/"
    make_column("t-bad-link", kind="link", link_url="javascript:alert(1)")
    testapp.get("/column/t-bad-link", status=404)

    services = make_column("t-services", kind="services", title="办事服务")
    make_column("t-guides", parent="t-services", title="办事指南")
    link_id = publish(platform, services, "社保查询", type="link", link_url="https://si.example.cn/")
    tiles = testapp.get("/column/t-services").html.select("main .service-tiles a")
    assert [(a.get_text(strip=True), a["href"]) for a in tiles] == [
        ("办事指南", "/column/t-guides"), ("社保查询", f"/item/{link_id}")]
    assert testapp.get(f"/item/{link_id}", status=302).location == "https://si.example.cn/"


def test_hidden_columns_and_what_is_in_them_are_not_found(testapp, platform, clock, make_column):
    hidden = make_column("t-hidden", hidden=True)
    make_column("t-under-hidden", parent="t-hidden")
    item_id = publish(platform, hidden, "内部信息")
    testapp.get("/column/t-hidden", status=404)
    testapp.get("/column/t-under-hidden", status=404)
    testapp.get(f"/item/{item_id}", status=404)
    testapp.get(f"/item/{item_id}/print", status=404)


def test_only_published_items_are_shown_and_archived_ones_say_so(testapp, platform, clock, make_column):
    column = make_column("t-status")
    unpublished = draft(platform, column, "未发布的稿件")
    testapp.get(f"/item/{unpublished}", status=404)
    testapp.get(f"/item/{unpublished}/print", status=404)
    testapp.get("/item/999999999", status=404)
    assert "未发布的稿件" not in testapp.get("/column/t-status").text
    archived = publish(platform, column, "旧通知")
    with platform.unit_of_work() as uow:
        publishing = Publishing(platform, uow)
        publishing.archive(publishing.store.get(archived), None)
    gone = testapp.get(f"/item/{archived}", status=410)
    assert "已归档" in gone.text and "旧通知" not in gone.text


def test_an_item_in_two_columns_shows_in_both_with_its_home_columns_breadcrumbs(
        testapp, platform, clock, make_column):
    make_column("t-parent", title="政务公开测试")
    home = make_column("t-home", parent="t-parent", title="本级栏目")
    other = make_column("t-other", title="引用栏目")
    item_id = publish(platform, home, "县长主持召开常务会议", also_in=(other,))
    for slug in ("t-home", "t-other"):
        assert item_links(testapp.get(f"/column/{slug}")) == [f"/item/{item_id}"]
    page = testapp.get(f"/item/{item_id}")
    crumbs = [li.get_text(strip=True) for li in page.html.select("nav.breadcrumbs li")]
    assert crumbs == ["首页", "政务公开测试", "本级栏目", "正文"]


def test_item_page_meta_attachments_disclosure_related_and_print(testapp, platform, clock, make_column, dbsession):
    column = make_column("t-docs", title="政府文件测试")
    older = [publish(platform, column, f"往期文件{n}") for n in range(6)]
    clock.set(dt.datetime(2026, 10, 8, 1, 30, tzinfo=dt.timezone.utc))
    item_id = publish(platform, column, "关于做好秋季农业生产的通知", subtitle="示例县人民政府办公室",
                      source="县农业农村局", author="张三", index_no="000000-2026-00012", issuing_org="县政府办公室",
                      doc_number="示政办发〔2026〕12号", written_on=dt.date(2026, 10, 1), theme="农业、林业、水利",
                      validity="有效", body='<p>各乡镇：</p><video controls src="/files/' + "ef" * 32 + '"></video>')
    dbsession.add(Upload(blob_key=ATTACHMENT, filename="申报表 2026.xlsx", media_type="application/vnd.ms-excel",
                         size=12800, item_id=item_id, attachment=True, position=0, uploaded_at=clock.now()))
    dbsession.commit()

    page = testapp.get(f"/item/{item_id}")
    article = page.html.select_one("main article")
    assert article.h1.get_text(strip=True) == "关于做好秋季农业生产的通知"
    assert "示例县人民政府办公室" in article.select_one(".subtitle").get_text()
    meta = article.select_one(".article-meta").get_text(" ", strip=True)
    assert "2026-10-08 09:30" in meta and "县农业农村局" in meta and "张三" in meta
    assert article.select_one(".article-body video[controls]") is not None
    link = article.select_one(".attachments a")
    assert link.get_text(strip=True) == "申报表 2026.xlsx"
    assert link["href"] == f"/files/{ATTACHMENT}/%E7%94%B3%E6%8A%A5%E8%A1%A8%202026.xlsx"
    assert "XLS，12.5 KB" in article.select_one(".attachments").get_text()  # the format as visitors know it
    table = {row.th.get_text(strip=True): row.td.get_text(strip=True)
             for row in article.select(".disclosure-table tr")}
    assert table == {"索引号": "000000-2026-00012", "发布机构": "县政府办公室", "成文日期": "2026-10-01",
                     "发文字号": "示政办发〔2026〕12号", "主题分类": "农业、林业、水利", "有效性": "有效"}
    related = [a["href"] for a in page.html.select("nav.related .item-list a")]
    assert related == [f"/item/{i}" for i in reversed(older)][:5]
    assert page.html.select_one(".font-size[hidden]") is not None  # shown by the script only

    printed = testapp.get(page.html.find("a", string="打印本页")["href"])
    assert printed.html.select_one("nav.main-nav") is None and printed.html.select_one("nav.breadcrumbs") is None
    assert printed.html.select_one("button[data-print]") is not None
    assert printed.html.h1.get_text(strip=True) == "关于做好秋季农业生产的通知"
    assert printed.html.select_one(".disclosure-table") is not None
    assert f"/item/{item_id}" in printed.html.select_one(".print-address").get_text()
    assert "<script>" not in printed.text and "<script>" not in page.text  # no inline scripts (CSP)

    plain = publish(platform, column, "没有索引号的信息")
    assert testapp.get(f"/item/{plain}").html.select_one(".disclosure-table") is None


def test_home_page_blocks(testapp, platform, clock, make_column, monkeypatch):
    clock.set(dt.datetime(2040, 1, 1, 9, 0))  # newer than the demo data, whenever that was seeded
    news = make_column("t-home-news", title="测试要闻")
    notices = make_column("t-home-notices", title="测试公告")
    headline = publish(platform, news, "头条新闻", pinned=True, cover_key=COVER)
    publish(platform, news, "没有图片的置顶新闻", pinned=True)
    for number in range(10):
        clock.advance(minutes=1)
        publish(platform, news, f"要闻{number}")
    notice = publish(platform, notices, "停水通知", type=NOTICE)
    settings = dict(platform.county.sections)
    settings["content"] = {**platform.county.plugin_settings("content"), "home_columns": ["t-home-news", "no-such"],
                           "notices_column": "t-home-notices"}
    monkeypatch.setattr(platform, "county", dataclasses.replace(platform.county, sections=settings))

    page = testapp.get("/")
    slides = page.html.select(".carousel-slide a")
    assert slides[0]["href"] == f"/item/{headline}" and slides[0].img["src"] == f"/files/{COVER}"
    assert "没有图片的置顶新闻" not in page.html.select_one(".carousel").get_text()
    news_block = page.html.select_one(".news-list")
    assert news_block.h2.get_text(strip=True) == "测试要闻"
    titles = [a.get_text(strip=True) for a in news_block.select(".item-list a")]
    assert len(titles) == 8 and titles[:2] == ["没有图片的置顶新闻", "头条新闻"] and titles[2] == "要闻9"
    assert news_block.select_one("a.more")["href"] == "/column/t-home-news"
    notice_links = [a["href"] for a in page.html.select(".notices .item-list a")]
    assert notice_links[0] == f"/item/{notice}" and f"/item/{headline}" not in notice_links
    assert page.html.select_one(".notices a.more")["href"] == "/column/t-home-notices"
    tiles = [a.get_text(strip=True) for a in page.html.select(".services .service-tiles a")]
    assert tiles[:2] == ["办事指南", "表格下载"]  # the example county's 网上办事 sub-columns
    assert re.findall(r'<h2><a href="/column/[^"]+">', page.text)  # the column navigation block stays


def test_news_block_defaults_to_the_first_list_columns_with_items(testapp, platform, clock, make_column, monkeypatch):
    monkeypatch.delitem(platform.county.plugin_settings("content"), "home_columns")  # the example county names two
    make_column("t-empty-news", title="空栏目", position=-2)
    column = make_column("t-default-news", title="默认要闻", position=-1)
    publish(platform, column, "默认要闻一")
    headings = [h2.get_text(strip=True) for h2 in testapp.get("/").html.select(".news-list h2")]
    assert headings[0] == "默认要闻" and "空栏目" not in headings and len(headings) <= 4


def test_the_county_chooses_the_news_columns(testapp):
    headings = [h2.get_text(strip=True) for h2 in testapp.get("/").html.select(".news-list h2")]
    assert headings == ["政务动态", "政府文件"]  # home_columns in the example county.toml


@pytest.mark.parametrize(("setting", "value", "css"), [("font", "large", "mode-large"),
                                                       ("contrast", "high", "mode-contrast")])
def test_display_modes_work_without_javascript(testapp, setting, value, css):
    page = testapp.get("/column/disclosure")
    toggle = page.html.select_one(f'.display-toggle[data-setting="{setting}"]')
    assert toggle["aria-pressed"] == "false" and toggle["role"] == "button"
    response = testapp.get(toggle["href"], status=302)
    assert response.location.endswith("/column/disclosure")
    assert f"display_{setting}={value}" in response.headers["Set-Cookie"]
    page = testapp.get("/column/disclosure")
    assert css in page.html.html["class"]
    toggle = page.html.select_one(f'.display-toggle[data-setting="{setting}"]')
    assert toggle["aria-pressed"] == "true"
    testapp.get(toggle["href"], status=302)
    assert page.html.html.get("class") and not testapp.get("/column/disclosure").html.html.get("class")


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil"])
def test_display_switch_only_returns_to_local_paths(testapp, target):
    response = testapp.get("/display/font/large", params={"came_from": target}, status=302)
    assert response.location == "http://localhost/"


def test_display_switch_refuses_unknown_settings(testapp):
    testapp.get("/display/font/huge", status=404)
    testapp.get("/display/colour/high", status=404)


def test_footer_marks_and_records(testapp):
    footer = testapp.get("/").html.select_one("footer")
    links = {a.get_text(strip=True): a["href"] for a in footer.select("a")}
    assert links["我为政府网站找错"] == "https://zfwzzc.www.gov.cn/"
    assert "党政机关网站标识" in links
    assert links["示ICP备00000000号"] == "https://beian.miit.gov.cn/"
    assert "示公网安备00000000000000号" in links
