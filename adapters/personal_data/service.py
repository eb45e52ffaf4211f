"""What the county holds about one account, across plugins: collecting, previewing and erasing it."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, Iterator

from sqlalchemy.orm import Session

from govcore.contributions import PersonalDataKind
from govcore.plugins import unique_by_name
from govcore.personal_data_requests import ACCOUNT_KIND, erase_order
from govcore.platform import Platform
from govcore.retention import Retention, retention_rules


def personal_data_kinds(platform: Platform) -> list[PersonalDataKind]:
    """Every enabled plugin's kinds, the account's own first; a name declared twice stops here."""
    contributed = ((plugin, kind) for plugin, kinds in platform.plugins.each("govcore_register_personal_data")
                   for kind in kinds)
    kinds = unique_by_name(contributed, lambda kind: kind.name, "个人信息类别", "kind of personal data")
    return sorted(kinds.values(), key=lambda kind: kind.name != ACCOUNT_KIND)


def retention_of(platform: Platform) -> list[Retention]:
    """Every kind with the period that applies in this county (checking county.toml's overrides)."""
    return retention_rules(personal_data_kinds(platform), platform.county)


@contextlib.contextmanager
def rolled_back(session: Session) -> Iterator[None]:
    """Run changes in a savepoint and undo them: how erasure and expiry are previewed."""
    savepoint = session.begin_nested()
    try:
        yield
        session.flush()
    finally:
        savepoint.rollback()


def export_document(platform: Platform, uow, user_id: int) -> dict[str, Any]:
    """The citizen's download: every kind's records with its period and legal basis."""
    now = platform.clock.now()
    return {
        "说明": f"{platform.county.full_name}持有的您的个人信息（依《中华人民共和国个人信息保护法》第四十五条提供）",
        "导出时间": now.isoformat(timespec="seconds"),
        "个人信息": [
            {"类别": rule.kind.title, "类别代码": rule.kind.name,
             "保存期限（天）": rule.days, "保存依据": rule.kind.basis,
             "记录": rule.kind.export(uow, user_id)}
            for rule in retention_of(platform)
        ],
    }


def held_counts(platform: Platform, uow, user_id: int) -> dict[str, int]:
    """How many records of each kind belong to the account."""
    return {kind.name: len(kind.export(uow, user_id)) for kind in personal_data_kinds(platform)}


def erase_everything(platform: Platform, uow, user_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    """Erase every kind for the account, the account last; what each kind kept, and why."""
    return [{"kind": kind.name, "title": kind.title, "kept": list(kind.erase(uow, user_id, now))}
            for kind in erase_order(personal_data_kinds(platform))]


def preview_erase(platform: Platform, uow, user_id: int) -> list[dict[str, Any]]:
    """What :func:`erase_everything` would keep today, leaving everything as it is."""
    with rolled_back(uow.session):
        return erase_everything(platform, uow, user_id, platform.clock.now())
