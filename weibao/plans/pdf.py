"""The processing report (处理报告) as a PDF: rendered by the on-site app's WeasyPrint set-up (system Noto Sans CJK,
no network fetches) from `plans/pdf/processing_report.html`; the same context feeds the download and the mail."""

from __future__ import annotations

from django.utils.translation import gettext as _

from weibao.onsite import pdf as onsite_pdf

REPORT_TEMPLATE = "plans/pdf/processing_report.html"


def report_context(report) -> dict:
    from weibao.plans.choices import PlanStatus
    from weibao.plans.models import Milestone, SolutionPlan

    wo = report.workorder
    order = onsite_pdf.order_context(wo)
    plan = SolutionPlan.objects.filter(workorder=wo, status=PlanStatus.APPROVED).order_by("-revision").first()
    milestones = list(Milestone.objects.filter(workorder=wo, active=True).order_by("due_on", "position"))
    return {
        "order": order,
        "copies": [_("Copy for the customer")],
        "revision": report.revision,
        "report": {
            "body": report.body,
            "created_at": report.created_at,
            "author": report.created_by.name if report.created_by_id else "",
        },
        "plan": {"revision": plan.revision, "actions": plan.actions, "cause": plan.cause} if plan else None,
        "milestones": [{"title": m.title, "due_on": m.due_on, "state": m.state} for m in milestones],
        "qr": onsite_pdf.qr_data_uri(order["url"]),
    }


def render_report(context: dict) -> bytes:
    return onsite_pdf.render_pdf(REPORT_TEMPLATE, context)
