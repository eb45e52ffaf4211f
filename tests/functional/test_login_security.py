"""Signing in safely: lockout, rate limits, session rotation and cookies, staff idle timeout, password reset."""

import dataclasses
import datetime as dt
import re

import pytest
import webtest
from sqlalchemy import select

from adapters.db.orm import AuditRecord, PasswordReset, User
from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token
from adapters.web.ratelimit import RateLimits
from govcore.clock import FixedClock
from tests.functional.signin import page_form

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")

WRONG = "用户名或密码不正确"
LOCKED = "账户已被暂时锁定"
# A staff role outside 三员分立, so no second factor is demanded.
STAFF_ROLE = "department_admin"


@pytest.fixture
def clock(platform, monkeypatch):
    fixed = FixedClock(dt.datetime.now(dt.timezone.utc))
    monkeypatch.setattr(platform, "clock", fixed)
    return fixed


@pytest.fixture
def configure(testapp, monkeypatch):
    """Change [security] settings for one test: ``configure(max_failed_logins=3)``."""
    registry = testapp.app.registry

    def change(**values):
        monkeypatch.setitem(registry, "govcore.security", dataclasses.replace(registry["govcore.security"], **values))

    return change


def attempt(testapp, login, password, status=400):
    return testapp.post("/login", {"login": login, "password": password, "csrf_token": csrf_token(testapp)},
                        status=status)


def audit_rows(dbsession, *actions):
    dbsession.expire_all()
    return dbsession.scalars(select(AuditRecord).where(AuditRecord.action.in_(actions)).order_by(AuditRecord.id)).all()


def test_lockout_after_five_failures_in_a_row_for_fifteen_minutes(testapp, make_user, dbsession, clock):
    user = make_user("clerk", roles=[STAFF_ROLE])
    for _ in range(4):
        assert WRONG in attempt(testapp, "clerk", "wrong").text
    assert LOCKED in attempt(testapp, "clerk", "wrong").text
    # Locked: even the right password is refused, with the same message.
    page = attempt(testapp, "clerk", TEST_PASSWORD)
    assert LOCKED in page.text and "15 分钟" in page.text
    clock.advance(minutes=14, seconds=59)
    assert LOCKED in attempt(testapp, "clerk", TEST_PASSWORD).text
    clock.advance(seconds=1)
    attempt(testapp, "clerk", TEST_PASSWORD, status=302)
    dbsession.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None

    rows = audit_rows(dbsession, "login", "login.lockout")
    assert [(r.action, r.result) for r in rows] == (
        [("login", "failure")] * 5 + [("login.lockout", "denied")] + [("login", "denied")] * 2
        + [("login", "success")])
    assert {r.actor_login for r in rows} == {"clerk"}


def test_the_limits_come_from_the_county_settings(testapp, make_user, clock, configure):
    configure(max_failed_logins=3, lockout_minutes=5)
    make_user("clerk", roles=[STAFF_ROLE])
    attempt(testapp, "clerk", "wrong")
    attempt(testapp, "clerk", "wrong")
    page = attempt(testapp, "clerk", "wrong")
    assert LOCKED in page.text and "5 分钟" in page.text
    clock.advance(minutes=5)
    attempt(testapp, "clerk", TEST_PASSWORD, status=302)


def test_a_successful_sign_in_resets_the_count(testapp, make_user, clock):
    make_user("clerk", roles=[STAFF_ROLE])
    for _ in range(4):
        attempt(testapp, "clerk", "wrong")
    attempt(testapp, "clerk", TEST_PASSWORD, status=302)
    testapp.reset()
    for _ in range(4):
        assert WRONG in attempt(testapp, "clerk", "wrong").text
    attempt(testapp, "clerk", TEST_PASSWORD, status=302)


def test_unknown_accounts_get_the_same_answers(testapp, make_user, dbsession):
    for _ in range(4):
        assert WRONG in attempt(testapp, "nobody-here", "wrong").text
    assert LOCKED in attempt(testapp, "nobody-here", "wrong").text
    failures = audit_rows(dbsession, "login")
    assert failures[-1].actor_id is None and '"login":"nobody-here"' in failures[-1].summary


