"""Periodic work: close orders whose observation period passed quietly; recompute deadlines after calendar changes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.workorders import clocks as wclocks
from weibao.workorders.choices import (
    ACTIVE_STATUSES,
    OBSERVATION_STATUSES,
    EventKind,
)
from weibao.workorders.models import (
    WorkOrder,
)
from weibao.workorders.services.common import (
    CLOCK_FIELDS,
    _event,
    _json,
    _save,
    system_user,
)
from weibao.workorders.services.transitions import workorder_close

if TYPE_CHECKING:
    from weibao.accounts.models import User

# --- periodic -----------------------------------------------------------------------------------------------------


def observation_close_due(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Close orders whose observation period ended without a recurrence (by the system user). Safe to re-run:
    the transition locks the row and an order already closed or reopened is skipped."""
    now = now or timezone.now()
    actor = system_user()
    closed, last_pk = 0, 0
    # An order whose customer replied during observation waits for the desk's decision (issue 23).
    due = WorkOrder.objects.filter(
        status__in=sorted(OBSERVATION_STATUSES), observation_ends_at__lte=now, observation_reply_pending=False
    )
    while True:
        ids = list(due.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return closed
        last_pk = ids[-1]
        for pk in ids:
            with transaction.atomic():
                wo = WorkOrder.objects.select_for_update().filter(pk=pk).first()
                if wo is None or wo.status not in OBSERVATION_STATUSES or not wo.observation_ends_at:
                    continue
                if wo.observation_ends_at > now or wo.observation_reply_pending:
                    continue
                workorder_close(
                    workorder=wo,
                    actor=actor,
                    note=_("Closed automatically: nothing recurred during the observation period."),
                )
                closed += 1


def deadlines_recompute(
    *, calendar_ids: Iterable[int] | None = None, batch: int = 500, actor: User | None = None
) -> dict[str, int]:
    """Recompute the stored deadlines of orders whose SLA clocks still run, on the calendars they use now (issue 21).

    Deadlines are computed once, when a clock starts or resumes; when the holiday data changes afterwards (an
    official period entered for next year, a corrected make-up day, a per-calendar override) the stored instants
    are stale. Each order whose deadlines move gets one `deadlines_recomputed` event with old → new; an order whose
    deadlines did not move is left alone, so the nightly run is safe to repeat. Paused clocks are skipped (resuming
    computes them). `calendar_ids` limits the walk to orders on those calendars (all weekly calendars otherwise;
    a 7x24 calendar has no holidays to change).
    """
    from weibao.contracts.choices import CalendarKind  # contracts' vocabulary: imported on use like the clocks

    actor = actor or system_user()
    qs = WorkOrder.objects.filter(
        status__in=sorted(ACTIVE_STATUSES), contract__isnull=False, contract__calendar__kind=CalendarKind.WEEKLY
    )
    if calendar_ids is not None:
        qs = qs.filter(contract__calendar_id__in=list(calendar_ids))
    checked = changed = 0
    last_pk = 0
    while True:
        ids = list(qs.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return {"checked": checked, "changed": changed}
        last_pk = ids[-1]
        checked += len(ids)
        # Read without locks first: on most nights nothing moved, and only the orders that did are locked and written.
        page = WorkOrder.objects.filter(pk__in=ids).select_related("contract__calendar").prefetch_related("clocks")
        for wo in page:
            if _moved(wo.clocks.all(), wo.contract.calendar.working_calendar()):
                changed += _recompute_one(wo.pk, actor=actor)


def _moved(clocks, cal) -> bool:
    for clock in clocks:
        if clock.stopped_at is not None or clock.paused_at is not None:
            continue
        old = (clock.deadline, clock.warn_at)
        wclocks._compute(clock, cal)
        if (clock.deadline, clock.warn_at) != old:
            return True
    return False


@transaction.atomic
def _recompute_one(pk: int, *, actor: User) -> int:
    wo = WorkOrder.objects.select_for_update(of=("self",)).select_related("contract__calendar").filter(pk=pk).first()
    if wo is None or wo.status not in ACTIVE_STATUSES or wo.contract is None:
        return 0
    clocks = list(wo.clocks.select_for_update())
    cal = wo.contract.calendar.working_calendar()
    moved: dict[str, list] = {}
    for clock in clocks:
        if clock.stopped_at is not None or clock.paused_at is not None:
            continue
        old_deadline, old_warn = clock.deadline, clock.warn_at
        wclocks._compute(clock, cal)
        if (clock.deadline, clock.warn_at) != (old_deadline, old_warn):
            clock.save(update_fields=["deadline", "warn_at"])
            moved[clock.kind] = [_json(old_deadline), _json(clock.deadline)]
    if not moved:
        return 0
    before = {f: getattr(wo, f) for f in CLOCK_FIELDS}
    wclocks.summarise(wo, clocks)
    _save(wo, CLOCK_FIELDS)
    fields = {f: [_json(before[f]), _json(getattr(wo, f))] for f in CLOCK_FIELDS if before[f] != getattr(wo, f)}
    _event(
        wo,
        kind=EventKind.DEADLINES_RECOMPUTED,
        actor=actor,
        body=_("The calendar changed (holidays or working hours): deadlines recalculated."),
        data={"fields": fields, "clocks": moved, "calendar": wo.contract.calendar.name},
    )
    return 1
