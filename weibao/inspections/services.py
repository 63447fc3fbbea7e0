"""Writes of preventive inspections (定期巡检): checklist templates, plans, the visits generated ahead, the answers
given on site, findings turned into work orders, completion and the customer's signature. Views, the API, tasks
and the seed call these; nothing else saves these models. Every write is one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.assets.choices import SubsystemKind
from weibao.contracts.models import Contract
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.inspections import schedule
from weibao.inspections.choices import DONE_STATUSES, OPEN_STATUSES, Frequency, ItemKind, Risk, VisitStatus
from weibao.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    InspectionAnswer,
    InspectionPlan,
    InspectionVisit,
)

logger = logging.getLogger(__name__)
HORIZON_DAYS = 365  # visits are generated a year ahead (never past the contract's end)
MAX_ITEMS = 200
BATCH = 5000  # plans per generation batch (each batch: one plan query, one floor query, one insert)
PLAN_FIELDS = (
    "name",
    "site",
    "subsystem",
    "template",
    "frequency",
    "interval_days",
    "starts_on",
    "window_start",
    "window_end",
    "engineer",
    "active",
)
# Changing one of these moves the future visits; a new name or engineer does not.
SCHEDULE_FIELDS = frozenset({"frequency", "interval_days", "starts_on", "active"})
# The severity of the work order a finding opens, by its risk (SPEC §3 classes).
RISK_SEVERITY = {Risk.HIGH: "B", Risk.MEDIUM: "C", Risk.LOW: "D", Risk.NONE: "D"}


# --- checklist templates ------------------------------------------------------------------------------------------


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter a number.")
        return None
    if not number.is_finite() or abs(number) >= Decimal("1e9"):
        errors[field] = _("Enter a number.")
        return None
    return number.quantize(Decimal("0.001"))


def _clean_items(items: Sequence[dict]) -> list[ChecklistItem]:
    """Check every item of a checklist; errors keyed `items.<i>.<field>`; at least one item."""
    if not items:
        raise ValidationError({"items": _("A checklist needs at least one item.")}, code="no_items")
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": _("At most %(n)d items.") % {"n": MAX_ITEMS}})
    errors: dict[str, str] = {}
    result = []
    for i, raw in enumerate(items):
        kind = raw.get("kind") or ItemKind.YES_NO
        text = (raw.get("text") or "").strip()
        if kind not in ItemKind.values:
            errors[f"items.{i}.kind"] = _("Unknown kind.")
        if not text:
            errors[f"items.{i}.text"] = _("Enter the question.")
        elif len(text) > 300:
            errors[f"items.{i}.text"] = _("At most 300 characters.")
        low = _decimal(raw.get("min_value"), f"items.{i}.min_value", errors)
        high = _decimal(raw.get("max_value"), f"items.{i}.max_value", errors)
        if low is not None and high is not None and high < low:
            errors[f"items.{i}.max_value"] = _("The upper limit is below the lower limit.")
        if kind != ItemKind.READING:
            low = high = None
        result.append(
            ChecklistItem(
                position=i,
                kind=kind,
                text=text,
                unit=(raw.get("unit") or "").strip()[:20],
                min_value=low,
                max_value=high,
                photo_required=bool(raw.get("photo_required")) or kind == ItemKind.PHOTO,
            )
        )
    if errors:
        raise ValidationError(errors)
    return result


@transaction.atomic
def template_create(*, actor: User, name: str, subsystem_kind: str, items: Sequence[dict]) -> ChecklistTemplate:
    """A new checklist with its items (at least one)."""
    require(actor, "inspections.plan")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Enter a name.")
    elif ChecklistTemplate.objects.filter(name=name).exists():
        errors["name"] = _("A checklist with this name exists.")
    if subsystem_kind not in SubsystemKind.values:
        errors["subsystem_kind"] = _("Unknown subsystem kind.")
    try:
        rows = _clean_items(items)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    template = ChecklistTemplate.objects.create(name=name[:200], subsystem_kind=subsystem_kind)
    for row in rows:
        row.template = template
    ChecklistItem.objects.bulk_create(rows)
    return template


# --- plans --------------------------------------------------------------------------------------------------------


def _check_plan(*, contract: Contract, values: dict) -> None:
    errors: dict[str, str] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = _("Enter a name.")
    frequency = values.get("frequency")
    if frequency not in Frequency.values:
        errors["frequency"] = _("Unknown frequency.")
    interval = values.get("interval_days")
    if frequency == Frequency.WORKING_DAYS:
        if interval is None or interval == "" or int(interval) < 1:
            errors["interval_days"] = _("Enter how many working days apart the visits are (at least 1).")
        elif int(interval) > 366:
            errors["interval_days"] = _("At most 366 working days.")
    elif interval not in (None, "") and int(interval) < 1:
        errors["interval_days"] = _("The frequency must be at least 1.")
    site = values.get("site")
    if site is None:
        errors["site"] = _("Choose a site.")
    elif site.customer_id != contract.customer_id:
        errors["site"] = _("This site does not belong to the contract's customer.")
    subsystem = values.get("subsystem")
    if subsystem is not None and subsystem.project.customer_id != contract.customer_id:
        errors["subsystem"] = _("This subsystem does not belong to the contract's customer.")
    template = values.get("template")
    if template is None:
        errors["template"] = _("Choose a checklist.")
    elif not template.items.exists():
        errors["template"] = _("This checklist has no items.")
    starts_on = values.get("starts_on")
    if starts_on is None:
        errors["starts_on"] = _("Enter the date of the first visit.")
    elif starts_on > contract.end_date:
        errors["starts_on"] = _("The contract ends before this date.")
    start, end = values.get("window_start"), values.get("window_end")
    if start and end and end <= start:
        errors["window_end"] = _("The window must end after it starts.")
    engineer = values.get("engineer")
    if engineer is not None and not engineer.is_internal:
        errors["engineer"] = _("Choose one of our engineers.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(*, actor: User, contract: Contract, today: dt.date | None = None, **values) -> InspectionPlan:
    """A new inspection plan; its visits for the coming year are generated at once."""
    require(actor, "inspections.plan")
    values = {"frequency": Frequency.QUARTERLY, "active": True, "starts_on": timezone.localdate(), **values}
    if values.get("frequency") != Frequency.WORKING_DAYS:
        values["interval_days"] = None
    _check_plan(contract=contract, values=values)
    values["name"] = values["name"].strip()[:200]
    plan = InspectionPlan.objects.create(
        contract=contract,
        organisation_id=contract.customer.organisation_id,
        **{k: v for k, v in values.items() if k in PLAN_FIELDS},
    )
    visits_generate(plan=plan, today=today)
    return plan


@transaction.atomic
def plan_update(
    *, plan: InspectionPlan, actor: User, expected_version: int | None = None, today: dt.date | None = None, **changes
) -> InspectionPlan:
    """Change a plan. A change of schedule drops the future visits nobody started and generates them anew; past,
    started, done and missed visits stay as they are."""
    require(actor, "inspections.plan")
    locked = InspectionPlan.objects.select_for_update().select_related("contract__customer").get(pk=plan.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"not plan fields: {sorted(unknown)}")
    values = {name: getattr(locked, name) for name in PLAN_FIELDS}
    values.update(changes)
    if values.get("frequency") != Frequency.WORKING_DAYS:
        values["interval_days"] = None
    _check_plan(contract=locked.contract, values=values)
    changed = {n for n in PLAN_FIELDS if getattr(locked, n) != values[n]}
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    locked.version = F("version") + 1
    locked.save(update_fields=[*sorted(changed), "version", "updated_at"])
    locked.refresh_from_db()
    today = today or timezone.localdate()
    if changed & SCHEDULE_FIELDS:
        future = locked.visits.filter(status__in=OPEN_STATUSES, scheduled_on__gt=today)
        future.delete()
        if locked.active:
            visits_generate(plan=locked, today=today)
    if "engineer" in changed and locked.engineer_id:
        locked.visits.filter(status__in=OPEN_STATUSES, scheduled_on__gt=today).update(assignee=locked.engineer)
    plan.__dict__.update(locked.__dict__)
    return locked


# --- generation ---------------------------------------------------------------------------------------------------


def _plan_visits(
    plan: InspectionPlan, *, today: dt.date, floor: dt.date | None, horizon_days: int, is_visit_day
) -> list[tuple]:
    """The visits to insert for one plan, as (plan, organisation, contract, period start, day, engineer) tuples:
    periods after `floor` (the last existing visit's period), scheduled from today (or the plan's start) to the
    horizon, never past the contract's end."""
    contract = plan.contract
    until = min(contract.end_date, today + dt.timedelta(days=horizon_days))
    start_from = max(today, plan.starts_on, contract.start_date)
    rows = []
    for period_start, day in schedule.slots(
        frequency=plan.frequency,
        interval_days=plan.interval_days,
        anchor=plan.starts_on,
        until=until,
        is_visit_day=is_visit_day,
    ):
        if (floor is not None and period_start <= floor) or day < start_from or day > until:
            continue
        rows.append((plan.pk, plan.organisation_id, contract.pk, period_start, day, plan.engineer_id))
    return rows


