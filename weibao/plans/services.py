"""Writes of the plans app (issue 22). Every function is one transaction that checks all its input before it writes
anything (a bad milestone leaves no half-stored plan), locks what it changes, compares `expected_version` and
records the step on the order's timeline through the work-order step services (which move the plan clock)."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.contracts.choices import Severity
from weibao.core import action_links
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.plans.choices import (
    CHANGE_TRANSITIONS,
    DECISION_STATUS,
    OPEN_PLAN_STATUSES,
    AnswerVia,
    ChangeStatus,
    PlanDecision,
    PlanStatus,
)
from weibao.plans.models import ChangeRequest, Milestone, ProcessingReport, ReviewReminder, SolutionPlan
from weibao.workorders import clocks as wclocks
from weibao.workorders.choices import OPEN_STATUSES, AlertLevel, EventKind, Status
from weibao.workorders.models import LegacyReview, WorkOrder
from weibao.workorders.services.steps import (
    PLAN_CLOCK_RUN,
    PLAN_CLOCK_STOP,
    workorder_alert_record,
    workorder_lock,
    workorder_plan_step,
    workorder_record_step,
)

logger = logging.getLogger(__name__)

LINK_PURPOSE = "plans.plan"
LINK_CHOICE = "answer"  # one token per recipient; the decision is the customer's choice on the page
MAX_MILESTONES = 20
TEXT_FIELDS = ("cause", "cause_confirmed_by", "actions", "risks", "parts", "internal_note")
MAX_MONEY = Decimal("9999999999.99")


# --- small checks -------------------------------------------------------------------------------------------------


def _text(value: Any, field: str, *, required: bool = False, max_length: int | None = None) -> str:
    value = "" if value is None else str(value)
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a NUL character, which cannot be stored.")})
    if required and not value.strip():
        raise ValidationError({field: _("This field is required.")})
    if max_length is not None and len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters are allowed.") % {"n": max_length}})
    return value.strip()


def _staff(actor: User, perm: str, workorder: WorkOrder | None = None) -> None:
    require(actor, perm)
    if workorder is not None and not actor.is_internal and workorder.organisation_id != actor.organisation_id:
        raise PermissionDenied(perm)


def _date(value: Any, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("Enter a valid date.")}) from None


def _zone(cal):
    # A 7x24 calendar counts in UTC; its days are still the customer's local days.
    return timezone.get_current_timezone() if cal.always else cal.zone


def milestone_due_at(cal, day: datetime.date) -> datetime.datetime:
    """When a milestone due on `day` is missed: at the end of that working day on the order's calendar; a date that
    is no working day (a weekend, an official holiday) is due at the end of the next working day."""
    for offset in range(0, 400):
        candidate = day + datetime.timedelta(days=offset)
        info = cal.day_info(candidate)
        if info.is_working:
            end_minute = info.hours[-1][1]
            local = datetime.datetime.combine(candidate, datetime.time(0), tzinfo=_zone(cal))
            return (local + datetime.timedelta(minutes=end_minute)).astimezone(datetime.UTC)
    raise ValidationError({"due_on": _("The calendar has no working day after this date.")})


def working_day_start(cal, day: datetime.date) -> datetime.datetime:
    """The first working instant on `day`, or on the next working day when `day` is none."""
    for offset in range(0, 400):
        candidate = day + datetime.timedelta(days=offset)
        info = cal.day_info(candidate)
        if info.is_working:
            local = datetime.datetime.combine(candidate, datetime.time(0), tzinfo=_zone(cal))
            return (local + datetime.timedelta(minutes=info.hours[0][0])).astimezone(datetime.UTC)
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=_zone(cal)).astimezone(datetime.UTC)


def _clean_milestones(workorder: WorkOrder, rows: Any) -> list[dict]:
    """The schedule's rows, every problem reported at once as "milestones.<n>.<field>". Rows left entirely empty
    (a form's spare lines) are dropped; a step without a date, or dated before the fault was reported, is refused."""
    rows = list(rows or [])
    if len(rows) > MAX_MILESTONES:
        raise ValidationError({"milestones": _("At most %(n)s milestones.") % {"n": MAX_MILESTONES}})
    reported_on = timezone.localtime(workorder.reported_at).date()
    cal = wclocks.sla_targets(workorder).calendar
    cleaned, errors = [], {}
    for i, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        try:
            title = _text(row.get("title"), "title", max_length=200)
        except ValidationError:
            errors[f"milestones.{i}.title"] = [_("At most 200 characters, no NUL characters.")]
            continue
        try:
            due_on = _date(row.get("due_on"), "due_on")
        except ValidationError:
            errors[f"milestones.{i}.due_on"] = [_("Enter a valid date.")]
            continue
        if not title and due_on is None:
            continue
        if not title:
            errors[f"milestones.{i}.title"] = [_("Say what is done by this date.")]
        if due_on is None:
            errors[f"milestones.{i}.due_on"] = [_("A schedule needs a date for every milestone.")]
        elif due_on < reported_on:
            errors[f"milestones.{i}.due_on"] = [
                _("A milestone cannot be due before the fault was reported (%(day)s).") % {"day": reported_on}
            ]
        elif due_on.year > 2100:
            errors[f"milestones.{i}.due_on"] = [_("Enter a valid date.")]
        if f"milestones.{i}.title" in errors or f"milestones.{i}.due_on" in errors:
            continue
        cleaned.append({"title": title, "due_on": due_on, "due_at": milestone_due_at(cal, due_on)})
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_plan(data: dict[str, Any]) -> dict[str, str]:
    out, errors = {}, {}
    for name in TEXT_FIELDS:
        try:
            out[name] = _text(data.get(name), name, max_length=100 if name == "cause_confirmed_by" else 20000)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return out


def _write_milestones(plan: SolutionPlan, rows: list[dict]) -> None:
    Milestone.objects.filter(plan=plan).delete()
    Milestone.objects.bulk_create(
        [
            Milestone(
                organisation_id=plan.organisation_id,
                plan=plan,
                workorder_id=plan.workorder_id,
                position=i,
                title=row["title"],
                due_on=row["due_on"],
                due_at=row["due_at"],
            )
            for i, row in enumerate(rows)
        ]
    )


def _lock_plan(plan: SolutionPlan) -> SolutionPlan:
    return SolutionPlan.objects.select_for_update().get(pk=plan.pk)


def _check_plan_version(plan: SolutionPlan, expected_version: int | None) -> None:
    if expected_version is not None and plan.version != expected_version:
        raise StaleEdit


def _bump(plan: SolutionPlan, fields: list[str]) -> None:
    plan.version += 1
    plan.save(update_fields=sorted({*fields, "version", "updated_at"}))


def _refuse_plan(plan: SolutionPlan, requested: str, message: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(current=str(PlanStatus(plan.status).label), requested=requested, message=message)


# --- the solution plan ----------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *, workorder: WorkOrder, actor: User, milestones: Any = (), expected_version: int | None = None, **fields: Any
) -> SolutionPlan:
    """A new draft version of the order's solution plan (the previous answered version stays until this one is
    approved). Drafting does not stop the plan clock: only submitting to the customer does."""
    _staff(actor, "plans.edit", workorder)
    if not actor.is_internal:
        raise PermissionDenied("plans.edit")
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    data = _clean_plan(fields)
    rows = _clean_milestones(workorder, milestones)
    if not any(data[n] for n in ("cause", "actions", "risks", "parts")) and not rows:
        raise ValidationError({"actions": _("The plan is empty: describe the cause and the proposed actions.")})
    wo = workorder_lock(workorder)
    if wo.status not in OPEN_STATUSES:
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label),
            requested=str(_("Solution plan")),
            message=_("A plan can only be made for an open order."),
        )
    if expected_version is not None and wo.version != expected_version:
        raise StaleEdit
    current = SolutionPlan.objects.filter(workorder=wo, status__in=OPEN_PLAN_STATUSES).first()
    if current is not None:
        raise _refuse_plan(
            current,
            str(PlanStatus.DRAFT.label),
            _("Version %(n)s is still a draft or waiting for the customer: change or answer it first.")
            % {"n": current.revision},
        )
    revision = (SolutionPlan.objects.filter(workorder=wo).aggregate(n=Max("revision"))["n"] or 0) + 1
    plan = SolutionPlan.objects.create(
        organisation_id=wo.organisation_id, workorder=wo, revision=revision, created_by=actor, **data
    )
    _write_milestones(plan, rows)
    return plan


