"""Background work of the month end: telling the managers about a taxi/freight request (a network call: never in
the request, STYLE §6). Safe to run twice: a request already answered is not announced again."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


@task
def travel_approval_announce(approval_id: int) -> int:
    """E-mail the approvers of a pending request; returns how many were written to."""
    from weibao.payroll.models import TravelApproval
    from weibao.payroll.services import approvers_for

    approval = TravelApproval.objects.select_related("engineer", "workorder").filter(pk=approval_id).first()
    if approval is None or approval.status != "pending":
        return 0
    to = sorted({u.email for u in approvers_for(approval.engineer) if u.email})
    if not to:
        return 0
    context = {"approval": approval, "base_url": getattr(settings, "WEIBAO_BASE_URL", "")}
    subject = render_to_string("payroll/email/approval-subject.txt", context).strip()
    body = render_to_string("payroll/email/approval-body.txt", context)
    send_mail(subject, body, None, to)
    return len(to)
