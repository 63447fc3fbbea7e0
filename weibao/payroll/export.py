"""The monthly table as an Excel workbook, in the layout a finance clerk expects: a title, the approval chain
(prepared / reviewed / approved, who and when), one row per engineer with money columns in yuan (Decimal, two
places) and a total row; a sheet per branch total; a sheet with every line (the orders behind the counts)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from weibao.payroll.models import PayMonth, StatementLine
from weibao.payroll.selectors import team_table

MONEY_FORMAT = "#,##0.00"
HEADER_ROW = 6  # the engineer table's header row on the first sheet (the tests read the workbook back from it)


def engineer_columns() -> list[tuple[str, str]]:
    """(statement attribute, heading) of the first sheet, in order."""
    return [
        ("branch", _("Branch")),
        ("engineer", _("Engineer")),
        ("is_dedicated", _("Dedicated")),
        ("on_probation", _("On probation")),
        ("services", _("Services counted")),
        ("not_counted", _("Visits not counted")),
        ("allowance", _("Service allowance")),
        ("visit_fees", _("Per-visit fees")),
        ("bonus", _("Bonus")),
        ("complaints", _("Complaints")),
        ("fines", _("Fines")),
        ("travel", _("Travel")),
        ("adjustments", _("Adjustments")),
        ("total", _("Total")),
        ("attendance_days", _("Attendance days")),
        ("base_salary", _("Base salary (paid at month start)")),
    ]


MONEY_COLUMNS = {"allowance", "visit_fees", "bonus", "fines", "travel", "adjustments", "total", "base_salary"}


def _who(user, at) -> str:
    if user is None or at is None:
        return "—"
    return f"{user.name or user.username} {timezone.localtime(at):%Y-%m-%d %H:%M}"


def workbook(pay_month: PayMonth, statements) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Monthly statistics")[:31]
    ws["A1"] = _("After-sales service monthly statistics %(month)s") % {"month": f"{pay_month.month:%Y-%m}"}
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"{_('Status')}: {pay_month.get_status_display()}"
    ws["A3"] = f"{_('Prepared')}: {_who(pay_month.prepared_by, pay_month.prepared_at)}"
    ws["A4"] = f"{_('Reviewed')}: {_who(pay_month.reviewed_by, pay_month.reviewed_at)}"
    ws["A5"] = f"{_('Approved')}: {_who(pay_month.approved_by, pay_month.locked_at)}"
    columns = engineer_columns()
    for col, (_attr, heading) in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    row = HEADER_ROW
    sums = dict.fromkeys(MONEY_COLUMNS | {"services", "not_counted", "complaints"}, 0)
    for s in statements:
        row += 1
        for col, (attr, _heading) in enumerate(columns, start=1):
            value = getattr(s, attr)
            if attr == "branch":
                value = s.branch.name if s.branch else ""
            elif attr == "engineer":
                value = s.engineer.name or s.engineer.username
            elif attr in ("is_dedicated", "on_probation"):
                value = _("yes") if value else _("no")
            cell = ws.cell(row=row, column=col, value=value)
            if attr in MONEY_COLUMNS:
                cell.number_format = MONEY_FORMAT
            if attr in sums:
                sums[attr] += value
    row += 1
    ws.cell(row=row, column=1, value=_("Total")).font = Font(bold=True)
    for col, (attr, _heading) in enumerate(columns, start=1):
        if attr in sums:
            cell = ws.cell(row=row, column=col, value=sums[attr])
            cell.font = Font(bold=True)
            if attr in MONEY_COLUMNS:
                cell.number_format = MONEY_FORMAT
    for col in range(1, len(columns) + 1):
        ws.column_dimensions[ws.cell(row=HEADER_ROW, column=col).column_letter].width = 13

    team = wb.create_sheet(_("Per branch")[:31])
    team.append(
        [
            _("Branch"),
            _("Engineers"),
            _("Services counted"),
            _("Complaints"),
            _("Service allowance"),
            _("Per-visit fees"),
            _("Bonus"),
            _("Fines"),
            _("Travel"),
            _("Adjustments"),
            _("Total"),
        ]
    )
    rows, _grand = team_table(pay_month=pay_month)
    for r in rows:
        t = r.totals
        team.append(
            [
                r.branch.name if r.branch else "—",
                r.engineers,
                t["services"],
                t["complaints"],
                t["allowance"],
                t["visit_fees"],
                t["bonus"],
                t["fines"],
                t["travel"],
                t["adjustments"],
                t["total"],
            ]
        )

    detail = wb.create_sheet(_("Lines")[:31])
    detail.append(
        [
            _("Engineer"),
            _("Date"),
            _("Kind"),
            _("Order"),
            _("Reference"),
            _("Amount"),
            _("Note"),
            _("Adjustment of month"),
        ]
    )
    lines = (
        StatementLine.objects.filter(statement__pay_month=pay_month)
        .select_related("statement__engineer")
        .order_by("statement__engineer__name", "statement_id", "on", "id")
    )
    for line in lines.iterator(chunk_size=2000):
        detail.append(
            [
                line.statement.engineer.name,
                line.on,
                str(line.get_kind_display()),
                line.number,
                line.ref,
                line.amount,
                line.reason,
                f"{line.from_month:%Y-%m}" if line.from_month else "",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
