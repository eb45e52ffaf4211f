"""Account rules of the core: password policy, lockout, [security] settings, contact and credit code checks."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govcore.accounts import (
    CREDIT_CODE_ALPHABET,
    LockoutPolicy,
    PasswordPolicy,
    SecuritySettings,
    contact_kind,
    credit_code_check_character,
    credit_code_problem,
    normalise_credit_code,
    normalise_email,
    normalise_mobile,
    one_time_password,
    security_settings,
)
from govcore.errors import ConfigurationError

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def test_default_password_policy():
    policy = PasswordPolicy()
    assert policy.problems("Abcdefg1") == []
    assert policy.problems("abcdefg1") == ["密码需包含大写字母、小写字母、数字、其他符号中的至少 3 类"]
    assert policy.problems("Ab1!") == ["密码至少需要 8 个字符"]
    assert policy.problems("Zhangsan-2026", login="zhangsan") == ["密码不能包含用户名"]


def test_one_time_passwords_satisfy_the_default_policy():
    for _ in range(20):
        assert PasswordPolicy().problems(one_time_password()) == []


def test_lockout_after_the_configured_failures_in_a_row():
    policy = LockoutPolicy(max_failures=3, minutes=15)
    assert policy.after_failure(0, NOW) == (1, None)
    assert policy.after_failure(1, NOW) == (2, None)
    count, until = policy.after_failure(2, NOW)
    assert count == 0 and until == NOW + dt.timedelta(minutes=15)
    assert policy.is_locked(until, NOW + dt.timedelta(minutes=14, seconds=59))
    assert not policy.is_locked(until, NOW + dt.timedelta(minutes=15))
    assert not policy.is_locked(None, NOW)


def test_security_settings_defaults_and_overrides():
    assert security_settings(None) == SecuritySettings()
    defaults = SecuritySettings()
    assert (defaults.max_failed_logins, defaults.lockout_minutes, defaults.staff_idle_minutes) == (5, 15, 30)
    assert defaults.password_policy == PasswordPolicy(8, 3)
    custom = security_settings({
        "max_failed_logins": 3, "lockout_minutes": 30, "staff_idle_minutes": 10, "require_staff_totp": True,
        "captcha": True, "password_min_length": 12, "password_min_classes": 4,
        "rate_limits": {"register_ip": "3 per hour"},
    })
    assert custom.lockout == LockoutPolicy(3, 30)
    assert custom.password_policy == PasswordPolicy(12, 4)
    assert custom.require_staff_totp and custom.captcha and custom.staff_idle_minutes == 10
    assert custom.rate_limits["register_ip"] == "3 per hour"
    assert custom.rate_limits["login_ip"] == defaults.rate_limits["login_ip"]


@pytest.mark.parametrize("raw", [
    "strict",
    {"max_failed_logins": 0},
    {"max_failed_logins": True},
    {"lockout_minutes": "15"},
    {"password_min_classes": 5},
    {"require_staff_totp": "yes"},
    {"max_failures": 5},
    {"rate_limits": {"login_ip": "often"}},
    {"rate_limits": {"everything": "5/hour"}},
    {"rate_limits": "5/hour"},
])
def test_wrong_security_settings_stop_the_start(raw):
    with pytest.raises(ConfigurationError) as caught:
        security_settings(raw)
    assert "[security" in caught.value.message_zh


@pytest.mark.parametrize("text, expected", [
    ("13800138000", "13800138000"),
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("8613800138000", "13800138000"),
    ("12800138000", None),
    ("1380013800", None),
    ("138001380001", None),
    ("abc", None),
])
def test_mobile_numbers(text, expected):
    assert normalise_mobile(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Zhang.San@Example.CN", "zhang.san@example.cn"),
    (" li@gov.example.cn ", "li@gov.example.cn"),
    ("no-at-sign.cn", None),
    ("two@@example.cn", None),
    ("nodot@localhost", None),
    ("space in@example.cn", None),
    ("x@" + "a" * 250 + ".cn", None),
])
def test_email_addresses(text, expected):
    assert normalise_email(text) == expected


def test_contact_kind_tells_mobile_from_email():
    assert contact_kind("13800138000") == ("mobile", "13800138000")
    assert contact_kind("Wang@Example.cn") == ("email", "wang@example.cn")
    assert contact_kind("wang") is None
    assert contact_kind("wang@") is None


# Published examples: GB 32100-2015's own, and two registered companies.
VALID_CODES = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_credit_codes(code):
    assert credit_code_problem(code) is None
    assert credit_code_check_character(code[:17]) == code[17]


def test_credit_code_is_normalised_before_checking():
    assert normalise_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("code, message", [
    ("91350100M000100Y44", "校验位不正确"),
    ("91350100M000100Y4", "应为 18 位"),
    ("91350100M000100Y433", "应为 18 位"),
    ("91350100M000100I43", "只能由数字和大写字母组成"),
    ("913501O0M000100Y43", "只能由数字和大写字母组成"),
    ("9135A100M000100Y43", "行政区划代码"),
])
def test_invalid_credit_codes(code, message):
    assert message in credit_code_problem(code)


@given(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17), st.integers(0, 16),
       st.sampled_from(CREDIT_CODE_ALPHABET))
def test_check_character_catches_every_single_substitution(first17, position, replacement):
    code = first17 + credit_code_check_character(first17)
    altered = code[:position] + replacement + code[position + 1:]
    if altered != code:
        assert credit_code_check_character(altered[:17]) != altered[17]
