"""Reads of the customer loop: scoped querysets, the callback queue, complaint visibility, satisfaction figures and
the customer service archive (客户服务档案)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.customers.models import Customer
from weibao.feedback.choices import CUSTOMER_VISIBLE_EVENTS, CallbackStatus, ComplaintStatus
from weibao.feedback.models import Callback, Complaint, ComplaintEvent
from weibao.onsite.choices import FormStatus
from weibao.onsite.models import ServiceForm
from weibao.workorders.models import WorkOrder

MAX_RANGE_DAYS = 3 * 366


def confirmed_complaints(start: datetime.datetime, end: datetime.datetime) -> QuerySet[Complaint]:
    """Complaints confirmed against an engineer in [start, end) — what month-end pay counts (SPEC §5)."""
    return Complaint.objects.filter(confirmed_at__gte=start, confirmed_at__lt=end, engineer__isnull=False)


def callbacks_done(start: datetime.datetime, end: datetime.datetime) -> QuerySet[Callback]:
    """Callbacks finished in [start, end): reached (`status` done, with `satisfaction`) or given up (unreachable).
    For monthly statistics and pay; `engineer` is the order's engineer."""
    return Callback.objects.filter(done_at__gte=start, done_at__lt=end).exclude(status=CallbackStatus.CANCELLED)


# --- callbacks ----------------------------------------------------------------------------------------------------


def callback_qs_for(user) -> QuerySet[Callback]:
    """The callbacks `user` may see: staff with the right all, a customer its own organisation's, a vendor none."""
    if not has_perm(user, "feedback.callbacks_view"):
        return Callback.objects.none()
    return scope_queryset(Callback.objects.all(), user)


def callback_get_for_user(*, user, pk) -> Callback:
    return get_for_user(
        callback_qs_for(user).select_related("order", "order__customer", "customer", "engineer", "complaint"),
        user,
        pk=pk,
    )


QUEUE_VIEWS = {
    "due": gettext_lazy("To call now"),
    "overdue": gettext_lazy("Overdue"),
    "later": gettext_lazy("Retry later"),
    "done": gettext_lazy("Done"),
}


def callback_queue(*, user, view: str = "due", now: datetime.datetime | None = None) -> QuerySet[Callback]:
    """The department manager's queue. `due`: pending and callable now (no retry waiting), oldest due first;
    `overdue`: pending past its due date; `later`: not reached, waiting for the retry time; `done`: finished."""
    if view not in QUEUE_VIEWS:
        raise ValidationError({"view": _("Unknown queue view.")})
    now = now or timezone.now()
    qs = callback_qs_for(user).select_related("order", "customer", "customer__customer", "engineer", "complaint")
    pending = qs.filter(status=CallbackStatus.PENDING)
    if view == "due":
        return pending.filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now)).order_by("due_at", "id")
    if view == "overdue":
        return pending.filter(due_at__lt=now).order_by("due_at", "id")
    if view == "later":
        return pending.filter(next_try_at__gt=now).order_by("next_try_at", "id")
    return qs.exclude(status=CallbackStatus.PENDING).order_by("-done_at", "-id")


# What a row of the queue page shows: the order and its customer's names, not their fifty other columns.
QUEUE_ROW_FIELDS = (
    *("id", "rule", "status", "contact_name", "contact_phone", "due_at", "next_try_at", "attempts", "satisfaction"),
    *("remark", "customer__name", "customer__customer__id", "order__number", "order__title", "engineer__name"),
    "complaint__number",
)


def callback_queue_rows(*, user, view: str = "due", now: datetime.datetime | None = None) -> QuerySet[Callback]:
    """`callback_queue` with only the columns the queue page shows."""
    return callback_queue(user=user, view=view, now=now).only(*QUEUE_ROW_FIELDS)