def _insert_visits(rows: list[tuple]) -> int:
    """Insert planned visits, skipping periods that exist (a generation running at the same time for the same plan
    loses nothing and doubles nothing). On PostgreSQL one INSERT … SELECT FROM unnest(…) per batch: building model
    instances for bulk_create cost 4/5 of the time at 20,000 contracts."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        fields = ("plan_id", "organisation_id", "contract_id", "period_start", "scheduled_on", "assignee_id")
        made = InspectionVisit.objects.bulk_create(
            [InspectionVisit(**dict(zip(fields, r, strict=True))) for r in rows], batch_size=2000, ignore_conflicts=True
        )
        return len(made)
    table = InspectionVisit._meta.db_table
    sql = (
        f"INSERT INTO {table} (plan_id, organisation_id, contract_id, period_start, scheduled_on, assignee_id, status, "  # noqa: S608
        "risk_analysis, recommendations, customer_name, customer_signature, engineer_signature, created_at, updated_at) "
        "SELECT t.p, t.o, t.c, t.ps, t.so, t.a, %s, '', '', '', '', '', %s, %s "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[], %s::date[], %s::bigint[]) "
        "AS t(p, o, c, ps, so, a) ON CONFLICT (plan_id, period_start) DO NOTHING"
    )  # the table name is ours, every value a parameter
    now = timezone.now()
    inserted = 0
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 20000):
            columns = list(zip(*rows[i : i + 20000], strict=True))
            cursor.execute(sql, [VisitStatus.PLANNED, now, now, *[list(c) for c in columns]])
            inserted += cursor.rowcount
    return inserted


def visits_generate(*, plan: InspectionPlan, today: dt.date | None = None, horizon_days: int = HORIZON_DAYS) -> int:
    """Generate a plan's visits ahead; running it again creates nothing new (periods are unique per plan)."""
    return _generate([plan], today=today or timezone.localdate(), horizon_days=horizon_days)


