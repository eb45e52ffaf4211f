"""The retention job: requests concluded more than the period ago lose their applicant's personal data.

The disclosure office keeps requests five years after they were concluded, unless the county says
otherwise in county.toml; anonymised requests still count in the annual report's table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from adapters.cli.main import cli
from adapters.db.orm import AuditRecord
from adapters.personal_data.retention_job import preview_expiry, run
from govcore.clock import FixedClock
from plugins.disclosure.desk import RequestDesk
from plugins.disclosure.domain import CITIZEN, DISCLOSE, ORGANISATION, Applicant, Reply
from plugins.disclosure.orm import DisclosureRequest

NOW = dt.datetime(2026, 9, 24, 10, 0)


@pytest.fixture
def clock(stop_clock):
    return stop_clock(NOW)


def file_request(platform, dbsession, kind: str, filed: dt.datetime, replied: dt.datetime | None) -> int:
    if kind == CITIZEN:
        applicant = Applicant(CITIZEN, name="王五", id_type="居民身份证", id_number="33010619900101123X",
                              phone="13812345678", address="示例县人民路2号")
    else:
        applicant = Applicant(ORGANISATION, org_name="示例公司", credit_code="91350100M000100Y43",
                              legal_rep="赵六", contact_name="钱七", phone="0571-88888888")
    values = {"description": "王五家的宅基地审批材料", "doc_title": "", "doc_number": "", "purpose": "自用",
              "delivery": "email"}
    row, _code = RequestDesk(dbsession, FixedClock(filed), platform.calendar).file(applicant, values, None)
    if replied is not None:
        RequestDesk(dbsession, FixedClock(replied), platform.calendar).reply(
            row, 1, Reply(DISCLOSE, "", "", "予以公开。"), None)
    dbsession.commit()
    return row.id


@pytest.fixture
def requests(platform, dbsession, clock):
    """Concluded in 2020 and in January 2025, concluded last week, and still open."""
    return {
        "old": file_request(platform, dbsession, CITIZEN, dt.datetime(2020, 3, 2, 9), dt.datetime(2020, 3, 20, 9)),
        "last_year": file_request(platform, dbsession, ORGANISATION, dt.datetime(2024, 12, 20, 9),
                                  dt.datetime(2025, 1, 10, 9)),
        "recent": file_request(platform, dbsession, CITIZEN, dt.datetime(2026, 9, 1, 9), dt.datetime(2026, 9, 17, 9)),
        "open": file_request(platform, dbsession, CITIZEN, dt.datetime(2026, 9, 22, 9), None),
    }


def run_job(platform) -> dict:
    with platform.unit_of_work() as uow:
        run(platform, uow)
    with platform.unit_of_work() as uow:
        record = uow.session.scalar(select(AuditRecord).where(AuditRecord.action == "personal_data.expire")
                                    .order_by(AuditRecord.id.desc()).limit(1))
        return json.loads(record.summary)


def erased(dbsession, ids: dict) -> set[str]:
    dbsession.expire_all()
    return {name for name, row_id in ids.items() if dbsession.get(DisclosureRequest, row_id).personal_erased_at}


def table(platform, dbsession, year: int) -> dict:
    return RequestDesk(dbsession, platform.clock, platform.calendar).statistics(year).counts


def test_only_requests_past_the_period_are_anonymised_and_still_counted(platform, dbsession, requests):
    before = {year: table(platform, dbsession, year) for year in (2020, 2025, 2026)}
    assert before[2020]["new"] == {"citizen": 1, "total": 1}

    summary = run_job(platform)
    assert summary == {"disclosure.requests": {"days": 1825, "cutoff": "2021-09-25", "expired": 1}}
    assert erased(dbsession, requests) == {"old"}
    old = dbsession.get(DisclosureRequest, requests["old"])
    assert (old.name, old.id_number, old.phone, old.address, old.description, old.purpose) == ("",) * 6
    assert (old.applicant_type, old.outcome, old.concluded_on) == (CITIZEN, DISCLOSE, dt.date(2020, 3, 20))
    assert old.reply_text == "予以公开。"  # the authority's own answer stays
    assert dbsession.get(DisclosureRequest, requests["recent"]).id_number == "33010619900101123X"
    assert {year: table(platform, dbsession, year) for year in (2020, 2025, 2026)} == before

    assert run_job(platform)["disclosure.requests"]["expired"] == 0  # nothing twice


def test_a_county_override_of_the_period_is_honoured(platform, dbsession, requests, monkeypatch):
    sections = {**platform.county.sections, "personal_data": {"retention": {"disclosure.requests": 365}}}
    monkeypatch.setattr(platform, "county", dataclasses.replace(platform.county, sections=sections))
    with platform.unit_of_work() as uow:
        [preview] = preview_expiry(platform, uow)
    assert (preview.rule.days, preview.cutoff, preview.count) == (365, dt.date(2025, 9, 24), 2)
    assert erased(dbsession, requests) == set()  # the preview changed nothing

    summary = run_job(platform)
    assert summary["disclosure.requests"] == {"days": 365, "cutoff": "2025-09-24", "expired": 2}
    assert erased(dbsession, requests) == {"old", "last_year"}
    organisation = dbsession.get(DisclosureRequest, requests["last_year"])
    assert (organisation.org_name, organisation.legal_rep, organisation.contact_name) == ("", "", "")


def test_the_command_previews_the_job(govcore_site):
    """Against the shared site's database, which holds no requests: the dry run changes nothing."""
    settings = govcore_site.settings
    result = CliRunner().invoke(cli, ["personal-data", "expire", settings["govcore.deployment"], "--dry-run",
                                      "--database", settings["govcore.database_url"],
                                      "--var", settings["govcore.var_dir"]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "政府信息公开申请 (disclosure.requests): 保存 1825 天" in result.output
    assert "预演，未做改动" in result.output