@transaction.atomic
def plan_update(
    *, plan: SolutionPlan, actor: User, milestones: Any = None, expected_version: int | None = None, **fields: Any
) -> SolutionPlan:
    """Change a draft (a submitted plan is changed by a new version after the customer's answer)."""
    workorder = plan.workorder
    _staff(actor, "plans.edit", workorder)
    if not actor.is_internal:
        raise PermissionDenied("plans.edit")
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    workorder_lock(workorder)  # always the order first, then the plan: no deadlock with an answer
    locked = _lock_plan(plan)
    merged = {n: fields.get(n, getattr(locked, n)) for n in TEXT_FIELDS}
    data = _clean_plan(merged)
    rows = _clean_milestones(workorder, milestones) if milestones is not None else None
    has_rows = bool(rows) if rows is not None else locked.milestones.exists()
    if not any(data[n] for n in ("cause", "actions", "risks", "parts")) and not has_rows:
        raise ValidationError({"actions": _("The plan is empty: describe the cause and the proposed actions.")})
    if locked.status != PlanStatus.DRAFT:
        raise _refuse_plan(locked, str(PlanStatus.DRAFT.label), _("Only a draft can be changed."))
    _check_plan_version(locked, expected_version)
    for name, value in data.items():
        setattr(locked, name, value)
    _bump(locked, list(TEXT_FIELDS))
    if rows is not None:
        _write_milestones(locked, rows)
    return locked