def visits_generate_all(*, today: dt.date | None = None, horizon_days: int = HORIZON_DAYS, batch: int = BATCH) -> int:
    """Generate ahead for every active plan of a contract in force, walking plans in primary-key batches."""
    today = today or timezone.localdate()
    qs = (
        InspectionPlan.objects.filter(active=True, contract__status="active", contract__end_date__gte=today)
        .select_related("contract__calendar")
        .order_by("pk")
    )
    created, last = 0, 0
    while True:
        plans = list(qs.filter(pk__gt=last)[:batch])
        if not plans:
            return created
        created += _generate(plans, today=today, horizon_days=horizon_days)
        last = plans[-1].pk


def _generate(plans: Iterable[InspectionPlan], *, today: dt.date, horizon_days: int) -> int:
    plans = [p for p in plans if p.active]
    if not plans:
        return 0
    # The batch's plans are a primary-key range: a range on the unique (plan, period) index, not a list of ids.
    ids = [p.pk for p in plans]
    floors = dict(
        InspectionVisit.objects.filter(plan_id__gte=min(ids), plan_id__lte=max(ids))
        .values("plan_id")
        .annotate(last=Max("period_start"))
        .values_list("plan_id", "last")
    )
    tests: dict[int, object] = {}
    rows: list[tuple] = []
    for plan in plans:
        calendar = plan.contract.calendar
        test = tests.get(calendar.pk)
        if test is None:
            test = tests[calendar.pk] = schedule.visit_day_test(calendar.working_calendar())
        rows.extend(
            _plan_visits(plan, today=today, floor=floors.get(plan.pk), horizon_days=horizon_days, is_visit_day=test)
        )
    return _insert_visits(rows)


