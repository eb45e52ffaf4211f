"""Reading import sheets and writing .xlsx files (openpyxl), with the checks an upload needs.

An upload is trusted for nothing: it must be a real .xlsx (a zip holding a workbook that openpyxl
opens), no larger than :data:`MAX_UPLOAD_BYTES`, and not unpack to more than
:data:`MAX_UNPACKED_BYTES` (a "zip bomb" would otherwise exhaust the memory of the worker).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Iterable, Sequence
from urllib.parse import quote

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from pyramid.i18n import TranslationString
from pyramid.response import Response

from adapters.web.i18n import _

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


class SheetError(Exception):
    """The upload as a whole cannot be read; ``message`` says why, for the person who sent it."""

    def __init__(self, message: TranslationString):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number Excel shows
    values: dict[str, str]


def read_upload(field) -> tuple[str, bytes]:
    """(file name, content) of a form's file field, refusing a missing or oversized file."""
    stream = getattr(field, "file", None)
    if stream is None or not getattr(field, "filename", ""):
        raise SheetError(_("请选择要导入的 .xlsx 文件"))
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if not data:
        raise SheetError(_("上传的文件是空的"))
    if len(data) > MAX_UPLOAD_BYTES:
        raise SheetError(_("文件不能超过 ${size} MB", mapping={"size": MAX_UPLOAD_BYTES // (1024 * 1024)}))
    return (getattr(field, "filename", "") or "")[:200], data


def read_rows(data: bytes, columns: dict[str, str], required: Sequence[str] = (),
              one_of: Sequence[str] = (), max_rows: int = 5000) -> list[SheetRow]:
    """The non-empty rows under the header row of the first worksheet, as text by column key.

    ``columns`` maps keys to the header titles looked for in row 1 (other columns are ignored);
    each key in ``required`` and at least one in ``one_of`` must have its column.
    """
    workbook = _open_workbook(data)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [_text(value) for value in next(rows, ())]
        where = {key: header.index(title) for key, title in columns.items() if title in header}
        missing = [f"“{columns[key]}”" for key in required if key not in where]
        if one_of and not any(key in where for key in one_of):
            missing.append("或".join(f"“{columns[key]}”" for key in one_of))
        if missing:
            raise SheetError(_("表格第 1 行缺少这些列：${columns}", mapping={"columns": "、".join(missing)}))
        found: list[SheetRow] = []
        for number, cells in enumerate(rows, start=2):
            values = {key: _text(cells[index]) if index < len(cells) else "" for key, index in where.items()}
            if not any(values.values()):
                continue
            if len(found) == max_rows:
                raise SheetError(_("一次最多导入 ${max} 行，请把表格拆开分批导入", mapping={"max": max_rows}))
            found.append(SheetRow(number, values))
        return found
    finally:
        workbook.close()


def _open_workbook(data: bytes):
    not_xlsx = SheetError(_("文件不是有效的 Excel 工作簿（.xlsx）；旧版 .xls 或其他格式请先在 Excel 中另存为 .xlsx"))
    if not data.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
                raise not_xlsx
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise SheetError(_("文件解压后过大，无法导入"))
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SheetError:
        raise
    except Exception:  # noqa: BLE001 - whatever a damaged or forged file makes openpyxl raise
        raise not_xlsx from None


def _text(value) -> str:
    """A cell as the text a person sees: 13800138000 rather than 13800138000.0, dates as 2026-01-02."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


def workbook_response(workbook: Workbook, filename: str, ascii_filename: str, private: bool = False) -> Response:
    """An .xlsx download named ``filename`` (``ascii_filename`` for old browsers).

    ``private`` ones (passwords) are never stored by a browser or a proxy.
    """
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = Response(body=buffer.getvalue(), content_type=XLSX_TYPE)
    response.content_disposition = f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename)}"
    response.cache_control = "no-store" if private else "private, max-age=0"
    return response


def template_workbook(title: str, headers: Sequence[str], required: Iterable[str], notes: Sequence[str],
                      choices: dict[str, Sequence[str]] | None = None) -> Workbook:
    """An empty import sheet: header row (required columns shaded), drop-downs, and a notes sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    required = set(required)
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = Font(bold=True)
        if header in required:
            cell.fill = _REQUIRED_FILL
        sheet.column_dimensions[cell.column_letter].width = max(14, len(header) * 4)
    sheet.freeze_panes = "A2"
    for header, values in (choices or {}).items():
        column = sheet.cell(row=1, column=list(headers).index(header) + 1).column_letter
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        validation.add(f"{column}2:{column}5001")
        sheet.add_data_validation(validation)
    notes_sheet = workbook.create_sheet("说明")
    notes_sheet.column_dimensions["A"].width = 100
    for index, line in enumerate(notes, start=1):
        notes_sheet.cell(row=index, column=1, value=line)
    return workbook


def table_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> Workbook:
    """A plain table; every value is stored as text, so nothing in it can act as a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 24
    for number, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=index)
            cell.value = value
            cell.data_type = "s"
    return workbook
