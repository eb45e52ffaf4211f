"""An article whose body carries known XSS vectors, saved through the editor and published, is inert on the portal."""

from __future__ import annotations

import pytest

from tests.functional.signin import person, sign_in
from tests.functional.test_content_editor import create_item, token_of
from tests.inert_html import problems, xss_vectors

# Every fourth vector of the corpus: well over a hundred, in one body, through the whole path.
VECTORS = xss_vectors()[::4]


@pytest.fixture
def chief(testapp, dbsession, make_user, login):
    user = person(dbsession, make_user, "chief-xss", ["editor_in_chief"])
    sign_in(testapp, login, user)
    return user


def test_a_published_article_full_of_xss_vectors_is_inert(testapp, chief, dbsession):
    assert len(VECTORS) >= 100
    body = "".join(f"<p>向量 {number}</p>{vector}" for number, vector in enumerate(VECTORS))
    item = create_item(testapp, dbsession, title="安全测试", body=body)
    edit = testapp.get(f"/admin/content/items/{item.id}")
    testapp.post(f"/admin/content/items/{item.id}/publishing/publish", {"csrf_token": token_of(edit)}, status=302)
    testapp.reset()  # a visitor without a session
    page = testapp.get(f"/item/{item.id}")
    article = page.html.select_one(".article-body")
    assert article is not None and f"向量 {len(VECTORS) - 1}" in article.text  # the whole body is there
    assert problems(article.decode_contents()) == []
    # The page as a whole runs only the site's own scripts.
    assert all(script.get("src", "").startswith("/static") for script in page.html.select("script"))
