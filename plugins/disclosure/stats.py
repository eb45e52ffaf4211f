"""Table 三 of the 政府信息公开工作年度报告: requests received and handled in a year. Framework-free.

The rows and their wording follow the national template (国办公开办函〔2021〕30号 format); the
columns are natural persons, legal persons and other organisations, and the total. A request is
counted as new in the year it was filed, as handled in the year it was answered (or closed as
abandoned), and as carried over while it is neither, so that for every year::

    new + carried in = total handled + carried out
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

from govcore.i18n import _
from plugins.disclosure.domain import (ABANDONED, CITIZEN, DISCLOSE, NOT_EXIST, NOT_HELD, NOT_PROCESSED, OTHER,
                                       PARTIAL, UNAVAILABLE, WITHHOLD)

COLUMNS = (("citizen", _("自然人")), ("organisation", _("法人或其他组织")), ("total", _("总计")))


@dataclass(frozen=True)
class Record:
    """What the statistics need of one request."""

    applicant_type: str
    filed_on: dt.date
    concluded_on: dt.date | None
    outcome: str  # a reply type, ABANDONED, or "" while open
    ground: str = ""


@dataclass(frozen=True)
class RowSpec:
    key: str
    title: str
    level: int  # 0 section, 1 item, 2 ground
    counted: bool = True  # False for the heading row of 三、本年度办理结果


ROWS = (
    RowSpec("new", _("一、本年新收政府信息公开申请数量"), 0),
    RowSpec("carried_in", _("二、上年结转政府信息公开申请数量"), 0),
    RowSpec("results", _("三、本年度办理结果"), 0, counted=False),
    RowSpec(DISCLOSE, _("（一）予以公开"), 1),
    RowSpec(PARTIAL, _("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"), 1),
    RowSpec(WITHHOLD, _("（三）不予公开"), 1),
    RowSpec("withhold.state_secret", _("1.属于国家秘密"), 2),
    RowSpec("withhold.law_forbids", _("2.其他法律行政法规禁止公开"), 2),
    RowSpec("withhold.security", _("3.危及“三安全一稳定”"), 2),
    RowSpec("withhold.third_party", _("4.保护第三方合法权益"), 2),
    RowSpec("withhold.internal", _("5.属于三类内部事务信息"), 2),
    RowSpec("withhold.process", _("6.属于四类过程性信息"), 2),
    RowSpec("withhold.enforcement", _("7.属于行政执法案卷"), 2),
    RowSpec("withhold.query", _("8.属于行政查询事项"), 2),
    RowSpec(UNAVAILABLE, _("（四）无法提供"), 1),
    RowSpec("unavailable.not_held", _("1.本机关不掌握相关政府信息"), 2),
    RowSpec("unavailable.needs_making", _("2.没有现成信息需要另行制作"), 2),
    RowSpec("unavailable.still_unclear", _("3.补正后申请内容仍不明确"), 2),
    RowSpec(NOT_PROCESSED, _("（五）不予处理"), 1),
    RowSpec("not_processed.petition", _("1.信访举报投诉类申请"), 2),
    RowSpec("not_processed.repeated", _("2.重复申请"), 2),
    RowSpec("not_processed.publication", _("3.要求提供公开出版物"), 2),
    RowSpec("not_processed.excessive", _("4.无正当理由大量反复申请"), 2),
    RowSpec("not_processed.confirm", _("5.要求行政机关确认或重新出具已获取信息"), 2),
    RowSpec(OTHER, _("（六）其他处理"), 1),
    RowSpec("other.abandoned", _("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"), 2),
    RowSpec("other.fee_unpaid", _("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"), 2),
    RowSpec("other.other", _("3.其他"), 2),
    RowSpec("total", _("（七）总计"), 1),
    RowSpec("carried_out", _("四、结转下年度继续办理"), 0),
)


def result_row(outcome: str, ground: str) -> str:
    """The row of table 三 a concluded request is counted in."""
    if outcome in (NOT_EXIST, NOT_HELD):
        return "unavailable.not_held"
    if outcome == ABANDONED:
        return "other.abandoned"
    if outcome in (DISCLOSE, PARTIAL):
        return outcome
    return f"{outcome}.{ground}"


@dataclass
class AnnualStatistics:
    year: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, row: str, column: str = "total") -> int:
        return self.counts.get(row, {}).get(column, 0)

    def rows(self) -> list[tuple[RowSpec, tuple[int, ...] | None]]:
        return [(spec, tuple(self.count(spec.key, name) for name, _title in COLUMNS) if spec.counted else None)
                for spec in ROWS]


def annual_statistics(records: Iterable[Record], year: int) -> AnnualStatistics:
    """Count the records into table 三 for ``year``; records of other years are ignored."""
    stats = AnnualStatistics(year)

    def add(row: str, column: str) -> None:
        for key in (row, row.split(".")[0] if "." in row else None):
            if key is not None:
                cells = stats.counts.setdefault(key, {})
                cells[column] = cells.get(column, 0) + 1
                cells["total"] = cells.get("total", 0) + 1

    for record in records:
        column = "citizen" if record.applicant_type == CITIZEN else "organisation"
        concluded = record.concluded_on.year if record.concluded_on is not None else None
        filed = record.filed_on.year
        if filed > year or (concluded is not None and concluded < year):
            continue
        if filed == year:
            add("new", column)
        else:
            add("carried_in", column)
        if concluded == year:
            add(result_row(record.outcome, record.ground), column)
            add("total", column)
        else:
            add("carried_out", column)
    return stats