def callback_counts(*, user, now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    pending = callback_qs_for(user).filter(status=CallbackStatus.PENDING)
    return pending.aggregate(
        due=Count("pk", filter=Q(next_try_at__isnull=True) | Q(next_try_at__lte=now)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        later=Count("pk", filter=Q(next_try_at__gt=now)),
    )


def callback_stats(*, user, by: str, start, end) -> list[dict]:
    """Callbacks finished in [start, end) counted per engineer or per contract: done, unreachable, mean rating.
    `start`/`end` are datetimes, or dates meaning whole days [start, end]."""
    if not isinstance(start, datetime.datetime):
        start, end = _bounds(start, end)
    keys = {"engineer": ("engineer_id", "engineer__name"), "contract": ("contract_id", "contract__code")}
    if by not in keys:
        raise ValidationError({"by": _("Count per engineer or per contract.")})
    key, label = keys[by]
    rows = (
        callback_qs_for(user)
        .filter(done_at__gte=start, done_at__lt=end)
        .values(key, label)
        .annotate(
            done=Count("pk", filter=Q(status=CallbackStatus.DONE)),
            unreachable=Count("pk", filter=Q(status=CallbackStatus.UNREACHABLE)),
            rated=Count("satisfaction"),
            avg=Avg("satisfaction"),
        )
        .order_by(label)
    )
    return [
        {
            "key": r[key],
            "label": r[label] or _("(none)"),
            "done": r["done"],
            "unreachable": r["unreachable"],
            "rated": r["rated"],
            "average": _round(r["avg"]),
        }
        for r in rows
    ]


# --- complaints ---------------------------------------------------------------------------------------------------


def complaint_qs_for(user) -> QuerySet[Complaint]:
    """Managers see every complaint. Other staff see complaints that name no engineer, and the engineer concerned
    sees those about them (as a stub: that it exists, to answer it). A customer sees its organisation's; vendors none.
    """
    if not has_perm(user, "feedback.complaints_view"):
        return Complaint.objects.none()
    qs = scope_queryset(Complaint.objects.all(), user)
    if user.is_internal and not has_perm(user, "feedback.complaints_manage"):
        qs = qs.filter(Q(engineer__isnull=True) | Q(engineer=user))
    return qs


def complaint_get_for_user(*, user, pk) -> Complaint:
    return get_for_user(
        complaint_qs_for(user).select_related("customer", "order", "engineer", "registered_by", "contract"),
        user,
        pk=pk,
    )


def complaint_access(*, user, complaint: Complaint) -> str:
    """How much of the complaint `user` sees: "full" (managers; staff for complaints naming no engineer),
    "engineer" (the engineer complained about: that it exists, the category and order, and their own statements),
    "customer" (the complaint, the answer and the public steps)."""
    if user.is_customer:
        return "customer"
    if has_perm(user, "feedback.complaints_manage") or complaint.engineer_id is None:
        return "full"
    if complaint.engineer_id == user.pk:
        return "engineer"
    raise Http404


def complaint_timeline(*, user, complaint: Complaint) -> list[ComplaintEvent]:
    access = complaint_access(user=user, complaint=complaint)
    events = complaint.events.select_related("actor").order_by("created_at", "id")
    if access == "customer":
        events = events.filter(internal=False, kind__in=CUSTOMER_VISIBLE_EVENTS)
    elif access == "engineer":
        # The steps of the workflow and their own statements; never the complainant's words or managers' notes.
        events = events.filter(Q(new_status__gt="") | Q(actor=user, kind="engineer_statement"))
    return list(events)


def complaint_counts(*, user, now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    late = Q(answered_at__isnull=True, answer_due_at__lt=now) | Q(closed_at__isnull=True, close_due_at__lt=now)
    return (
        complaint_qs_for(user)
        .exclude(status=ComplaintStatus.CLOSED)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=late))
    )


def complaint_list(*, user, status: str = "", overdue: bool = False, q: str = "") -> QuerySet[Complaint]:
    qs = complaint_qs_for(user).select_related("customer", "order", "engineer")
    if status:
        if status == "open":
            qs = qs.exclude(status=ComplaintStatus.CLOSED)
        elif status in ComplaintStatus.values:
            qs = qs.filter(status=status)
        else:
            raise ValidationError({"status": _("Unknown status.")})
    if overdue:
        now = timezone.now()
        qs = qs.filter(
            Q(answered_at__isnull=True, answer_due_at__lt=now) | Q(closed_at__isnull=True, close_due_at__lt=now)
        ).exclude(status=ComplaintStatus.CLOSED)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q) | Q(order__number__icontains=q))
    return qs.order_by("-registered_at", "-id")


# --- satisfaction (客户满意度) --------------------------------------------------------------------------------------

