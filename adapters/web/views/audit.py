"""The audit trail for the 审计管理员: filter, page through, export to .xlsx. Nothing here changes a record."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator
from urllib.parse import quote
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPFound
from pyramid.response import FileIter, Response
from sqlalchemy import select

from adapters.db.orm import AuditRecord
from adapters.web.query_form import QueryForm
from adapters.web.i18n import _
from govcore.audit import DENIED, FAILURE, SUCCESS
from govcore.core_plugin import AUDIT_READ

T = "adapters.web:templates/"
PAGE_SIZE = 50
EXPORT_BATCH = 1000
EXPORT_LIMIT = 100_000  # rows per export; keeps one download within a web request's time
FILTER_LIMIT = 64  # the widest filtered column
USER_AGENT_SHORT = 40
RETENTION_DAYS = 180  # enforced by the database triggers of migration core_0002
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

RESULT_LABELS = {SUCCESS: _("成功"), FAILURE: _("失败"), DENIED: _("拒绝")}
# Keys of the automatic records (adapters.web.audit) and of exports; other keys are shown as they are.
SUMMARY_LABELS = {"fields": _("提交字段"), "status": _("状态码"), "params": _("路径参数"),
                  "filters": _("筛选条件"), "rows": _("条数"), "limit": _("导出上限")}
COLUMNS = (
    (_("编号"), 10), (_("时间"), 20), (_("人员"), 16), (_("操作"), 24), (_("对象类型"), 14), (_("对象编号"), 12),
    (_("摘要"), 60), (_("IP 地址"), 16), (_("浏览器"), 40), (_("结果"), 8),
)
RECORD_COLUMNS = (
    AuditRecord.id, AuditRecord.at, AuditRecord.actor_login, AuditRecord.action, AuditRecord.object_type,
    AuditRecord.object_id, AuditRecord.summary, AuditRecord.ip, AuditRecord.user_agent, AuditRecord.result,
)


def includeme(config: Configurator) -> None:
    config.add_route("admin.audit", "/admin/audit")
    config.add_route("admin.audit_export", "/admin/audit/export")
    config.add_view(audit_log, route_name="admin.audit", request_method="GET", renderer=T + "admin_audit.pt",
                    permission=AUDIT_READ)
    config.add_view(export, route_name="admin.audit_export", request_method="GET", permission=AUDIT_READ)


@dataclass(frozen=True)
class AuditFilter(QueryForm):
    """The search form as typed: invalid values are kept to be shown again with the errors."""

    login: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: str = ""
    date_to: str = ""
    result: str = ""

    max_length: ClassVar[int] = FILTER_LIMIT

    def errors(self) -> list:
        errors = []
        errors += self.date_errors()
        if self.result and self.result not in RESULT_LABELS:
            errors.append(_("请选择有效的结果"))
        return errors

    def conditions(self, tz: ZoneInfo) -> list:
        """SQL conditions of a valid filter; dates are whole days in the county's timezone."""
        conditions = []
        if self.login:
            conditions.append(AuditRecord.actor_login == self.login)
        if self.action:
            # A prefix, so that "user." finds every action on accounts.
            escaped = self.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(AuditRecord.action.like(escaped + "%", escape="\\"))
        if self.object_type:
            conditions.append(AuditRecord.object_type == self.object_type)
        if self.object_id:
            conditions.append(AuditRecord.object_id == self.object_id)
        start, after = self.moments(tz)
        if start:
            conditions.append(AuditRecord.at >= start)
        if after:
            conditions.append(AuditRecord.at < after)
        if self.result:
            conditions.append(AuditRecord.result == self.result)
        return conditions


