"""Writes of the customer loop (SPEC §5, issue 12): callback selection and results, the complaint workflow, settings.

Every writer is one transaction: it validates all its input before it writes anything (bad input raises
`ValidationError({field: message})` and nothing is stored), locks the row it changes, compares `expected_version`
(StaleEdit → 409) and refuses moves the table does not allow (TransitionNotAllowed → 409). Complaint steps append
one ComplaintEvent each; deadlines are working hours on the feedback calendar (`contracts.clock`)."""

from __future__ import annotations

import datetime
import hashlib
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.accounts.permissions import has_perm, require
from weibao.contracts import clock
from weibao.contracts.choices import IntakeChannel, Severity
from weibao.feedback.choices import (
    COMPLAINT_TRANSITIONS,
    CallbackOutcome,
    CallbackRule,
    CallbackStatus,
    ComplaintCategory,
    ComplaintEventKind,
    ComplaintSeverity,
    ComplaintSource,
    ComplaintStatus,
    FollowUp,
)
from weibao.feedback.models import (
    Callback,
    CallbackAttempt,
    Complaint,
    ComplaintCounter,
    ComplaintEvent,
    FeedbackPolicy,
)
from weibao.onsite.choices import FormStatus
from weibao.onsite.models import ServiceForm
from weibao.workorders.choices import EventKind, Status
from weibao.workorders.models import WorkOrder
from weibao.workorders.services.steps import workorder_note_event

# The company's own hours when no calendar is chosen: 5x8 with China's statutory holidays and make-up days.
DEFAULT_HOURS = "09:00-12:00,13:00-18:00"
SELECTION_LOOKBACK = timedelta(days=30)  # orders closed this long ago are still picked up by the sweep
MAX_TEXT = 4000


# --- small checks -------------------------------------------------------------------------------------------------


