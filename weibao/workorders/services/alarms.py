"""The events intake of monitoring systems (issue 20 point 4), as PagerDuty's Events API v2: an alarm is stored and
answered at once (202 with a receipt and its dedup key); a task turns the pending alarms into work orders in batches
through the batch intake (`workorder_create_many`: the same rules, clocks, timeline, gapless numbers and one
transaction per batch), and folds a repeated alarm of an open incident (same organisation and dedup key) into the
order it already has."""

from __future__ import annotations

import datetime
import functools
import logging
import time
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.workorders.choices import OPEN_STATUSES, AlarmStatus
from weibao.workorders.models import AlarmEvent
from weibao.workorders.services.intake import MAX_BATCH, reports_resolve, workorder_create_each

logger = logging.getLogger(__name__)

# Any constant shared by the alarm processors: on PostgreSQL one batch is processed at a time (two batches with the
# same dedup key must not both open an order). SQLite serialises writers anyway.
_PROCESSING_LOCK = 20_204


def alarm_receive(*, actor: User, report: dict, dedup_key: str = "") -> AlarmEvent:
    """Store an alarm (a report with WorkOrderIn's fields, already validated by the schema) for the task; without a
    dedup key it gets its own, so it never folds into another. One INSERT: the request path stays short."""
    require(actor, "workorders.create")
    now = timezone.now()
    event = AlarmEvent(
        organisation_id=actor.organisation_id,
        submitted_by=actor,
        dedup_key=dedup_key or uuid.uuid4().hex,
        report=report,
        created_at=now,
        updated_at=now,
    )
    # The INSERT from SQL written once: the ORM's compilation of `save()` was a quarter of this request's CPU.
    sql, fields = _insert_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields])
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    transaction.on_commit(schedule_alarm_processing)
    return event


