"""Hundreds of known XSS vectors in article bodies come out of the sanitiser inert."""

from __future__ import annotations

import pytest

from plugins.content.sanitize import clean_html
from tests.inert_html import problems, xss_vectors

VECTORS = xss_vectors()


def test_the_corpus_is_large_enough():
    assert len(VECTORS) >= 500


@pytest.mark.parametrize("vector", VECTORS, ids=range(len(VECTORS)))
def test_a_vector_is_rendered_inert(vector):
    cleaned = clean_html(vector)
    assert problems(cleaned) == []
    assert problems(clean_html(cleaned)) == []  # a body saved again stays clean


def test_the_checker_itself_catches_what_it_should():
    assert problems('<img src=x onerror=alert(1)>') == ["media source 'x'", "attribute onerror on <img>"]
    assert problems('<a href="javascript:alert(1)">x</a>') == ["link 'javascript:alert(1)'"]
    assert problems("<script>alert(1)</script>") == ["tag <script>"]
    assert problems('<p style="x">a</p>') == ["attribute style on <p>"]


@pytest.mark.parametrize("href", ["\u2028javascript:alert(1)", "\x01java\x03script:alert(1)", " javascript:x",
                                  "jAvAsCrIpT:alert(1)", "data:text/html,x", "vbscript:x", "page.html"])
def test_links_that_are_not_plainly_ours_or_web_addresses_lose_their_target(href):
    assert "href" not in clean_html(f'<a href="{href}">x</a>')


def test_legitimate_content_survives():
    body = ('<h2>标题</h2><p class="align-center">正文<strong>加粗</strong></p><table><tbody><tr><td colspan="2">表格</td>'
            '</tr></tbody></table><img src="/files/' + "a" * 64 + '/x.png" alt="图"><a href="https://www.gov.cn/">链接</a><a href="/item/3">内链</a>'
            '<a href="mailto:xx@example.gov.cn">邮件</a>')
    cleaned = clean_html(body)
    assert problems(cleaned) == []
    for kept in ("<h2>标题</h2>", 'class="align-center"', 'colspan="2"', 'alt="图"', 'href="https://www.gov.cn/"',
                 'href="/item/3"', 'href="mailto:xx@example.gov.cn"'):
        assert kept in cleaned


def test_pictures_without_a_description_are_counted():
    from plugins.content.sanitize import images_without_alt

    body = '<p><img src="/files/a.png"><img alt="" src="/files/b.png"><img alt=" " src="/files/c.png"></p>'
    assert images_without_alt(body) == 3
    assert images_without_alt('<img alt="县政府大楼" src="/files/d.png"><img src="/files/e.png" alt=\'会场\'>') == 0