def _text(value: Any, field: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
    value = "" if value is None else str(value)
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a NUL character, which cannot be stored.")})
    if required and not value.strip():
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters are allowed.") % {"n": max_length}})
    return value.strip()


def _choice(value: Any, field: str, choices, *, required: bool = True) -> str:
    value = "" if value is None else str(value)
    if not value and not required:
        return ""
    if value not in choices.values:
        raise ValidationError({field: _("Choose one of the listed values.")})
    return value


def _rating(value: Any, field: str = "satisfaction", *, required: bool = False) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Give a satisfaction rating from 1 to 5.")})
        return None
    try:
        rating = 0 if isinstance(value, bool) else int(value)  # True is not a rating
    except (TypeError, ValueError):
        rating = 0
    if isinstance(value, float) and value != int(value):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({field: _("The rating must be a whole number from 1 to 5.")})
    return rating


def _check_version(row, expected_version: int | None) -> None:
    from weibao.core.exceptions import StaleEdit

    if expected_version is not None and row.version != expected_version:
        raise StaleEdit


# --- settings and calendar ----------------------------------------------------------------------------------------


def policy_get() -> FeedbackPolicy:
    """The one settings row (created with the defaults on first use)."""
    policy = FeedbackPolicy.objects.select_related("calendar").order_by("pk").first()
    if policy is None:
        policy, _created = FeedbackPolicy.objects.get_or_create(pk=1)
    return policy


POLICY_FIELDS = (
    "sample_percent_cd",
    "low_rating_max",
    "max_attempts",
    "retry_after_hours",
    "due_hours_severe",
    "due_hours_low_rating",
    "due_hours_complaint",
    "due_hours_sampled",
    "complaint_answer_hours",
    "complaint_close_hours",
    "complaint_escalated_hours",
)
POLICY_LIMITS = {"sample_percent_cd": (0, 100), "low_rating_max": (0, 5), "max_attempts": (1, 20)}


@transaction.atomic
def policy_update(*, actor: User, data: dict, expected_version: int | None = None) -> FeedbackPolicy:
    """Change the callback and complaint settings (managers). Unknown keys are ignored; every value is checked."""
    require(actor, "feedback.settings")
    policy = FeedbackPolicy.objects.select_for_update().get(pk=policy_get().pk)
    _check_version(policy, expected_version)
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for field in POLICY_FIELDS:
        if field not in data:
            continue
        low, high = POLICY_LIMITS.get(field, (0, 2000))
        try:
            value = int(data[field])
        except (TypeError, ValueError):
            errors[field] = _("Enter a whole number.")
            continue
        if not low <= value <= high:
            errors[field] = _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
            continue
        changes[field] = value
    if "calendar" in data:
        changes["calendar"] = data["calendar"]
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(policy, field, value)
    policy.version += 1
    policy.save()
    return policy


def feedback_calendar(policy: FeedbackPolicy | None = None) -> clock.WorkingCalendar:
    policy = policy or policy_get()
    if policy.calendar_id:
        return policy.calendar.working_calendar()
    return _default_calendar()


_DEFAULT: list[clock.WorkingCalendar] = []


def _default_calendar() -> clock.WorkingCalendar:
    if not _DEFAULT:
        _DEFAULT.append(clock.weekly_calendar(DEFAULT_HOURS, name="5x8"))
    return _DEFAULT[0]


def due_after(start: datetime.datetime, working_hours: int, policy: FeedbackPolicy | None = None) -> datetime.datetime:
    """`start` plus `working_hours` of business time on the feedback calendar (holidays and weekends skipped)."""
    return clock.deadline(feedback_calendar(policy), start, timedelta(hours=working_hours))


# --- callback selection -------------------------------------------------------------------------------------------


def sampled(order_number: str, percent: int) -> bool:
    """Whether a C/D order falls into the sampled share. Deterministic (a hash of the number), so running the
    selection again gives the same answer and the share holds over many orders."""
    if percent <= 0:
        return False
    if percent >= 100:
        return True
    bucket = int.from_bytes(hashlib.sha256(order_number.encode()).digest()[:4], "big") % 100
    return bucket < percent


def callback_rule_for(*, severity: str, order_number: str, rating: int | None, policy: FeedbackPolicy) -> str | None:
    """The rule that puts a closed order into the callback queue, strongest first; None: no callback.
    (An order with a complaint is called back through the complaint, once it is closed.)"""
    if rating is not None and rating <= policy.low_rating_max:
        return CallbackRule.LOW_RATING
    if severity in (Severity.A, Severity.B):
        return CallbackRule.SEVERE
    if sampled(order_number, policy.sample_percent_cd):
        return CallbackRule.SAMPLED
    return None


def _due_hours(rule: str, policy: FeedbackPolicy) -> int:
    return {
        CallbackRule.COMPLAINT: policy.due_hours_complaint,
        CallbackRule.LOW_RATING: policy.due_hours_low_rating,
        CallbackRule.SEVERE: policy.due_hours_severe,
    }.get(rule, policy.due_hours_sampled)


def _order_contact(order: WorkOrder) -> tuple[str, str]:
    contact = order.contact
    if contact is not None and (contact.mobile or contact.phone):
        return contact.name, contact.mobile or contact.phone
    return order.reporter_name, order.reporter_phone


def _latest_ratings(order_ids: list[int]) -> dict[int, int]:
    """The rating of each order's latest signed service form (a later signed revision replaces an earlier one)."""
    forms = (
        ServiceForm.objects.filter(workorder_id__in=order_ids, status=FormStatus.SIGNED, satisfaction__isnull=False)
        .exclude(next_revision__status=FormStatus.SIGNED)
        .values_list("workorder_id", "satisfaction")
    )
    return dict(forms)


SWEEP_BATCH = 5000
SWEEP_OVERLAP = 1000  # event ids looked at again: a transaction that committed late behind a newer event


def _first_event_since(at: datetime.datetime) -> int:
    """The id just before the first timeline event created at or after `at`: a binary search over ids (events are
    appended in time order), a few primary-key lookups instead of a scan of the whole timeline table."""
    from weibao.workorders.models import WorkOrderEvent

    bounds = WorkOrderEvent.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return 0
    lo, hi = bounds["lo"], bounds["hi"] + 1  # hi: one past the newest (no event at or after `at`)
    while lo < hi:
        mid = (lo + hi) // 2
        row = WorkOrderEvent.objects.filter(pk__gte=mid).order_by("pk").values_list("pk", "created_at").first()
        if row is None or row[1] >= at:
            hi = mid
        else:
            lo = row[0] + 1
    return max(lo - 1, 0)


def _closed_since_mark(policy: FeedbackPolicy, now: datetime.datetime) -> tuple[list[int], int]:
    """Orders with a closing event after the policy's mark (minus an overlap), and the new mark."""
    from weibao.workorders.models import WorkOrderEvent

    mark = policy.swept_event_id or _first_event_since(now - SELECTION_LOOKBACK)
    after, newest, ids = max(mark - SWEEP_OVERLAP, 0), mark, set()
    while True:
        batch = list(
            WorkOrderEvent.objects.filter(pk__gt=after, kind=EventKind.CLOSED)
            .order_by("pk")
            .values_list("pk", "workorder_id")[:SWEEP_BATCH]
        )
        ids.update(order_id for _pk, order_id in batch)
        if batch:
            after = newest = max(newest, batch[-1][0])
        if len(batch) < SWEEP_BATCH:
            return sorted(ids), newest


def callbacks_select(*, now: datetime.datetime | None = None, since: datetime.datetime | None = None) -> int:
    """Put every closed order that a rule selects into the callback queue (once per order). Safe to run again and
    in parallel: the unique constraint keeps one callback per order. Returns how many were added.

    Without `since` the sweep reads the closing events written since the last run (incremental, cheap at any size);
    with `since` it looks at every order closed from then on (a manual catch-up)."""
    now = now or timezone.now()
    policy = policy_get()
    has_cb = Callback.objects.filter(order=OuterRef("pk"), complaint__isnull=True)
    has_complaint = Complaint.objects.filter(order=OuterRef("pk"))
    orders = WorkOrder.objects.filter(status=Status.CLOSED, closed_at__gte=since or now - SELECTION_LOOKBACK)
    mark = None
    if since is None:
        order_ids, mark = _closed_since_mark(policy, now)
        orders = orders.filter(pk__in=order_ids)
    added = 0
    orders = orders.annotate(has_cb=Exists(has_cb), has_complaint=Exists(has_complaint)).filter(has_cb=False)
    last_pk = 0
    while True:  # by primary key: the rows just given a callback drop out of `orders`, so no offsets
        chunk = list(orders.filter(pk__gt=last_pk).select_related("contact").order_by("pk")[:SWEEP_BATCH])
        added += _select_chunk(chunk, policy)
        if len(chunk) < SWEEP_BATCH:
            break
        last_pk = chunk[-1].pk
    if mark is not None and mark > policy.swept_event_id:
        # Conditional: two sweeps at once never move the mark backwards.
        FeedbackPolicy.objects.filter(pk=policy.pk, swept_event_id__lt=mark).update(swept_event_id=mark)
    return added


def _select_chunk(orders: list[WorkOrder], policy: FeedbackPolicy) -> int:
    ratings = _latest_ratings([o.pk for o in orders])
    rows = []
    for order in orders:
        rule = callback_rule_for(
            severity=order.severity,
            order_number=order.number,
            rating=ratings.get(order.pk),
            policy=policy,
        )
        if rule is None or order.has_complaint:
            continue
        name, phone = _order_contact(order)
        rows.append(
            Callback(
                customer_id=order.organisation_id,
                order=order,
                engineer_id=order.assignee_id,
                contract_id=order.contract_id,
                branch_id=order.branch_id,
                rule=rule,
                contact_name=name[:100],
                contact_phone=phone[:40],
                due_at=due_after(order.closed_at, _due_hours(rule, policy), policy),
            )
        )
    Callback.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def callback_add(*, order: WorkOrder, actor: User) -> Callback:
    """A manager adds an order to the queue by hand (e.g. the customer asked to be called)."""
    require(actor, "feedback.callbacks")
    existing = Callback.objects.filter(order=order, complaint__isnull=True).first()
    if existing is not None:
        return existing
    policy = policy_get()
    name, phone = _order_contact(order)
    return Callback.objects.create(
        customer_id=order.organisation_id,
        order=order,
        engineer_id=order.assignee_id,
        contract_id=order.contract_id,
        branch_id=order.branch_id,
        rule=CallbackRule.MANUAL,
        contact_name=name[:100],
        contact_phone=phone[:40],
        due_at=due_after(timezone.now(), policy.due_hours_sampled, policy),
    )


def _callback_for_complaint(complaint: Complaint, at: datetime.datetime) -> Callback:
    """Every complaint is called back once it is closed: was the customer satisfied with how it was handled?"""
    policy = policy_get()
    callback, _created = Callback.objects.get_or_create(
        complaint=complaint,
        defaults={
            "customer_id": complaint.customer_id,
            "order_id": complaint.order_id,
            "engineer_id": complaint.engineer_id,
            "contract_id": complaint.contract_id,
            "branch_id": complaint.branch_id,
            "rule": CallbackRule.COMPLAINT,
            "contact_name": complaint.complainant_name,
            "contact_phone": complaint.complainant_phone,
            "due_at": due_after(at, policy.due_hours_complaint, policy),
        },
    )
    return callback


# --- callback results ---------------------------------------------------------------------------------------------


@transaction.atomic
def callback_record(
    *,
    callback: Callback,
    actor: User,
    outcome: str,
    satisfaction: Any = None,
    remark: str = "",
    follow_up: str = "",
    follow_up_text: str = "",
    complaint_category: str = "",
    follow_up_severity: str = "",
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Callback:
    """Record one call. Not reached: a try is counted and the callback comes back after the retry delay, until the
    tries are used up (then it is closed as unreachable). Reached: satisfaction 1–5 and the customer's words; a
    follow-up opens a new work order or registers a complaint in the same transaction."""
    require(actor, "feedback.callbacks")
    now = now or timezone.now()
    outcome = _choice(outcome, "outcome", CallbackOutcome)
    remark = _text(remark, "remark")
    rating = None
    follow_up = _choice(follow_up, "follow_up", FollowUp, required=False)
    follow_up_text = _text(follow_up_text, "follow_up_text")
    if outcome == CallbackOutcome.REACHED:
        rating = _rating(satisfaction, required=True)
        if follow_up and not follow_up_text:
            raise ValidationError({"follow_up_text": _("Describe what the customer asks for.")})
        if follow_up == FollowUp.COMPLAINT:
            complaint_category = _choice(
                complaint_category or ComplaintCategory.OTHER, "complaint_category", ComplaintCategory
            )
        if follow_up == FollowUp.NEW_ORDER:
            follow_up_severity = _choice(follow_up_severity or Severity.C, "follow_up_severity", Severity)
    else:
        if satisfaction not in (None, ""):
            raise ValidationError({"satisfaction": _("A call that did not reach the customer has no rating.")})
        if follow_up:
            raise ValidationError({"follow_up": _("A follow-up needs the customer reached.")})

    cb = Callback.objects.select_for_update(of=("self",)).select_related("order", "order__site").get(pk=callback.pk)
    _check_version(cb, expected_version)
    if cb.status != CallbackStatus.PENDING:
        from weibao.core.exceptions import TransitionNotAllowed

        raise TransitionNotAllowed(
            current=cb.status,
            requested=outcome,
            message=_("This callback is already finished (%(status)s).") % {"status": cb.get_status_display()},
        )
    policy = policy_get()
    CallbackAttempt.objects.create(callback=cb, outcome=outcome, note=remark, actor=actor, created_at=now)
    cb.attempts += 1
    cb.outcome = outcome
    if outcome == CallbackOutcome.NOT_REACHED:
        if cb.attempts >= policy.max_attempts:
            cb.status = CallbackStatus.UNREACHABLE
            cb.done_at, cb.done_by, cb.next_try_at = now, actor, None
        else:
            cb.next_try_at = due_after(now, policy.retry_after_hours, policy)
    else:
        cb.status = CallbackStatus.DONE
        cb.satisfaction, cb.remark, cb.follow_up = rating, remark, follow_up
        cb.done_at, cb.done_by, cb.next_try_at = now, actor, None
    cb.version += 1
    cb.save()
    if follow_up == FollowUp.NEW_ORDER:
        cb.follow_up_order = _follow_up_order(cb, actor=actor, text=follow_up_text, severity=follow_up_severity)
        cb.save(update_fields=["follow_up_order"])
    if cb.order_id:
        # On the order's timeline: the customer sees a reached call's rating and follow-up (visibility.RULES), a
        # try that reached nobody and the manager's notes stay with us.
        workorder_note_event(
            workorder=cb.order,
            actor=actor,
            kind=EventKind.CALLBACK_MADE,
            body=remark,
            internal=outcome != CallbackOutcome.REACHED,
            data={
                "callback": cb.pk,
                "outcome": outcome,
                "attempt": cb.attempts,
                "satisfaction": rating,
                "follow_up": follow_up,
                "follow_up_order": cb.follow_up_order.number if cb.follow_up_order_id else "",
                "status": cb.status,
            },
        )
    if follow_up == FollowUp.COMPLAINT:  # after the call on the timeline
        complaint_register(
            actor=actor,
            customer=cb.customer,
            order=cb.order,
            engineer=cb.engineer,
            source=ComplaintSource.CALLBACK,
            category=complaint_category,
            severity=ComplaintSeverity.MINOR,
            complainant_name=cb.contact_name or cb.customer.name,
            complainant_phone=cb.contact_phone,
            description=follow_up_text,
            from_callback=cb,
        )
    return cb


def _follow_up_order(cb: Callback, *, actor: User, text: str, severity: str) -> WorkOrder:
    from weibao.workorders.services import workorder_create

    order = cb.order
    if order is None:
        raise ValidationError({"follow_up": _("This callback has no work order to follow up on.")})
    if not has_perm(actor, "workorders.create"):
        raise PermissionDenied("workorders.create")
    return workorder_create(
        actor=actor,
        customer=order.customer,
        site=order.site,
        channel=IntakeChannel.PHONE,
        symptom=text,
        severity=severity,
        reporter_name=cb.contact_name,
        reporter_phone=cb.contact_phone,
        contact=order.contact,
        source_ref=_("Callback on %(number)s") % {"number": order.number},
    )


@transaction.atomic
def callback_cancel(*, callback: Callback, actor: User, expected_version: int | None = None) -> Callback:
    require(actor, "feedback.callbacks")
    cb = Callback.objects.select_for_update().get(pk=callback.pk)
    _check_version(cb, expected_version)
    if cb.status == CallbackStatus.CANCELLED:
        return cb
    if cb.status != CallbackStatus.PENDING:
        from weibao.core.exceptions import TransitionNotAllowed

        raise TransitionNotAllowed(current=cb.status, requested=CallbackStatus.CANCELLED)
    cb.status, cb.done_at, cb.done_by = CallbackStatus.CANCELLED, timezone.now(), actor
    cb.version += 1
    cb.save()
    return cb


# --- complaints ---------------------------------------------------------------------------------------------------


def _complaint_number(at: datetime.datetime) -> str:
    """The next `TS-<year>-<nnnnn>`: one atomic upsert on the year's counter row (like work-order numbers). The row
    stays locked until the registering transaction ends, so numbers have no gaps and never clash; a registration
    that fails gives its number back with its rollback."""
    year = timezone.localtime(at).year
    table = connection.ops.quote_name(ComplaintCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 - table name from model meta
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (n,) = cursor.fetchone()
    return f"TS-{year}-{n:05d}"


def _system_user() -> User:
    from weibao.workorders.services import system_user

    return system_user()


# Each complaint step about an order is also written on the order's timeline (the one rule in
# workorders/visibility.py decides who sees what of it: a complaint about an engineer is the managers').
ORDER_EVENT_FOR_STEP = {
    ComplaintEventKind.REGISTERED: EventKind.COMPLAINT_REGISTERED,
    ComplaintEventKind.INVESTIGATING: EventKind.COMPLAINT_INVESTIGATING,
    ComplaintEventKind.ENGINEER_STATEMENT: EventKind.COMPLAINT_STATEMENT,
    ComplaintEventKind.NOTE: EventKind.COMPLAINT_NOTE,
    ComplaintEventKind.ANSWERED: EventKind.COMPLAINT_ANSWERED,
    ComplaintEventKind.ESCALATED: EventKind.COMPLAINT_ESCALATED,
    ComplaintEventKind.CLOSED: EventKind.COMPLAINT_CLOSED,
    ComplaintEventKind.CONFIRMED: EventKind.COMPLAINT_CONFIRMED,
    ComplaintEventKind.UNCONFIRMED: EventKind.COMPLAINT_UNCONFIRMED,
}


def _event(complaint: Complaint, kind: str, actor: User | None, *, body: str = "", old: str = "", internal=None):
    from weibao.feedback.choices import CUSTOMER_VISIBLE_EVENTS

    event = ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        old_status=old,
        new_status=complaint.status if old or kind == ComplaintEventKind.REGISTERED else "",
        body=body,
        internal=kind not in CUSTOMER_VISIBLE_EVENTS if internal is None else internal,
    )
    if complaint.order_id:
        workorder_note_event(
            workorder=complaint.order,
            actor=actor or _system_user(),
            kind=ORDER_EVENT_FOR_STEP[kind],
            body=body,
            internal=event.internal,
            data={
                "complaint": complaint.pk,
                "number": complaint.number,
                "complaint_status": complaint.status,
                "engineer": complaint.engineer_id,  # set: the step is the managers' (visibility.staff_fields)
            },
        )
    return event


@transaction.atomic
def complaint_register(
    *,
    actor: User,
    customer,
    source: str,
    category: str,
    description: str,
    complainant_name: str,
    complainant_phone: str = "",
    severity: str = ComplaintSeverity.MINOR,
    order: WorkOrder | None = None,
    engineer: User | None = None,
    from_callback: Callback | None = None,
    registered_at: datetime.datetime | None = None,
) -> Complaint:
    """Register a complaint from the complaint line, the portal, e-mail or a callback, against an order and/or an
    engineer. Deadlines: the first answer and the closing, in working hours from registration."""
    require(actor, "feedback.complaints_register")
    errors: dict[str, str] = {}
    if actor.is_customer:
        # The portal: a customer complains for its own organisation only, about its own orders.
        if customer.pk != actor.organisation_id:
            raise PermissionDenied("feedback.complaints_register")
        source = ComplaintSource.PORTAL
    if order is not None and order.organisation_id != customer.pk:
        errors["order"] = _("This work order belongs to another customer.")
    if engineer is not None and not engineer.is_internal:
        errors["engineer"] = _("Complaints name one of our engineers.")
    if errors:
        raise ValidationError(errors)
    source = _choice(source, "source", ComplaintSource)
    category = _choice(category, "category", ComplaintCategory)
    severity = _choice(severity or ComplaintSeverity.MINOR, "severity", ComplaintSeverity)
    description = _text(description, "description", required=True)
    complainant_name = _text(complainant_name, "complainant_name", required=True, max_length=100)
    complainant_phone = _text(complainant_phone, "complainant_phone", max_length=40)
    if engineer is None and order is not None and order.assignee_id and category != ComplaintCategory.CHARGES:
        engineer = order.assignee  # a complaint about an order's service is about its engineer until shown otherwise
    registered_at = registered_at or timezone.now()
    policy = policy_get()
    complaint = Complaint(
        customer=customer,
        order=order,
        engineer=engineer,
        contract_id=order.contract_id if order else None,
        branch_id=order.branch_id if order else getattr(getattr(customer, "customer", None), "branch_id", None),
        source=source,
        category=category,
        severity=severity,
        complainant_name=complainant_name,
        complainant_phone=complainant_phone,
        description=description,
        registered_at=registered_at,
        registered_by=actor,
        answer_due_at=due_after(registered_at, policy.complaint_answer_hours, policy),
        close_due_at=due_after(registered_at, policy.complaint_close_hours, policy),
        from_callback=from_callback,
    )
    complaint.number = _complaint_number(registered_at)
    complaint.save(force_insert=True)
    _event(complaint, ComplaintEventKind.REGISTERED, actor, body=description, internal=False)
    return complaint


def _lock_complaint(complaint: Complaint, expected_version: int | None) -> Complaint:
    c = Complaint.objects.select_for_update().get(pk=complaint.pk)
    _check_version(c, expected_version)
    return c


def _move(c: Complaint, to: str) -> str:
    from weibao.core.exceptions import TransitionNotAllowed

    if to not in COMPLAINT_TRANSITIONS[c.status]:
        raise TransitionNotAllowed(
            current=c.get_status_display(),
            requested=ComplaintStatus(to).label,
        )
    old, c.status = c.status, to
    return old


def _save(c: Complaint) -> Complaint:
    c.version += 1
    c.save()
    return c


@transaction.atomic
def complaint_investigate(*, complaint: Complaint, actor: User, note: str = "", expected_version=None) -> Complaint:
    """A manager takes the complaint up (registered → investigating)."""
    require(actor, "feedback.complaints_manage")
    note = _text(note, "note")
    c = _lock_complaint(complaint, expected_version)
    old = _move(c, ComplaintStatus.INVESTIGATING)
    _save(c)
    _event(c, ComplaintEventKind.INVESTIGATING, actor, body=note, old=old, internal=False)
    return c


@transaction.atomic
def complaint_statement(*, complaint: Complaint, actor: User, text: str) -> ComplaintEvent:
    """The engineer complained about gives their side (or a manager records it). Internal: never to the customer."""
    text = _text(text, "text", required=True)
    c = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not (has_perm(actor, "feedback.complaints_manage") or (c.engineer_id and c.engineer_id == actor.pk)):
        raise PermissionDenied("feedback.complaints_answer")
    if c.status == ComplaintStatus.CLOSED:
        from weibao.core.exceptions import TransitionNotAllowed

        raise TransitionNotAllowed(current=c.status, requested="statement", message=_("The complaint is closed."))
    return _event(c, ComplaintEventKind.ENGINEER_STATEMENT, actor, body=text, internal=True)


@transaction.atomic
def complaint_note(*, complaint: Complaint, actor: User, text: str) -> ComplaintEvent:
    require(actor, "feedback.complaints_manage")
    text = _text(text, "text", required=True)
    c = Complaint.objects.select_for_update().get(pk=complaint.pk)
    return _event(c, ComplaintEventKind.NOTE, actor, body=text, internal=True)


@transaction.atomic
def complaint_answer(*, complaint: Complaint, actor: User, answer: str, expected_version=None) -> Complaint:
    """The answer to the customer (investigating or escalated → answered); the first answer stops the answer clock."""
    require(actor, "feedback.complaints_manage")
    answer = _text(answer, "answer", required=True)
    c = _lock_complaint(complaint, expected_version)
    old = _move(c, ComplaintStatus.ANSWERED)
    c.answer = answer
    c.answered_at = c.answered_at or timezone.now()
    _save(c)
    _event(c, ComplaintEventKind.ANSWERED, actor, body=answer, old=old)
    return c


@transaction.atomic
def complaint_accept(*, complaint: Complaint, actor: User, note: str = "", expected_version=None) -> Complaint:
    """The customer accepts the answer (in the portal, or a manager records it): closed, and the complaint joins the
    callback queue."""
    c = _lock_complaint(complaint, expected_version)
    _check_customer_or_manager(actor, c)
    note = _text(note, "note")
    old = _move(c, ComplaintStatus.CLOSED)
    c.closed_at = timezone.now()
    _save(c)
    _event(c, ComplaintEventKind.CLOSED, actor, body=note, old=old)
    _callback_for_complaint(c, c.closed_at)
    return c


@transaction.atomic
def complaint_escalate(*, complaint: Complaint, actor: User, reason: str, expected_version=None) -> Complaint:
    """The customer does not accept the answer (or a manager judges it serious): to the general manager, with a
    new answer deadline."""
    c = _lock_complaint(complaint, expected_version)
    _check_customer_or_manager(actor, c)
    reason = _text(reason, "reason", required=True)
    old = _move(c, ComplaintStatus.ESCALATED)
    policy = policy_get()
    c.escalated_at = timezone.now()
    c.answer_due_at = due_after(c.escalated_at, policy.complaint_escalated_hours, policy)
    c.answered_at = None
    _save(c)
    _event(c, ComplaintEventKind.ESCALATED, actor, body=reason, old=old)
    return c


def _check_customer_or_manager(actor: User, c: Complaint) -> None:
    if actor.is_customer and actor.organisation_id == c.customer_id:
        return
    require(actor, "feedback.complaints_manage")


@transaction.atomic
def complaint_confirm(
    *, complaint: Complaint, actor: User, confirmed: bool = True, note: str = "", expected_version=None
) -> Complaint:
    """A manager confirms the complaint counts against the engineer (or withdraws that). Only a confirmed complaint
    reaches the engineer's statistics and pay."""
    require(actor, "feedback.complaints_manage")
    note = _text(note, "note")
    c = _lock_complaint(complaint, expected_version)
    if c.engineer_id is None:
        raise ValidationError({"engineer": _("The complaint names no engineer.")})
    if confirmed == (c.confirmed_at is not None):
        return c  # a repeated click: nothing changes, no second event
    c.confirmed_at, c.confirmed_by = (timezone.now(), actor) if confirmed else (None, None)
    _save(c)
    kind = ComplaintEventKind.CONFIRMED if confirmed else ComplaintEventKind.UNCONFIRMED
    _event(c, kind, actor, body=note, internal=True)
    return c
