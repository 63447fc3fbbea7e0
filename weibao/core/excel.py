"""Excel (.xlsx) for every app: exports safe against formula injection, and the sandboxed reading of uploaded
sheets that the imports share (a child process under memory and time limits, zip checks, header matching, row errors).

An import built on these is all-or-nothing: every row is checked first and the error report lists each problem by
row and column; only a list without errors is written, in one transaction (see assets/excel.py, spares/excel.py).
"""

import datetime
import io
import logging
import pickle  # noqa: S403 - only to read our own child process's answer
import re
import subprocess  # noqa: S404
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from weibao.core import xlsx_reader
from weibao.core.archives import UnsafeArchive, check_zip
from weibao.core.phones import parse_phone

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000
MAX_ERRORS = 2_000  # enough to fix a file; more would only slow the page
HEADER_SEARCH_ROWS = 5
EXPORT_MAX_ROWS = 100_000

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header the template carries
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int = 0
    kind: str = "text"  # text | date | ip | choice | params | phone


class ImportFileError(Exception):
    """The file as a whole cannot be read (not Excel, corrupt, empty, too many rows)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass
class RowError:
    row: int  # spreadsheet row number (1 = header); 0 = the file as a whole
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class CheckResult:
    rows: list[dict] = field(default_factory=list)  # cleaned rows ready for Device(**row)
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def safe_cell(value):
    """Neutralise spreadsheet formula injection: text starting with = + - @ tab or CR gets a leading quote.

    Text that itself starts with a quote gets one too, so that importing strips exactly what exporting added.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, "'")):
        return "'" + value
    return value


def unquote(text: str) -> str:
    if text.startswith("'") and text[1:].startswith((*FORMULA_PREFIXES, "'")):
        return text[1:]
    return text


def export_table(title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    """Any list as an .xlsx sheet, every text cell neutralised against formula injection."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(headers)
    for n, values in enumerate(rows):
        if n >= EXPORT_MAX_ROWS:
            break
        row = []
        for value in values:
            cell = WriteOnlyCell(ws, value=safe_cell(value) if value not in (None, "") else None)
            if isinstance(value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"
            row.append(cell)
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def norm_header(value) -> str:
    text = str(value or "").strip().lower().replace("*", "").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", " ", text)


def header_map(header_row: tuple, columns: list[Column]) -> tuple[dict[str, int], list[str]]:
    """Where each of `columns` sits in a header row (by its Chinese header or an alias), and the required ones
    missing. Public so that other imports (the spare-parts stock) read their sheets the same way."""
    lookup = {}
    for c in columns:
        for name in (c.header, *c.aliases):
            lookup[norm_header(name)] = c.key
    positions: dict[str, int] = {}
    for idx, value in enumerate(header_row):
        key = lookup.get(norm_header(value))
        if key and key not in positions:
            positions[key] = idx
    missing = [c.header for c in columns if c.required and c.key not in positions]
    return positions, missing


MAX_COLUMNS = 200  # the template has 15; hand-made lists carry a few more
MAX_CELLS = MAX_ROWS * 20  # filled cells in all: bounds what a sheet of long rows can cost the checker


def read_limited(data: bytes) -> dict:
    """The first sheet, read by core.xlsx_reader in a child process under WEIBAO_IMPORT_MEMORY_MB and
    WEIBAO_IMPORT_TIME_LIMIT_SECONDS, so that a hostile file costs at most that — in a web worker or the task worker."""
    seconds = settings.WEIBAO_IMPORT_TIME_LIMIT_SECONDS
    command = [
        sys.executable,
        "-m",
        "weibao.core.xlsx_reader",
        "--memory-mb",
        str(settings.WEIBAO_IMPORT_MEMORY_MB),
        "--cpu-seconds",
        str(max(int(seconds), 1)),
        "--max-rows",
        str(MAX_ROWS + HEADER_SEARCH_ROWS),
        "--max-columns",
        str(MAX_COLUMNS),
        "--max-cells",
        str(MAX_CELLS),
    ]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=seconds, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        logger.warning("import file took longer than %s s to read: stopped", seconds)
        raise ImportFileError(
            _("Reading the file took longer than %(s)s seconds: stopped. Check the file, or split it.") % {"s": seconds}
        ) from None
    if done.returncode == xlsx_reader.MEMORY_ERROR_EXIT:
        raise ImportFileError(
            _("Reading the file needs more than %(mb)s MB of memory: stopped. Check the file, or split it.")
            % {"mb": settings.WEIBAO_IMPORT_MEMORY_MB}
        )
    if done.returncode < 0:  # killed: the CPU limit (SIGXCPU) or the system
        raise ImportFileError(
            _("Reading the file took longer than %(s)s seconds: stopped. Check the file, or split it.") % {"s": seconds}
        )
    if done.returncode != 0:
        logger.warning("import file reader failed: %s", done.stderr[-2000:].decode("utf-8", "replace"))
        raise ImportFileError(_("The Excel file is damaged or not in .xlsx format."))
    return pickle.loads(done.stdout)  # noqa: S301 - our own child process's answer


def open_rows(data: bytes):
    """(header, row iterator, approximate row count) of the first sheet; ImportFileError when unreadable, when the
    archive unpacks to too much (core.archives), or over the row, column and cell limits."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(_("This is not an Excel (.xlsx) file."))
    try:
        check_zip(data)
    except UnsafeArchive as exc:
        logger.warning("import file refused: %s", exc.message)
        raise ImportFileError(exc.message) from exc
    answer = read_limited(data)
    if not answer["ok"]:
        error, limit = answer["error"], answer.get("limit")
        messages = {
            "no_sheet": _("The file has no worksheet."),
            "empty": _("The file is empty."),
            "too_many_rows": _("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS},
            "too_many_columns": _("The sheet has more than %(n)s columns; only the list's columns are expected.")
            % {"n": limit},
            "too_many_cells": _("The sheet has more than %(n)s filled cells; split it.") % {"n": limit},
        }
        raise ImportFileError(messages.get(error, _("The Excel file is damaged or not in .xlsx format.")))
    return answer["header"], iter(answer["rows"]), answer["approx"]


def cell_text(value, column: Column, errors: list[RowError], rownum: int) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        errors.append(RowError(rownum, column.header, _("Expected text, found a date.")))
        return ""
    if isinstance(value, bool):
        errors.append(RowError(rownum, column.header, _("Expected text, found TRUE/FALSE.")))
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # serial numbers typed as numbers
    text = CONTROL_CHARS.sub("", str(value)).strip()
    # Undo the quote our own export puts before formula-like text, so an export imports back unchanged.
    text = unquote(text)
    if column.max_length and len(text) > column.max_length:
        errors.append(RowError(rownum, column.header, _("Longer than %(n)s characters.") % {"n": column.max_length}))
    return text


def cell_phone(value, column: Column, errors: list[RowError], rownum: int) -> str:
    """A phone number cell in its canonical form (`weibao.core.phones`): "" when empty, a row error naming the value
    when it is not a number the rule accepts. Excel keeps a typed 13800138000 as a number: it reads back as text."""
    text = cell_text(value, column, errors, rownum)
    if not text:
        return ""
    phone = parse_phone(text)
    if phone is None:
        errors.append(
            RowError(
                rownum,
                column.header,
                _(
                    "“%(value)s” is not a phone number: a mainland mobile, a landline with its area code or a 400/800 number."
                )
                % {"value": text[:45]},
            )
        )
        return text
    return str(phone)
