"""The TOTP second factor: enrolment, signing in with a code, replay, mandatory enrolment for administrators."""

import dataclasses
import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from adapters.db.orm import AuditRecord, User
from adapters.testing.pytest_plugin import TEST_PASSWORD, csrf_token
from govcore.clock import FixedClock
from tests.functional.signin import page_form

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")

STAFF_ROLE = "department_admin"  # outside 三员分立: the second factor is optional


@pytest.fixture
def clock(platform, monkeypatch):
    # The middle of a 30-second step, so "the previous and next step" are unambiguous.
    now = dt.datetime.now(dt.timezone.utc)
    fixed = FixedClock(now.replace(second=15 + 30 * (now.second // 30), microsecond=0))
    monkeypatch.setattr(platform, "clock", fixed)
    return fixed


def code(secret, clock, steps=0):
    return pyotp.TOTP(secret).at(clock.now() + dt.timedelta(seconds=30 * steps))


def secret_of(dbsession, login):
    dbsession.expire_all()
    return dbsession.scalar(select(User).where(User.login == login)).totp_secret


def enrol(testapp, dbsession, login, clock):
    page = testapp.get("/account/totp")
    secret = secret_of(dbsession, login)
    form = next(f for f in page.forms.values() if f.action.endswith("/account/totp"))
    form["code"] = code(secret, clock)
    return form.submit(status=302), secret


def sign_in(testapp, login, password=TEST_PASSWORD):
    return testapp.post("/login", {"login": login, "password": password, "csrf_token": csrf_token(testapp)},
                        status=302)


def give_code(testapp, value, status=302):
    page = testapp.get("/login/totp")
    form = page_form(page)
    form["code"] = value
    return form.submit(status=status)


def test_enrolment_shows_a_qr_code_and_the_secret(testapp, make_user, login, dbsession, clock):
    make_user("clerk", roles=[STAFF_ROLE])
    login("clerk")
    page = testapp.get("/account/totp")
    assert page.headers["Cache-Control"] == "no-store"
    svg = page.html.select_one(".qr svg")
    assert svg is not None and svg.find("path") is not None
    secret = secret_of(dbsession, "clerk")
    assert page.html.select_one("#totp-secret").get_text().replace(" ", "") == secret
    # Until a code confirms it, the secret stays the same and nothing is enabled.
    assert testapp.get("/account/totp").html.select_one("#totp-secret").get_text().replace(" ", "") == secret
    form = next(f for f in page.forms.values() if f.action.endswith("/account/totp"))
    form["code"] = "000000" if code(secret, clock) != "000000" else "111111"
    assert "验证码不正确" in form.submit(status=400).text
    assert not dbsession.scalar(select(User).where(User.login == "clerk")).totp_enabled

    before = testapp.cookies["govcore_session"]
    response, _ = enrol(testapp, dbsession, "clerk", clock)
    assert response.location.endswith("/admin")
    assert testapp.cookies["govcore_session"] != before  # a change of privilege rotates the session
    assert "已启用双因素认证" in testapp.get("/account/totp").text


def test_sign_in_asks_for_the_code_and_nothing_opens_before(testapp, make_user, login, dbsession, clock):
    make_user("clerk", roles=[STAFF_ROLE])
    login("clerk")
    _, secret = enrol(testapp, dbsession, "clerk", clock)
    testapp.reset()

    response = sign_in(testapp, "clerk")
    assert "/login/totp" in response.location
    # The password alone opens neither the staff area nor the account's own pages.
    assert "/login/totp?came_from=%2Fadmin" in testapp.get("/admin", status=302).location
    assert "/login/totp" in testapp.get("/admin/inbox", status=302).location
    assert "/login/totp" in testapp.get("/account/password", status=302).location
    testapp.post("/account/password", {"csrf_token": csrf_token(testapp)}, status=403)
    assert testapp.get("/api/v1/plugins", status=403).json["message"]

    assert "验证码不正确" in give_code(testapp, "12345", status=400).text
    before = testapp.cookies["govcore_session"]
    clock.advance(seconds=60)
    response = give_code(testapp, code(secret, clock, steps=-1))  # the previous step is still accepted
    assert response.location.endswith("/admin")
    assert testapp.cookies["govcore_session"] != before
    testapp.get("/admin", status=200)
    testapp.get("/login/totp", status=302)  # nothing pending any more

    logins = dbsession.scalars(select(AuditRecord).where(AuditRecord.action.in_(["login", "login.password"]))
                               .order_by(AuditRecord.id)).all()
    assert [(r.action, r.result) for r in logins][-3:] == [
        ("login.password", "success"), ("login", "failure"), ("login", "success")]
    assert '"factor":"totp"' in logins[-1].summary


def test_a_code_is_accepted_only_once_even_in_another_session(testapp, make_user, login, dbsession, clock):
    make_user("clerk", roles=[STAFF_ROLE])
    login("clerk")
    _, secret = enrol(testapp, dbsession, "clerk", clock)
    testapp.reset()
    clock.advance(seconds=30)
    used = code(secret, clock)
    sign_in(testapp, "clerk")
    give_code(testapp, used)
    testapp.reset()
    sign_in(testapp, "clerk")
    assert "已使用过" in give_code(testapp, used, status=400).text
    # Codes too far from now are refused as well.
    assert "验证码不正确" in give_code(testapp, code(secret, clock, steps=3), status=400).text
    clock.advance(seconds=30)
    give_code(testapp, code(secret, clock))


def test_wrong_codes_count_towards_the_lockout(testapp, make_user, login, dbsession, clock):
    make_user("clerk", roles=[STAFF_ROLE])
    login("clerk")
    _, secret = enrol(testapp, dbsession, "clerk", clock)
    testapp.reset()
    sign_in(testapp, "clerk")
    for _ in range(4):
        give_code(testapp, "000000" if code(secret, clock) != "000000" else "111111", status=400)
    response = give_code(testapp, "999999" if code(secret, clock) != "999999" else "888888")
    assert response.location.endswith("/login")
    assert "账户已被暂时锁定" in response.follow().text
    # The half-signed-in session is gone, and the lock holds for the password too.
    assert "/login?" in testapp.get("/admin", status=302).location
    page = testapp.post("/login", {"login": "clerk", "password": TEST_PASSWORD, "csrf_token": csrf_token(testapp)},
                        status=400)
    assert "账户已被暂时锁定" in page.text


def not_enrolled(dbsession, user):
    """As ``govcore init`` leaves an account: whatever the test fixtures give administrators."""
    user = dbsession.get(User, user.id)
    user.totp_secret, user.totp_enabled = None, False
    dbsession.commit()


def test_administrators_must_enrol_before_anything_else(testapp, make_user, dbsession, clock):
    not_enrolled(dbsession, make_user("sysadmin", roles=["system_admin"], must_change_password=True))
    response = sign_in(testapp, "sysadmin")
    assert response.location.endswith("/account/password")
    # First the one-time password ...
    assert "/account/password?came_from=%2Fadmin" in testapp.get("/admin", status=302).location
    form = testapp.get("/account/password").forms[1]
    form["current"] = TEST_PASSWORD
    form["new"] = form["repeat"] = "Another-Passw0rd"
    response = form.submit(status=302)
    # ... then the second factor; nothing else opens meanwhile.
    assert "/account/totp" in response.location
    assert "/account/totp?came_from=%2Fadmin" in testapp.get("/admin", status=302).location
    assert "/account/totp" in testapp.get("/admin/plugins", status=302).location
    page = testapp.get("/account/totp")
    assert "必须启用双因素认证" in page.text and page.html.select_one(".qr svg") is not None
    enrol(testapp, dbsession, "sysadmin", clock)
    testapp.get("/admin", status=200)
    # Administrators cannot switch it off again.
    assert "停用双因素认证" not in testapp.get("/account/totp").text


def test_enrolment_also_follows_a_privilege_change(testapp, make_user, login, dbsession, clock):
    """An account that gets an administrator role while signed in is sent to enrol at its next request."""
    from adapters.db.orm import Role, RoleAssignment

    user = make_user("clerk", roles=[STAFF_ROLE])
    login("clerk")
    testapp.get("/admin", status=200)
    user.assignments.append(RoleAssignment(role=dbsession.scalar(select(Role).where(Role.name == "audit_admin"))))
    dbsession.commit()
    assert "/account/totp" in testapp.get("/admin", status=302).location


def test_the_county_can_require_it_for_all_staff(testapp, make_user, login, dbsession, clock, monkeypatch):
    registry = testapp.app.registry
    monkeypatch.setitem(registry, "govcore.security",
                        dataclasses.replace(registry["govcore.security"], require_staff_totp=True))
    make_user("clerk", roles=[STAFF_ROLE])
    make_user("citizen", kind="citizen")
    login("clerk")
    assert "/account/totp" in testapp.get("/admin", status=302).location
    testapp.reset()
    login("citizen")
    testapp.get("/account/password", status=200)  # citizens are not staff


def test_optional_second_factor_can_be_switched_off(testapp, make_user, login, dbsession, clock):
    make_user("citizen", kind="citizen")
    login("citizen")
    response, secret = enrol(testapp, dbsession, "citizen", clock)
    assert response.location.endswith("/")
    clock.advance(seconds=30)
    form = next(f for f in testapp.get("/account/totp").forms.values() if f.action.endswith("/disable"))
    form["code"] = code(secret, clock)
    form.submit(status=302)
    user = dbsession.scalar(select(User).where(User.login == "citizen"))
    dbsession.refresh(user)
    assert not user.totp_enabled and user.totp_secret is None
    testapp.reset()
    assert sign_in(testapp, "citizen").location.endswith("/")
