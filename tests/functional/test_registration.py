"""Self-registration of citizens and enterprises, its rate limit and the optional captcha."""

import dataclasses

import pytest
from sqlalchemy import select

from adapters.db.orm import AuditRecord, User
from adapters.testing.pytest_plugin import csrf_token
from adapters.web.ratelimit import RateLimits
from govcore.accounts import credit_code_check_character
from tests.functional.signin import page_form

pytestmark = pytest.mark.usefixtures("fresh_rate_limits")

PASSWORD = "Citizen-Passw0rd"
# A made-up enterprise with a correct check character (the demo data uses the standard's example).
CREDIT_CODE = "91330782MA2EXAMP1" + credit_code_check_character("91330782MA2EXAMP1")


WRONG_CODE = CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")


def fill(testapp, path, status, **fields):
    form = page_form(testapp.get(path))
    for name, value in {"password": PASSWORD, "confirm": PASSWORD, **fields}.items():
        form[name] = value
    return form.submit(status=status)


def account(dbsession, login):
    dbsession.expire_all()
    return dbsession.scalar(select(User).where(User.login == login))


def test_citizen_registers_with_a_mobile_number_and_is_signed_in(testapp, dbsession):
    response = fill(testapp, "/register", 302, account="138 0013 8000", name="张三")
    assert response.location.endswith("/")
    assert "注册成功" in response.follow().text
    user = account(dbsession, "13800138000")
    assert (user.kind, user.mobile, user.email, user.display_name) == ("citizen", "13800138000", None, "张三")
    assert [g.name for g in user.groups] == ["public"]
    testapp.get("/account/password", status=200)  # signed in
    record = dbsession.scalar(select(AuditRecord).where(AuditRecord.action == "account.register"))
    assert record.actor_id == user.id and '"kind":"citizen"' in record.summary


def test_citizen_registers_with_an_email_and_signs_in_with_any_capitals(testapp, dbsession):
    fill(testapp, "/register", 302, account="Li.Si@Example.CN", name="李四")
    assert account(dbsession, "li.si@example.cn").email == "li.si@example.cn"
    testapp.reset()
    testapp.post("/login", {"login": "LI.SI@example.cn", "password": PASSWORD, "csrf_token": csrf_token(testapp)},
                 status=302)


def test_registration_errors_are_in_chinese_and_keep_what_was_typed(testapp, make_user, dbsession):
    page = fill(testapp, "/register", 400, account="12345", name="", confirm="Something-else1")
    assert "请输入有效的手机号码" in page.html.select_one("#account-error").get_text()
    assert "请填写姓名" in page.html.select_one("#name-error").get_text()
    assert "两次输入的密码不一致" in page.html.select_one("#confirm-error").get_text()
    assert page_form(page)["account"].value == "12345"

    page = fill(testapp, "/register", 400, account="13900139000", name="王五", password="weak", confirm="weak")
    assert "密码至少需要 8 个字符" in page.html.select_one("#password-error").get_text()

    make_user("13700137000", kind="citizen")
    page = fill(testapp, "/register", 400, account="137-0013-7000", name="赵六")
    assert "已注册" in page.html.select_one("#account-error").get_text()
    assert account(dbsession, "13900139000") is None


def test_enterprise_registers_with_a_valid_credit_code(testapp, dbsession):
    fill(testapp, "/register/enterprise", 302, name="示例科技有限公司", credit_code=CREDIT_CODE.lower(),
         account="contact@example-tech.cn")
    user = account(dbsession, "contact@example-tech.cn")
    assert (user.kind, user.credit_code, user.display_name) == ("enterprise", CREDIT_CODE, "示例科技有限公司")
    assert [g.name for g in user.groups] == ["enterprise"]

    testapp.reset()
    page = fill(testapp, "/register/enterprise", 400, name="另一家公司", credit_code=CREDIT_CODE,
                account="13600136000")
    assert "该统一社会信用代码已注册" in page.html.select_one("#credit-code-error").get_text()


def test_a_wrong_check_character_is_refused_clearly(testapp, dbsession):
    page = fill(testapp, "/register/enterprise", 400, name="示例科技有限公司", credit_code=WRONG_CODE,
                account="13600136000")
    assert page.html.select_one("#credit-code-error").get_text() == "统一社会信用代码校验位不正确，请核对后重新输入"
    form = page_form(page)
    assert (form["name"].value, form["credit_code"].value, form["account"].value) == (
        "示例科技有限公司", WRONG_CODE, "13600136000")
    assert form["password"].value == ""  # passwords are never sent back
    page = fill(testapp, "/register/enterprise", 400, name="示例", credit_code="9135", account="13600136000")
    assert "应为 18 位" in page.html.select_one("#credit-code-error").get_text()
    assert account(dbsession, "13600136000") is None


def test_registration_is_rate_limited_per_address(testapp, monkeypatch):
    monkeypatch.setitem(testapp.app.registry, "govcore.rate_limits", RateLimits({"register_ip": "2/hour"}))
    fill(testapp, "/register", 400, account="bad", name="甲")
    fill(testapp, "/register", 400, account="bad", name="乙")
    page = fill(testapp, "/register", 429, account="13500135000", name="丙")
    assert "操作过于频繁" in page.text and int(page.headers["Retry-After"]) > 0


def test_optional_captcha(testapp, dbsession, monkeypatch):
    registry = testapp.app.registry
    testapp.get("/captcha.png", status=404)  # off by default
    monkeypatch.setitem(registry, "govcore.security", dataclasses.replace(registry["govcore.security"], captcha=True))
    monkeypatch.setattr("adapters.web.captcha.new_text", lambda: "K7XM")

    form = page_form(testapp.get("/register"))
    image = testapp.get("/captcha.png")
    assert image.content_type == "image/png" and image.body.startswith(b"\x89PNG")
    assert image.headers["Cache-Control"] == "no-store"
    assert "K7XM" not in testapp.cookies["govcore_session"]  # only a keyed hash is kept
    form["account"], form["name"], form["password"], form["confirm"] = "13500135000", "丙", PASSWORD, PASSWORD
    form["captcha"] = "ABCD"
    page = form.submit(status=400)
    assert "验证码不正确" in page.html.select_one("#captcha-error").get_text()

    # Each image is good for one submission.
    form = page_form(page)
    form["password"], form["confirm"], form["captcha"] = PASSWORD, PASSWORD, "K7XM"
    assert "验证码不正确" in form.submit(status=400).text
    testapp.get("/captcha.png")
    form["captcha"] = "k7xm"
    form.submit(status=302)
    assert account(dbsession, "13500135000") is not None