def test_failed_sign_ins_are_rate_limited_per_address(testapp, make_user, monkeypatch):
    monkeypatch.setitem(testapp.app.registry, "govcore.rate_limits", RateLimits({"login_ip": "3/minute"}))
    for name in ("a", "b", "c"):
        attempt(testapp, name, "wrong")
    page = attempt(testapp, "d", "wrong", status=429)
    assert "操作过于频繁" in page.text
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    # Another address is not affected.
    testapp.post("/login", {"login": "d", "password": "wrong", "csrf_token": csrf_token(testapp)},
                 extra_environ={"REMOTE_ADDR": "10.0.0.2"}, status=400)
    # A forged X-Forwarded-For does not open a new allowance.
    attempt_headers = {"X-Forwarded-For": "192.0.2.99"}
    testapp.post("/login", {"login": "d", "password": "wrong", "csrf_token": csrf_token(testapp)},
                 headers=attempt_headers, status=429)


def test_sign_in_rotates_the_session_and_the_csrf_token(testapp, make_user, login):
    make_user("clerk", roles=[STAFF_ROLE])
    before_token = csrf_token(testapp)
    before_cookie = testapp.cookies["govcore_session"]
    login("clerk")
    assert testapp.cookies["govcore_session"] != before_cookie
    assert csrf_token(testapp) != before_token


def test_session_cookie_flags(testapp, make_user):
    make_user("clerk", roles=[STAFF_ROLE])
    response = attempt(testapp, "clerk", TEST_PASSWORD, status=302)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "secure" not in cookie.lower()
    testapp.reset()
    page = testapp.get("/login", extra_environ={"wsgi.url_scheme": "https"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = testapp.post("/login", {"login": "clerk", "password": TEST_PASSWORD, "csrf_token": token},
                            extra_environ={"wsgi.url_scheme": "https"}, headers={"Referer": "https://localhost/login"},
                            status=302)
    assert "secure" in response.headers["Set-Cookie"].lower()


def test_staff_sessions_end_after_thirty_idle_minutes(testapp, make_user, login, clock):
    make_user("clerk", roles=[STAFF_ROLE])
    login("clerk")
    clock.advance(minutes=29)
    testapp.get("/admin", status=200)
    clock.advance(minutes=29)
    testapp.get("/admin", status=200)  # each request restarts the count
    clock.advance(minutes=30, seconds=61)
    response = testapp.get("/admin", status=302)
    assert response.location.endswith("/login?came_from=%2Fadmin")
    page = response.follow()
    assert "30 分钟未操作" in page.text and "自动退出" in page.text
    # The session is gone: the notice is shown once, and the staff area asks for a sign-in again.
    assert "/login?came_from=" in testapp.get("/admin", status=302).location


def test_idle_limit_is_configurable(testapp, make_user, login, clock, configure):
    configure(staff_idle_minutes=5)
    make_user("clerk", roles=[STAFF_ROLE])
    login("clerk")
    clock.advance(minutes=6)
    assert "/login" in testapp.get("/admin", status=302).location


def test_citizen_sessions_have_no_staff_idle_limit(testapp, make_user, login, clock):
    make_user("citizen", kind="citizen")
    login("citizen")
    clock.advance(hours=3)
    testapp.get("/account/password", status=200)


def ask_for_reset(testapp, account):
    form = page_form(testapp.get("/account/reset"))
    form["account"] = account
    return form.submit(status=200)


def test_password_reset_by_mail(testapp, make_user, dbsession, mail, clock):
    user = make_user("clerk", roles=[STAFF_ROLE])
    user.email = "clerk@example.cn"
    user.failed_logins, user.locked_until = 0, clock.now() + dt.timedelta(minutes=10)
    dbsession.commit()

    page = ask_for_reset(testapp, "clerk")
    confirmation = page.html.select_one("#reset-sent").get_text()
    assert ask_for_reset(testapp, "nobody-here").html.select_one("#reset-sent").get_text() == confirmation
    assert ask_for_reset(testapp, "Clerk@Example.cn").html.select_one("#reset-sent").get_text() == confirmation
    assert [m.to for m in mail.sent] == [("clerk@example.cn",), ("clerk@example.cn",)]
    first, second = (re.search(r"http://localhost(/account/reset/\S+)", m.body).group(1) for m in mail.sent)

    # Only the hash of the token is stored.
    tokens = dbsession.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id)).all()
    assert len(tokens) == 2 and all(first.rsplit("/", 1)[1] not in t.token_hash for t in tokens)

    form = page_form(testapp.get(first))
    form["new"] = form["repeat"] = "short"
    assert "密码至少需要 8 个字符" in form.submit(status=400).text
    form = page_form(testapp.get(first))
    form["new"] = form["repeat"] = "Brand-New-Passw0rd"
    before = testapp.cookies.get("govcore_session")
    response = form.submit(status=302)
    assert response.location.endswith("/login")
    assert testapp.cookies.get("govcore_session") != before
    assert "密码已重置" in response.follow().text

    # Single use, and the other link died with it.
    assert "链接无效或已过期" in testapp.get(first, status=404).text
    testapp.get(second, status=404)
    attempt(testapp, "clerk", TEST_PASSWORD)
    attempt(testapp, "clerk", "Brand-New-Passw0rd", status=302)  # the reset lifted the lockout too
    assert [r.result for r in audit_rows(dbsession, "account.password_reset_request")] == ["success", "failure",
                                                                                         "success"]
    assert [r.actor_login for r in audit_rows(dbsession, "account.password_reset")] == ["clerk"]


