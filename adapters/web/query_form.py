"""Filter and search forms sent by GET, kept as typed so that invalid values can be shown again."""

from __future__ import annotations

from dataclasses import MISSING, asdict, fields
from typing import Any, ClassVar


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
