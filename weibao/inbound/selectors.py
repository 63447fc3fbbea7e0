"""Queries of inbound IM/SMS: staff with the triage permission only (customers and vendors never see this list)."""

from django.db.models import Count, QuerySet

from weibao.accounts.permissions import require
from weibao.inbound.choices import ReceiptStatus
from weibao.inbound.models import InboundReceipt


def receipt_list(*, user, status: str = ReceiptStatus.TRIAGE) -> QuerySet[InboundReceipt]:
    require(user, "notifications.triage")
    qs = InboundReceipt.objects.select_related("account", "workorder", "contact", "customer").order_by("-pk")
    return qs.filter(status=status) if status else qs


def receipt_get_for_user(*, user, pk: int) -> InboundReceipt:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(receipt_list(user=user, status=""), pk=pk)


def receipt_counts() -> dict[str, int]:
    return dict(InboundReceipt.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
