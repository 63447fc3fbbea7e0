"""Who is told what about vendor escalations and RMA cases, through the notifications outbox (e-mail; retries and
the delivery log come with it). Each function re-reads its rows and may run twice: `email_notice` skips a
recipient who already has that notice for that payload, and the periodic reminders claim an `RmaReminder` row.

- An escalation to a vendor, and each question to it → the vendor's contacts (its active users and its support
  address), with a link to the escalation in the portal.
- The vendor's answer → our owner engineer (the order's assignee; the branch's managers when nobody is assigned).
- A unit with the vendor more than 30 days → the commercial department (商务部) and the branch's managers.
- A vendor answer past the deadline of the vendor support agreement → the owner engineer and the branch's managers.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.accounts.selectors import branch_managers
from weibao.notifications.choices import Notice
from weibao.notifications.services import email_notice
from weibao.rma.choices import AGEING_LIMIT_DAYS, WITH_VENDOR_STATUSES, EscalationStatus
from weibao.rma.models import RmaCase, RmaReminder, VendorEscalation, VendorQuestion

logger = logging.getLogger(__name__)
REMINDER_THRESHOLDS = (AGEING_LIMIT_DAYS,)  # days with the vendor that remind, once each
BATCH = 500


def _url(name: str, pk: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[pk])


def vendor_recipients(vendor) -> list:
    """The vendor's contacts: its active users with an e-mail, and its support address."""
    from weibao.accounts.models import User

    users: list = list(User.objects.filter(organisation_id=vendor.organisation_id, is_active=True).exclude(email=""))
    if vendor.support_email:
        users.append((vendor.support_email, None))
    return users


def owner_recipients(workorder) -> list:
    """Our engineer who owns the order; the branch's managers when nobody is assigned."""
    if workorder.assignee_id and workorder.assignee.is_active:
        return [workorder.assignee]
    return branch_managers(branch_id=_order_branch(workorder))


def _escalation(escalation_id: int) -> VendorEscalation | None:
    return VendorEscalation.objects.select_related("workorder__assignee", "vendor").filter(pk=escalation_id).first()


def escalation_deliver(*, escalation_id: int, question_id: int | None = None) -> int:
    """Tell the vendor of the escalation (no question) or of one question to it."""
    esc = _escalation(escalation_id)
    if esc is None or esc.status != EscalationStatus.OPEN:
        return 0
    question = None
    if question_id is not None:
        question = VendorQuestion.objects.filter(pk=question_id, escalation=esc).first()
        if question is None:
            return 0
    context = {
        "esc": esc,
        "wo": esc.workorder,
        "question": question,
        "brand": settings.WEIBAO_BRAND,
        "url": _url("rma:escalation_detail", esc.pk),
    }
    if question is None:
        return email_notice(
            notice=Notice.VENDOR_ESCALATED,
            recipients=vendor_recipients(esc.vendor),
            template="rma/email/vendor_escalated",
            context=context,
            payload={"escalation": esc.pk},
        )
    return email_notice(
        notice=Notice.VENDOR_QUESTION,
        recipients=vendor_recipients(esc.vendor),
        template="rma/email/vendor_question",
        context=context,
        payload={"escalation": esc.pk, "question": question.pk},
    )


def answer_deliver(*, question_id: int) -> int:
    """Tell our owner engineer that the vendor answered a question."""
    question = VendorQuestion.objects.select_related("escalation").filter(pk=question_id).first()
    if question is None or question.answered_at is None:
        return 0
    esc = _escalation(question.escalation_id)
    context = {
        "esc": esc,
        "wo": esc.workorder,
        "question": question,
        "brand": settings.WEIBAO_BRAND,
        "url": _url("rma:escalation_detail", esc.pk),
    }
    return email_notice(
        notice=Notice.VENDOR_ANSWER,
        recipients=owner_recipients(esc.workorder),
        template="rma/email/vendor_answer",
        context=context,
        payload={"escalation": esc.pk, "question": question.pk},
    )


