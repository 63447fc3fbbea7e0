"""The on-site gates (issue 11): registered as a work-order guard from OnsiteConfig.ready().

- While the order's current quote waits on the customer or was refused, the order cannot be resolved.
- While it waits for a quote answer, it cannot simply be resumed: the answer resumes it (cancelling stays possible).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from weibao.onsite.choices import BLOCKING_QUOTE_STATUSES, QuoteStatus
from weibao.workorders.choices import Status, WaitReason


def current_quote_status(workorder) -> str | None:
    from weibao.onsite.models import Quote

    return (
        Quote.objects.filter(workorder_id=workorder.pk)
        .exclude(status=QuoteStatus.SUPERSEDED)
        .values_list("status", flat=True)
        .first()
    )


def quote_block_reason(workorder, *, status: str | None = None) -> str | None:
    """Why work on the order may not go ahead because of its quote, or None; `status`: the current quote's status
    when the caller has already read it (no second query)."""
    status = current_quote_status(workorder) if status is None else status
    if status == QuoteStatus.PENDING:
        return _("The quote is still waiting for the customer's approval.")
    if status == QuoteStatus.REFUSED:
        return _("The customer refused the quote: revise it or cancel the order.")
    return None


def quote_gate(workorder, *, to: str) -> str | None:
    if to == Status.RESOLVED:
        return quote_block_reason(workorder)
    if (
        workorder.status == Status.WAITING_CUSTOMER
        and workorder.wait_reason == WaitReason.QUOTE_APPROVAL
        and to != Status.CANCELLED
        and current_quote_status(workorder) == QuoteStatus.PENDING
    ):
        return _("The order waits for the customer's answer to the quote; their answer resumes it.")
    return None


__all__ = ["BLOCKING_QUOTE_STATUSES", "current_quote_status", "quote_block_reason", "quote_gate"]