@functools.cache
def _insert_sql() -> tuple[str, list]:
    """INSERT of every AlarmEvent column but the id, RETURNING the id (PostgreSQL, SQLite >= 3.35)."""
    qn = connection.ops.quote_name
    fields = [f for f in AlarmEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(qn(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = qn(AlarmEvent._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {qn('id')}", fields  # noqa: S608


_window_ends = [float("-inf")]


def schedule_alarm_processing() -> None:
    """Queue the processing task for the end of this process's batch window (WEIBAO_ALARM_BATCH_SECONDS): the first
    alarm of a window queues a task that runs when the window closes, the others of the window queue nothing, and
    that one run finds them all pending. None is left behind: an alarm committed inside a window is committed
    before the task queued for its end runs. A backend that cannot delay a task (the immediate backend of tests)
    gets one task per alarm."""
    from weibao.workorders.tasks import process_alarms

    window = settings.WEIBAO_ALARM_BATCH_SECONDS
    if not process_alarms.get_backend().supports_defer or window <= 0:
        process_alarms.enqueue()
        return
    now = time.monotonic()
    if now < _window_ends[0]:
        return
    _window_ends[0] = now + window
    process_alarms.using(run_after=timezone.now() + datetime.timedelta(seconds=window)).enqueue()


def alarms_process(*, batch_size: int = MAX_BATCH) -> int:
    """Process pending alarms in batches until none is left; returns how many were handled. Safe to run twice or in
    parallel (the batches take the pending rows under a lock, and each batch is one transaction)."""
    handled = 0
    while count := _process_batch(batch_size):
        handled += count
    return handled


@transaction.atomic
def _process_batch(limit: int) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PROCESSING_LOCK])
    events = list(AlarmEvent.objects.select_for_update().filter(status=AlarmStatus.PENDING).order_by("pk")[:limit])
    if not events:
        return 0
    now = timezone.now()
    # Repeats of an incident whose order is still open fold into it.
    open_orders = {
        (org, key): wo
        for org, key, wo in AlarmEvent.objects.filter(
            organisation_id__in={e.organisation_id for e in events},
            dedup_key__in={e.dedup_key for e in events},
            status=AlarmStatus.CREATED,
            workorder__status__in=sorted(OPEN_STATUSES),
        )
        .order_by()
        .values_list("organisation_id", "dedup_key", "workorder_id")
    }
    actors = User.objects.select_related("organisation").in_bulk({e.submitted_by_id for e in events})
    by_actor: dict[int, list[AlarmEvent]] = defaultdict(list)
    leaders: dict[tuple[int, str], AlarmEvent] = {}
    followers: list[AlarmEvent] = []
    for event in events:
        key = (event.organisation_id, event.dedup_key)
        if key in open_orders:
            event.status, event.workorder_id = AlarmStatus.DUPLICATE, open_orders[key]
        elif key in leaders:
            followers.append(event)  # the same incident twice in this batch: one order, decided below
        else:
            leaders[key] = event
            by_actor[event.submitted_by_id].append(event)
    for actor_id, group in by_actor.items():
        _create_orders(actors[actor_id], group)
    for event in followers:
        leader = leaders[(event.organisation_id, event.dedup_key)]
        if leader.status == AlarmStatus.CREATED:
            event.status, event.workorder_id = AlarmStatus.DUPLICATE, leader.workorder_id
        # else: its leader was rejected; it stays pending and leads the next batch itself.
    done = [e for e in events if e.status != AlarmStatus.PENDING]
    for event in done:
        event.processed_at = event.updated_at = now
    _save_outcomes(done, now)
    return len(events)


def _save_outcomes(events: list[AlarmEvent], now: datetime.datetime) -> None:
    """The handled alarms' status, order, errors and time, from SQL written once: `bulk_update`'s CASE WHEN per row
    and field was 40 % of the task's CPU per order (issue 20 point 4). PostgreSQL: one UPDATE joined to a VALUES
    list; elsewhere one UPDATE per row (SQLite is in-process)."""
    if not events:
        return
    meta = AlarmEvent._meta
    status_f, workorder_f, errors_f, time_f = (
        meta.get_field(n) for n in ("status", "workorder", "errors", "updated_at")
    )
    at = time_f.get_db_prep_save(now, connection)
    rows = [
        (
            e.pk,
            status_f.get_db_prep_save(e.status, connection),
            e.workorder_id,
            errors_f.get_db_prep_save(e.errors, connection),
        )
        for e in events
    ]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::varchar, %s::bigint, %s::jsonb)"] * len(rows))
            cursor.execute(
                f"UPDATE {table} AS a SET {qn('status')} = v.status, {qn('workorder_id')} = v.workorder_id, "  # noqa: S608 - names from model meta
                f"{qn('errors')} = v.errors, {qn('processed_at')} = %s, {qn('updated_at')} = %s "
                f"FROM (VALUES {values}) AS v(id, status, workorder_id, errors) WHERE a.{qn('id')} = v.id",
                [at, at, *(value for row in rows for value in row)],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {qn('status')} = %s, {qn('workorder_id')} = %s, {qn('errors')} = %s, "  # noqa: S608 - names from model meta
                f"{qn('processed_at')} = %s, {qn('updated_at')} = %s WHERE {qn('id')} = %s",
                [(status, workorder_id, errors, at, at, pk) for pk, status, workorder_id, errors in rows],
            )


def _create_orders(actor: User, events: list[AlarmEvent]) -> None:
    """Orders for one caller's alarms through the batch intake. An alarm the intake refuses is rejected with its
    errors and the others go in (`workorder_create_each`)."""
    denied = {"__all__": [_("The account that sent this alarm may no longer report faults.")]}
    try:
        if not actor.is_active:
            raise PermissionDenied("workorders.create")
        prepared, errors = reports_resolve(user=actor, reports=[e.report for e in events])
    except PermissionDenied:
        _reject(events, denied)
        return
    valid = []
    for event, report, problems in zip(events, prepared, errors, strict=True):
        if problems:
            _reject([event], problems)
        else:
            valid.append((event, report))
    try:
        results = workorder_create_each(actor=actor, reports=[r for _e, r in valid])
    except PermissionDenied:
        _reject([e for e, _r in valid], denied)
        return
    except ValidationError as exc:  # not a per-report problem: nothing of this batch can go in
        _reject([e for e, _r in valid], exc.message_dict)
        return
    for (event, _report), result in zip(valid, results, strict=True):
        if isinstance(result, ValidationError):
            _reject([event], result.message_dict)
        else:
            event.status, event.workorder_id = AlarmStatus.CREATED, result.pk


def _reject(events: list[AlarmEvent], errors: dict) -> None:
    for event in events:
        event.status, event.errors = AlarmStatus.REJECTED, errors
    logger.info("alarms rejected: %s", [e.pk for e in events])
