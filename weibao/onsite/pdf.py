"""PDFs of the visit: the work-order sheet (故障处理工作单) and the signed service form (售后维护表), two copies in one
file ("第一联 客户留存 / 第二联 公司存档"), rendered by WeasyPrint from templates with the system's Noto Sans CJK.

The renderers take a plain context dict (built by `views.pdf_context` from the models, or by the benchmark) so the
same template serves the download, the timeline attachment and the e-mail.
"""

from __future__ import annotations

import base64
import io
import logging
from functools import cache

import segno
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; one download would add a dozen lines to the server log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

SERVICE_FORM_TEMPLATE = "onsite/pdf/service_form.html"
WORKORDER_SHEET_TEMPLATE = "onsite/pdf/workorder_sheet.html"


@cache
def _weasy(stylesheet_path: str = "onsite/pdf.css"):
    # Imported and set up once per process (and stylesheet): loading WeasyPrint, fontconfig and the stylesheet costs
    # ~0.3 s, which would otherwise be paid by every download. Other apps' PDFs (label sheets) name their own sheet.
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    fonts = FontConfiguration()
    stylesheet = CSS(filename=finders.find(stylesheet_path), font_config=fonts)
    # Every image is a data URI: nothing else is fetched (no file:// or http:// reads through a crafted field).
    fetcher = URLFetcher(allowed_protocols={"data"})
    return fonts, stylesheet, fetcher


def copies() -> list[str]:
    """The two copies every printed form carries, in this order."""
    return [_("Copy 1 — kept by the customer"), _("Copy 2 — kept by the company")]


def qr_data_uri(text: str, *, kind: str = "svg", scale: int = 4) -> str:
    """The order's QR code (its number or URL) as an SVG data URI, so the PDF needs no file or network fetch.
    `kind="png"` for sheets of many codes: WeasyPrint lays out a PNG in about half the time of an SVG."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind=kind, scale=scale, border=1)
    mime = "image/svg+xml" if kind == "svg" else f"image/{kind}"
    return f"data:{mime};base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_data_uri(field_file, content_type: str = "image/png") -> str:
    """A stored image (signature PNG, stamp photo) as a data URI; "" when there is none or it cannot be read."""
    if not field_file:
        return ""
    try:
        with field_file.open("rb") as handle:
            data = handle.read()
    except OSError:
        logger.warning("image %s missing from storage", getattr(field_file, "name", "?"))
        return ""
    return f"data:{content_type};base64," + base64.b64encode(data).decode("ascii")


def render_pdf(template: str, context: dict, *, stylesheet_path: str = "onsite/pdf.css") -> bytes:
    """Render one PDF template with a print stylesheet (a static file); `context["copies"]` defaults to the two
    copies."""
    from weasyprint import HTML

    fonts, stylesheet, fetcher = _weasy(stylesheet_path)
    context = {"copies": copies(), **context}
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet], font_config=fonts)


def render_service_form(context: dict) -> bytes:
    return render_pdf(SERVICE_FORM_TEMPLATE, context)


def render_workorder_sheet(context: dict) -> bytes:
    return render_pdf(WORKORDER_SHEET_TEMPLATE, context)


# --- context builders (the same for the download, the timeline attachment and the e-mail) -------------------------


def _image_type(name: str) -> str:
    lowered = (name or "").lower()
    if lowered.endswith((".jpg", ".jpeg")):
        return "image/jpeg"
    if lowered.endswith(".webp"):
        return "image/webp"
    return "image/png"


def order_context(workorder) -> dict:
    """The order's facts as the PDFs print them."""
    from django.conf import settings
    from django.urls import reverse

    wo = workorder
    cause = wo.get_cause_display()
    return {
        "number": wo.number,
        "title": wo.title,
        "customer": str(wo.customer),
        "site": str(wo.site),
        "address": getattr(wo.site, "address", ""),
        "reported_at": wo.reported_at,
        "reporter": " ".join(filter(None, [wo.reporter_name, wo.reporter_phone])),
        "severity": wo.severity,
        "service_type": wo.get_service_type_display(),
        "chargeable": wo.chargeable,
        "chargeable_reason": wo.get_charge_reason_display() if getattr(wo, "charge_reason", "") else "",
        "engineer": wo.assignee.get_full_name() if wo.assignee_id else "",
        "arrived_at": wo.arrived_at,
        "symptom": wo.symptom,
        "cause": cause,
        "resolution": wo.resolution,
        "url": settings.SITE_URL.rstrip("/") + reverse("workorders:detail", args=[wo.pk]),
    }