# Dimension -> (lookup on a service form, lookup on a callback, label lookup on each).
DIMENSIONS: dict[str, tuple[str, str, str, str]] = {
    "order": ("workorder_id", "order_id", "workorder__number", "order__number"),
    "engineer": ("workorder__assignee_id", "engineer_id", "workorder__assignee__name", "engineer__name"),
    "contract": ("workorder__contract_id", "contract_id", "workorder__contract__code", "contract__code"),
    "customer": ("workorder__customer_id", "order__customer_id", "workorder__customer__name", "order__customer__name"),
    "branch": ("workorder__branch_id", "branch_id", "workorder__branch__name", "branch__name"),
    "month": ("month", "month", "month", "month"),
}
DIMENSION_LABELS = {
    "order": gettext_lazy("Work order"),
    "engineer": gettext_lazy("Engineer"),
    "contract": gettext_lazy("Contract"),
    "customer": gettext_lazy("Customer"),
    "branch": gettext_lazy("Branch"),
    "month": gettext_lazy("Month"),
}


def _round(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_period(start: datetime.date | None, end: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    """A reporting period [start, end] in dates; default the last 12 months. Inverted or huge ranges are refused."""
    today = timezone.localdate()
    end = end or today
    start = start or (end.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    if start > end:
        raise ValidationError({"start": _("The start date is after the end date.")})
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationError({"start": _("The period may be at most three years.")})
    return start, end


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    stop = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return begin, stop


def rated_forms(user) -> QuerySet[ServiceForm]:
    """Signed service forms carrying a rating, one per order (a later signed revision replaces an earlier one)."""
    return scope_queryset(
        ServiceForm.objects.filter(status=FormStatus.SIGNED, satisfaction__isnull=False).exclude(
            next_revision__status=FormStatus.SIGNED
        ),
        user,
    )


def rated_callbacks(user) -> QuerySet[Callback]:
    return scope_queryset(Callback.objects.filter(status=CallbackStatus.DONE, satisfaction__isnull=False), user)


def satisfaction(
    *,
    user,
    by: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    customer: Customer | None = None,
    limit: int = 500,
    check_perm: bool = True,
) -> list[dict]:
    """Satisfaction per order, engineer, contract, customer, branch or month over [start, end]: the service forms'
    ratings (by signing date) and the callbacks' ratings (by call date), each counted and averaged, and together.
    Two grouped queries whatever the data size."""
    if by not in DIMENSIONS:
        raise ValidationError({"by": _("Unknown grouping.")})
    if check_perm and not user.is_customer:
        require(user, "feedback.satisfaction")
    start, end = check_period(start, end)
    begin, stop = _bounds(start, end)
    f_key, c_key, f_label, c_label = DIMENSIONS[by]
    forms = rated_forms(user).filter(signed_at__gte=begin, signed_at__lt=stop)
    calls = rated_callbacks(user).filter(done_at__gte=begin, done_at__lt=stop)
    if customer is not None:
        forms = forms.filter(workorder__customer=customer)
        calls = calls.filter(customer_id=customer.organisation_id)
    if by == "month":
        forms = forms.annotate(month=TruncMonth("signed_at"))
        calls = calls.annotate(month=TruncMonth("done_at"))
    rows: dict[Any, dict] = {}
    for qs, key, label, prefix in ((forms, f_key, f_label, "forms"), (calls, c_key, c_label, "callbacks")):
        for r in qs.values(key, label).annotate(n=Count("pk"), total=Sum("satisfaction")).order_by():
            k = r[key]
            if isinstance(k, datetime.datetime):
                k = timezone.localtime(k).date().replace(day=1) if timezone.is_aware(k) else k.date().replace(day=1)
            row = rows.setdefault(
                k, {"key": k, "label": r[label], "forms": 0, "forms_total": 0, "callbacks": 0, "callbacks_total": 0}
            )
            row["label"] = row["label"] or r[label]
            row[prefix] += r["n"]
            row[f"{prefix}_total"] += r["total"] or 0
    result = []
    for row in rows.values():
        n = row["forms"] + row["callbacks"]
        label = row["label"]
        if by == "month":
            label = f"{row['key']:%Y-%m}" if row["key"] else ""
        result.append(
            {
                "key": row["key"],
                "label": label or _("(none)"),
                "forms": row["forms"],
                "forms_average": _round(row["forms_total"] / row["forms"]) if row["forms"] else None,
                "callbacks": row["callbacks"],
                "callbacks_average": _round(row["callbacks_total"] / row["callbacks"]) if row["callbacks"] else None,
                "count": n,
                "average": _round((row["forms_total"] + row["callbacks_total"]) / n) if n else None,
            }
        )
    if by == "month":
        result.sort(key=lambda r: r["key"] or datetime.date.min)
    else:
        result.sort(key=lambda r: (r["average"] is None, r["average"] or 0, str(r["label"])))
    return result[:limit]


def satisfaction_for_order(*, user, order: WorkOrder) -> dict:
    form = rated_forms(user).filter(workorder=order).order_by("-revision").first()
    calls = list(rated_callbacks(user).filter(order=order).order_by("done_at"))
    return {"form": form.satisfaction if form else None, "callbacks": [c.satisfaction for c in calls]}


# --- the customer service archive (客户服务档案) ---------------------------------------------------------------------

# Other apps (reports) add sections to the archive: fn(user, customer) -> {"title", "template", ...context}.
ARCHIVE_SECTIONS: list[Callable[[Any, Customer], dict | None]] = []


def archive_section(fn: Callable[[Any, Customer], dict | None]):
    ARCHIVE_SECTIONS.append(fn)
    return fn


@dataclass
class Archive:
    customer: Customer
    order_counts: dict[str, int]
    orders: list[WorkOrder]
    forms: list[ServiceForm]
    callbacks: list[Callback]
    complaints: list[Complaint]
    contracts: list
    trend: list[dict]
    extra: list[dict] = field(default_factory=list)


ARCHIVE_ROWS = 20


def customer_for_archive(*, user, pk) -> Customer:
    if user.is_vendor or not has_perm(user, "feedback.archive"):
        raise Http404  # vendors see no archive: for them it does not exist
    return get_for_user(Customer.objects.select_related("organisation", "branch"), user, pk=pk)


def customer_archive(*, user, customer: Customer) -> Archive:
    """One page per customer: orders, service forms, callbacks, complaints, contracts, the satisfaction trend (last
    12 months) and sections other apps add (reports). A fixed number of queries, newest rows first."""
    orders_qs = scope_queryset(WorkOrder.objects.filter(customer=customer), user)
    counts = orders_qs.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=~Q(status__in=["closed", "cancelled", "resolved", "observing"])),
        closed=Count("pk", filter=Q(status="closed")),
    )
    orders = list(
        orders_qs.select_related("site", "assignee")
        .only("pk", "number", "title", "status", "severity", "reported_at", "closed_at", "site__name", "assignee__name")
        .order_by("-reported_at", "-id")[:ARCHIVE_ROWS]
    )
    forms = list(
        scope_queryset(ServiceForm.objects.filter(workorder__customer=customer, status=FormStatus.SIGNED), user)
        .select_related("workorder")
        .order_by("-signed_at", "-id")[:ARCHIVE_ROWS]
    )
    callbacks = list(
        callback_qs_for(user)
        .filter(customer_id=customer.organisation_id)
        .select_related("order", "done_by", "customer")
        .order_by("-due_at", "-id")[:ARCHIVE_ROWS]
    )
    complaints = list(
        complaint_qs_for(user)
        .filter(customer_id=customer.organisation_id)
        .select_related("order", "engineer")
        .order_by("-registered_at", "-id")[:ARCHIVE_ROWS]
    )
    from weibao.contracts.models import Contract

    contracts = list(scope_queryset(Contract.objects.filter(customer=customer), user).order_by("-start_date")[:10])
    trend = satisfaction(user=user, by="month", customer=customer, check_perm=False)
    extra = [s for s in (fn(user, customer) for fn in ARCHIVE_SECTIONS) if s]
    return Archive(customer, counts, orders, forms, callbacks, complaints, contracts, trend, extra)


def engineer_can_answer(*, user, complaint: Complaint) -> bool:
    return complaint.status != ComplaintStatus.CLOSED and (
        has_perm(user, "feedback.complaints_manage") or complaint.engineer_id == user.pk
    )


def refuse_unless(user, perm: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(perm)
