"""The initial-stock list in Excel (期初库存导入) and the stock and ledger exports.

Reuses the import machinery (`weibao.core.excel`): the sandboxed sheet reader (a child process under
memory and time limits, zip-bomb checks), header matching by Chinese header or alias, cell cleaning, the row-error
report and the formula-safe export. Like the device import it is all-or-nothing: every row is checked first, the
report lists each problem by row and column, and only a list without errors is received, in one transaction."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from weibao.accounts.permissions import require
from weibao.assets.choices import ImportStatus
from weibao.core import excel as sheet
from weibao.core.excel import CheckResult, Column, ImportFileError, RowError
from weibao.spares.choices import MoveKind, Tracking
from weibao.spares.models import Move, Part, Stock, StockImport, StockUnit, Warehouse

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000
PREVIEW_ROWS = 20
INLINE_MAX_BYTES = 200 * 1024  # larger files are checked and received by the imports worker

COLUMNS: list[Column] = [
    Column("part_number", "备件编号", ("part number", "part no", "编号", "料号"), required=True, max_length=60),
    Column("name", "名称", ("name", "备件名称"), max_length=200),
    Column("model", "型号", ("model",), max_length=120),
    Column("unit", "单位", ("unit",), max_length=20),
    Column("tracking", "管理方式", ("tracking", "跟踪方式"), kind="choice"),
    Column("quantity", "数量", ("quantity", "qty", "库存数量")),
    Column("serials", "序列号", ("serials", "serial", "serial numbers", "sn"), max_length=20_000),
    Column("unit_cost", "单位成本", ("unit cost", "cost", "成本")),
    Column("price", "售价", ("price", "销售价")),
    Column("min_level", "最低库存", ("min level", "minimum", "安全库存")),
]
COL = {c.key: c for c in COLUMNS}
TRACKING_WORDS = {
    "序列号": Tracking.SERIAL,
    "serial": Tracking.SERIAL,
    "按序列号": Tracking.SERIAL,
    "计数": Tracking.COUNTED,
    "counted": Tracking.COUNTED,
    "按数量": Tracking.COUNTED,
    "数量": Tracking.COUNTED,
}


def build_template() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "期初库存"
    ws.append([c.header for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(["P-SFP-1G", "千兆光模块", "SFP-GE-LX", "个", "计数", 20, "", 120, 260, 5])
    ws.append(["P-CAM-4MP", "网络摄像机", "DS-2CD3T46", "台", "序列号", 2, "SN0001; SN0002", 800, 1280, 1])
    help_ws = wb.create_sheet("说明")
    help_ws.append(["列", "说明"])
    for header, note in [
        ("备件编号", "必填；已有备件按编号匹配，新编号会新建备件（此时名称必填）"),
        ("管理方式", "序列号 / 计数；新备件默认计数"),
        ("数量", "大于 0 的整数；序列号管理的备件可留空（按序列号个数）"),
        ("序列号", "用分号、逗号或换行分隔；同一文件内、库内都不能重复"),
        ("单位成本 / 售价", "人民币，0 或以上"),
    ]:
        help_ws.append([header, note])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _int(value, column: Column, errors: list[RowError], rownum: int, *, positive: bool) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        errors.append(
            RowError(rownum, column.header, _("“%(value)s” is not a whole number.") % {"value": str(value)[:40]})
        )
        return None
    if number < 0 or (positive and number == 0):
        errors.append(
            RowError(rownum, column.header, _("Must be greater than zero.") if positive else _("Cannot be negative."))
        )
        return None
    if number > 1_000_000:
        errors.append(RowError(rownum, column.header, _("Too large.")))
        return None
    return int(number)


def _money(value, column: Column, errors: list[RowError], rownum: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > Decimal("9999999999"):
        errors.append(
            RowError(
                rownum, column.header, _("“%(value)s” is not an amount of zero or more.") % {"value": str(value)[:40]}
            )
        )
        return None
    return amount.quantize(Decimal("0.01"))


def check_file(data: bytes, *, warehouse: Warehouse) -> CheckResult:
    """Every row checked against the store as it is now: a handful of queries, not one per row."""
    result = CheckResult()
    header, rows, approx = sheet.open_rows(data)
    if approx > MAX_ROWS:
        raise ImportFileError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
    positions, missing = sheet.header_map(header, COLUMNS)
    if missing:
        result.errors.append(
            RowError(1, ", ".join(missing), _("Missing required columns: %(cols)s.") % {"cols": "、".join(missing)})
        )
        return result
    parts = {p.part_number: p for p in Part.objects.all()}
    errors = result.errors
    seen_serials: dict[tuple[str, str], int] = {}
    file_tracking: dict[str, tuple[str, int]] = {}
    rownum = 1
    for raw in rows:
        rownum += 1
        if raw is None or all(v in (None, "") for v in raw):
            continue
        result.total_rows += 1
        if result.total_rows > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})

        def cell(key: str, _raw=raw):
            idx = positions.get(key)
            return _raw[idx] if idx is not None and idx < len(_raw) else None

        before = len(errors)
        row: dict = {"_row": rownum}
        for key in ("part_number", "name", "model", "unit"):
            row[key] = sheet.cell_text(cell(key), COL[key], errors, rownum)
        number = row["part_number"]
        part = parts.get(number)
        if not number:
            errors.append(RowError(rownum, COL["part_number"].header, _("Required.")))
        elif part is None and not row["name"]:
            errors.append(RowError(rownum, COL["name"].header, _("Required for a new part number.")))
        tracking_text = sheet.cell_text(cell("tracking"), COL["tracking"], errors, rownum).lower()
        tracking = TRACKING_WORDS.get(tracking_text) if tracking_text else None
        if tracking_text and tracking is None:
            errors.append(
                RowError(
                    rownum,
                    COL["tracking"].header,
                    _("Unknown value “%(value)s”; use 序列号 or 计数.") % {"value": tracking_text[:40]},
                )
            )
        if part is not None and tracking is not None and tracking != part.tracking:
            errors.append(
                RowError(
                    rownum,
                    COL["tracking"].header,
                    _("Part %(number)s is already “%(tracking)s”.")
                    % {"number": number, "tracking": part.get_tracking_display()},
                )
            )
        tracking = part.tracking if part is not None else (tracking or Tracking.COUNTED)
        if number:
            first = file_tracking.setdefault(number, (tracking, rownum))
            if first[0] != tracking:
                errors.append(
                    RowError(
                        rownum,
                        COL["tracking"].header,
                        _("Differs from row %(row)s for the same part.") % {"row": first[1]},
                    )
                )
        row["tracking"] = tracking
        qty = _int(cell("quantity"), COL["quantity"], errors, rownum, positive=True)
        serial_text = sheet.cell_text(cell("serials"), COL["serials"], errors, rownum)
        serials = [
            s
            for s in serial_text.replace("；", ";").replace(",", ";").replace("，", ";").replace("\n", ";").split(";")
            if s.strip()
        ]
        serials = [s.strip() for s in serials]
        if tracking == Tracking.SERIAL:
            if not serials:
                errors.append(
                    RowError(rownum, COL["serials"].header, _("This part is serial-tracked: list the serial numbers."))
                )
            elif qty is not None and qty != len(serials):
                errors.append(
                    RowError(
                        rownum,
                        COL["quantity"].header,
                        _("The quantity (%(q)s) differs from the number of serial numbers (%(n)s).")
                        % {"q": qty, "n": len(serials)},
                    )
                )
            for serial in serials:
                if len(serial) > 120:
                    errors.append(
                        RowError(rownum, COL["serials"].header, _("Serial number longer than 120 characters."))
                    )
                    continue
                key = (number, serial)
                if key in seen_serials:
                    errors.append(
                        RowError(
                            rownum,
                            COL["serials"].header,
                            _("Serial number “%(sn)s” already appears in row %(row)s.")
                            % {"sn": serial, "row": seen_serials[key]},
                        )
                    )
                else:
                    seen_serials[key] = rownum
            qty = len(serials) if serials else qty
        else:
            if serials:
                errors.append(
                    RowError(rownum, COL["serials"].header, _("This part is counted: leave the serial numbers empty."))
                )
            if qty is None and not any(e.row == rownum and e.column == COL["quantity"].header for e in errors[before:]):
                errors.append(RowError(rownum, COL["quantity"].header, _("Required.")))
        row["quantity"], row["serials"] = qty, serials
        row["unit_cost"] = _money(cell("unit_cost"), COL["unit_cost"], errors, rownum)
        row["price"] = _money(cell("price"), COL["price"], errors, rownum)
        row["min_level"] = _int(cell("min_level"), COL["min_level"], errors, rownum, positive=False)
        if len(errors) == before:
            result.rows.append(row)
        if len(errors) >= sheet.MAX_ERRORS:
            errors.append(RowError(0, "", _("Too many errors; checking stopped. Fix these and upload again.")))
            return result
    if result.total_rows == 0:
        errors.append(RowError(0, "", _("The file contains no stock.")))
        return result
    _check_known_serials(seen_serials, parts, errors)
    errors.sort(key=lambda e: (e.row, e.column))
    return result


def _check_known_serials(seen: dict[tuple[str, str], int], parts: dict[str, Part], errors: list[RowError]) -> None:
    by_part: dict[int, list[str]] = {}
    for number, serial in seen:
        if number in parts:
            by_part.setdefault(parts[number].pk, []).append(serial)
    numbers = {p.pk: p.part_number for p in parts.values()}
    for part_id, serials in by_part.items():
        for serial in StockUnit.objects.filter(part_id=part_id, serial__in=serials).values_list("serial", flat=True):
            errors.append(
                RowError(
                    seen[(numbers[part_id], serial)],
                    COL["serials"].header,
                    _("Serial number “%(sn)s” is already in the store.") % {"sn": serial},
                )
            )


def _preview(rows: list[dict]) -> list[dict]:
    return [
        {
            "row": r["_row"],
            "part_number": r["part_number"],
            "name": r["name"],
            "quantity": r["quantity"],
            "serials": len(r["serials"]),
        }
        for r in rows[:PREVIEW_ROWS]
    ]


# ---------------------------------------------------------------------------------------------------- the job


def import_start(*, actor, warehouse: Warehouse, upload: UploadedFile) -> StockImport:
    from weibao.assets.uploads import check_upload

    require(actor, "spares.manage")
    check_upload(upload, allowed={".xlsx": sheet.XLSX_CONTENT_TYPE})
    job = StockImport(warehouse=warehouse, created_by=actor, original_name=PurePath(upload.name).name[:255])
    job.file.save("upload.xlsx", upload, save=False)
    job.save()
    return job


def _finish(job: StockImport, status: str, **fields) -> StockImport:
    fields["status"] = status
    if status in (ImportStatus.INVALID, ImportStatus.DONE, ImportStatus.FAILED):
        fields["finished_at"] = timezone.now()
    StockImport.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def _read(job: StockImport) -> CheckResult:
    with job.file.open("rb") as fh:
        return check_file(fh.read(), warehouse=job.warehouse)


def import_check(*, job_id: int) -> StockImport:
    """Check every row; store the preview or the error report (safe to run twice)."""
    job = StockImport.objects.select_related("warehouse").get(pk=job_id)
    if job.status not in (ImportStatus.PENDING, ImportStatus.VALIDATING):
        return job
    StockImport.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)
    try:
        result = _read(job)
    except ImportFileError as exc:
        return _finish(job, ImportStatus.INVALID, errors=[{"row": 0, "column": "", "message": exc.message}])
    if not result.ok:
        return _finish(
            job, ImportStatus.INVALID, errors=[e.as_dict() for e in result.errors], total_rows=result.total_rows
        )
    return _finish(job, ImportStatus.VALID, errors=[], total_rows=result.total_rows, preview=_preview(result.rows))


class _StillInvalid(Exception):
    def __init__(self, errors: list[dict]) -> None:
        self.errors = errors


def import_commit(*, job_id: int, actor) -> StockImport:
    """Receive a checked list: the file is checked again inside the transaction (the store may have changed since
    the preview) and every row is received, or none. Of two clicks only one writes."""
    from weibao.spares import services

    require(actor, "spares.manage")
    claimed = StockImport.objects.filter(pk=job_id, status=ImportStatus.VALID).update(status=ImportStatus.IMPORTING)
    job = StockImport.objects.select_related("warehouse").get(pk=job_id)
    if not claimed:
        return job
    try:
        with transaction.atomic():
            result = _read(job)
            if not result.ok:
                raise _StillInvalid([e.as_dict() for e in result.errors])
            parts = {
                p.part_number: p
                for p in Part.objects.select_for_update().filter(
                    part_number__in={r["part_number"] for r in result.rows}
                )
            }
            for row in result.rows:
                part = parts.get(row["part_number"])
                if part is None:
                    part = services.part_create(
                        actor=actor,
                        part_number=row["part_number"],
                        name=row["name"],
                        model=row["model"],
                        unit=row["unit"] or "个",
                        tracking=row["tracking"],
                        min_level=row["min_level"] or 0,
                        unit_cost=row["unit_cost"] or Decimal("0"),
                        price=row["price"] or Decimal("0"),
                    )
                    parts[part.part_number] = part
                try:
                    services.receive(
                        warehouse=job.warehouse,
                        part=part,
                        actor=actor,
                        kind=MoveKind.IMPORT,
                        quantity=None if part.is_serial else row["quantity"],
                        serials=row["serials"] or None,
                        unit_cost=row["unit_cost"],
                        note=_("Initial stock import, row %(row)s") % {"row": row["_row"]},
                    )
                except ValidationError as exc:
                    raise _StillInvalid(
                        [{"row": row["_row"], "column": "", "message": " ".join(exc.messages)}]
                    ) from exc
            StockImport.objects.filter(pk=job.pk).update(
                status=ImportStatus.DONE, created_count=len(result.rows), finished_at=timezone.now()
            )
    except _StillInvalid as exc:
        return _finish(job, ImportStatus.INVALID, errors=exc.errors)
    except ImportFileError as exc:
        return _finish(job, ImportStatus.INVALID, errors=[{"row": 0, "column": "", "message": exc.message}])
    except Exception:
        logger.exception("stock import %s failed", job.pk)
        return _finish(
            job,
            ImportStatus.FAILED,
            errors=[{"row": 0, "column": "", "message": _("The import failed; nothing was saved.")}],
        )
    job.refresh_from_db()
    return job


# ---------------------------------------------------------------------------------------------------- exports

STOCK_HEADERS = [
    "仓库",
    "备件编号",
    "名称",
    "型号",
    "单位",
    "管理方式",
    "库存",
    "预留",
    "可用",
    "最低库存",
    "单位成本",
    "库存金额",
]
LEDGER_HEADERS = [
    "时间",
    "仓库",
    "备件编号",
    "名称",
    "业务",
    "数量变化",
    "预留变化",
    "结存",
    "序列号",
    "工单",
    "参考",
    "备注",
    "操作人",
]


def export_stock(stocks: Iterable[Stock]) -> bytes:
    def rows():
        for s in stocks:
            yield [
                s.warehouse.name,
                s.part.part_number,
                s.part.name,
                s.part.model,
                s.part.unit,
                str(s.part.get_tracking_display()),
                s.on_hand,
                s.reserved,
                s.available,
                s.effective_min_level(s.warehouse.kind),
                s.part.unit_cost,
                s.part.unit_cost * s.on_hand,
            ]

    return sheet.export_table("库存", STOCK_HEADERS, rows())


def export_ledger(moves: Iterable[Move]) -> bytes:
    def rows():
        for m in moves:
            yield [
                timezone.localtime(m.at).replace(tzinfo=None),
                m.warehouse.name,
                m.part.part_number,
                m.part.name,
                str(m.get_kind_display()),
                m.on_hand_delta,
                m.reserved_delta,
                m.on_hand_after,
                "; ".join(m.serials or []),
                m.workorder.number if m.workorder_id else "",
                m.reference,
                m.note,
                str(m.actor),
            ]

    return sheet.export_table("库存流水", LEDGER_HEADERS, rows())