def visits_mark_missed(*, today: dt.date | None = None) -> list[int]:
    """Visits whose day has passed without being done become missed (the manager sees and is told). Returns the
    ids newly marked."""
    today = today or timezone.localdate()
    qs = InspectionVisit.objects.filter(
        status__in=[VisitStatus.PLANNED, VisitStatus.IN_PROGRESS], scheduled_on__lt=today
    )
    ids = list(qs.values_list("pk", flat=True)[:5000])
    if ids:
        # Conditional update: a visit completed meanwhile keeps its status.
        InspectionVisit.objects.filter(pk__in=ids, status__in=[VisitStatus.PLANNED, VisitStatus.IN_PROGRESS]).update(
            status=VisitStatus.MISSED, updated_at=timezone.now()
        )
    return ids


def visits_assign_upcoming(*, today: dt.date | None = None, days: int = 7) -> int:
    """Give the unassigned visits of the coming days an engineer by the dispatch rules (region/branch, skills for
    the subsystem kind, roster on the day, load)."""
    from weibao.dispatch.selectors import skills_for_subsystem_kinds, suggest_engineers

    today = today or timezone.localdate()
    visits = list(
        InspectionVisit.objects.filter(
            status=VisitStatus.PLANNED,
            assignee__isnull=True,
            scheduled_on__gte=today,
            scheduled_on__lte=today + dt.timedelta(days=days),
        )
        .select_related("plan__site__region", "plan__site__customer__branch", "plan__template")
        .order_by("scheduled_on", "pk")[:500]
    )
    load: dict[int, int] = {}
    assigned = 0
    for visit in visits:
        site = visit.plan.site
        at = timezone.make_aware(dt.datetime.combine(visit.scheduled_on, visit.plan.window_start or dt.time(9)))
        suggestions = suggest_engineers(
            branch=getattr(site.customer, "branch", None),
            region=site.region,
            skills=skills_for_subsystem_kinds([visit.plan.template.subsystem_kind]),
            at=at,
            load_by_engineer=load,
            limit=1,
        )
        if not suggestions:
            continue
        engineer = suggestions[0].engineer
        if InspectionVisit.objects.filter(pk=visit.pk, assignee__isnull=True).update(assignee=engineer):
            load[engineer.pk] = load.get(engineer.pk, 0) + 1
            assigned += 1
    return assigned


# --- the visit on site --------------------------------------------------------------------------------------------


def _lock_visit(visit: InspectionVisit) -> InspectionVisit:
    return InspectionVisit.objects.select_for_update().select_related("plan").get(pk=visit.pk)


def _check_org(actor: User, visit: InspectionVisit, perm: str) -> None:
    require(actor, perm)
    if not actor.is_internal and visit.organisation_id != actor.organisation_id:
        raise PermissionDenied(perm)


def _refuse(visit: InspectionVisit, requested: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        current=str(VisitStatus(visit.status).label),
        requested=requested,
        message=_("Not possible while the visit is “%(status)s”.") % {"status": VisitStatus(visit.status).label},
    )


@transaction.atomic
def visit_start(*, visit: InspectionVisit, actor: User) -> InspectionVisit:
    """The engineer starts the visit: the checklist's items are copied onto it as unanswered answers. A missed
    visit can still be done late (it then counts as done). Starting twice changes nothing."""
    _check_org(actor, visit, "inspections.perform")
    locked = _lock_visit(visit)
    if locked.status == VisitStatus.IN_PROGRESS:
        return locked
    if locked.status not in (VisitStatus.PLANNED, VisitStatus.MISSED):
        raise _refuse(locked, str(VisitStatus.IN_PROGRESS.label))
    items = list(locked.plan.template.items.order_by("position", "id"))
    InspectionAnswer.objects.bulk_create(
        [
            InspectionAnswer(
                visit=locked,
                item=item,
                position=item.position,
                kind=item.kind,
                text=item.text,
                unit=item.unit,
                min_value=item.min_value,
                max_value=item.max_value,
                photo_required=item.photo_required,
            )
            for item in items
        ]
    )
    locked.status = VisitStatus.IN_PROGRESS
    locked.started_at = timezone.now()
    if locked.assignee_id is None:
        locked.assignee = actor
    locked.save(update_fields=["status", "started_at", "assignee", "updated_at"])
    return locked


