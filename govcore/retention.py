"""How long personal data is kept: each kind's default period and the county's overrides. Framework-free.

A plugin declares, per kind of personal data (:class:`govcore.contributions.PersonalDataKind`),
how many days its records are kept after they end (a request answered, a case closed). A county
changes that in ``county.toml``::

    [personal_data.retention]
    "disclosure.requests" = 3650   # days after the request was concluded

A record that ended on day E is kept up to and including day E + N; the daily retention job
expires records that ended before ``today - N`` (the cutoff). A kind whose default is None is
kept while the account exists and cannot be given a period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from govcore.contributions import PersonalDataKind
from govcore.county import CountyConfig
from govcore.errors import ConfigurationError

SECTION = "personal_data"
TABLE = "retention"
MAX_DAYS = 100 * 366  # a century: anything longer is a typing mistake, not a retention rule
SOURCE = "county.toml"


def retention_overrides(county: CountyConfig) -> dict[str, int]:
    """The county's ``[personal_data.retention]`` table as kind name → days, its values checked."""
    section = county.sections.get(SECTION, {})
    if not isinstance(section, dict):
        raise ConfigurationError(f"{SOURCE} 的 [{SECTION}] 必须是表", f"{SOURCE}: [{SECTION}] must be a table")
    raw: Any = section.get(TABLE, {})
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{SOURCE} 的 [{SECTION}.{TABLE}] 必须是表",
                                 f"{SOURCE}: [{SECTION}.{TABLE}] must be a table")
    overrides = {}
    for name, days in raw.items():
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise ConfigurationError(
                f"{SOURCE} 的 [{SECTION}.{TABLE}] 中 {name} 的保存期限必须是 1 到 {MAX_DAYS} 之间的整数（天数），"
                f"现为 {days!r}",
                f"{SOURCE}: [{SECTION}.{TABLE}] {name} must be a number of days from 1 to {MAX_DAYS}, not {days!r}")
        overrides[name] = days
    return overrides


def retention_days(county: CountyConfig, kind: PersonalDataKind) -> int | None:
    """The period that applies to ``kind`` in this county: its override, else its default."""
    if kind.retention_days is None:
        return None
    return retention_overrides(county).get(kind.name, kind.retention_days)


def cutoff(today: dt.date, days: int) -> dt.date:
    """Records that ended before this day have outlived a period of ``days``."""
    return today - dt.timedelta(days=days)


def kept_until(ended_on: dt.date, days: int) -> dt.date:
    """The last day a record that ended on ``ended_on`` is kept."""
    return ended_on + dt.timedelta(days=days)


@dataclass(frozen=True)
class Retention:
    """One kind of personal data with the period that applies to it in this county."""

    kind: PersonalDataKind
    days: int | None
    overridden: bool  # the county set the period, rather than the plugin's default

    def cutoff(self, today: dt.date) -> dt.date | None:
        return cutoff(today, self.days) if self.days is not None else None


def retention_rules(kinds: Iterable[PersonalDataKind], county: CountyConfig) -> list[Retention]:
    """Every kind with its period, in the order given; a wrong override stops with a Chinese message.

    An override must name a declared kind (a misspelt name would silently keep the default) and
    a kind that has a period at all (one kept while the account exists has none to change).
    """
    kinds = list(kinds)
    overrides = retention_overrides(county)
    known = {kind.name: kind for kind in kinds}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        names = "、".join(unknown)
        listed = "、".join(sorted(name for name, kind in known.items() if kind.retention_days is not None)) or "无"
        raise ConfigurationError(
            f"{SOURCE} 的 [{SECTION}.{TABLE}] 中有未知的个人信息类别：{names}（可设置的类别：{listed}）",
            f"{SOURCE}: [{SECTION}.{TABLE}] names unknown kinds of personal data: {', '.join(unknown)}")
    fixed = sorted(name for name in overrides if known[name].retention_days is None)
    if fixed:
        names = "、".join(fixed)
        raise ConfigurationError(
            f"{SOURCE} 的 [{SECTION}.{TABLE}] 不能为 {names} 设置保存期限：这类信息随账户保存，账户注销时删除",
            f"{SOURCE}: [{SECTION}.{TABLE}] cannot give {', '.join(fixed)} a period: it is kept while the account exists")
    return [Retention(kind, overrides.get(kind.name, kind.retention_days), kind.name in overrides)
            for kind in kinds]
