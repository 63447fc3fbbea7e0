"""Excel (openpyxl) and PDF (WeasyPrint, Noto Sans CJK) of an SLA report. Both read the same report dict as the
page (`metrics.build_report` or a stored regular report's snapshot), so the numbers are the same everywhere."""

from __future__ import annotations

import io
from functools import cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from weibao.contracts.choices import ClockKind, Severity


def kind_label(kind: str) -> str:
    return str(ClockKind(kind).label) if kind in ClockKind.values else kind


def severity_label(sev: str) -> str:
    return _("All") if sev == "all" else sev


def rows_for_display(data: dict) -> dict:
    """The report dict with labels added for templates and exports (the stored snapshot stays language-neutral)."""
    compliance = [
        {
            "kind": c["kind"],
            "label": kind_label(c["kind"]),
            "rows": [{**r, "label": severity_label(r["severity"])} for r in c["rows"]],
        }
        for c in data["compliance"]
    ]
    times = [{**t, "label": kind_label(t["kind"])} for t in data["times"]]
    return {
        **data,
        "compliance_rows": compliance,
        "time_rows": times,
        "severity_rows": [{**s, "label": str(Severity(s["severity"]).label)} for s in data["by_severity"]],
        **breakdown_rows(data),
    }


def breakdown_rows(data: dict) -> dict:
    """Issue 17: orders per service kind and maintenance type, paused time per reason, with labels (a snapshot
    stored before these existed has none of them)."""
    from weibao.workorders.choices import MaintenanceType, ServiceKind
    from weibao.workorders.pauses import pause_reason_labels

    kinds, types = dict(ServiceKind.choices), dict(MaintenanceType.choices)
    paused = data.get("paused_by_reason") or []
    reasons = pause_reason_labels() if paused else {}
    return {
        "service_kind_rows": [
            {**k, "label": str(kinds.get(k["kind"], k["kind"]))} for k in data.get("by_service_kind") or []
        ],
        "maintenance_type_rows": [
            {**t, "label": str(types.get(t["type"], t["type"]))} for t in data.get("by_maintenance_type") or []
        ],
        "paused_rows": [
            {**p, "label": reasons.get(p["reason"], p["reason"]), "key": p["reason"] or "none"} for p in paused
        ],
    }


def _pct(value: str | None) -> str:
    return "—" if value is None else f"{value}%"


def summary_rows(data: dict) -> list[tuple[str, object]]:
    """The headline numbers, in the order the page shows them (shared by Excel, PDF and tests)."""
    sat = data["satisfaction"]
    rows = [
        (_("Orders in the period"), data["orders_total"]),
        (_("Fix-on-time rate (故障修复及时率)"), _pct(data["fix_on_time"]["rate"])),
        (_("Fixed on time"), data["fix_on_time"]["met"]),
        (_("Fixed late"), data["fix_on_time"]["missed"]),
        (_("Still within the time limit"), data["fix_on_time"]["pending"]),
        (_("Major faults (重大故障)"), data["major"]["count"]),
        (_("Satisfaction (average of rated orders)"), sat["average"] or "—"),
        (_("Rated orders"), sat["count"]),
        (_("Legacy items (遗留问题) at the period's end"), data["legacy"]["count"]),
        (_("Agreed milestones missed"), data.get("milestones_missed", {}).get("count", 0)),
    ]
    if data.get("inspections"):
        rows.append((_("Inspections planned"), data["inspections"]["planned"]))
        rows.append((_("Inspections done"), data["inspections"]["done"]))
        rows.append((_("Inspections missed"), data["inspections"]["missed"]))
    return rows


def to_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    shown = rows_for_display(data)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Summary")[:31]
    bold = Font(bold=True)
    ws.append([_("SLA report"), f"{data['contract']['code']} {data['contract']['name']}"])
    ws.append([_("Customer"), data["contract"]["customer"]])
    ws.append([_("Period"), f"{data['period']['start']} – {data['period']['end']}"])
    ws.append([])
    for label, value in summary_rows(data):
        ws.append([label, value])
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 30
    ws["A1"].font = bold

    comp = wb.create_sheet(_("Compliance")[:31])
    comp.append(
        [
            pgettext("sla", "Clock"),
            pgettext("sla", "Severity"),
            pgettext("sla", "Met"),
            pgettext("sla", "Missed"),
            pgettext("sla", "Pending"),
            _("Compliance %"),
        ]
    )
    for block in shown["compliance_rows"]:
        for row in block["rows"]:
            comp.append([block["label"], row["label"], row["met"], row["missed"], row["pending"], row["rate"] or ""])
    times = wb.create_sheet(_("Times")[:31])
    times.append(
        [pgettext("sla", "Clock"), _("Stopped clocks"), _("Mean (business minutes)"), _("P90 (business minutes)")]
    )
    for row in shown["time_rows"]:
        times.append([row["label"], row["count"], row["mean_minutes"], row["p90_minutes"]])
    sev = wb.create_sheet(_("Severity")[:31])
    sev.append([pgettext("sla", "Severity"), _("Orders")])
    for row in shown["severity_rows"]:
        sev.append([row["label"], row["count"]])
    kinds = wb.create_sheet(_("Service kinds")[:31])
    kinds.append([_("Service kind"), _("Orders")])
    for row in shown["service_kind_rows"]:
        kinds.append([row["label"], row["count"]])
    kinds.append([])
    kinds.append([_("Maintenance type"), _("Orders")])
    for row in shown["maintenance_type_rows"]:
        kinds.append([row["label"], row["count"]])
    paused = wb.create_sheet(_("Paused time")[:31])
    paused.append([_("Waiting for"), _("Paused (business minutes)"), _("Orders")])
    for row in shown["paused_rows"]:
        paused.append([row["label"], row["minutes"], row["orders"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@cache
def _weasy():
    # Loaded once per process: WeasyPrint, fontconfig and the stylesheet cost ~0.3 s to set up.
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    fonts = FontConfiguration()
    stylesheet = CSS(filename=finders.find("slareports/pdf.css"), font_config=fonts)
    return fonts, stylesheet, URLFetcher(allowed_protocols={"data"})  # nothing is fetched from outside


def to_pdf(data: dict, *, brand: str = "") -> bytes:
    from weasyprint import HTML

    fonts, stylesheet, fetcher = _weasy()
    html = render_to_string(
        "slareports/pdf/report.html", {"r": rows_for_display(data), "summary": summary_rows(data), "brand": brand}
    )
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet], font_config=fonts)
