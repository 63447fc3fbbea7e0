"""The delivery equipment list in Excel: import (all-or-nothing with a row report) and export, and the issue log.

The columns, reading limits and cell rules are the device import's (`weibao.assets.excel`); only the checks differ:
a site is a name (the handover creates missing sites), and the list replaces the project's list as a whole.
"""

from django.utils.translation import gettext as _

from weibao.assets.choices import DeviceCategory
from weibao.assets.excel import (
    CATEGORY_WORDS,
    COLUMN_BY_KEY,
    HEADER_SEARCH_ROWS,
    MAX_ROWS,
    CheckResult,
    ImportFileError,
    RowError,
    cell_choice,
    cell_date,
    cell_ip,
    cell_params,
    cell_text,
    export_table,
    header_map,
    open_rows,
)
from weibao.assets.models import Device, Vendor
from weibao.delivery.models import DeliveryProject, EquipmentItem, Issue

KEYS = (
    "site",
    "subsystem",
    "vendor",
    "category",
    "name",
    "model",
    "serial_number",
    "location",
    "ip_address",
    "firmware",
    "installed_on",
    "parameters",
    "notes",
)
COLUMNS = [COLUMN_BY_KEY[k] for k in KEYS]
TEXT_KEYS = ("name", "model", "serial_number", "location", "firmware", "notes")

__all__ = ["ImportFileError", "check_equipment", "export_equipment", "export_issues"]


def check_equipment(data: bytes, *, project: DeliveryProject) -> CheckResult:
    """Every row checked; `rows` are EquipmentItem fields when `errors` is empty. A handful of queries in all."""
    result = CheckResult()
    header, rows, approx = open_rows(data)
    if approx > MAX_ROWS:
        raise ImportFileError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
    positions, missing = header_map(header, COLUMNS)
    header_row = 1
    while missing and header_row < HEADER_SEARCH_ROWS:  # a title line or two above the header
        candidate = next(rows, None)
        if candidate is None:
            break
        header_row += 1
        positions, missing = header_map(candidate, COLUMNS)
    if missing:
        result.errors.append(
            RowError(1, ", ".join(missing), _("Missing required columns: %(cols)s.") % {"cols": "、".join(missing)})
        )
        return result
    vendors = {v.name.strip().lower(): v for v in Vendor.objects.only("pk", "name")}
    categories = list(DeviceCategory.choices) + CATEGORY_WORDS
    seen: dict[tuple[int, str], int] = {}
    errors, rownum = result.errors, header_row
    for raw in rows:
        rownum += 1
        if raw is None or all(v in (None, "") for v in raw):
            continue
        result.total_rows += 1

        def cell(key: str, _raw=raw):
            idx = positions.get(key)
            return _raw[idx] if idx is not None and idx < len(_raw) else None

        row: dict = {k: cell_text(cell(k), COLUMN_BY_KEY[k], errors, rownum) for k in TEXT_KEYS}
        row["site_name"] = cell_text(cell("site"), COLUMN_BY_KEY["site"], errors, rownum)
        row["subsystem_name"] = cell_text(cell("subsystem"), COLUMN_BY_KEY["subsystem"], errors, rownum)
        for key, header in (("site_name", "站点"), ("model", "型号")):
            if not row[key]:
                errors.append(RowError(rownum, header, _("Required.")))
        vendor_name = cell_text(cell("vendor"), COLUMN_BY_KEY["vendor"], errors, rownum)
        vendor = vendors.get(vendor_name.lower())
        if vendor is None:
            errors.append(RowError(rownum, "厂商", _("Unknown vendor “%(name)s”.") % {"name": vendor_name[:60]}))
        row["vendor"] = vendor
        row["category"] = cell_choice(
            cell("category"), categories, COLUMN_BY_KEY["category"], errors, rownum, DeviceCategory.HARDWARE
        )
        row["ip_address"] = cell_ip(cell("ip_address"), COLUMN_BY_KEY["ip_address"], errors, rownum)
        row["installed_on"] = cell_date(cell("installed_on"), COLUMN_BY_KEY["installed_on"], errors, rownum)
        row["parameters"] = cell_params(cell("parameters"), COLUMN_BY_KEY["parameters"], errors, rownum)
        if vendor is not None and row["serial_number"]:
            key = (vendor.pk, row["serial_number"])
            if key in seen:
                errors.append(
                    RowError(
                        rownum,
                        "序列号",
                        _("Serial number “%(sn)s” repeats row %(row)s.")
                        % {"sn": row["serial_number"], "row": seen[key]},
                    )
                )
            else:
                seen[key] = rownum
        result.rows.append(row)
    if not result.total_rows and not errors:
        errors.append(RowError(0, "", _("The file has no rows.")))
    # a serial number that another customer's device carries would fail at the handover: refuse it now
    taken = (
        Device.objects.exclude(customer_id=project.customer_id)
        .filter(serial_number__in={sn for _v, sn in seen})
        .values_list("vendor_id", "serial_number")
    )
    for vendor_id, serial in taken:
        if (vendor_id, serial) in seen:
            errors.append(
                RowError(
                    seen[(vendor_id, serial)],
                    "序列号",
                    _("Serial number “%(sn)s” belongs to another customer's device.") % {"sn": serial},
                )
            )
    errors.sort(key=lambda e: e.row)
    return result


def export_equipment(items: list[EquipmentItem]) -> bytes:
    """The list in the import layout (so it can be edited and imported again)."""
    labels = dict(DeviceCategory.choices)

    def rows():
        for i in items:
            yield [
                i.site_name,
                i.subsystem_name,
                i.vendor.name,
                str(labels.get(i.category, i.category)),
                i.name,
                i.model,
                i.serial_number,
                i.location,
                i.ip_address,
                i.firmware,
                i.installed_on,
                "; ".join(f"{k}={v}" for k, v in (i.parameters or {}).items()),
                i.notes,
            ]

    return export_table("设备清单", [c.header for c in COLUMNS], rows())


def export_issues(issues: list[Issue]) -> bytes:
    """The issue log (问题报告表)."""
    headers = ["序号", "发生日期", "问题描述", "报告人", "解决方法", "解决日期", "状态"]
    rows = (
        [n, i.occurred_on, i.description, i.reported_by, i.solution, i.solved_on, str(i.get_status_display())]
        for n, i in enumerate(issues, start=1)
    )
    return export_table("问题报告表", headers, rows)