def _cursor(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 12 else None


def _timezone(request) -> ZoneInfo:
    return ZoneInfo(request.platform.county.timezone)


def summary_items(text: str) -> list[tuple[Any, str]]:
    """A record's summary as (label, value) pairs a person can read."""
    try:
        data = json.loads(text)
    except ValueError:
        return [("", text)]
    if not isinstance(data, dict):
        return [("", _plain(data))]
    return [(SUMMARY_LABELS.get(key, key), _plain(value)) for key, value in data.items()]


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{key}={_plain(item)}" for key, item in value.items())
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Row:
    id: int
    at: dt.datetime  # in the county's timezone
    login: str
    action: str
    object_type: str
    object_id: str
    summary: list
    ip: str
    user_agent: str
    result: str

    @classmethod
    def from_record(cls, record, tz: ZoneInfo) -> "Row":
        return cls(record.id, record.at.astimezone(tz), record.actor_login, record.action, record.object_type,
                   record.object_id, summary_items(record.summary), record.ip, record.user_agent, record.result)

    @property
    def user_agent_short(self) -> str:
        agent = self.user_agent
        return agent if len(agent) <= USER_AGENT_SHORT else agent[:USER_AGENT_SHORT - 1] + "…"

    @property
    def result_label(self):
        return RESULT_LABELS.get(self.result, self.result)


def audit_log(request):
    filters = AuditFilter.from_params(request.GET)
    page = {"filters": filters, "results": RESULT_LABELS, "rows": [], "newer_url": None, "older_url": None,
            "latest_url": None, "export_url": None, "timezone": request.platform.county.timezone,
            "retention_days": RETENTION_DAYS, "export_limit": EXPORT_LIMIT}
    page["errors"] = errors = filters.errors()
    if errors:
        request.response.status_int = 400
        return page
    tz = _timezone(request)
    before, after = _cursor(request.GET.get("before")), _cursor(request.GET.get("after"))
    statement = select(*RECORD_COLUMNS).where(*filters.conditions(tz))
    if after is not None:
        records = request.dbsession.execute(
            statement.where(AuditRecord.id > after).order_by(AuditRecord.id).limit(PAGE_SIZE + 1)).all()
        has_newer, has_older = len(records) > PAGE_SIZE, True
        records = records[:PAGE_SIZE][::-1]
    else:
        if before is not None:
            statement = statement.where(AuditRecord.id < before)
        records = request.dbsession.execute(statement.order_by(AuditRecord.id.desc()).limit(PAGE_SIZE + 1)).all()
        has_newer, has_older = before is not None, len(records) > PAGE_SIZE
        records = records[:PAGE_SIZE]
    query = filters.query()
    if records:
        if has_newer:
            page["newer_url"] = request.route_path("admin.audit", _query={**query, "after": records[0].id})
        if has_older:
            page["older_url"] = request.route_path("admin.audit", _query={**query, "before": records[-1].id})
    if before is not None or after is not None:
        page["latest_url"] = request.route_path("admin.audit", _query=query)
    page["rows"] = [Row.from_record(record, tz) for record in records]
    page["export_url"] = request.route_path("admin.audit_export", _query=query)
    return page


def _records(session, conditions: list) -> Iterator:
    """Matching records, newest first, fetched in batches by id so memory stays flat."""
    last_id = None
    while True:
        statement = select(*RECORD_COLUMNS).where(*conditions)
        if last_id is not None:
            statement = statement.where(AuditRecord.id < last_id)
        batch = session.execute(statement.order_by(AuditRecord.id.desc()).limit(EXPORT_BATCH)).all()
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        last_id = batch[-1].id


def _cell(sheet, value: Any, bold: bool = False, number_format: str | None = None) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text typed by anyone (a user agent, a login name) must never become a formula
    if bold:
        cell.font = Font(bold=True)
    if number_format:
        cell.number_format = number_format
    return cell


def export(request):
    """The current filter's records as an .xlsx file; the export itself is recorded in the trail."""
    filters = AuditFilter.from_params(request.GET)
    if filters.errors():
        return HTTPFound(location=request.route_path("admin.audit", _query=filters.query()))
    translate = request.localizer.translate
    tz = _timezone(request)
    now = request.platform.clock.now().astimezone(tz)

    # write_only streams rows to a temporary file instead of holding the sheet in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(translate(_("审计日志")))
    for index, (_title, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, translate(title), bold=True) for title, _width in COLUMNS])
    count, truncated = 0, False
    for record in _records(request.dbsession, filters.conditions(tz)):
        if count == EXPORT_LIMIT:
            truncated = True
            break
        row = Row.from_record(record, tz)
        readable = "；".join(f"{translate(label)}：{value}" if label else value for label, value in row.summary)
        texts = (row.login, row.action, row.object_type, row.object_id, readable, row.ip, row.user_agent,
                 translate(row.result_label))
        sheet.append([_cell(sheet, row.id),
                      _cell(sheet, row.at.replace(tzinfo=None), number_format="yyyy-mm-dd hh:mm:ss"),
                      *(_cell(sheet, text) for text in texts)])
        count += 1

    about = workbook.create_sheet(translate(_("导出说明")))
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 60
    labels = {"login": _("人员"), "action": _("操作"), "object_type": _("对象类型"), "object_id": _("对象编号"),
              "date_from": _("开始日期"), "date_to": _("结束日期"), "result": _("结果")}
    facts = [
        (_("导出时间"), f"{now:%Y-%m-%d %H:%M:%S} ({tz.key})"),
        (_("导出人"), request.current_user.login),
        (_("记录条数"), str(count)),
        *((labels[key], translate(RESULT_LABELS[value]) if key == "result" else value)
          for key, value in filters.query().items()),
    ]
    if truncated:
        facts.append((_("说明"), translate(_("超过单次导出上限，只导出了最新的 ${limit} 条，请缩小筛选范围后分批导出。",
                                            mapping={"limit": EXPORT_LIMIT}))))
    for label, value in facts:
        about.append([_cell(about, translate(label), bold=True), _cell(about, value)])

    file = tempfile.TemporaryFile()
    workbook.save(file)
    size = file.tell()
    file.seek(0)
    summary = {"filters": filters.query(), "rows": count}
    if truncated:
        summary["limit"] = EXPORT_LIMIT
    request.audit("audit.export", summary=summary)

    response = Response(app_iter=FileIter(file), content_type=XLSX, content_length=size)
    stamp = f"{now:%Y%m%d-%H%M%S}"
    name = translate(_("审计日志")) + f"-{stamp}.xlsx"
    response.content_disposition = f"attachment; filename=\"audit-{stamp}.xlsx\"; filename*=UTF-8''{quote(name)}"
    response.cache_control = "no-store"
    return response