def _parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("yes", "true", "1", "on", "是"):
        return True
    if text in ("no", "false", "0", "off", "否"):
        return False
    return None


@transaction.atomic
def visit_record_answers(*, visit: InspectionVisit, actor: User, answers: dict[int, dict]) -> InspectionVisit:
    """Save answers given on site: `{answer_id: {"value": …, "finding": str, "risk": str, "photo": file}}`.
    A reading must be a number; outside the item's limits it is flagged (and a finding gets at least a low
    risk). Errors keyed `answers.<id>.<field>`; nothing is saved when any answer is wrong."""
    from weibao.assets.uploads import check_upload

    _check_org(actor, visit, "inspections.perform")
    locked = _lock_visit(visit)
    if locked.status != VisitStatus.IN_PROGRESS:
        raise _refuse(locked, str(_("Record answers")))
    rows = {a.pk: a for a in locked.answers.all()}
    errors: dict[str, str] = {}
    changed: list[InspectionAnswer] = []
    for key, data in answers.items():
        answer = rows.get(int(key))
        if answer is None:
            errors[f"answers.{key}"] = _("Unknown checklist item.")
            continue
        prefix = f"answers.{answer.pk}"
        value = data.get("value")
        blank = value is None or (isinstance(value, str) and not value.strip())
        if answer.kind == ItemKind.YES_NO:
            answer.value_bool = None if blank else _parse_bool(value)
            if not blank and answer.value_bool is None:
                errors[f"{prefix}.value"] = _("Answer yes or no.")
            answer.answered = answer.value_bool is not None
            answer.out_of_limit = False
        elif answer.kind == ItemKind.READING:
            number = _decimal(value, f"{prefix}.value", errors)
            answer.value_number = number
            answer.answered = number is not None
            answer.out_of_limit = number is not None and (
                (answer.min_value is not None and number < answer.min_value)
                or (answer.max_value is not None and number > answer.max_value)
            )
        elif answer.kind == ItemKind.TEXT:
            answer.value_text = "" if blank else str(value).strip()[:5000]
            answer.answered = bool(answer.value_text)
        photo = data.get("photo")
        if photo:
            try:
                check_upload(
                    photo,
                    allowed={
                        ".jpg": "image/jpeg",
                        ".jpeg": "image/jpeg",
                        ".png": "image/png",
                        ".webp": "image/webp",
                        ".heic": "image/heic",
                    },
                )
            except ValidationError as exc:
                errors[f"{prefix}.photo"] = " ".join(exc.messages)
            else:
                answer.photo = photo
        if answer.kind == ItemKind.PHOTO:
            answer.answered = bool(answer.photo)
        answer.finding = (data.get("finding") or "").strip()[:5000]
        risk = data.get("risk") or Risk.NONE
        if risk not in Risk.values:
            errors[f"{prefix}.risk"] = _("Unknown risk.")
            risk = Risk.NONE
        if answer.out_of_limit and risk == Risk.NONE:
            risk = Risk.LOW  # an out-of-limit reading is at least a low risk
        answer.risk = risk
        changed.append(answer)
    if errors:
        raise ValidationError(errors)
    for answer in changed:
        answer.save()
    locked.save(update_fields=["updated_at"])
    return locked


