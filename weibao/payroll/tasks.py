"""Background work of the month end: telling the managers about a taxi/freight request (a network call: never in
the request, STYLE §6). Safe to run twice: a request already answered is not announced again."""

from __future__ import annotations

import logging

from django.conf import settings
from django.tasks import task

logger = logging.getLogger(__name__)


@task
def travel_approval_announce(approval_id: int) -> int:
    """E-mail the approvers of a pending request through the notifications outbox (retries, delivery log, each
    approver's notice settings); returns how many were written to."""
    from weibao.notifications.choices import Notice
    from weibao.notifications.services import email_notice
    from weibao.payroll.models import TravelApproval
    from weibao.payroll.services import approvers_for

    approval = TravelApproval.objects.select_related("engineer", "workorder").filter(pk=approval_id).first()
    if approval is None or approval.status != "pending":
        return 0
    return email_notice(
        notice=Notice.TRAVEL_APPROVAL,
        recipients=sorted((u for u in approvers_for(approval.engineer) if u.email), key=lambda u: u.pk),
        template="payroll/email/approval",
        context={"approval": approval, "base_url": getattr(settings, "WEIBAO_BASE_URL", "")},
        payload={"travel_approval": approval.pk},
    )
