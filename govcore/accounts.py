"""Account rules that do not depend on how accounts are stored.

Passwords and their policy, locking an account after repeated failures, the county's
``[security]`` settings, and checking what people type when they register: mobile numbers,
e-mail addresses and the 统一社会信用代码 of enterprises.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from dataclasses import dataclass, field
from typing import Any, Mapping

from govcore.errors import ConfigurationError
from govcore.i18n import _

_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)



@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    min_classes: int = 3  # of: lower case, upper case, digits, other characters

    def problems(self, password: str, login: str = "") -> list[str]:
        """Everything wrong with ``password``, in Chinese, for showing next to the field."""
        found = []
        if len(password) < self.min_length:
            found.append(f"密码至少需要 {self.min_length} 个字符")
        if _class_count(password) < self.min_classes:
            found.append(f"密码需包含大写字母、小写字母、数字、其他符号中的至少 {self.min_classes} 类")
        if login and login.lower() in password.lower():
            found.append("密码不能包含用户名")
        return found


def _class_count(password: str) -> int:
    count = sum(any(c in chars for c in password) for chars in _CLASSES)
    return count + any(not any(c in chars for chars in _CLASSES) for c in password)


def one_time_password(length: int = 14) -> str:
    """A random password that satisfies the default policy, for new accounts and resets."""
    alphabet = string.ascii_letters + string.digits + "-_.!@#"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if _class_count(candidate) == 4:
            return candidate


@dataclass(frozen=True)
class LockoutPolicy:
    """Lock an account for ``minutes`` after ``max_failures`` failed sign-ins in a row."""

    max_failures: int = 5
    minutes: int = 15

    def is_locked(self, locked_until: dt.datetime | None, now: dt.datetime) -> bool:
        return locked_until is not None and now < locked_until

    def after_failure(self, failed_so_far: int, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """The new failure count and, when this failure reaches the limit, the end of the lock.

        The count starts again from zero once the lock is set, so an account whose lock has run
        out gets the full number of attempts again rather than being locked by its next typo.
        """
        failed = failed_so_far + 1
        if failed >= self.max_failures:
            return 0, now + dt.timedelta(minutes=self.minutes)
        return failed, None


# Rate limits in the notation of the ``limits`` package: "count/period".
DEFAULT_RATE_LIMITS = {
    "login_ip": "30/10 minutes",  # failed sign-ins from one address (offices share one address)
    "register_ip": "10/hour",
    "reset_ip": "10/hour",
    "anonymous_ip": "20/10 minutes",  # anonymous submissions to plugins' forms, per form
}


@dataclass(frozen=True)
class SecuritySettings:
    """The ``[security]`` table of county.toml, with the defaults the platform promises."""

    max_failed_logins: int = 5
    lockout_minutes: int = 15
    staff_idle_minutes: int = 30
    require_staff_totp: bool = False
    captcha: bool = False
    password_min_length: int = 8
    password_min_classes: int = 3
    reset_link_minutes: int = 60
    rate_limits: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))

    @property
    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy(self.password_min_length, self.password_min_classes)

    @property
    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(self.max_failed_logins, self.lockout_minutes)


_INT_LIMITS = {
    "max_failed_logins": (1, 100),
    "lockout_minutes": (1, 24 * 60),
    "staff_idle_minutes": (1, 24 * 60),
    "password_min_length": (6, 128),
    "password_min_classes": (1, 4),
    "reset_link_minutes": (5, 24 * 60),
}
_BOOLEANS = ("require_staff_totp", "captcha")
_RATE = re.compile(r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$")


def security_settings(raw: Any, source: str = "county.toml") -> SecuritySettings:
    """Read and check ``[security]``; a wrong value stops the start-up with a bilingual message."""
    if raw is None:
        return SecuritySettings()
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{source} 的 [security] 必须是表", f"{source}: [security] must be a table")
    known = set(_INT_LIMITS) | set(_BOOLEANS) | {"rate_limits"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigurationError(f"{source} 的 [security] 含有未知设置：{', '.join(unknown)}",
                                 f"{source}: unknown [security] settings: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, (low, high) in _INT_LIMITS.items():
        if name in raw:
            value = raw[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigurationError(f"{source} 的 [security] {name} 必须是 {low} 到 {high} 之间的整数",
                                         f"{source}: [security] {name} must be an integer from {low} to {high}")
            values[name] = value
    for name in _BOOLEANS:
        if name in raw:
            if not isinstance(raw[name], bool):
                raise ConfigurationError(f"{source} 的 [security] {name} 必须是 true 或 false",
                                         f"{source}: [security] {name} must be true or false")
            values[name] = raw[name]
    rates = dict(DEFAULT_RATE_LIMITS)
    given = raw.get("rate_limits", {})
    if not isinstance(given, dict):
        raise ConfigurationError(f"{source} 的 [security.rate_limits] 必须是表",
                                 f"{source}: [security.rate_limits] must be a table")
    for name, value in given.items():
        if name not in DEFAULT_RATE_LIMITS or not isinstance(value, str) or not _RATE.match(value):
            raise ConfigurationError(
                f"{source} 的 [security.rate_limits] {name} 无效（可用：{', '.join(DEFAULT_RATE_LIMITS)}；"
                f"写法如 \"10/hour\"）",
                f"{source}: [security.rate_limits] {name} is invalid (known: {', '.join(DEFAULT_RATE_LIMITS)}; "
                f"write e.g. \"10/hour\")")
        rates[name] = value
    values["rate_limits"] = rates
    return SecuritySettings(**values)


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def normalise_mobile(text: str) -> str | None:
    """A mainland mobile number as 11 digits, or None; spaces, hyphens and +86 are allowed."""
    digits = re.sub(r"[\s-]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if _MOBILE.match(digits) else None


def normalise_email(text: str) -> str | None:
    """An e-mail address in lower case, or None when it is not one.

    Lower case throughout, since people type their addresses with varying capitals and expect
    to sign in with any spelling; no mail provider in use in China distinguishes them.
    """
    address = text.strip().lower()
    return address if len(address) <= 254 and _EMAIL.match(address) else None


def contact_kind(text: str) -> tuple[str, str] | None:
    """("mobile" | "email", normalised value) for what someone gave as their sign-in name."""
    if "@" in text:
        address = normalise_email(text)
        return ("email", address) if address else None
    mobile = normalise_mobile(text)
    return ("mobile", mobile) if mobile else None


# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 whose first 17 characters are given."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(text: str) -> str:
    return re.sub(r"\s", "", text).upper()


def credit_code_problem(code: str) -> str | None:
    """What is wrong with a (normalised) 统一社会信用代码, in Chinese, or None when it is valid.

    The message is a catalogue entry: the web layer shows it translated.
    """
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位")
    if any(c not in CREDIT_CODE_ALPHABET for c in code):
        return _("统一社会信用代码只能由数字和大写字母组成（不使用 I、O、S、V、Z）")
    if not code[2:8].isdigit():
        return _("统一社会信用代码第 3 至 8 位应为行政区划代码（数字）")
    if credit_code_check_character(code[:17]) != code[17]:
        return _("统一社会信用代码校验位不正确，请核对后重新输入")
    return None