def test_reset_links_use_the_configured_address_not_the_host_header(testapp, make_user, dbsession, mail,
                                                                      monkeypatch):
    user = make_user("clerk", roles=[STAFF_ROLE])
    user.email = "clerk@example.cn"
    dbsession.commit()
    monkeypatch.setitem(testapp.app.registry.settings, "govcore.public_url", "https://www.example.gov.cn/")
    forger = webtest.TestApp(testapp.app, extra_environ={"HTTP_HOST": "attacker.example", "REMOTE_ADDR": "127.0.0.1"})
    form = page_form(forger.get("/account/reset"))
    form["account"] = "clerk"
    form.submit(status=200)
    assert "https://www.example.gov.cn/account/reset/" in mail.sent[0].body
    assert "attacker.example" not in mail.sent[0].body


def test_reset_links_expire_after_an_hour(testapp, make_user, dbsession, mail, clock):
    user = make_user("clerk", roles=[STAFF_ROLE])
    user.email = "clerk@example.cn"
    dbsession.commit()
    ask_for_reset(testapp, "clerk")
    link = re.search(r"http://localhost(/account/reset/\S+)", mail.sent[0].body).group(1)
    clock.advance(minutes=59)
    testapp.get(link, status=200)
    clock.advance(minutes=1)
    testapp.get(link, status=404)


def test_reset_requests_are_rate_limited(testapp, monkeypatch, mail):
    monkeypatch.setitem(testapp.app.registry, "govcore.rate_limits", RateLimits({"reset_ip": "2/hour"}))
    ask_for_reset(testapp, "a")
    ask_for_reset(testapp, "b")
    form = page_form(testapp.get("/account/reset"))
    form["account"] = "c"
    assert "操作过于频繁" in form.submit(status=429).text


def test_password_change_is_audited_and_rotates_the_session(testapp, make_user, login, dbsession):
    make_user("clerk", roles=[STAFF_ROLE])
    login("clerk")
    form = testapp.get("/account/password").forms[1]
    form["current"] = TEST_PASSWORD
    form["new"] = form["repeat"] = "Another-Passw0rd"
    before = testapp.cookies["govcore_session"]
    form.submit(status=302)
    assert testapp.cookies["govcore_session"] != before
    user = dbsession.scalar(select(User).where(User.login == "clerk"))
    assert user.password_changed_at is not None
    assert [r.actor_login for r in audit_rows(dbsession, "account.password_change")] == ["clerk"]
