"""Writes of emergency plans and training. Views, the API and the seed call these; nothing else saves these
models. Every write is one transaction; bad input raises ValidationError keyed by field (`steps.<i>.text`,
`contacts.<i>.phone` for the lists) and stores nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.core.phones import INVALID as INVALID_PHONE
from weibao.core.phones import parse_phone
from weibao.planning.choices import ContactSide, PlanStatus, TrainingMethod
from weibao.planning.models import (
    Attendance,
    Drill,
    EmergencyContact,
    EmergencyPlan,
    EmergencyStep,
    StepTick,
    TrainingMaterial,
    TrainingPlan,
    TrainingSession,
)

PLAN_TEXT = ("title", "scope", "triggers", "spare_parts", "fallback", "communication")
REQUIRED_TEXT = ("title", "scope", "triggers")
MAX_ROWS = 100


# --- emergency plans ----------------------------------------------------------------------------------------------


def _check_plan(values: dict, contacts: Sequence[dict], steps: Sequence[dict]) -> tuple[list, list]:
    errors: dict[str, str] = {}
    for name in REQUIRED_TEXT:
        if not (values.get(name) or "").strip():
            errors[name] = _("This field is required.")
    if len((values.get("title") or "").strip()) > 200:
        errors["title"] = _("At most 200 characters.")
    step_rows = []
    for i, raw in enumerate(steps):
        text = (raw.get("text") or "").strip()
        if not text:
            continue
        if len(text) > 500:
            errors[f"steps.{i}.text"] = _("At most 500 characters.")
        step_rows.append(
            EmergencyStep(
                position=len(step_rows), text=text[:500], responsible=(raw.get("responsible") or "").strip()[:100]
            )
        )
    if not step_rows:
        errors["steps"] = _("An emergency plan needs at least one step.")
    contact_rows = []
    for i, raw in enumerate(contacts):
        name, phone = (raw.get("name") or "").strip(), (raw.get("phone") or "").strip()
        if not name and not phone:
            continue
        side = raw.get("side") or ContactSide.OURS
        if side not in ContactSide.values:
            errors[f"contacts.{i}.side"] = _("Unknown side.")
        if not name:
            errors[f"contacts.{i}.name"] = _("Enter the name.")
        parsed = parse_phone(phone)
        if parsed is None:
            errors[f"contacts.{i}.phone"] = INVALID_PHONE
        else:
            phone = str(parsed)
        contact_rows.append(
            EmergencyContact(
                position=len(contact_rows),
                side=side,
                name=name[:100],
                phone=phone[:40],
                role=(raw.get("role") or "").strip()[:100],
            )
        )
    if not contact_rows:
        errors["contacts"] = _("An emergency plan needs at least one contact.")
    if len(step_rows) > MAX_ROWS or len(contact_rows) > MAX_ROWS:
        errors["steps"] = _("Too many rows.")
    if errors:
        raise ValidationError(errors)
    return contact_rows, step_rows


def _store(plan: EmergencyPlan, contacts: list[EmergencyContact], steps: list[EmergencyStep]) -> None:
    for row in [*contacts, *steps]:
        row.plan = plan
    EmergencyContact.objects.bulk_create(contacts)
    EmergencyStep.objects.bulk_create(steps)


@transaction.atomic
def emergency_plan_create(
    *, actor: User, subsystem, contacts: Sequence[dict], steps: Sequence[dict], **values
) -> EmergencyPlan:
    """The first draft of a system's plan (a system with a plan gets a new revision through `emergency_plan_revise`)."""
    require(actor, "planning.edit")
    contact_rows, step_rows = _check_plan(values, contacts, steps)
    if EmergencyPlan.objects.filter(subsystem=subsystem).exists():
        raise ValidationError({"subsystem": _("This system has a plan already: write a new revision of it.")})
    customer = subsystem.project.customer
    plan = EmergencyPlan.objects.create(
        organisation_id=customer.organisation_id,
        customer=customer,
        subsystem=subsystem,
        created_by=actor,
        **{k: (values.get(k) or "").strip() for k in PLAN_TEXT},
    )
    _store(plan, contact_rows, step_rows)
    return plan


