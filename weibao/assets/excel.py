"""Equipment lists in Excel: the import template, reading and checking an uploaded list, committing it, exporting.

An import is all-or-nothing: every row is checked first and the error report lists each problem by row and column;
only a list without errors is written, in one transaction.
"""

import datetime
import io
import ipaddress
import json
import logging
import re
from collections.abc import Callable, Iterable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from weibao.assets.choices import DeviceCategory, DeviceEventKind, DeviceStatus
from weibao.assets.models import Device, DeviceEvent, ImportJob, Subsystem, Vendor
from weibao.assets.receivers import estate_changed
from weibao.core.excel import (
    CONTROL_CHARS,
    HEADER_SEARCH_ROWS,
    MAX_ERRORS,
    MAX_ROWS,
    CheckResult,
    Column,
    ImportFileError,
    RowError,
    cell_text,
    export_table,
    header_map,
    open_rows,
    unquote,
)
from weibao.customers.models import Site

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
BATCH = 1000
PARAM_KEY_MAX, PARAM_VALUE_MAX = 100, 500  # per device parameter (also the UI form's limits)


COLUMNS: list[Column] = [
    Column("site", "站点", ("site",), required=True, max_length=200),
    Column("subsystem", "子系统", ("subsystem",), max_length=200),
    Column("vendor", "厂商", ("vendor", "品牌", "manufacturer"), required=True, max_length=200),
    Column("category", "类别", ("category",), kind="choice"),
    Column("name", "设备名称", ("name", "device name", "名称"), max_length=200),
    Column("model", "型号", ("model",), required=True, max_length=120),
    Column("serial_number", "序列号", ("serial", "serial number", "sn", "s/n"), required=True, max_length=120),
    Column("location", "安装位置", ("location", "位置"), max_length=300),
    Column("ip_address", "IP地址", ("ip", "ip address", "ip 地址"), kind="ip"),
    Column("firmware", "固件版本", ("firmware", "version", "版本"), max_length=120),
    Column("installed_on", "安装日期", ("installed on", "install date"), kind="date"),
    Column("warranty_end", "保修截止", ("warranty end", "保修截止日期", "保修到期"), kind="date"),
    Column("status", "状态", ("status",), kind="choice"),
    Column("parameters", "参数", ("parameters", "配置参数"), kind="params"),
    Column("notes", "备注", ("notes", "remark", "remarks"), max_length=2000),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


# --- template and export ---------------------------------------------------------------------------------------------
def build_template() -> bytes:
    """The downloadable import template: the header row, one example row, and a sheet explaining the columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = "设备清单"
    ws.append([c.header for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            "总部大楼",
            "网络系统",
            "华为",
            "硬件",
            "核心交换机-1",
            "S12708",
            "2102351234ABC",
            "3F 机房 A02 机柜 U20",
            "10.0.0.1",
            "V200R019",
            "2024-03-01",
            "2027-02-28",
            "在用",
            "管理VLAN=100; 堆叠=是",
            "",
        ]
    )
    help_ws = wb.create_sheet("说明")
    help_ws.append(["列", "必填", "说明"])
    notes = {
        "site": "客户已有站点的名称",
        "subsystem": "所选项目中已有子系统的名称",
        "vendor": "系统中已有厂商的名称",
        "category": "硬件 / 软件 / 布线 / 其他",
        "serial_number": "同一厂商内不能重复；软件可留空",
        "ip_address": "IPv4 或 IPv6",
        "installed_on": "日期，如 2024-03-01",
        "warranty_end": "日期，如 2027-02-28",
        "status": "在用 / 故障 / 维修中 / 已报废",
        "parameters": "键=值，用分号分隔",
    }
    for c in COLUMNS:
        help_ws.append([c.header, "是" if c.required else "", notes.get(c.key, "")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_devices(devices: Iterable[Device]) -> bytes:
    """Devices as an .xlsx in the import layout (so an export can be edited and imported again)."""
    status_labels = dict(DeviceStatus.choices)
    category_labels = dict(DeviceCategory.choices)

    def rows():
        for d in devices:
            yield [
                d.site.name,
                d.subsystem.name if d.subsystem_id else "",
                d.vendor.name,
                str(category_labels.get(d.category, d.category)),
                d.name,
                d.model,
                d.serial_number,
                d.location,
                d.ip_address,
                d.firmware,
                d.installed_on,
                d.warranty_end,
                str(status_labels.get(d.status, d.status)),
                "; ".join(f"{k}={v}" for k, v in (d.parameters or {}).items()),
                d.notes,
            ]

    return export_table("设备清单", [c.header for c in COLUMNS], rows())


# --- reading and checking --------------------------------------------------------------------------------------------
def _header_map(header_row: tuple) -> tuple[dict[str, int], list[str]]:
    return header_map(header_row, COLUMNS)


def cell_date(value, column: Column, errors: list[RowError], rownum: int) -> datetime.date | None:
    """A date cell read as the device import reads it (Excel dates and the usual typed formats)."""
    return _date(value, column, errors, rownum)


def cell_ip(value, column: Column, errors: list[RowError], rownum: int) -> str:
    """An IP address cell in canonical form ("" when empty; a row error when it is not an address)."""
    text = cell_text(value, column, errors, rownum)
    if text:
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            errors.append(
                RowError(rownum, column.header, _("“%(value)s” is not an IP address.") % {"value": text[:45]})
            )
    return text


def cell_choice(value, choices, column: Column, errors: list[RowError], rownum: int, default: str) -> str:
    return _choice(value, choices, column, errors, rownum, default)


def cell_params(value, column: Column, errors: list[RowError], rownum: int) -> dict:
    return _params(value, column, errors, rownum)


def _date(value, column: Column, errors: list[RowError], rownum: int) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
            except ValueError:
                continue
    errors.append(
        RowError(rownum, column.header, _("“%(value)s” is not a date (use 2024-03-01).") % {"value": str(value)[:40]})
    )
    return None


def _choice(value, choices, column: Column, errors: list[RowError], rownum: int, default: str) -> str:
    if value in (None, ""):
        return default
    text = str(value).strip().lower()
    for val, label in choices:
        if text in (val.lower(), str(label).lower()):
            return val
    errors.append(RowError(rownum, column.header, _("Unknown value “%(value)s”.") % {"value": str(value)[:40]}))
    return default


# Chinese labels of status and category as people type them, besides the translated labels.
STATUS_WORDS = [
    ("in_service", "在用"),
    ("in_service", "正常"),
    ("faulty", "故障"),
    ("in_repair", "维修中"),
    ("in_repair", "维修"),
    ("retired", "已报废"),
    ("retired", "报废"),
]
CATEGORY_WORDS = [("hardware", "硬件"), ("software", "软件"), ("cabling", "布线"), ("other", "其他")]


def _params(value, column: Column, errors: list[RowError], rownum: int) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, str):
        errors.append(RowError(rownum, column.header, _("Write parameters as key=value; key=value.")))
        return {}
    text = unquote(value.strip())
    result = {}
    for item in re.split(r"[;；\n]", text):
        item = item.strip()
        if not item:
            continue
        key, sep, val = item.partition("=")
        if not sep:
            key, sep, val = item.partition("：") if "：" in item else item.partition(":")
        if not sep or not key.strip():
            errors.append(RowError(rownum, column.header, _("Write parameters as key=value; key=value.")))
            return {}
        key, val = CONTROL_CHARS.sub("", key.strip()), CONTROL_CHARS.sub("", val.strip())
        for text, limit in ((key, PARAM_KEY_MAX), (val, PARAM_VALUE_MAX)):
            if len(text) > limit:  # refuse rather than cut: a truncated value would be imported silently wrong
                errors.append(RowError(rownum, column.header, _("Longer than %(n)s characters.") % {"n": limit}))
                return {}
        result[key] = val
    return result


def check_file(data: bytes, *, job: ImportJob, progress: Callable[[int, int], None] | None = None) -> CheckResult:
    """Read and check every row of an equipment list for `job.customer` (and `job.project`).

    Lookups are loaded once (sites, subsystems, vendors, existing serial numbers) so 10,000 rows need a handful of
    queries, not 10,000.
    """
    result = CheckResult()
    header, rows, approx = open_rows(data)
    if approx > MAX_ROWS:
        raise ImportFileError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
    positions, missing = _header_map(header)
    header_row = 1
    # Hand-made lists often carry a title line or two above the header ("XX项目设备清单"): look a few rows down.
    looked = 1
    while missing and looked < HEADER_SEARCH_ROWS:
        candidate = next(rows, None)
        if candidate is None:
            break
        looked += 1
        found, still_missing = _header_map(candidate)
        if not still_missing:
            positions, missing, header_row = found, still_missing, looked
    if missing:
        result.errors.append(
            RowError(1, ", ".join(missing), _("Missing required columns: %(cols)s.") % {"cols": "、".join(missing)})
        )
        return result

    sites = {s.name.strip(): s.pk for s in Site.objects.filter(customer=job.customer).only("pk", "name")}
    subsystems = {}
    if job.project_id:
        subsystems = {
            s.name.strip(): s.pk for s in Subsystem.objects.filter(project_id=job.project_id).only("pk", "name")
        }
    vendors = {}
    for v in Vendor.objects.select_related("organisation").only("pk", "name", "organisation__short_name"):
        vendors[v.name.strip().lower()] = v.pk
        if v.organisation.short_name:
            vendors.setdefault(v.organisation.short_name.strip().lower(), v.pk)
    status_choices = list(DeviceStatus.choices) + STATUS_WORDS
    category_choices = list(DeviceCategory.choices) + CATEGORY_WORDS
    seen_serials: dict[tuple[int, str], int] = {}
    errors = result.errors
    rownum = header_row
    for raw in rows:
        rownum += 1
        if raw is None or all(v in (None, "") for v in raw):
            continue  # blank lines between blocks are common in hand-made lists
        result.total_rows += 1
        if result.total_rows > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})

        def cell(key: str, _raw=raw):
            idx = positions.get(key)
            return _raw[idx] if idx is not None and idx < len(_raw) else None

        before = len(errors)
        row: dict = {}
        for key in ("name", "model", "serial_number", "location", "firmware", "notes"):
            row[key] = cell_text(cell(key), COLUMN_BY_KEY[key], errors, rownum)
        for key in ("model",):
            if not row[key]:
                errors.append(RowError(rownum, COLUMN_BY_KEY[key].header, _("Required.")))
        site_name = cell_text(cell("site"), COLUMN_BY_KEY["site"], errors, rownum)
        if not site_name:
            errors.append(RowError(rownum, "站点", _("Required.")))
        elif site_name not in sites:
            errors.append(
                RowError(rownum, "站点", _("Unknown site “%(name)s” for this customer.") % {"name": site_name})
            )
        else:
            row["site_id"] = sites[site_name]
        sub_name = cell_text(cell("subsystem"), COLUMN_BY_KEY["subsystem"], errors, rownum)
        if sub_name:
            if sub_name not in subsystems:
                errors.append(
                    RowError(
                        rownum, "子系统", _("Unknown subsystem “%(name)s” in the chosen project.") % {"name": sub_name}
                    )
                )
            else:
                row["subsystem_id"] = subsystems[sub_name]
        vendor_name = cell_text(cell("vendor"), COLUMN_BY_KEY["vendor"], errors, rownum)
        vendor_id = vendors.get(vendor_name.lower()) if vendor_name else None
        if not vendor_name:
            errors.append(RowError(rownum, "厂商", _("Required.")))
        elif vendor_id is None:
            errors.append(RowError(rownum, "厂商", _("Unknown vendor “%(name)s”.") % {"name": vendor_name}))
        else:
            row["vendor_id"] = vendor_id
        row["category"] = _choice(
            cell("category"), category_choices, COLUMN_BY_KEY["category"], errors, rownum, DeviceCategory.HARDWARE
        )
        row["status"] = _choice(
            cell("status"), status_choices, COLUMN_BY_KEY["status"], errors, rownum, DeviceStatus.IN_SERVICE
        )
        row["ip_address"] = cell_ip(cell("ip_address"), COLUMN_BY_KEY["ip_address"], errors, rownum)
        row["installed_on"] = _date(cell("installed_on"), COLUMN_BY_KEY["installed_on"], errors, rownum)
        row["warranty_end"] = _date(cell("warranty_end"), COLUMN_BY_KEY["warranty_end"], errors, rownum)
        if row["installed_on"] and row["warranty_end"] and row["warranty_end"] < row["installed_on"]:
            errors.append(RowError(rownum, "保修截止", _("The warranty ends before the installation date.")))
        row["parameters"] = _params(cell("parameters"), COLUMN_BY_KEY["parameters"], errors, rownum)
        if not row["serial_number"] and row["category"] == DeviceCategory.HARDWARE:
            errors.append(RowError(rownum, "序列号", _("Required for hardware.")))
        if row["serial_number"] and vendor_id:
            key = (vendor_id, row["serial_number"])
            if key in seen_serials:
                errors.append(
                    RowError(
                        rownum,
                        "序列号",
                        _("Serial number “%(sn)s” already appears in row %(row)s.")
                        % {"sn": row["serial_number"], "row": seen_serials[key]},
                    )
                )
            else:
                seen_serials[key] = rownum
        row["_row"] = rownum
        if len(errors) == before:
            result.rows.append(row)
        if len(errors) >= MAX_ERRORS:
            errors.append(RowError(0, "", _("Too many errors; checking stopped. Fix these and upload again.")))
            return result
        if progress and result.total_rows % 1000 == 0:
            progress(result.total_rows, max(approx, result.total_rows))

    if result.total_rows == 0:
        errors.append(RowError(0, "", _("The file contains no devices.")))
        return result
    _check_existing_serials(seen_serials, errors)
    errors.sort(key=lambda e: (e.row, e.column))
    return result


def _check_existing_serials(seen: dict[tuple[int, str], int], errors: list[RowError]) -> None:
    by_vendor: dict[int, list[str]] = {}
    for vendor_id, serial in seen:
        by_vendor.setdefault(vendor_id, []).append(serial)
    for vendor_id, serials in by_vendor.items():
        for i in range(0, len(serials), BATCH):
            chunk = serials[i : i + BATCH]
            for serial in Device.objects.filter(vendor_id=vendor_id, serial_number__in=chunk).values_list(
                "serial_number", flat=True
            ):
                errors.append(
                    RowError(
                        seen[(vendor_id, serial)],
                        "序列号",
                        _("Serial number “%(sn)s” is already registered for this vendor.") % {"sn": serial},
                    )
                )


DATE_KEYS = ("installed_on", "warranty_end")


def rows_to_json(rows: list[dict]) -> list[dict]:
    return [{k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in row.items()} for row in rows]


def rows_from_json(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        row = dict(row)
        for key in DATE_KEYS:
            if row.get(key):
                row[key] = datetime.date.fromisoformat(row[key])
        out.append(row)
    return out


def recheck_serials(rows: list[dict]) -> list[RowError]:
    """At commit time: serial numbers someone registered since the preview."""
    seen = {(row["vendor_id"], row["serial_number"]): row["_row"] for row in rows if row.get("serial_number")}
    errors: list[RowError] = []
    _check_existing_serials(seen, errors)
    return sorted(errors, key=lambda e: e.row)


def preview_rows(rows: list[dict]) -> list[dict]:
    """A few checked rows for the preview table (JSON-safe)."""
    out = []
    for row in rows[:PREVIEW_ROWS]:
        item = {
            k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in row.items() if not k.startswith("_")
        }
        item["row"] = row["_row"]
        out.append(item)
    return out


def commit_rows(*, job: ImportJob, rows: list[dict], actor) -> int:
    """Insert all checked rows in one transaction; any failure leaves nothing behind."""
    with transaction.atomic():
        estate_changed()  # the rows go in by COPY or bulk_create, which send no signals
        if connection.vendor == "postgresql":
            return _copy_rows(job=job, rows=rows, actor=actor)
        return _bulk_create_rows(job=job, rows=rows, actor=actor)


def _bulk_create_rows(*, job: ImportJob, rows: list[dict], actor) -> int:
    customer = job.customer
    now = timezone.now()
    created = 0
    for i in range(0, len(rows), BATCH):
        batch = [
            Device(
                organisation_id=customer.organisation_id,
                customer_id=customer.pk,
                project_id=job.project_id,
                **{k: v for k, v in row.items() if not k.startswith("_")},
            )
            for row in rows[i : i + BATCH]
        ]
        Device.objects.bulk_create(batch, batch_size=BATCH)
        DeviceEvent.objects.bulk_create(
            [
                DeviceEvent(
                    device=d,
                    kind=DeviceEventKind.IMPORTED,
                    actor=actor,
                    at=now,
                    new_status=d.status,
                    data={"import_job": job.pk},
                )
                for d in batch
            ],
            batch_size=BATCH,
        )
        created += len(batch)
    return created


DEVICE_COPY_COLUMNS = (
    "id",
    "organisation_id",
    "customer_id",
    "site_id",
    "project_id",
    "subsystem_id",
    "vendor_id",
    "category",
    "name",
    "model",
    "serial_number",
    "location",
    "ip_address",
    "firmware",
    "parameters",
    "installed_on",
    "warranty_end",
    "status",
    "notes",
    "created_at",
    "updated_at",
)
EVENT_COPY_COLUMNS = ("device_id", "at", "kind", "actor_id", "old_status", "new_status", "note", "data")


def _copy_rows(*, job: ImportJob, rows: list[dict], actor) -> int:
    """PostgreSQL: stream devices and their history rows with COPY (5-10x faster than INSERT for 10,000 rows).

    Ids are taken from the table's sequence first, so the history rows can point at their devices.
    """
    customer = job.customer
    now = timezone.now()
    params_json = json.dumps({"import_job": job.pk})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('assets_device', 'id')) FROM generate_series(1, %s)", [len(rows)]
        )
        ids = [r[0] for r in cursor.fetchall()]
        pg = cursor.cursor  # the psycopg cursor underneath Django's wrapper
        with pg.copy(f"COPY assets_device ({', '.join(DEVICE_COPY_COLUMNS)}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row(
                    (
                        pk,
                        customer.organisation_id,
                        customer.pk,
                        row.get("site_id"),
                        job.project_id,
                        row.get("subsystem_id"),
                        row.get("vendor_id"),
                        str(row["category"]),
                        row["name"],
                        row["model"],
                        row["serial_number"],
                        row["location"],
                        row["ip_address"],
                        row["firmware"],
                        json.dumps(row.get("parameters") or {}, ensure_ascii=False),
                        row.get("installed_on"),
                        row.get("warranty_end"),
                        str(row["status"]),
                        row["notes"],
                        now,
                        now,
                    )
                )
        with pg.copy(f"COPY assets_deviceevent ({', '.join(EVENT_COPY_COLUMNS)}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row(
                    (
                        pk,
                        now,
                        DeviceEventKind.IMPORTED.value,
                        actor.pk if actor else None,
                        "",
                        str(row["status"]),
                        "",
                        params_json,
                    )
                )
    return len(rows)


def integrity_message(exc: IntegrityError) -> str:
    return str(gettext_lazy("Another user registered one of these serial numbers meanwhile; check the file again."))
