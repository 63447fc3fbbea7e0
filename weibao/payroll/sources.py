"""The facts a month end counts, read from the other apps (on-site service forms, work orders, the feedback app's
confirmed complaints and callbacks, travel claims): plain rows for `rules.compute_month`.

Only the facts *recorded* in a window are read (a month's facts are recorded from its first day on; late records of
locked months are recorded later still), so a month end reads one month of rows whatever the database's size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.apps import apps
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.onsite.choices import FORM_PARTS, FormStatus
from weibao.onsite.models import ServiceForm
from weibao.payroll.choices import ClaimStatus, TravelKind
from weibao.payroll.models import TravelClaim
from weibao.payroll.rules import ComplaintFact, ServiceFact, TravelFact
from weibao.workorders.choices import Status
from weibao.workorders.models import WorkOrder


def local_date(value: dt.datetime, tz=None) -> dt.date:
    return value.astimezone(tz or timezone.get_current_timezone()).date()


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def feedback_installed() -> bool:
    return apps.is_installed("weibao.feedback")


def _missing_reason(missing: list[str]) -> str:
    parts = ", ".join(str(FORM_PARTS.get(code, code)) for code in missing)
    return _("Service form incomplete: %(parts)s") % {"parts": parts}


def service_facts(*, since: dt.datetime, until: dt.datetime, last_day: dt.date) -> list[ServiceFact]:
    """On-site visits whose service form was signed in [since, until), with their earlier revisions.

    One visit = the revisions up to one that records the fault as not solved (the next revision is the return
    visit); a correction of a signed form is a new revision of the same visit. A visit counts once, from its first
    complete revision; `on` is the day its form was first signed. Orders the engineer reached on site in the month
    with no signed form at all are listed as not counted."""
    signed = ServiceForm.objects.filter(status=FormStatus.SIGNED)
    # Two steps: the orders whose form was signed in the window, then all their signed revisions by order (the
    # revision index). One query with a subquery made PostgreSQL scan a million forms against a million orders.
    touched = sorted(
        set(signed.filter(signed_at__gte=since, signed_at__lt=until).values_list("workorder_id", flat=True))
    )
    by_order: dict[int, list[tuple]] = defaultdict(list)
    for start in range(0, len(touched), 5000):
        rows = (
            signed.filter(
                workorder_id__in=touched[start : start + 5000], signed_at__lt=until, workorder__assignee__isnull=False
            )
            .order_by("workorder_id", "revision")
            .values_list(
                "workorder_id",
                "signed_at",
                "complete",
                "missing",
                "solved",
                "workorder__assignee_id",
                "workorder__number",
            )
        )
        for row in rows:
            by_order[row[0]].append(row)
    facts: list[ServiceFact] = []
    tz = timezone.get_current_timezone()
    reasons: dict[tuple, str] = {}  # one translation per distinct set of missing parts, not one per row
    for order_id, revisions in by_order.items():
        visit: list[tuple] = []
        for i, rev in enumerate(revisions):
            visit.append(rev)
            if rev[4] is False or i == len(revisions) - 1:
                fact = _visit_fact(order_id, visit, tz, reasons)
                if fact.recorded_at >= since:
                    facts.append(fact)
                visit = []
    # Reached on site this month, no signed form (yet): not counted, and the statement says so.
    month_first = local_midnight(last_day.replace(day=1))
    no_form = (
        WorkOrder.objects.filter(
            arrived_at__gte=month_first,
            arrived_at__lt=local_midnight(last_day) + dt.timedelta(days=1),
            assignee__isnull=False,
        )
        .exclude(status=Status.CANCELLED)
        .filter(~Exists(signed.filter(workorder_id=OuterRef("pk"))))
        .values_list("pk", "assignee_id", "number", "arrived_at")
    )
    no_form_reason = _("No signed service form")
    for pk, assignee_id, number, arrived_at in no_form:
        facts.append(
            ServiceFact(
                engineer_id=assignee_id,
                workorder_id=pk,
                number=number,
                on=local_date(arrived_at, tz),
                recorded_at=max(arrived_at, since),
                complete=False,
                reason=no_form_reason,
            )
        )
    return facts


def _visit_fact(order_id: int, visit: list[tuple], tz, reasons: dict[tuple, str]) -> ServiceFact:
    first = visit[0]
    complete = next((rev for rev in visit if rev[2]), None)
    last = visit[-1]
    engineer_id, number = last[5], last[6]
    if complete is not None:
        return ServiceFact(
            engineer_id=engineer_id,
            workorder_id=order_id,
            number=number,
            on=local_date(first[1], tz),
            recorded_at=complete[1],
            complete=True,
        )
    missing = tuple(last[3] or ())
    if missing not in reasons:
        reasons[missing] = _missing_reason(list(missing))
    return ServiceFact(
        engineer_id=engineer_id,
        workorder_id=order_id,
        number=number,
        on=local_date(first[1], tz),
        recorded_at=last[1],
        complete=False,
        reason=reasons[missing],
    )


def complaint_facts(*, since: dt.datetime, until: dt.datetime) -> list[ComplaintFact]:
    """Complaints confirmed against an engineer in [since, until) (the feedback app's selector); `on` is the day
    the complaint was registered, the month it belongs to."""
    if not feedback_installed():
        return []
    from weibao.feedback.selectors import confirmed_complaints

    tz = timezone.get_current_timezone()
    rows = confirmed_complaints(since, until).values_list(
        "pk", "number", "engineer_id", "registered_at", "confirmed_at", "order_id", "order__number"
    )
    return [
        ComplaintFact(
            engineer_id=eng,
            complaint_id=pk,
            ref=number,
            on=local_date(registered, tz),
            recorded_at=confirmed,
            workorder_id=order_id,
            number=order_number or "",
        )
        for pk, number, eng, registered, confirmed, order_id, order_number in rows
    ]


def travel_facts(*, since: dt.datetime, until: dt.datetime) -> list[TravelFact]:
    """Accepted travel claims filed in [since, until); `on` is the day of the trip."""
    tz = timezone.get_current_timezone()
    labels = {value: str(label) for value, label in TravelKind.choices}
    rows = TravelClaim.objects.filter(status=ClaimStatus.ACCEPTED, created_at__gte=since, created_at__lt=until)
    return [
        TravelFact(
            engineer_id=eng,
            claim_id=pk,
            workorder_id=wo,
            number=number,
            on=local_date(trip_at, tz),
            recorded_at=created_at,
            amount=amount,
            kind_label=labels.get(kind, kind),
        )
        for pk, eng, wo, number, trip_at, created_at, amount, kind in rows.values_list(
            "pk", "engineer_id", "workorder_id", "workorder__number", "trip_at", "created_at", "amount", "kind"
        )
    ]


def callback_rows(*, since: dt.datetime, until: dt.datetime) -> list[tuple[int, int | None]]:
    """(engineer, satisfaction) of the callbacks done in [since, until), for the KPIs."""
    if not feedback_installed():
        return []
    Callback = apps.get_model("feedback", "Callback")
    return list(
        Callback.objects.filter(done_at__gte=since, done_at__lt=until, engineer__isnull=False).values_list(
            "engineer_id", "satisfaction"
        )
    )