def _remind(send, **fields) -> bool:
    """Claim the reminder's row and make its messages in one transaction; False when another run made it first (the
    unique constraint decides), so a reminder is sent once however many workers run the job."""
    try:
        with transaction.atomic():
            reminder = RmaReminder.objects.create(sent_at=timezone.now(), **fields)
            RmaReminder.objects.filter(pk=reminder.pk).update(deliveries=send())
    except IntegrityError:
        return False
    return True


def _order_branch(workorder) -> int | None:
    """The order's responsible branch, else its engineer's."""
    return workorder.branch_id or (workorder.assignee.branch_id if workorder.assignee_id else None)


def _case_branch(case: RmaCase) -> int | None:
    """The branch of the case's order, else of who handles (or registered) it."""
    branch = _order_branch(case.workorder) if case.workorder_id is not None else None
    return branch or (case.handler or case.created_by).branch_id


def remind_with_vendor(*, now: datetime.datetime | None = None) -> int:
    """Cases with the vendor longer than each threshold: the commercial department and the branch's managers, once
    per case and threshold."""
    from weibao.accounts.models import User

    now = now or timezone.now()
    commercial = list(User.objects.filter(role=Role.COMMERCIAL, is_active=True))
    made = 0
    for days in REMINDER_THRESHOLDS:
        due = (
            RmaCase.objects.filter(
                status__in=sorted(WITH_VENDOR_STATUSES), sent_to_vendor_at__lt=now - datetime.timedelta(days=days)
            )
            .exclude(reminders__kind=RmaReminder.Kind.WITH_VENDOR, reminders__threshold_days=days)
            .select_related("vendor", "workorder", "handler", "created_by")
            .order_by("sent_to_vendor_at", "pk")
        )
        for case in due[:BATCH]:
            context = {
                "case": case,
                "days": case.days_with_vendor(now),
                "limit": days,
                "brand": settings.WEIBAO_BRAND,
                "url": _url("rma:detail", case.pk),
            }
            recipients = commercial + branch_managers(branch_id=_case_branch(case))
            made += _remind(
                lambda c=case, ctx=context, to=recipients, d=days: email_notice(
                    notice=Notice.RMA_WITH_VENDOR,
                    template="rma/email/rma_with_vendor",
                    context=ctx,
                    recipients=to,
                    payload={"case": c.pk, "days": d},
                    now=now,
                ),
                kind=RmaReminder.Kind.WITH_VENDOR,
                case=case,
                threshold_days=days,
            )
    return made


def remind_vendor_overdue(*, now: datetime.datetime | None = None) -> int:
    """Open escalations the vendor has not answered by its deadline: the owner engineer and the branch's managers,
    once per escalation."""
    now = now or timezone.now()
    due = (
        VendorEscalation.objects.filter(
            status=EscalationStatus.OPEN, responded_at__isnull=True, response_due_at__lt=now
        )
        .exclude(reminders__kind=RmaReminder.Kind.VENDOR_OVERDUE)
        .select_related("workorder__assignee", "vendor")
        .order_by("response_due_at", "pk")
    )
    made = 0
    for esc in due[:BATCH]:
        context = {
            "esc": esc,
            "wo": esc.workorder,
            "brand": settings.WEIBAO_BRAND,
            "url": _url("rma:escalation_detail", esc.pk),
        }
        recipients = owner_recipients(esc.workorder) + branch_managers(branch_id=_order_branch(esc.workorder))
        made += _remind(
            lambda e=esc, ctx=context, to=recipients: email_notice(
                notice=Notice.VENDOR_OVERDUE,
                template="rma/email/vendor_overdue",
                context=ctx,
                recipients=to,
                payload={"escalation": e.pk},
                now=now,
            ),
            kind=RmaReminder.Kind.VENDOR_OVERDUE,
            escalation=esc,
        )
    return made
