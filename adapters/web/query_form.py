"""Filter and search forms sent by GET, kept as typed so that invalid values can be shown again."""

from __future__ import annotations

import datetime as dt
from dataclasses import MISSING, asdict, fields
from typing import Any, ClassVar

from adapters.web.i18n import _


class QueryForm:
    """A base for frozen dataclasses of string fields read from a query string.

    Values are trimmed, inner runs of whitespace collapsed and cut to ``max_length``; an empty
    value takes the field's default (a sort order, say).
    """

    max_length: ClassVar[int] = 100

    @classmethod
    def from_params(cls, params: Any):
        values = {}
        for field in fields(cls):
            value = " ".join(str(params.get(field.name, "")).split())[: cls.max_length]
            values[field.name] = value or ("" if field.default is MISSING else field.default)
        return cls(**values)

    def query(self, **changes: Any) -> dict[str, Any]:
        """The form as a link's query string: the fields that differ from their defaults, plus ``changes``."""
        defaults = {field.name: field.default for field in fields(self)}
        kept = {name: value for name, value in asdict(self).items() if value and value != defaults[name]}
        return {**kept, **changes}

    def dates(self) -> tuple[dt.date | None, dt.date | None]:
        return _date(getattr(self, "date_from", "")), _date(getattr(self, "date_to", ""))

    def date_errors(self) -> list:
        start, end = self.dates()
        errors = []
        if getattr(self, "date_from", "") and start is None:
            errors.append(_("开始日期格式不正确，请按 2026-03-01 的格式填写"))
        if getattr(self, "date_to", "") and end is None:
            errors.append(_("结束日期格式不正确，请按 2026-03-01 的格式填写"))
        if start and end and start > end:
            errors.append(_("开始日期不能晚于结束日期"))
        return errors

    def moments(self, tz: dt.tzinfo) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The start of the first day and the start of the day after the last, in the county's zone."""
        start, end = self.dates()
        return (dt.datetime.combine(start, dt.time(), tz) if start else None,
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz) if end else None)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None  # 2026-03-01, nothing looser
    except ValueError:
        return None
