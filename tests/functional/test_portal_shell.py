"""The public shell: home page from the column tree, navigation, column pages, errors, health."""

import re

import pytest

from adapters.web.url_decoding import NOT_UTF8
from tests.expected import DEFAULT_TOP_COLUMNS


def test_home_page_shows_the_six_default_columns_and_their_children(testapp):
    page = testapp.get("/")
    assert page.content_type == "text/html"
    html = page.text
    assert "示例县人民政府" in html
    nav = html[html.index('class="main-nav"'):html.index("</nav>", html.index('class="main-nav"'))]
    for top, children in DEFAULT_TOP_COLUMNS.items():
        assert f">{top}</a>" in nav
        for child in children:
            assert f">{child}</a>" in nav
            assert f">{child}</a>" in html[html.index('class="blocks"'):]
    tops = re.findall(r'<h2><a href="/column/[^"]+">([^<]+)</a></h2>', html)
    assert tops == list(DEFAULT_TOP_COLUMNS)


def test_footer_shows_site_code_and_record_numbers(testapp):
    html = testapp.get("/").text
    assert "网站标识码：" in html and "0000000000" in html
    assert "示ICP备00000000号" in html


def test_column_page_has_breadcrumbs_and_children(testapp):
    page = testapp.get("/column/disclosure")
    assert "<h1>政务公开</h1>" in page.text
    assert 'href="/column/documents"' in page.text
    leaf = testapp.get("/column/documents")
    crumbs = leaf.html.select("nav.breadcrumbs li")
    assert [li.get_text(strip=True) for li in crumbs] == ["首页", "政务公开", "政府文件"]
    assert leaf.html.select_one('nav.breadcrumbs [aria-current="page"]').get_text() == "政府文件"


def test_unknown_pages_get_a_chinese_404(testapp):
    page = testapp.get("/column/no-such-column", status=404)
    assert "页面不存在" in page.text
    assert testapp.get("/nothing/here", status=404).text.count("返回首页") == 1


def test_healthz_reports_each_dependency(testapp):
    body = testapp.get("/healthz").json
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "search", "scheduler", "blobs"}
    assert body["checks"]["database"]["ok"] is True


def test_security_headers_on_html(testapp):
    headers = testapp.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


def test_english_catalogue_through_the_locale_switch(testapp):
    response = testapp.get("/locale/en", params={"came_from": "/"}, status=302)
    assert response.location.endswith("/")
    page = testapp.get("/")
    assert 'lang="en"' in page.text
    assert ">Home</a>" in page.text
    assert "Skip to main content" in page.text
    testapp.get("/locale/zh_CN", status=302)
    assert ">首页</a>" in testapp.get("/").text


def test_locale_switch_refuses_foreign_targets(testapp):
    response = testapp.get("/locale/en", params={"came_from": "//evil.example/"}, status=302)
    assert response.location.endswith("/") and "evil" not in response.location
    testapp.get("/locale/xx", status=404)


def test_static_assets_are_served(testapp):
    css = testapp.get("/static/site.css")
    assert css.content_type == "text/css"


@pytest.mark.parametrize("address", ["/search?q=%FF", "/%FF", "/admin?x=%E4%B8"])
def test_a_page_address_that_is_not_utf8_is_a_plain_400(testapp, address):
    response = testapp.get(address, status=400)
    assert response.text == NOT_UTF8
    assert response.headers["X-Content-Type-Options"] == "nosniff"