@transaction.atomic
def emergency_plan_revise(
    *, plan: EmergencyPlan, actor: User, contacts: Sequence[dict], steps: Sequence[dict], **values
) -> EmergencyPlan:
    """A new draft revision from the latest one; the approved revision stays in force until this one is approved."""
    require(actor, "planning.edit")
    contact_rows, step_rows = _check_plan(values, contacts, steps)
    latest = EmergencyPlan.objects.select_for_update().filter(subsystem_id=plan.subsystem_id).order_by("-revision")[0]
    if latest.status == PlanStatus.DRAFT:
        raise TransitionNotAllowed(
            current=latest.status,
            requested="revise",
            message=_("Revision %(n)d is still a draft: approve or change that one.") % {"n": latest.revision},
        )
    new = EmergencyPlan.objects.create(
        organisation_id=latest.organisation_id,
        customer_id=latest.customer_id,
        subsystem_id=latest.subsystem_id,
        revision=latest.revision + 1,
        previous=latest,
        created_by=actor,
        **{k: (values.get(k) or "").strip() for k in PLAN_TEXT},
    )
    _store(new, contact_rows, step_rows)
    return new


@transaction.atomic
def emergency_plan_approve(*, plan: EmergencyPlan, actor: User, expected_version: int | None = None) -> EmergencyPlan:
    """Approve a draft: it comes into force, the revision in force before is superseded."""
    require(actor, "planning.approve")
    locked = EmergencyPlan.objects.select_for_update().get(pk=plan.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    if locked.status == PlanStatus.APPROVED:
        return locked
    if locked.status != PlanStatus.DRAFT:
        raise TransitionNotAllowed(
            current=locked.status, requested=PlanStatus.APPROVED, message=_("Only a draft can be approved.")
        )
    EmergencyPlan.objects.filter(subsystem_id=locked.subsystem_id, status=PlanStatus.APPROVED).update(
        status=PlanStatus.SUPERSEDED, version=F("version") + 1, updated_at=timezone.now()
    )
    locked.status = PlanStatus.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "approved_by", "approved_at", "version", "updated_at"])
    return locked


@transaction.atomic
def drill_record(
    *, plan: EmergencyPlan, actor: User, held_on: dt.date | None, participants: str, findings: str = ""
) -> Drill:
    require(actor, "planning.edit")
    errors = {}
    if held_on is None:
        errors["held_on"] = _("Enter the date of the drill.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("A drill is recorded after it took place.")
    if not (participants or "").strip():
        errors["participants"] = _("Name the participants.")
    if errors:
        raise ValidationError(errors)
    return Drill.objects.create(
        plan=plan,
        held_on=held_on,
        participants=participants.strip(),
        findings=(findings or "").strip(),
        recorded_by=actor,
    )


@transaction.atomic
def step_tick(*, workorder, step: EmergencyStep, actor: User) -> StepTick:
    """Tick a step of the order's emergency plan: one timeline event; a second tap changes nothing."""
    from weibao.planning.selectors import plan_for_order
    from weibao.workorders.choices import EventKind, Status
    from weibao.workorders.services.steps import workorder_record_step

    plan = plan_for_order(workorder)
    if plan is None or step.plan_id != plan.pk:
        raise ValidationError({"step": _("This step is not part of the order's emergency plan.")})
    existing = StepTick.objects.filter(workorder=workorder, step=step).first()
    if existing is not None:
        return existing
    open_statuses = frozenset(Status.values) - {Status.CLOSED, Status.CANCELLED}
    workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="planning.tick",
        kind=EventKind.EMERGENCY_STEP_DONE,
        body=_("Emergency plan step %(n)d done: %(text)s") % {"n": step.position + 1, "text": step.text},
        data={"plan": plan.pk, "revision": plan.revision, "step": step.pk, "position": step.position + 1},
        statuses=open_statuses,
    )
    try:
        with transaction.atomic():
            return StepTick.objects.create(workorder=workorder, step=step, ticked_by=actor)
    except IntegrityError:  # the same tap twice at once: the order row lock makes this rare; keep one
        raise TransitionNotAllowed(current="done", requested="tick", message=_("This step is done already.")) from None


# --- training -----------------------------------------------------------------------------------------------------


def _check_training(values: dict, customer) -> None:
    errors: dict[str, str] = {}
    for name in ("title", "trainers", "content"):
        if not (values.get(name) or "").strip():
            errors[name] = _("This field is required.")
    if values.get("method") not in TrainingMethod.values:
        errors["method"] = _("Unknown method.")
    start, end = values.get("starts_on"), values.get("ends_on")
    if start is None:
        errors["starts_on"] = _("Enter a date.")
    if end is None:
        errors["ends_on"] = _("Enter a date.")
    elif start and end < start:
        errors["ends_on"] = _("The training cannot end before it starts.")
    contract, project = values.get("contract"), values.get("project")
    if contract is not None and contract.customer_id != customer.pk:
        errors["contract"] = _("This contract is another customer's.")
    if project is not None and project.customer_id != customer.pk:
        errors["project"] = _("This project is another customer's.")
    if errors:
        raise ValidationError(errors)


