"""Account rules that do not depend on how accounts are stored: passwords and their policy."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

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