@transaction.atomic
def plan_draft_from_text(
    *, workorder: WorkOrder, actor: User, text: str, expected_version: int | None = None
) -> SolutionPlan:
    """The order page's free-text "record solution plan" action (`workorders.services.workorder_record_plan`): the
    text becomes the proposed actions of a DRAFT plan — a new version, or the open draft's actions replaced. The
    plan clock keeps running and the customer sees nothing yet: the clock stops when the plan is submitted to the
    customer (`plan_submit`), whose answer the plan then waits for. One internal timeline event."""
    text = _text(text, "plan", required=True, max_length=20000)
    wo = workorder_lock(workorder)
    if expected_version is not None and wo.version != expected_version:
        raise StaleEdit
    current = SolutionPlan.objects.select_for_update().filter(workorder=wo, status__in=OPEN_PLAN_STATUSES).first()
    if current is None:
        plan = plan_create(workorder=wo, actor=actor, actions=text)
    elif current.status == PlanStatus.DRAFT:
        if current.actions == text:
            return current  # a repeated click
        plan = plan_update(plan=current, actor=actor, actions=text)
    else:
        raise _refuse_plan(
            current,
            str(PlanStatus.DRAFT.label),
            _("Version %(n)s is waiting for the customer's answer: record the answer first.") % {"n": current.revision},
        )
    workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="plans.edit",
        kind=EventKind.PLAN_RECORDED,
        body=text,
        internal=True,
        statuses=OPEN_STATUSES,
        data={"plan": plan.pk, "revision": plan.revision, "status": plan.status},
    )
    return plan


def _milestone_data(plan: SolutionPlan) -> list[dict]:
    return [{"title": m.title, "due_on": m.due_on.isoformat()} for m in plan.milestones.order_by("position", "id")]


