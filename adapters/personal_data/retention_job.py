"""The daily retention job: every kind expires what has outlived its period, and the trail says how much."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from adapters.personal_data.service import retention_of, rolled_back
from govcore.audit import SYSTEM_LOGIN, SystemAuditor
from govcore.platform import Platform
from govcore.retention import Retention

log = logging.getLogger(__name__)

ACTION = "personal_data.expire"


@dataclass(frozen=True)
class Expiry:
    """One kind's part of a run: records that ended before ``cutoff`` were anonymised."""

    rule: Retention
    cutoff: dt.date
    count: int


def expire_all(platform: Platform, uow) -> list[Expiry]:
    """Run every kind's expiry with its cutoff (the county's period, else the plugin's default)."""
    today = platform.clock.today()
    done = []
    for rule in retention_of(platform):
        before = rule.cutoff(today)
        if before is None or rule.kind.expire is None:
            continue  # kept while the account exists
        done.append(Expiry(rule, before, rule.kind.expire(uow, before)))
    return done


def preview_expiry(platform: Platform, uow) -> list[Expiry]:
    """What :func:`expire_all` would change today, changing nothing."""
    with rolled_back(uow.session):
        return expire_all(platform, uow)


def record_expiry(platform: Platform, uow, done: list[Expiry], actor_login: str = SYSTEM_LOGIN) -> None:
    """One audit record per run, with each kind's period, cutoff and count, even when nothing expired."""
    summary = {expiry.rule.kind.name: {"days": expiry.rule.days, "cutoff": expiry.cutoff.isoformat(),
                                       "expired": expiry.count} for expiry in done}
    SystemAuditor(uow, platform.clock, actor_login)(ACTION, "personal_data", "", summary)


def run(platform: Platform, uow) -> None:
    """The daily job (registered through ``govcore_register_jobs``)."""
    done = expire_all(platform, uow)
    record_expiry(platform, uow, done)
    expired = {expiry.rule.kind.name: expiry.count for expiry in done if expiry.count}
    if expired:
        log.info("personal data past its retention period anonymised: %s", expired)