TRAINING_FIELDS = (
    "title",
    "method",
    "trainers",
    "vendor",
    "content",
    "scope",
    "trainees",
    "starts_on",
    "ends_on",
    "contract",
    "project",
)


@transaction.atomic
def training_plan_create(*, actor: User, customer, **values) -> TrainingPlan:
    require(actor, "training.edit")
    values = {"method": TrainingMethod.ON_SITE, **values}
    _check_training(values, customer)
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if k in TRAINING_FIELDS}
    return TrainingPlan.objects.create(organisation_id=customer.organisation_id, customer=customer, **clean)


@transaction.atomic
def training_plan_update(
    *, plan: TrainingPlan, actor: User, expected_version: int | None = None, **changes
) -> TrainingPlan:
    require(actor, "training.edit")
    locked = TrainingPlan.objects.select_for_update().select_related("customer").get(pk=plan.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    values = {k: getattr(locked, k) for k in TRAINING_FIELDS} | {
        k: v for k, v in changes.items() if k in TRAINING_FIELDS
    }
    _check_training(values, locked.customer)
    for name, value in values.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.version += 1
    locked.save()
    return locked


def _days(value) -> Decimal | None:
    try:
        days = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not days.is_finite() or days < Decimal("0.5") or days > 30 or days * 2 != (days * 2).to_integral_value():
        return None
    return days


@transaction.atomic
def session_create(
    *, plan: TrainingPlan, actor: User, held_on: dt.date | None, days, location: str = "", topic: str = ""
) -> TrainingSession:
    """A session of the plan; its days count against the contract's training days (shown, and refused beyond
    them: the contract is what the customer paid for)."""
    from weibao.planning.selectors import training_days_used

    require(actor, "training.edit")
    errors = {}
    amount = _days(days)
    if amount is None:
        errors["days"] = _("Enter training days in half days (0.5 to 30).")
    if held_on is None:
        errors["held_on"] = _("Enter a date.")
    elif not (plan.starts_on <= held_on <= plan.ends_on):
        errors["held_on"] = _("The session must fall within the plan's dates.")
    if amount is not None and plan.contract_id:
        contract = plan.contract
        used = training_days_used(contract)
        if used + amount > contract.training_days:
            errors["days"] = _("The contract includes %(total)s training days; %(used)s are used.") % {
                "total": contract.training_days,
                "used": used,
            }
    if errors:
        raise ValidationError(errors)
    return TrainingSession.objects.create(
        plan=plan, held_on=held_on, days=amount, location=(location or "").strip(), topic=(topic or "").strip()
    )


def _score(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError({"feedback_score": _("A score from 1 to 5.")})
    return score


@transaction.atomic
def attendance_record(*, session: TrainingSession, actor: User, contact, feedback_score=None) -> Attendance:
    """The trainer records a trainee: one of the plan's customer's contacts (another customer's person is refused)."""
    require(actor, "training.edit")
    plan = session.plan
    if contact is None or contact.customer_id != plan.customer_id:
        raise ValidationError({"contact": _("This person is not one of the customer's contacts.")})
    score = _score(feedback_score)
    row, created = Attendance.objects.get_or_create(
        session=session, contact=contact, defaults={"name": contact.name, "feedback_score": score}
    )
    if not created and score is not None:
        row.feedback_score = score
        row.save(update_fields=["feedback_score", "updated_at"])
    return row


@transaction.atomic
def attendance_sign_in(*, session: TrainingSession, actor: User, feedback_score=None) -> Attendance:
    """A trainee signs in on their phone (a customer user of the plan's customer); again later to give a score."""
    require(actor, "training.sign_in")
    plan = session.plan
    if actor.is_customer and actor.organisation_id != plan.organisation_id:
        raise PermissionDenied("training.sign_in")
    score = _score(feedback_score)
    row, created = Attendance.objects.get_or_create(
        session=session, user=actor, defaults={"name": actor.name or actor.username, "feedback_score": score}
    )
    if not created and score is not None:
        row.feedback_score = score
        row.save(update_fields=["feedback_score", "updated_at"])
    return row


@transaction.atomic
def material_add(*, plan: TrainingPlan, actor: User, title: str, upload) -> TrainingMaterial:
    from weibao.assets.uploads import check_upload

    require(actor, "training.edit")
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Enter a title.")
    if upload is None:
        errors["file"] = _("Choose a file.")
    else:
        try:
            check_upload(upload)
        except ValidationError as exc:
            errors["file"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    return TrainingMaterial.objects.create(plan=plan, title=title.strip()[:200], file=upload, uploaded_by=actor)
