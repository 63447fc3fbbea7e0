"""Reads of vendor escalation and RMA: every list and get a user can reach starts from one scoping selector.

Scoping (SPEC §8): our staff see everything; a customer its own organisation's RMA cases (never a vendor's charge to
us); a vendor only the escalations to its company and the RMA cases sent to it (404 otherwise, both directions).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from weibao.accounts.permissions import has_perm
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.rma.choices import (
    AGEING_LIMIT_DAYS,
    CUSTOMER_EVENT_KINDS,
    OPEN_STATUSES,
    VENDOR_EVENT_KINDS,
    WITH_VENDOR_STATUSES,
    EscalationStatus,
    FeeStatus,
    Status,
)
from weibao.rma.models import RmaCase, RmaEvent, RmaFee, RmaShipment, VendorAgreement, VendorEscalation, VendorQuestion
from weibao.workorders.choices import Status as WOStatus

CASE_RELATED = ("vendor", "customer", "workorder", "device", "handler")


def rma_qs_for(user) -> QuerySet[RmaCase]:
    """The RMA cases `user` may see; a vendor only those sent to it."""
    qs = scope_queryset(RmaCase.objects.all(), user)
    if getattr(user, "is_vendor", False):
        qs = qs.filter(sent_to_vendor_at__isnull=False)
    return qs


def rma_get_for_user(*, user, pk) -> RmaCase:
    try:
        return rma_qs_for(user).select_related(*CASE_RELATED, "vendor__organisation", "replacement").get(pk=pk)
    except (RmaCase.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


QUEUES = {
    "open": Q(status__in=sorted(OPEN_STATUSES)),
    "decide": Q(status=Status.REGISTERED),
    "fee": Q(status=Status.AWAITING_FEE),
    "ship": Q(status=Status.READY_TO_SHIP),
    "with_vendor": Q(status__in=sorted(WITH_VENDOR_STATUSES)),
    "back": Q(status__in=[Status.SHIPPED_BACK, Status.RECEIVED]),
    # An approved fee, as a subquery: a join on the fees would need DISTINCT over every selected column.
    "collect": Q(
        Exists(RmaFee.objects.filter(case=OuterRef("pk"), status=FeeStatus.APPROVED)),
        status__in=[Status.RETURNED, Status.CLOSED],
        customer_pays=True,
        paid_on__isnull=True,
    ),
    "all": Q(),
}


def rma_list_qs(
    *, user, queue: str = "open", q: str = "", overdue: bool = False, now: datetime.datetime | None = None
) -> QuerySet[RmaCase]:
    """A queue of cases, oldest first for the working queues; `overdue`: with the vendor > 30 days (the ageing)."""
    qs = rma_qs_for(user).filter(QUEUES.get(queue, QUEUES["open"]))
    if overdue:
        limit_at = (now or timezone.now()) - datetime.timedelta(days=AGEING_LIMIT_DAYS)
        qs = qs.filter(status__in=sorted(WITH_VENDOR_STATUSES), sent_to_vendor_at__lt=limit_at)
    q = (q or "").strip()[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(serial_number__icontains=q) | Q(model__icontains=q))
    order = ["-id"] if queue == "all" else ["sent_to_vendor_at", "id"] if queue == "with_vendor" or overdue else ["id"]
    return qs.order_by(*order)


# What a row of the RMA list page shows: the case's own facts, and of the vendor, customer and order their names.
LIST_PAGE_FIELDS = (
    *("id", "number", "status", "route", "model", "serial_number", "created_at", "closed_at", "sent_to_vendor_at"),
    *("vendor__name", "customer__name", "workorder__number"),
)


def rma_list_page_qs(
    *, user, queue: str = "open", q: str = "", overdue: bool = False, now: datetime.datetime | None = None
) -> QuerySet[RmaCase]:
    """`rma_list_qs` with only the columns the list page shows."""
    return (
        rma_list_qs(user=user, queue=queue, q=q, overdue=overdue, now=now)
        .select_related("vendor", "customer", "workorder")
        .only(*LIST_PAGE_FIELDS)
    )


def rma_list(
    *,
    user,
    queue: str = "open",
    q: str = "",
    overdue: bool = False,
    now: datetime.datetime | None = None,
    limit: int = 200,
) -> list[RmaCase]:
    """The first `limit` cases of a queue with their vendor, customer, order, device and handler (the API's list)."""
    qs = rma_list_qs(user=user, queue=queue, q=q, overdue=overdue, now=now)
    return list(qs.select_related(*CASE_RELATED)[:limit])


def rma_counts(*, user, now: datetime.datetime | None = None) -> dict[str, int]:
    """The number of cases in each queue and in the ageing one, in one query."""
    limit_at = (now or timezone.now()) - datetime.timedelta(days=AGEING_LIMIT_DAYS)
    counts = {name: Count("pk", filter=cond) for name, cond in QUEUES.items() if name != "all"}
    overdue = Q(status__in=sorted(WITH_VENDOR_STATUSES), sent_to_vendor_at__lt=limit_at)
    return rma_qs_for(user).aggregate(**counts, overdue=Count("pk", filter=overdue))


def rma_events(*, case: RmaCase, user) -> list[RmaEvent]:
    """The case's timeline as `user` may see it: staff all; the customer the steps of its unit; the vendor the
    journey to and from it. Internal notes and links sent are staff only."""
    qs = case.events.select_related("actor").order_by("id")
    if getattr(user, "is_customer", False):
        qs = qs.filter(kind__in=sorted(CUSTOMER_EVENT_KINDS))
    elif getattr(user, "is_vendor", False):
        qs = qs.filter(kind__in=sorted(VENDOR_EVENT_KINDS))
    elif not getattr(user, "is_internal", False):
        return []
    events = list(qs)
    if not getattr(user, "is_internal", False):
        for e in events:  # money and addresses stay with us and the customer
            e.data = {
                k: v
                for k, v in e.data.items()
                if k not in ("total", "shipping", "amount", "to", "link")
                or getattr(user, "is_customer", False)
                and k in ("total", "shipping")
            }
    return events


@dataclass
class CaseView:
    case: RmaCase
    fee: RmaFee | None
    fees: list[RmaFee]
    shipments: list[RmaShipment]
    events: list[RmaEvent]
    show_costs: bool
    show_fee: bool
    actions: set[str] = field(default_factory=set)


def rma_case_view(*, case: RmaCase, user) -> CaseView:
    """Everything the case page and the API show, with what `user` may do next."""
    fees = list(case.fees.order_by("-revision")) if not getattr(user, "is_vendor", False) else []
    fee = next((f for f in fees if f.status != FeeStatus.SUPERSEDED), None)
    shipments = list(case.shipments.order_by("id"))
    view = CaseView(
        case=case,
        fee=fee,
        fees=fees,
        shipments=shipments,
        events=rma_events(case=case, user=user),
        show_costs=has_perm(user, "rma.costs"),
        show_fee=not getattr(user, "is_vendor", False),
    )
    s, manage = case.status, has_perm(user, "rma.manage")
    if manage:
        if s == Status.REGISTERED:
            view.actions |= {"check_warranty"}
        if s == Status.REGISTERED and case.route == "vendor_visit":
            view.actions.add("request_visit")
        if s == Status.VENDOR_VISIT and case.visit_done_at is None:
            view.actions.add("visit_done")
        if case.customer_pays and s in (
            Status.REGISTERED,
            Status.VENDOR_VISIT,
            Status.AWAITING_FEE,
            Status.READY_TO_SHIP,
        ):
            view.actions.add("fee_quote")
        if not case.customer_pays and s in (Status.REGISTERED, Status.VENDOR_VISIT):
            view.actions.add("send_back")
        if s in (Status.READY_TO_SHIP, Status.AWAITING_FEE):
            view.actions.add("ship_out")
        if s == Status.SHIPPED_BACK:
            view.actions.add("receive")
        if s == Status.RECEIVED:
            view.actions.add("return")
        if s == Status.RETURNED:
            view.actions.add("close")
        if s in (Status.REGISTERED, Status.VENDOR_VISIT, Status.AWAITING_FEE, Status.READY_TO_SHIP):
            view.actions.add("cancel")
        if fee is not None and fee.status == FeeStatus.PENDING:
            view.actions |= {"fee_link"}
    if has_perm(user, "rma.fee_answer") and fee is not None and fee.status == FeeStatus.PENDING:
        view.actions.add("fee_answer")
    if has_perm(user, "rma.vendor_repair"):
        if s == Status.SHIPPED_OUT:
            view.actions.add("vendor_received")
        if s in (Status.SHIPPED_OUT, Status.IN_REPAIR):
            view.actions.add("ship_back")
    if (
        has_perm(user, "rma.collect")
        and case.customer_pays
        and fee is not None
        and fee.status == FeeStatus.APPROVED
        and s not in (Status.CANCELLED,)
    ):
        view.actions.add("collect")
    return view


# --- escalations --------------------------------------------------------------------------------------------------


def escalation_qs_for(user) -> QuerySet[VendorEscalation]:
    """Escalations `user` may see: staff all, a vendor those to its company on orders still escalated to it (an order
    re-escalated to another vendor is no longer its business, SPEC §8); customers none (404)."""
    qs = scope_queryset(VendorEscalation.objects.all(), user)
    if getattr(user, "is_vendor", False):
        qs = qs.filter(workorder__escalated_vendor__organisation=user.organisation_id)
    return qs


def escalation_get_for_user(*, user, pk) -> VendorEscalation:
    return get_for_user(
        escalation_qs_for(user).select_related("workorder", "vendor__organisation", "agreement"), user, pk=pk
    )


def escalation_list(*, user, state: str = "open", limit: int = 200) -> list[VendorEscalation]:
    qs = escalation_qs_for(user).select_related("workorder", "vendor", "agreement")
    if state in EscalationStatus.values:
        qs = qs.filter(status=state)
    order = ["response_due_at", "id"] if state == EscalationStatus.OPEN else ["-id"]
    return list(qs.order_by(*order)[:limit])


def escalations_for_order(*, workorder, user) -> list[VendorEscalation]:
    return list(
        escalation_qs_for(user)
        .filter(workorder_id=workorder.pk)
        .select_related("vendor", "agreement")
        .prefetch_related("questions")
        .order_by("-id")
    )


def escalation_untracked(*, workorder) -> bool:
    """An order escalated through the plain move whose vendor case is not tracked yet (the same test as
    `services.escalation_sync`, without writing: a GET only offers the button)."""
    if workorder.escalated_vendor_id is None or workorder.status != WOStatus.ESCALATED:
        return False
    return not VendorEscalation.objects.filter(
        workorder_id=workorder.pk, vendor_id=workorder.escalated_vendor_id, status=EscalationStatus.OPEN
    ).exists()


def question_get_for_user(*, user, pk) -> VendorQuestion:
    qs = VendorQuestion.objects.filter(escalation__in=escalation_qs_for(user))
    return get_for_user(qs.select_related("escalation__vendor__organisation", "escalation__workorder"), user, pk=pk)


def cases_for_order(*, workorder, user) -> list[RmaCase]:
    return list(rma_qs_for(user).filter(workorder_id=workorder.pk).select_related("vendor").order_by("-id"))


def agreement_list(*, user) -> list[VendorAgreement]:
    return list(
        scope_queryset(VendorAgreement.objects.select_related("vendor", "calendar"), user).order_by(
            "vendor__name", "-valid_from"
        )
    )
