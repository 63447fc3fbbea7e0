"""Build small .xlsx files for import tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from weibao.assets.excel import COLUMNS
from weibao.core.excel import XLSX_CONTENT_TYPE

HEADERS = [c.header for c in COLUMNS]


def row(**values) -> list:
    """A row in template column order; unspecified columns empty."""
    defaults = {"vendor": "华为", "model": "S5735", "category": "硬件"}
    merged = {**defaults, **values}
    return [merged.get(c.key) for c in COLUMNS]


def xlsx_bytes(rows: list[list], headers: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers or HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_upload(rows: list[list], headers: list[str] | None = None, name: str = "设备清单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows, headers), content_type=XLSX_CONTENT_TYPE)