@transaction.atomic
def plan_submit(*, plan: SolutionPlan, actor: User, expected_version: int | None = None) -> SolutionPlan:
    """Submit a draft to the customer: the plan clock stops now (SPEC §3 A 48 h / B 72 h / C 108 h). A plan needs its
    proposed actions; a C plan needs its schedule (C: "a concrete solution and a time schedule agreed with the
    user")."""
    workorder = plan.workorder
    _staff(actor, "plans.edit", workorder)
    workorder_lock(workorder)
    locked = _lock_plan(plan)
    if locked.status == PlanStatus.SUBMITTED:
        return locked  # a second click
    if locked.status != PlanStatus.DRAFT:
        raise _refuse_plan(locked, str(PlanStatus.SUBMITTED.label), _("Only a draft can be submitted."))
    _check_plan_version(locked, expected_version)
    errors = {}
    if not locked.actions.strip():
        errors["actions"] = [_("Describe the proposed actions before submitting the plan.")]
    milestones = _milestone_data(locked)
    if workorder.severity == Severity.C and not milestones:
        errors["milestones"] = [_("A C-class plan needs a schedule: at least one milestone with a date.")]
    if workorder.severity == Severity.A:
        # A: "与甲方公司专责人员一起确定问题原因" — the cause is confirmed together with a named person of the customer.
        if not locked.cause.strip():
            errors["cause"] = [_("An A-class plan states the cause confirmed with the customer.")]
        if not locked.cause_confirmed_by.strip():
            errors["cause_confirmed_by"] = [_("Name the customer's person who confirmed the cause.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    workorder_plan_step(
        workorder=workorder,
        actor=actor,
        perm="plans.edit",
        kind=EventKind.PLAN_SUBMITTED,
        plan_clock=PLAN_CLOCK_STOP,
        plan=locked.summary(),
        body=locked.summary(),
        data={
            "plan": locked.pk,
            "revision": locked.revision,
            "milestones": milestones,
            "status": PlanStatus.SUBMITTED.value,
        },
    )
    locked.status, locked.submitted_at, locked.submitted_by = PlanStatus.SUBMITTED, now, actor
    _bump(locked, ["status", "submitted_at", "submitted_by"])
    return locked


def _answer(
    *,
    plan: SolutionPlan,
    actor: User,
    decision: str,
    via: str,
    name: str,
    reason: str,
    expected_version: int | None,
    link_id: int | None = None,
) -> SolutionPlan:
    workorder = plan.workorder
    if decision not in PlanDecision.values:
        raise ValidationError({"decision": _("Choose approve, ask for changes or reject.")})
    if via not in AnswerVia.values:
        raise ValidationError({"via": _("Unknown channel.")})
    if link_id is None:
        _staff(actor, "plans.answer", workorder)
        if actor.is_customer and via != AnswerVia.PORTAL:
            raise ValidationError({"via": _("Answer in the customer portal.")})
        if actor.is_internal and via != AnswerVia.PHONE:
            raise ValidationError({"via": _("Our staff record the customer's answer given by phone.")})
    name = _text(name, "name", max_length=100) or (actor.name if actor.is_customer else "")
    if via in (AnswerVia.PHONE, AnswerVia.LINK) and not name:
        raise ValidationError({"name": _("Enter the name of the person answering.")})
    reason = _text(reason, "reason", max_length=5000)
    if decision != PlanDecision.APPROVE and not reason:
        raise ValidationError({"reason": _("Say what should change or why the plan is rejected.")})
    now = timezone.now()
    if link_id is None:
        # Answered another way: the links sent for this version are spent. Done first, so that the lock order is
        # the link's, then the order's — as when the answer comes through a link (no deadlock between the two).
        from weibao.core.models import ActionLink

        ActionLink.objects.filter(purpose=LINK_PURPOSE, target_id=plan.pk, used_at__isnull=True).update(expires_at=now)
    workorder_lock(workorder)
    locked = _lock_plan(plan)
    wanted = DECISION_STATUS[PlanDecision(decision)]
    if locked.status == wanted:
        return locked  # the same answer again (two tabs, a retried request): recorded once
    if locked.status != PlanStatus.SUBMITTED:
        raise _refuse_plan(
            locked, str(PlanStatus(wanted).label), _("This plan version was already answered or is not submitted.")
        )
    _check_plan_version(locked, expected_version)
    data = {"plan": locked.pk, "revision": locked.revision, "via": via, "name": name}
    if link_id is not None:
        data["link"] = link_id
    if decision == PlanDecision.APPROVE:
        # The schedule becomes the order's due dates; older versions and their dates are replaced.
        older = SolutionPlan.objects.filter(workorder_id=locked.workorder_id).exclude(pk=locked.pk)
        Milestone.objects.filter(plan__in=older).update(active=False)
        older.exclude(status=PlanStatus.SUPERSEDED).update(status=PlanStatus.SUPERSEDED, updated_at=now)
        Milestone.objects.filter(plan=locked).update(active=True)
        workorder_plan_step(
            workorder=workorder, actor=actor, perm="plans.answer", kind=EventKind.PLAN_APPROVED, body=reason, data=data
        )
    else:
        kind = EventKind.PLAN_CHANGES_REQUESTED if decision == PlanDecision.CHANGES else EventKind.PLAN_REJECTED
        # Not agreed: the plan clock runs on from where it stopped, with the customer's reason on the timeline.
        workorder_plan_step(
            workorder=workorder,
            actor=actor,
            perm="plans.answer",
            kind=kind,
            plan_clock=PLAN_CLOCK_RUN,
            body=reason,
            data=data,
        )
    locked.status, locked.answered_at, locked.answered_via = wanted, now, via
    locked.answered_by = actor if link_id is None else None
    locked.answer_name, locked.answer_reason = name, reason
    _bump(locked, ["status", "answered_at", "answered_via", "answered_by", "answer_name", "answer_reason"])
    return locked


@transaction.atomic
def plan_answer(
    *,
    plan: SolutionPlan,
    actor: User,
    decision: str,
    reason: str = "",
    name: str = "",
    via: str | None = None,
    expected_version: int | None = None,
) -> SolutionPlan:
    """The customer's answer in the portal (or a manager recording one given by phone): approve — the schedule
    becomes the order's due dates —, ask for changes or reject (a reason is required; the plan clock runs on)."""
    via = via or (AnswerVia.PORTAL if actor.is_customer else AnswerVia.PHONE)
    return _answer(
        plan=plan, actor=actor, decision=decision, via=via, name=name, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def plan_link_create(*, plan: SolutionPlan, actor: User, sent_to: str, channel: str = "email") -> tuple[Any, str]:
    """A signed one-time link (core.action_links) for the customer to answer a submitted plan without logging in;
    returns the link row and its token. E-mailed after commit; the timeline records who got it (internal)."""
    workorder = plan.workorder
    _staff(actor, "plans.edit", workorder)
    if channel not in ("email", "sms", "wecom"):
        raise ValidationError({"channel": _("Unknown channel.")})
    sent_to = _text(sent_to, "sent_to", required=True, max_length=254)
    if channel == "email" and "@" not in sent_to:
        raise ValidationError({"sent_to": _("Enter an e-mail address.")})
    workorder_lock(workorder)
    locked = _lock_plan(plan)
    if locked.status != PlanStatus.SUBMITTED:
        raise _refuse_plan(
            locked, str(EventKind.PLAN_LINK_SENT.label), _("Only a plan waiting for the customer can be sent.")
        )
    link = action_links.action_link_create(
        purpose=LINK_PURPOSE, target=locked, recipient=sent_to, channel=channel, choices=[LINK_CHOICE]
    )
    token = action_links.action_link_token(link, LINK_CHOICE)
    workorder_plan_step(
        workorder=workorder,
        actor=actor,
        perm="plans.edit",
        kind=EventKind.PLAN_LINK_SENT,
        internal=True,
        data={"plan": locked.pk, "revision": locked.revision, "channel": channel, "to": sent_to, "link": link.pk},
    )
    if channel == "email":
        from weibao.plans.tasks import plan_link_deliver

        transaction.on_commit(partial(plan_link_deliver.enqueue, link_id=link.pk, token=token))
    return link, token


def plan_link_preview(*, token: str) -> tuple[SolutionPlan, Any]:
    """The plan a link stands for, if the link may still be used; raises action_links.LinkError, or LinkUsed when
    the plan was answered meanwhile (another way)."""
    link, _choice = action_links.action_link_check(token, purpose=LINK_PURPOSE)
    plan = SolutionPlan.objects.select_related("workorder", "workorder__site").get(pk=link.target_id)
    if plan.status != PlanStatus.SUBMITTED or plan.workorder.status not in OPEN_STATUSES:
        raise action_links.LinkUsed(link)
    return plan, link


def plan_answer_by_link(*, token: str, decision: str, name: str, reason: str = "") -> SolutionPlan:
    """The customer answers through the one-time link: spent once (a second use raises LinkUsed); recorded under
    the system user with the name they typed."""
    from weibao.workorders.services import system_user

    name = _text(name, "name", required=True, max_length=100)

    def handle(link, _choice: str) -> SolutionPlan:
        plan = SolutionPlan.objects.select_related("workorder").get(pk=link.target_id)
        if plan.status != PlanStatus.SUBMITTED:
            raise action_links.LinkUsed(link)
        return _answer(
            plan=plan,
            actor=system_user(),
            decision=decision,
            via=AnswerVia.LINK,
            name=name,
            reason=reason,
            expected_version=None,
            link_id=link.pk,
        )

    return action_links.action_link_use(token, purpose=LINK_PURPOSE, handler=handle, channel="web")


# --- the agreed schedule ------------------------------------------------------------------------------------------


@transaction.atomic
def milestone_done(
    *, milestone: Milestone, actor: User, note: str = "", expected_version: int | None = None
) -> Milestone:
    """A milestone of the agreed schedule was reached (visible to the customer)."""
    _staff(actor, "plans.edit", milestone.workorder)
    note = _text(note, "note", max_length=2000)
    workorder_lock(milestone.workorder)
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if locked.done_at is not None:
        return locked
    if not locked.active:
        raise TransitionNotAllowed(
            current=str(_("not agreed")),
            requested=str(EventKind.MILESTONE_DONE.label),
            message=_("Only a milestone of the approved plan can be reached."),
        )
    workorder_plan_step(
        workorder=milestone.workorder,
        actor=actor,
        perm="plans.edit",
        kind=EventKind.MILESTONE_DONE,
        body=note,
        expected_version=expected_version,
        data={"milestone": locked.pk, "title": locked.title, "due_on": locked.due_on.isoformat()},
    )
    locked.done_at = timezone.now()
    locked.save(update_fields=["done_at"])
    return locked


def milestones_sweep(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Agreed milestones whose working day ended without being reached: stamped and alerted once each (the
    branch's service manager and the engineer; a timeline event the customer sees). Safe to run twice or in
    parallel: rows are claimed under a lock (skip locked) and the event's dedupe key is unique per order."""
    from weibao.workorders.services import system_user

    now = now or timezone.now()
    actor = system_user()
    total = 0
    while True:
        with transaction.atomic():
            claimed = list(
                Milestone.objects.filter(
                    active=True,
                    done_at__isnull=True,
                    missed_at__isnull=True,
                    due_at__lte=now,
                    workorder__status__in=sorted(OPEN_STATUSES),
                )
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("workorder")
                .order_by("due_at", "pk")[:batch]
            )
            if not claimed:
                return total
            Milestone.objects.filter(pk__in=[m.pk for m in claimed]).update(missed_at=now)
            for m in claimed:
                workorder_alert_record(
                    workorder_id=m.workorder_id,
                    kind=EventKind.MILESTONE_MISSED,
                    dedupe_key=f"milestone_missed:{m.pk}",
                    actor=actor,
                    level=AlertLevel.BREACH,
                    recipients=[m.workorder.assignee_id],
                    body=f"{m.title} · {m.due_on:%Y-%m-%d}",
                    data={
                        "milestone": m.pk,
                        "title": m.title,
                        "due_on": m.due_on.isoformat(),
                        "due_at": m.due_at.isoformat(),
                    },
                )
            total += len(claimed)


# --- legacy follow-up -----------------------------------------------------------------------------------------------


@transaction.atomic
def review_add(
    *,
    workorder: WorkOrder,
    actor: User,
    notes: str,
    next_steps: str = "",
    customer_report: str = "",
    next_review_on: Any = None,
    expected_version: int | None = None,
) -> LegacyReview:
    """A legacy review (遗留问题跟进) through the work-order service; its next review day gets a reminder on that
    working day (`reviews_remind_due`)."""
    from weibao.workorders.services import legacy_review_add

    return legacy_review_add(
        workorder=workorder,
        actor=actor,
        notes=notes,
        next_steps=next_steps,
        customer_report=customer_report,
        next_review_on=_date(next_review_on, "next_review_on"),
        expected_version=expected_version,
    )


def reviews_remind_due(*, now: datetime.datetime | None = None) -> int:
    """Remind the reviewer and the branch's service manager of each legacy review whose next review day has come
    (the working day on the order's calendar: a Saturday's review is reminded on Monday morning). Only the latest
    review of an order counts (a newer review replaces the date), only while the order is open; once per review."""
    from django.db.models import F, OuterRef, Subquery

    from weibao.workorders.services import system_user

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    latest = LegacyReview.objects.filter(workorder=OuterRef("workorder")).order_by("-reviewed_at", "-id").values("pk")
    due = (
        LegacyReview.objects.filter(
            next_review_on__isnull=False,
            next_review_on__lte=today,
            reminder__isnull=True,
            workorder__status__in=sorted(OPEN_STATUSES),
        )
        .annotate(latest=Subquery(latest[:1]))
        .filter(pk=F("latest"))  # an older review's date was replaced by the newer review's
        .select_related("workorder")
        .order_by("next_review_on", "pk")
    )
    actor = system_user()
    fired = 0
    for review in due[:2000]:
        wo = review.workorder
        cal = wclocks.sla_targets(wo).calendar
        if working_day_start(cal, review.next_review_on) > now:
            continue  # a weekend or holiday: the reminder waits for the next working day
        try:
            with transaction.atomic():
                reminder = ReviewReminder.objects.create(
                    review=review, workorder=wo, due_on=review.next_review_on, fired_at=now
                )
                event = workorder_alert_record(
                    workorder_id=wo.pk,
                    kind=EventKind.REVIEW_DUE,
                    dedupe_key=f"review_due:{review.pk}",
                    actor=actor,
                    level=AlertLevel.WARNING,
                    recipients=[review.reviewer_id],
                    internal=True,
                    data={"review": review.pk, "next_review_on": review.next_review_on.isoformat()},
                )
                if event is not None:
                    ReviewReminder.objects.filter(pk=reminder.pk).update(event=event)
        except IntegrityError:
            continue  # another worker reminded it first
        fired += 1
    return fired


@transaction.atomic
def report_create(
    *,
    workorder: WorkOrder,
    actor: User,
    body: str,
    review: LegacyReview | None = None,
    send_to: str = "",
    expected_version: int | None = None,
) -> ProcessingReport:
    """A processing report (处理报告) for the customer: recorded on the customer-visible timeline, its PDF (CJK)
    made and attached to that event and e-mailed to the customer's contact (or `send_to`) after commit."""
    _staff(actor, "plans.report", workorder)
    body = _text(body, "body", required=True, max_length=20000)
    send_to = _text(send_to, "send_to", max_length=254)
    if send_to and "@" not in send_to:
        raise ValidationError({"send_to": _("Enter an e-mail address.")})
    if review is not None and review.workorder_id != workorder.pk:
        raise ValidationError({"review": _("Unknown review.")})
    workorder_lock(workorder)
    revision = (ProcessingReport.objects.filter(workorder=workorder).aggregate(n=Max("revision"))["n"] or 0) + 1
    _wo, event = workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="plans.report",
        kind=EventKind.PROCESSING_REPORT,
        body=body,
        data={"report": revision},
        expected_version=expected_version,
        statuses=frozenset(Status.values),
    )
    report = ProcessingReport.objects.create(
        organisation_id=workorder.organisation_id,
        workorder=workorder,
        review=review,
        revision=revision,
        body=body,
        sent_to=send_to,
        created_by=actor,
        event=event,
    )
    from weibao.plans.tasks import report_deliver

    transaction.on_commit(partial(report_deliver.enqueue, report_id=report.pk))
    return report


# --- D-class change requests ----------------------------------------------------------------------------------------


def _money(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200.00.")}) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200.00.")})
    return amount


def _days(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        days = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number of person-days, e.g. 2.5.")}) from None
    if not days.is_finite() or days <= 0 or days > Decimal("99999.9") or days != days.quantize(Decimal("0.1")):
        raise ValidationError({field: _("Enter a number of person-days, e.g. 2.5.")})
    return days


CHANGE_FIELDS = (
    "title",
    "description",
    "plan",
    "estimate_days",
    "chargeable",
    "quote_amount",
    "agreed_on",
    "internal_note",
    "workorder",
)


def _clean_change(data: dict[str, Any], *, actor: User, contract) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def run(name: str, fn) -> None:
        if name not in data:
            return
        try:
            out[name] = fn(data[name])
        except ValidationError as exc:
            errors.update(exc.message_dict)

    run("title", lambda v: _text(v, "title", required=True, max_length=200))
    run("description", lambda v: _text(v, "description", required=True, max_length=20000))
    run("plan", lambda v: _text(v, "plan", max_length=20000))
    run("estimate_days", lambda v: _days(v, "estimate_days"))
    run("chargeable", bool)
    run("quote_amount", lambda v: _money(v, "quote_amount"))
    run("agreed_on", lambda v: _date(v, "agreed_on"))
    if "internal_note" in data:
        if actor.is_internal:
            run("internal_note", lambda v: _text(v, "internal_note", max_length=20000))
        elif data["internal_note"]:
            errors["internal_note"] = [_("This field cannot be changed here.")]
    if "workorder" in data and data["workorder"] is not None:
        wo = data["workorder"]
        if wo.customer_id != contract.customer_id:
            errors["workorder"] = [_("The order belongs to another customer.")]
        else:
            out["workorder"] = wo
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def change_request_create(*, contract, actor: User, **fields: Any) -> ChangeRequest:
    """A change request for `contract` (staff or the customer proposes it): enters the backlog as proposed."""
    require(actor, "plans.changes_propose")
    if not actor.is_internal and contract.customer.organisation_id != actor.organisation_id:
        raise PermissionDenied("plans.changes_propose")
    unknown = set(fields) - set(CHANGE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    fields.setdefault("title", "")
    fields.setdefault("description", "")
    data = _clean_change(fields, actor=actor, contract=contract)
    if not actor.is_internal:
        data = {k: v for k, v in data.items() if k in ("title", "description", "workorder")}
    return ChangeRequest.objects.create(
        organisation_id=contract.customer.organisation_id, contract=contract, created_by=actor, **data
    )


@transaction.atomic
def change_request_update(
    *, change: ChangeRequest, actor: User, expected_version: int | None = None, **fields: Any
) -> ChangeRequest:
    """Our staff negotiate the request: plan, estimate, quote where chargeable, target date. Not once accepted or
    dropped."""
    require(actor, "plans.changes_edit")
    unknown = set(fields) - set(CHANGE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    locked = ChangeRequest.objects.select_for_update().select_related("contract").get(pk=change.pk)
    data = _clean_change(fields, actor=actor, contract=locked.contract)
    if locked.status in (ChangeStatus.ACCEPTED, ChangeStatus.REJECTED):
        raise TransitionNotAllowed(
            current=str(ChangeStatus(locked.status).label),
            requested=str(_("Change")),
            message=_("An accepted or dropped request cannot be changed."),
        )
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    chargeable = data.get("chargeable", locked.chargeable)
    if not chargeable:
        data["quote_amount"] = None  # no quote on free work
    for name, value in data.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save()
    return locked


@transaction.atomic
def change_request_move(
    *, change: ChangeRequest, actor: User, to: str, name: str = "", expected_version: int | None = None
) -> ChangeRequest:
    """Move a request along CHANGE_TRANSITIONS. Agreeing needs the negotiated plan, the estimate, the target date
    (and the quote when chargeable); the customer accepts a delivered change (or sends it back)."""
    if to not in ChangeStatus.values:
        raise ValidationError({"to": _("Unknown status.")})
    customer_moves = {ChangeStatus.ACCEPTED, ChangeStatus.IN_PROGRESS}
    locked = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if to == ChangeStatus.ACCEPTED or (actor.is_customer and locked.status == ChangeStatus.DELIVERED):
        require(actor, "plans.changes_accept")
        if actor.is_customer and to not in customer_moves:
            raise PermissionDenied("plans.changes_accept")
    else:
        require(actor, "plans.changes_edit")
    if actor.is_customer and locked.organisation_id != actor.organisation_id:
        raise PermissionDenied("plans.changes_accept")
    if locked.status == to:
        return locked
    if to not in CHANGE_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed(
            current=str(ChangeStatus(locked.status).label), requested=str(ChangeStatus(to).label)
        )
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    if to == ChangeStatus.AGREED:
        errors = {}
        if not locked.plan.strip():
            errors["plan"] = [_("Write down the plan negotiated with the customer.")]
        if locked.estimate_days is None:
            errors["estimate_days"] = [_("Give the estimate.")]
        if locked.agreed_on is None:
            errors["agreed_on"] = [_("Give the target date agreed with the customer.")]
        if locked.chargeable and locked.quote_amount is None:
            errors["quote_amount"] = [_("A chargeable change needs its quote.")]
        if errors:
            raise ValidationError(errors)
    if to == ChangeStatus.ACCEPTED:
        name = _text(name, "name", max_length=100) or (actor.name if actor.is_customer else "")
        if not name:
            raise ValidationError({"name": _("Enter the name of the person accepting.")})
        locked.accepted_at, locked.accepted_by_name = timezone.now(), name
    locked.status = to
    locked.version += 1
    locked.save()
    return locked


def link_url(token: str) -> str:
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("plans:public_plan", args=[token])
