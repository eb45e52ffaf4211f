"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from adapters.security.personal_cipher import PersonalDataKeyring
from govcore.errors import ConfigurationError


class UtcDateTime(TypeDecorator):
    """A moment in time: stored in UTC, always read back timezone-aware.

    SQLite keeps no timezone and PostgreSQL converts to its session's zone; with this type every
    database gives the same aware value, which templates convert to the county's timezone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column; use the platform clock")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


# The attribute of an engine's dialect holding its personal-data keyring (see install_cipher).
_CIPHER_ATTRIBUTE = "govcore_personal_cipher"


def install_cipher(engine: Engine, keyring: PersonalDataKeyring) -> None:
    """Give ``engine`` the keys its PersonalText columns are encrypted with.

    The cipher lives on the engine's dialect, which every connection, session and migration of
    that engine shares, so two platforms in one process (tests, a restore) keep their own keys.
    """
    setattr(engine.dialect, _CIPHER_ATTRIBUTE, keyring)


def dialect_cipher(dialect: Dialect) -> PersonalDataKeyring:
    cipher = getattr(dialect, _CIPHER_ATTRIBUTE, None)
    if cipher is None:
        raise ConfigurationError(
            "个人信息加密密钥未装入数据库连接：请通过 adapters.bootstrap.build_platform 创建数据库引擎",
            "no personal-data cipher is installed on this engine; build it with adapters.bootstrap.build_platform",
        )
    return cipher


class PersonalDataQueryError(TypeError):
    """A query compares, searches or sorts on an encrypted column, which the database cannot do."""


class PersonalText(TypeDecorator):
    """Personal data (an ID-card number, a telephone number, an address …), encrypted at rest.

    The ORM attribute is the plain text; the column holds a Fernet token of it, made with the
    current key of the engine's cipher. None stays NULL and "" stays "": an empty value tells
    nothing about a person, and encrypting it would only cost space. Each encryption of the same
    value differs, so the database can neither compare, search nor sort these columns: a
    comparison, LIKE, IN or asc()/desc() on one raises :class:`PersonalDataQueryError` instead of
    silently matching nothing (comparing with None or "" still works).
    """

    impl = Text
    cache_ok = True

    class comparator_factory(Text.Comparator):
        def operate(self, op, *other, **kwargs):
            if op in (operators.is_, operators.is_not) or (
                    op in (operators.eq, operators.ne) and other and other[0] in (None, "")):
                return super().operate(op, *other, **kwargs)
            raise PersonalDataQueryError(
                f"{self.expr} is encrypted: the database cannot compare, search or sort it ({op.__name__})")

        def reverse_operate(self, op, other, **kwargs):
            raise PersonalDataQueryError(f"{self.expr} is encrypted: the database cannot compare it")

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        if value is None or value == "":
            return value
        return dialect_cipher(dialect).encrypt(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None or value == "":
            return value
        return dialect_cipher(dialect).decrypt(value)
