"""Background work of the on-site steps: the signed service form's PDF (attached to the timeline and e-mailed to
the customer's contact through the notifications outbox) and the delivery of one-time approval links.

Both take ids, re-read the rows and are safe to run twice (STYLE §6)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)
LANGUAGE = "zh-hans"  # the printed form and the mail to the customer are Chinese documents


def customer_email(workorder) -> str:
    """The customer's contact for this order: the order's contact person, else the reporter's address."""
    contact = workorder.contact
    if contact is not None and contact.email:
        return contact.email.lower()
    if workorder.reporter_email:
        return workorder.reporter_email.lower()
    reporter = workorder.reported_by
    if reporter is not None and reporter.is_customer and reporter.email:
        return reporter.email.lower()
    # Else the customer's contact person at this site, or any of the customer's contacts with an address.
    from weibao.customers.models import Contact

    contact = (
        Contact.objects.filter(customer_id=workorder.customer_id)
        .exclude(email="")
        .order_by(models.Case(models.When(site_id=workorder.site_id, then=0), default=1), "-is_primary", "id")
        .first()
    )
    return contact.email.lower() if contact else ""


@task()
def service_form_deliver(*, form_id: int) -> dict:
    """Render the signed form's PDF, attach it to the "service form signed" event and e-mail it to the customer."""
    from weibao.notifications.choices import Channel, Notice
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import new_message_id, schedule, thread_headers
    from weibao.onsite import pdf
    from weibao.onsite.choices import FormStatus
    from weibao.onsite.models import ServiceForm
    from weibao.workorders.choices import EventKind
    from weibao.workorders.services import system_user, workorder_attach_document

    form = (
        ServiceForm.objects.select_related(
            "workorder__customer",
            "workorder__site",
            "workorder__contact",
            "workorder__assignee",
            "workorder__reported_by",
            "customer_signature",
            "engineer_signature",
        )
        .filter(pk=form_id, status=FormStatus.SIGNED)
        .first()
    )
    if form is None:
        return {"skipped": "not signed"}
    wo = form.workorder
    event = wo.events.filter(kind=EventKind.SERVICE_FORM_SIGNED, data__form=form.pk).order_by("id").first()
    if event is None:
        return {"skipped": "no event"}
    with translation.override(LANGUAGE):
        data = pdf.render_service_form(pdf.service_form_context(form=form, workorder=wo))
    filename = f"{wo.number}-service-form-r{form.revision}.pdf"
    attachment = workorder_attach_document(
        event=event, content=data, name=filename, content_type="application/pdf", actor=system_user()
    )
    result = {"attachment": attachment.pk, "delivery": None}
    to = customer_email(wo)
    if not to:
        return result
    context = {"workorder": wo, "form": form, "site_url": settings.SITE_URL.rstrip("/"), "brand": settings.WEIBAO_BRAND}
    with translation.override(LANGUAGE):
        subject = render_to_string("onsite/email/service_form-subject.txt", context).strip()
        text = render_to_string("onsite/email/service_form-body.txt", context)
        html = render_to_string("onsite/email/service_form-body.html", context)
    in_reply_to, references = thread_headers(wo)
    now = timezone.now()
    delivery = Delivery(
        notice=Notice.SERVICE_FORM,
        channel=Channel.EMAIL,
        recipient=to,
        workorder=wo,
        event_id=event.pk,
        language=LANGUAGE,
        severity=wo.severity,
        subject=subject,
        body_text=text,
        body_html=html,
        message_id=new_message_id(wo),
        next_try_at=now,
        payload={
            "in_reply_to": in_reply_to,
            "references": references,
            "attachments": [{"path": attachment.file.name, "filename": filename, "content_type": "application/pdf"}],
        },
    )
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return result  # already queued by an earlier run of this task
    schedule(delivery, now=now)
    result["delivery"] = delivery.pk
    return result


@task()
def approval_link_deliver(*, link_id: int, url: str) -> dict:
    """Send a one-time approval link by e-mail through the outbox (SMS and WeCom: shown to the engineer to pass on
    until their templates exist; the link row and the timeline record who it was meant for)."""
    from weibao.notifications.choices import Channel, Notice
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import new_message_id, schedule
    from weibao.onsite.choices import LinkChannel
    from weibao.onsite.models import ApprovalLink

    link = ApprovalLink.objects.select_related("quote__workorder").filter(pk=link_id).first()
    if link is None or link.channel != LinkChannel.EMAIL:
        return {"skipped": True}
    wo = link.quote.workorder
    context = {
        "workorder": wo,
        "quote": link.quote,
        "url": url,
        "expires_at": link.expires_at,
        "brand": settings.WEIBAO_BRAND,
    }
    with translation.override(LANGUAGE):
        subject = render_to_string("onsite/email/quote_link-subject.txt", context).strip()
        text = render_to_string("onsite/email/quote_link-body.txt", context)
    now = timezone.now()
    delivery = Delivery(
        notice=Notice.QUOTE_LINK,
        channel=Channel.EMAIL,
        recipient=link.sent_to.lower(),
        workorder=wo,
        language=LANGUAGE,
        severity=wo.severity,
        subject=subject,
        body_text=text,
        message_id=new_message_id(wo),
        next_try_at=now,
        payload={},
    )
    delivery.save()
    schedule(delivery, now=now)
    return {"delivery": delivery.pk}
