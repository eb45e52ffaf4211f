"""The public disclosure catalogue: which items it lists, its facets, year filter and paging."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from plugins.content.orm import Column, Item

UTC = dt.timezone.utc


@pytest.fixture
def columns(dbsession):
    by_slug = {column.slug: column for column in dbsession.scalars(select(Column))}
    return by_slug


def add_item(dbsession, column, title, published, status="published", **disclosure):
    moment = dt.datetime(*published, 2, 0, tzinfo=UTC) if isinstance(published, tuple) else published
    item = Item(column_id=column.id, type="article", status=status, title=title, created_at=moment,
                updated_at=moment, published_at=moment, **disclosure)
    dbsession.add(item)
    dbsession.flush()
    return item


def titles(page) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/item/\d+">([^<]+)</a></th>', page.text)


def test_the_catalogue_lists_disclosed_items_with_their_fields(testapp, dbsession, columns):
    add_item(dbsession, columns["documents"], "关于印发示例县乡村振兴规划的通知", (2026, 3, 5),
             index_no="SLX-2026-00001", issuing_org="示例县人民政府办公室", theme="农业、林业、水利",
             doc_number="示政办发〔2026〕3号", written_on=dt.date(2026, 3, 1), validity="有效")
    add_item(dbsession, columns["government-news"], "县政府召开常务会议", (2026, 3, 6))  # under 政务公开
    add_item(dbsession, columns["tourism-news"], "旅游节开幕", (2026, 3, 7))  # neither
    add_item(dbsession, columns["investment-policy"], "招商引资优惠政策", (2026, 3, 8), index_no="SLX-2026-00002",
             issuing_org="示例县商务局", theme="商贸、海关、旅游")
    add_item(dbsession, columns["documents"], "尚未发布的文件", (2026, 3, 9), status="draft", index_no="SLX-2026-00003")
    dbsession.commit()

    page = testapp.get("/disclosure/catalogue")
    mine = ("招商引资优惠政策", "县政府召开常务会议", "关于印发示例县乡村振兴规划的通知", "旅游节开幕", "尚未发布的文件")
    # The demo county's own documents may be listed too; ours come newest first, the others not at all.
    assert [title for title in titles(page) if title in mine] == list(mine[:3])
    row = re.search(r"<tr>\s*<td>SLX-2026-00001</td>(.*?)</tr>", page.text, re.S).group(1)
    for value in ("示例县人民政府办公室", "2026-03-01", "示政办发〔2026〕3号", "2026-03-05", "有效"):
        assert value in row
    assert "政府信息公开目录" in page.text and 'aria-label="当前位置"' in page.text


def test_facets_count_and_filter(testapp, dbsession, columns):
    # Organisations of their own, so the demo county's documents do not change the counts.
    for number in range(3):
        add_item(dbsession, columns["documents"], f"财政预算公开{number}", (2025, 6, 1 + number),
                 index_no=f"CZ-{number}", issuing_org="测试县财政局", theme="财政、金融、审计")
    add_item(dbsession, columns["documents"], "教育经费", (2026, 2, 1), index_no="JY-1", issuing_org="测试县教育局",
             theme="科技、教育")
    add_item(dbsession, columns["documents"], "财政决算", (2026, 2, 2), index_no="CZ-9", issuing_org="测试县财政局",
             theme="财政、金融、审计")
    dbsession.commit()

    page = testapp.get("/disclosure/catalogue")
    orgs = re.search(r'<ul id="facet-org">(.*?)</ul>', page.text, re.S).group(1)
    assert re.search(r'>测试县财政局</a> <span class="count">\(4\)', orgs)
    assert re.search(r'>测试县教育局</a> <span class="count">\(1\)', orgs)
    by_org = testapp.get("/disclosure/catalogue", {"org": "测试县财政局"})
    assert set(titles(by_org)) == {"财政预算公开0", "财政预算公开1", "财政预算公开2", "财政决算"}
    themes = re.search(r'<ul id="facet-theme">(.*?)</ul>', by_org.text, re.S).group(1)
    assert "财政、金融、审计</a> <span class=\"count\">(4)" in themes and "科技、教育" not in themes
    by_theme = testapp.get("/disclosure/catalogue", {"theme": "科技、教育"})
    assert "教育经费" in titles(by_theme) and not {"财政决算", "财政预算公开0"} & set(titles(by_theme))
    by_year = testapp.get("/disclosure/catalogue", {"org": "测试县财政局", "year": "2025"})
    assert titles(by_year) == ["财政预算公开2", "财政预算公开1", "财政预算公开0"]
    assert "共 3 条" in by_year.text
    # Unknown values are ignored rather than failing.
    assert testapp.get("/disclosure/catalogue", {"theme": "<script>", "year": "abc"}).status_int == 200


def test_items_in_hidden_columns_stay_out(testapp, dbsession, columns):
    columns["procurement"].hidden = True
    add_item(dbsession, columns["procurement"], "采购公告", (2026, 1, 1), index_no="CG-1")
    dbsession.commit()
    assert "采购公告" not in testapp.get("/disclosure/catalogue").text


def test_pages_follow_by_keyset_newest_first(testapp, dbsession, columns):
    same_moment = dt.datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
    for number in range(25):
        # Five share a publication moment, so the id must break the tie without skipping any.
        moment = same_moment if number < 5 else same_moment + dt.timedelta(hours=number)
        add_item(dbsession, columns["documents"], f"文件{number:02d}", moment, index_no=f"WJ-{number:02d}",
                 issuing_org="分页测试局")
    dbsession.commit()
    first = testapp.get("/disclosure/catalogue", {"org": "分页测试局"})
    seen = titles(first)
    assert len(seen) == 20 and seen[0] == "文件24"
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = testapp.get(next_url)
    assert "第 2 页" in second.text and 'rel="next"' not in second.text
    seen += titles(second)
    assert len(seen) == 25 and len(set(seen)) == 25
    assert seen[:20] == [f"文件{n:02d}" for n in range(24, 4, -1)]
