"""Errors the core raises, each carrying a Chinese message for people and an English one for logs."""

from __future__ import annotations


class GovcoreError(Exception):
    def __init__(self, message_zh: str, message_en: str = ""):
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.message_en = message_en or message_zh

    def bilingual(self) -> str:
        return f"{self.message_zh}\n{self.message_en}" if self.message_en != self.message_zh else self.message_zh


class ConfigurationError(GovcoreError):
    """The deployment's settings or county.toml are wrong; the process cannot start."""


class ValidationError(GovcoreError):
    """Input that a person can correct; ``field`` names the form field when there is one."""

    def __init__(self, message_zh: str, message_en: str = "", field: str | None = None):
        super().__init__(message_zh, message_en)
        self.field = field


class NotFound(GovcoreError):
    """The thing asked for does not exist (or is not visible to the asker)."""
