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
def _weasy():
    # Imported and set up once per process: loading WeasyPrint, fontconfig and the stylesheet costs ~0.3 s, which
    # would otherwise be paid by every download.
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    fonts = FontConfiguration()
    stylesheet = CSS(filename=finders.find("onsite/pdf.css"), font_config=fonts)
    # Every image is a data URI: nothing else is fetched (no file:// or http:// reads through a crafted field).
    fetcher = URLFetcher(allowed_protocols={"data"})
    return fonts, stylesheet, fetcher


def copies() -> list[str]:
    """The two copies every printed form carries, in this order."""
    return [_("Copy 1 — kept by the customer"), _("Copy 2 — kept by the company")]


def qr_data_uri(text: str) -> str:
    """The order's QR code (its number or URL) as an SVG data URI, so the PDF needs no file or network fetch."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=4, border=1)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


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


def render_pdf(template: str, context: dict) -> bytes:
    """Render one PDF template; `context["copies"]` defaults to the two copies."""
    from weasyprint import HTML

    fonts, stylesheet, fetcher = _weasy()
    context = {"copies": copies(), **context}
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet], font_config=fonts)


def render_service_form(context: dict) -> bytes:
    return render_pdf(SERVICE_FORM_TEMPLATE, context)


def render_workorder_sheet(context: dict) -> bytes:
    return render_pdf(WORKORDER_SHEET_TEMPLATE, context)
