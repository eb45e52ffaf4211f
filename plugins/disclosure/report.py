"""Table 三 of the annual disclosure report, on a page and as an Excel workbook."""

from __future__ import annotations

import io
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from pyramid.request import Request
from pyramid.response import Response

from adapters.web.i18n import _
from plugins.disclosure.stats import COLUMNS, AnnualStatistics
from plugins.disclosure.web import desk, translate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = _("收到和处理政府信息公开申请情况")


def _year(request: Request, years: list[int]) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and int(value) in years else years[0]


def statistics_page(request: Request) -> dict:
    requests_desk = desk(request)
    years = requests_desk.years()
    year = _year(request, years)
    return {"year": year, "years": years, "stats": requests_desk.statistics(year), "columns": COLUMNS}


def statistics_xlsx(request: Request) -> Response:
    requests_desk = desk(request)
    year = _year(request, requests_desk.years())
    body = workbook_bytes(request, requests_desk.statistics(year))
    response = Response(body=body, content_type=XLSX)
    filename = f"{translate(request, TITLE)}-{year}.xlsx"
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.cache_control = "private, no-store"
    return response


def workbook_bytes(request: Request, stats: AnnualStatistics) -> bytes:
    """The table laid out as in the report: a title, the column heads, one line per row of the form."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(stats.year)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.append([translate(request, _("${year}年 政府信息公开工作年度报告 表三：${title}"), year=stats.year,
                            title=translate(request, TITLE))])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=1 + len(COLUMNS))
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    sheet.append([translate(request, _("项目"))] + [translate(request, title) for _name, title in COLUMNS])
    for spec, counts in stats.rows():
        sheet.append(["　" * spec.level + translate(request, spec.title)] + (list(counts) if counts else [""] * len(COLUMNS)))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.border = border
            if cell.column > 1:
                cell.alignment = Alignment(horizontal="center")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 70
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 16
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
