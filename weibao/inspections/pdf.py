"""The inspection report (巡检报告) as a PDF: the plan and visit, every item with its answer and limits, the
findings with their risk and work orders, the risk analysis and recommendations, and the signatures. Rendered
by the on-site app's WeasyPrint set-up (its CJK font, stylesheet and data-URI-only fetcher); two copies."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from weibao.onsite.pdf import image_data_uri, qr_data_uri, render_pdf

REPORT_TEMPLATE = "inspections/pdf/report.html"


def filename(visit) -> str:
    return f"inspection-report-{visit.pk}-{visit.scheduled_on:%Y%m%d}.pdf"


def report_context(visit) -> dict:
    """Everything the report prints; the page shows the same answers and findings."""
    from weibao.inspections.selectors import findings

    plan = visit.plan
    url = settings.SITE_URL.rstrip("/") + reverse("inspections:visit", args=[visit.pk])
    answers = list(visit.answers.select_related("workorder").order_by("position", "id"))
    visit._prefetched_objects_cache = {"answers": answers}  # findings() reads them without another query
    signatures = {}
    if visit.customer_signature:
        signatures["customer"] = image_data_uri(visit.customer_signature)
    if visit.engineer_signature:
        signatures["engineer"] = image_data_uri(visit.engineer_signature)
    return {
        "order": {"number": f"XJ-{visit.pk:06d}"},
        "visit": visit,
        "plan": plan,
        "customer": plan.site.customer,
        "answers": answers,
        "findings": findings(visit),
        "signatures": signatures,
        "qr": qr_data_uri(url),
    }


def render_report(visit) -> bytes:
    return render_pdf(REPORT_TEMPLATE, report_context(visit))
