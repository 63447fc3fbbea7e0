"""Queries of the channels app; every list a person sees starts from a permission-checked, scoped queryset."""

from django.db.models import QuerySet

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.notifications.choices import InboundStatus
from weibao.notifications.models import Delivery, InboundMessage, Mailbox


def delivery_list_for_workorder(workorder, user=None) -> QuerySet[Delivery]:
    """The notices sent (or being sent) about one order, newest first — for the panel on the order page. Only our
    staff with the log permission see them; for anyone else the list is empty."""
    if user is not None and not has_perm(user, "notifications.view_log"):
        return Delivery.objects.none()
    return Delivery.objects.filter(workorder=workorder).select_related("recipient_user", "robot").order_by("-pk")


def delivery_list(*, user, status: str = "", channel: str = "", workorder_id: int | None = None) -> QuerySet[Delivery]:
    require(user, "notifications.view_log")
    qs = Delivery.objects.select_related("workorder", "recipient_user", "robot").order_by("-pk")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if workorder_id:
        qs = qs.filter(workorder_id=workorder_id)
    return scope_queryset(qs, user)


def delivery_get_for_user(*, user, pk: int) -> Delivery:
    require(user, "notifications.view_log")
    return get_for_user(Delivery.objects.select_related("workorder", "robot"), user, pk=pk)


def inbound_list(*, user, status: str = InboundStatus.TRIAGE) -> QuerySet[InboundMessage]:
    require(user, "notifications.triage")
    qs = InboundMessage.objects.select_related("mailbox", "workorder", "customer").defer("body_text").order_by("-pk")
    return scope_queryset(qs.filter(status=status) if status else qs, user)


def inbound_get_for_user(*, user, pk: int) -> InboundMessage:
    require(user, "notifications.triage")
    return get_for_user(InboundMessage.objects.select_related("mailbox", "workorder", "customer"), user, pk=pk)


def inbound_counts() -> dict[str, int]:
    from django.db.models import Count

    return dict(InboundMessage.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))


def mailbox_list() -> QuerySet[Mailbox]:
    return Mailbox.objects.order_by("name")
