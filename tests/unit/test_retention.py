"""Retention periods: county.toml's overrides, the cutoff, and the checks that stop a wrong setting."""

import datetime as dt

import pytest

from govcore.contributions import PersonalDataKind
from govcore.county import parse_county
from govcore.errors import ConfigurationError
from govcore.retention import cutoff, kept_until, retention_days, retention_overrides, retention_rules


def kind(name: str, days: int | None) -> PersonalDataKind:
    return PersonalDataKind(name, name, days, "依据", export=lambda uow, user_id: [],
                            erase=lambda uow, user_id, now: [],
                            expire=(lambda uow, before: 0) if days is not None else None)


ACCOUNT, REQUESTS = kind("core.account", None), kind("disclosure.requests", 1825)


def county(retention=None, section=None):
    raw = {"county": {"name": "甲县"}}
    if section is not None:
        raw["personal_data"] = section
    elif retention is not None:
        raw["personal_data"] = {"retention": retention}
    return parse_county(raw)


def test_without_the_table_every_kind_keeps_its_default():
    rules = retention_rules([ACCOUNT, REQUESTS], county())
    assert [(r.kind.name, r.days, r.overridden) for r in rules] == [
        ("core.account", None, False), ("disclosure.requests", 1825, False)]
    assert retention_overrides(county()) == {}


def test_the_county_overrides_a_period_from_county_toml():
    toml = county({"disclosure.requests": 3650})
    [account, requests] = retention_rules([ACCOUNT, REQUESTS], toml)
    assert (requests.days, requests.overridden) == (3650, True)
    assert retention_days(toml, REQUESTS) == 3650 and retention_days(toml, ACCOUNT) is None
    assert requests.cutoff(dt.date(2036, 6, 30)) == dt.date(2026, 7, 3)
    assert account.cutoff(dt.date(2036, 6, 30)) is None


def test_a_record_is_kept_through_its_last_day_and_expires_the_day_after():
    ended, days = dt.date(2026, 9, 24), 30
    last = kept_until(ended, days)
    assert last == dt.date(2026, 10, 24)
    assert not ended < cutoff(last, days)  # on its last day it is still kept
    assert ended < cutoff(last + dt.timedelta(days=1), days)


@pytest.mark.parametrize("value", [0, -5, 1.5, "1825", True, 10 ** 6])
def test_a_period_that_is_no_number_of_days_is_refused_in_chinese(value):
    with pytest.raises(ConfigurationError) as raised:
        retention_overrides(county({"disclosure.requests": value}))
    assert "disclosure.requests 的保存期限必须是 1 到" in raised.value.message_zh


@pytest.mark.parametrize("section", [{"retention": 5}, "1825"])
def test_a_table_that_is_no_table_is_refused(section):
    with pytest.raises(ConfigurationError, match="必须是表"):
        retention_overrides(county(section=section))


def test_an_unknown_kind_is_named_with_the_kinds_that_may_be_set():
    with pytest.raises(ConfigurationError) as raised:
        retention_rules([ACCOUNT, REQUESTS], county({"disclosure.request": 3650}))
    assert "未知的个人信息类别：disclosure.request" in raised.value.message_zh
    assert "可设置的类别：disclosure.requests" in raised.value.message_zh


def test_a_kind_kept_with_the_account_cannot_be_given_a_period():
    with pytest.raises(ConfigurationError, match="不能为 core.account 设置保存期限"):
        retention_rules([ACCOUNT, REQUESTS], county({"core.account": 365}))