@transaction.atomic
def visit_complete(
    *, visit: InspectionVisit, actor: User, risk_analysis: str = "", recommendations: str = ""
) -> InspectionVisit:
    """The engineer finishes: every item answered, every required photo taken; the report awaits the signature."""
    _check_org(actor, visit, "inspections.perform")
    locked = _lock_visit(visit)
    if locked.status == VisitStatus.COMPLETED:
        return locked
    if locked.status != VisitStatus.IN_PROGRESS:
        raise _refuse(locked, str(VisitStatus.COMPLETED.label))
    missing = [a.text for a in locked.answers.all() if not a.answered or (a.photo_required and not a.photo)]
    if missing:
        raise ValidationError(
            {"answers": _("Not answered yet: %(items)s") % {"items": "、".join(missing[:10])}}, code="incomplete"
        )
    locked.status = VisitStatus.COMPLETED
    locked.completed_at = timezone.now()
    locked.risk_analysis = (risk_analysis or "").strip()
    locked.recommendations = (recommendations or "").strip()
    locked.save(update_fields=["status", "completed_at", "risk_analysis", "recommendations", "updated_at"])
    return locked


@transaction.atomic
def finding_to_workorder(*, answer: InspectionAnswer, actor: User):
    """Open a work order for a finding (one tap): the site, the plan's subsystem devices, severity by risk, the
    finding as the symptom; the answer links to it. A second tap returns the same order."""
    from weibao.contracts.choices import IntakeChannel
    from weibao.workorders.services import workorder_create

    locked = (
        InspectionAnswer.objects.select_for_update().select_related("visit__plan__site__customer").get(pk=answer.pk)
    )
    visit = locked.visit
    _check_org(actor, visit, "inspections.perform")
    if locked.workorder_id:
        return locked.workorder
    if locked.risk == Risk.NONE and not locked.out_of_limit:
        raise ValidationError({"risk": _("Only a finding with a risk becomes a work order.")}, code="no_risk")
    plan = visit.plan
    lines = [
        _("Inspection finding (%(plan)s, %(day)s): %(item)s")
        % {"plan": plan.name, "day": visit.scheduled_on, "item": locked.text}
    ]
    if locked.answered:
        lines.append(
            _("Answer: %(value)s") % {"value": locked.display_value}
            + (f" ({_('limits')} {locked.limits})" if locked.limits else "")
        )
    if locked.finding:
        lines.append(locked.finding)
    devices = list(plan.subsystem.devices.all()[:1]) if plan.subsystem_id else []
    wo = workorder_create(
        actor=actor,
        customer=plan.site.customer,
        site=plan.site,
        channel=IntakeChannel.FIELD,
        symptom="\n".join(lines),
        severity=RISK_SEVERITY.get(locked.risk, "D"),
        devices=devices,
        source_ref=f"inspection:{visit.pk}:{locked.pk}",
        service_kind="inspection",
        title=(_("Inspection: %(item)s") % {"item": locked.text})[:200],
    )
    locked.workorder = wo
    locked.save(update_fields=["workorder", "updated_at"])
    answer.workorder = wo
    return wo


@transaction.atomic
def visit_sign(
    *, visit: InspectionVisit, actor: User, customer_name: str, customer_signature, engineer_signature=None
) -> InspectionVisit:
    """The customer signs the completed report (on the engineer's phone or in the portal); the PDF is then
    e-mailed to the customer's contacts. Signatures are the pad's PNG data URL, checked like the service form's."""
    from weibao.onsite.signatures import signature_from_data_url

    _check_org(actor, visit, "inspections.sign")
    locked = _lock_visit(visit)
    if locked.status != VisitStatus.COMPLETED:
        raise _refuse(locked, str(VisitStatus.SIGNED.label))
    errors = {}
    name = (customer_name or "").strip()
    if not name:
        errors["customer_name"] = _("Enter the name of the person signing.")
    files = {}
    for field, value, required in (
        ("customer_signature", customer_signature, True),
        ("engineer_signature", engineer_signature, False),
    ):
        if not value and not required:
            continue
        try:
            files[field] = signature_from_data_url(value, name=field.split("_")[0])
        except ValidationError as exc:
            errors[field] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    locked.customer_name = name[:100]
    for field, content in files.items():
        getattr(locked, field).save(content.name, content, save=False)
    locked.status = VisitStatus.SIGNED
    locked.signed_at = timezone.now()
    locked.save(update_fields=["customer_name", *files, "status", "signed_at", "updated_at"])
    from weibao.inspections.tasks import report_deliver

    transaction.on_commit(partial(report_deliver.enqueue, visit_id=locked.pk))
    return locked


def is_done(visit: InspectionVisit) -> bool:
    return visit.status in DONE_STATUSES