def quote_context(quote) -> dict | None:
    if quote is None:
        return None
    return {
        "version": quote.revision,
        "status": quote.get_status_display(),
        "tax": quote.tax,
        "total": quote.total,
        "lines": [
            {
                "description": line.description,
                "quantity": f"{line.quantity.normalize():f}",
                "unit_price": line.unit_price,
                "amount": line.amount,
            }
            for line in quote.lines.all()
        ],
    }


def service_form_context(*, form, workorder) -> dict:
    """Everything the service-form PDF prints, from the signed revision `form` (never from the live order: a
    signed form is frozen, so its PDF shows what was signed)."""
    from weibao.onsite.choices import QuoteStatus
    from weibao.onsite.models import Quote, SiteConfirmation

    confirmation = SiteConfirmation.objects.filter(workorder=workorder).order_by("-id").first()
    quote = (
        Quote.objects.filter(workorder=workorder)
        .exclude(status=QuoteStatus.SUPERSEDED)
        .prefetch_related("lines")
        .order_by("-revision")
        .first()
    )
    order = order_context(workorder)
    cause = form.get_cause_display()
    if form.cause_detail:
        cause = f"{cause}：{form.cause_detail}"
    signatures = {}
    if form.customer_signature_id:
        signatures["customer"] = image_data_uri(form.customer_signature.image)
    if form.engineer_signature_id:
        signatures["engineer"] = image_data_uri(form.engineer_signature.image)
    if form.stamp_photo:
        signatures["stamp"] = image_data_uri(form.stamp_photo, _image_type(form.stamp_photo.name))
    return {
        "order": order,
        "revision": form.revision,
        "form": {
            "symptom": form.symptom,
            "confirmed_by": " ".join(filter(None, [confirmation.confirmed_by_name, confirmation.confirmed_by_phone]))
            if confirmation
            else "",
            "inspection": form.inspection,
            "cause": cause,
            "work_done": form.work_done,
            "solved": form.solved,
            "next_appointment": form.next_appointment_at,
            "customer_contact": form.customer_contact_name,
            "customer_phone": form.customer_contact_phone,
            "engineer_name": form.engineer_name,
            "engineer_phone": form.engineer_phone,
            "rating": form.get_satisfaction_display() if form.satisfaction else "—",
            "remark": form.customer_remark,
            "signed_at": form.signed_at,
        },
        "replacements": [
            {
                "old_model": r.get("device", ""),
                "old_serial": r.get("old_serial", ""),
                "new_model": r.get("new_model", ""),
                "new_serial": r.get("new_serial", ""),
            }
            for r in form.replaced_devices or []
        ],
        "quote": quote_context(quote),
        "signatures": signatures,
        "qr": qr_data_uri(order["url"]),
    }


def workorder_sheet_context(*, workorder) -> dict:
    """The work-order sheet: the order, its replacements and quote, and the latest signed form's signatures."""
    from weibao.onsite.choices import FormStatus, QuoteStatus
    from weibao.onsite.models import Quote, Replacement, ServiceForm

    order = order_context(workorder)
    quote = (
        Quote.objects.filter(workorder=workorder)
        .exclude(status=QuoteStatus.SUPERSEDED)
        .prefetch_related("lines")
        .order_by("-revision")
        .first()
    )
    replacements = [
        {
            "old_model": r.old_device.model,
            "old_serial": r.old_serial,
            "new_model": r.new_model,
            "new_serial": r.new_serial,
        }
        for r in Replacement.objects.filter(workorder=workorder).select_related("old_device").order_by("id")
    ]
    signed = (
        ServiceForm.objects.filter(workorder=workorder, status=FormStatus.SIGNED)
        .select_related("customer_signature", "engineer_signature")
        .order_by("-revision")
        .first()
    )
    context = {
        "order": order,
        "replacements": replacements,
        "quote": quote_context(quote),
        "qr": qr_data_uri(order["url"]),
    }
    if signed is not None:
        signed_context = service_form_context(form=signed, workorder=workorder)
        context["form"] = signed_context["form"]
        context["signatures"] = signed_context["signatures"]
    return context
