"""Security baseline: headers on pages and API answers, CSRF on forms and JSON, secrets outside the repository."""

from pathlib import Path

import pytest

from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token

ROOT = Path(__file__).resolve().parents[2]


def assert_security_headers(headers, https=False):
    policy = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'self'" and directives["object-src"] == "'none'"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    if https:
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    else:
        assert "Strict-Transport-Security" not in headers


@pytest.mark.parametrize("path, status, content_type", [
    ("/", 200, "text/html"),
    ("/login", 200, "text/html"),
    ("/no-such-page", 404, "text/html"),
    ("/static/site.css", 200, "text/css"),
    ("/api/v1/health", 200, "application/json"),
    ("/api/v1/plugins", 200, "application/json"),
    ("/api/v1/no-such-thing", 404, "application/json"),
])
def test_headers_on_html_and_api_responses(testapp, path, status, content_type):
    response = testapp.get(path, status=status)
    assert response.content_type == content_type
    assert_security_headers(response.headers)


def test_strict_transport_security_over_https(testapp):
    for path in ("/", "/api/v1/health"):
        assert_security_headers(testapp.get(path, extra_environ={"wsgi.url_scheme": "https"}).headers, https=True)


def test_headers_on_a_redirect_and_a_staff_page(testapp, make_user, login):
    assert_security_headers(testapp.get("/admin", status=302).headers)
    make_user("clerk", roles=["department_admin"])
    login("clerk")
    assert_security_headers(testapp.get("/admin").headers)


def test_form_post_without_csrf_token_is_rejected(testapp, make_user, login):
    make_user("clerk", roles=["department_admin"])
    testapp.get("/login")
    testapp.post("/login", {"login": "clerk", "password": TEST_PASSWORD}, status=400)
    login("clerk")
    testapp.post("/account/password", {"current": TEST_PASSWORD, "new": "X-y-z-12345", "repeat": "X-y-z-12345"},
                 status=400)
    testapp.post("/account/password", {"current": TEST_PASSWORD, "csrf_token": "forged"}, status=400)


def test_json_post_without_csrf_header_is_rejected(testapp, make_user, login):
    make_user("clerk", roles=["department_admin"])
    testapp.get("/login")
    testapp.post_json("/login", {"login": "clerk", "password": TEST_PASSWORD}, status=400)
    login("clerk")
    testapp.post_json("/logout", {}, status=400)
    testapp.get("/admin", status=200)  # still signed in
    testapp.post_json("/logout", {}, headers={"X-CSRF-Token": "forged"}, status=400)
    testapp.post_json("/logout", {}, headers={"X-CSRF-Token": csrf_token(testapp)}, status=302)
    testapp.get("/admin", status=302)


def test_secrets_come_from_the_environment_not_the_repository(monkeypatch, tmp_path):
    from adapters.bootstrap import SECRET_ENV, resolve_settings

    monkeypatch.setenv(SECRET_ENV, "from-the-environment")
    settings = resolve_settings({"govcore.deployment": str(ROOT / "deployments" / "example-county"),
                                 "govcore.var_dir": str(tmp_path)})
    assert settings["govcore.secret"] == "from-the-environment"
    for ini in ROOT.glob("deployments/*/*.ini"):
        keys = [line.split("=", 1)[0].strip() for line in ini.read_text().splitlines() if "=" in line]
        assert not [k for k in keys if "secret" in k or "password" in k], ini
