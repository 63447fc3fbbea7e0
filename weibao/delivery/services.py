"""Delivery rules: stages and their gates, documents and reviews, milestones, records (SPEC §7).

Every stage move and review is a StageEvent. Gates raise ValidationError (code "gate") naming what is missing;
an illegal move raises TransitionNotAllowed; a stale edit StaleEdit.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.assets.uploads import check_upload
from weibao.contracts import clock
from weibao.core.concurrency import update_if_version
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.delivery.choices import (
    ARRIVAL_STAGES,
    DEFAULT_DOCUMENT_SET,
    DEFAULT_MILESTONES,
    LARGE_PROJECT_EXTRA,
    TRANSITIONS,
    DocKind,
    IssueStatus,
    ReadinessItem,
    ReviewStatus,
    Stage,
)
from weibao.delivery.models import (
    ArrivalBatch,
    DailyReport,
    DeliveryDocument,
    DeliveryDocumentVersion,
    DeliveryParty,
    DeliveryProject,
    DocumentRequirement,
    EquipmentItem,
    Issue,
    Meeting,
    Milestone,
    OwnerInstruction,
    PaymentSignoff,
    ProjectType,
    ReadinessCheck,
    Risk,
    StageEvent,
    TeamMember,
    WeeklyReport,
)

PROJECT_FIELDS = (
    "name",
    "description",
    "bid_date",
    "bid_won",
    "equipment_confirmed_on",
    "contract_signed_on",
    "contract_amount",
    "initial_acceptance_on",
    "trial_run_start",
    "trial_run_months",
    "final_acceptance_on",
    "sla_template",
    "hardware_warranty_months",
    "software_warranty_months",
    "service_months",
    "main_site_address",
)
EQUIPMENT_FIELDS = (
    "site_name",
    "subsystem_name",
    "vendor",
    "category",
    "name",
    "model",
    "serial_number",
    "location",
    "ip_address",
    "firmware",
    "installed_on",
    "parameters",
    "notes",
)
MAX_WORKING_DAYS = 2000


def _gate(message: str) -> ValidationError:
    return ValidationError(message, code="gate")


def _event(
    project: DeliveryProject, kind: str, actor, *, old_stage: str = "", new_stage: str = "", note: str = "", **data
) -> StageEvent:
    return StageEvent.objects.create(
        project=project, kind=kind, actor=actor, old_stage=old_stage, new_stage=new_stage, note=note, data=data
    )


# --- project types and their document sets -------------------------------------------------------------------------
@transaction.atomic
def project_type_create(*, actor, code: str, name: str, large: bool = False) -> ProjectType:
    """A project type with the default document set (editable afterwards in the admin)."""
    ptype = ProjectType(code=code, name=name, large=large)
    ptype.full_clean()
    ptype.save()
    rows = [(stage, kind, review) for stage, docs in DEFAULT_DOCUMENT_SET.items() for kind, review in docs]
    if large:
        rows += [(stage, kind, review) for stage, docs in LARGE_PROJECT_EXTRA.items() for kind, review in docs]
    DocumentRequirement.objects.bulk_create(
        DocumentRequirement(project_type=ptype, stage=s, kind=k, customer_review=r) for s, k, r in rows
    )
    return ptype


# --- projects --------------------------------------------------------------------------------------------------------
@transaction.atomic
def delivery_project_create(
    *, actor, customer, project_type: ProjectType, code: str, name: str, calendar, **fields
) -> DeliveryProject:
    """A new project in pre-sales, with a placeholder for every required document and the default milestones."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise ValueError(f"not a delivery project field: {sorted(unknown)}")
    project = DeliveryProject(
        organisation_id=customer.organisation_id,
        customer=customer,
        project_type=project_type,
        code=code.strip(),
        name=name.strip(),
        calendar=calendar,
        **fields,
    )
    project.full_clean()
    project.save()
    DeliveryDocument.objects.bulk_create(
        DeliveryDocument(
            project=project,
            stage=req.stage,
            kind=req.kind,
            title=str(DocKind(req.kind).label),
            review_status=ReviewStatus.PENDING if req.customer_review else ReviewStatus.NOT_REQUIRED,
        )
        for req in project_type.requirements.all()
    )
    Milestone.objects.bulk_create(
        Milestone(project=project, code=c, name=n, working_days=d) for c, n, d in DEFAULT_MILESTONES
    )
    if project.contract_signed_on:
        milestones_plan(project=project)
    _event(project, "created", actor, new_stage=project.stage)
    return project


@transaction.atomic
def delivery_project_update(
    *, project: DeliveryProject, actor, version: int | None = None, **changes
) -> DeliveryProject:
    """Edit dates and terms; compare-and-set on `version`. A new signing date re-plans the milestones."""
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise ValueError(f"not a delivery project field: {sorted(unknown)}")
    if project.stage == Stage.HANDED_OVER:
        raise _gate(_("A handed-over project is maintained in the estate; it can no longer be edited."))
    signed_before = project.contract_signed_on
    for field, value in changes.items():
        setattr(project, field, value)
    project.full_clean()
    update_if_version(
        instance=project,
        expected_version=project.version if version is None else version,
        **{f: getattr(project, f) for f in changes},
    )
    if project.contract_signed_on != signed_before:
        milestones_plan(project=project)
    changed = {f: str(v) for f, v in changes.items()}
    _event(project, "updated", actor, **changed)
    return project


def required_documents_missing(project: DeliveryProject, stage: str) -> list[DeliveryDocument]:
    """The stage's required documents that are not uploaded, or not approved where the customer must review."""
    kinds = set(project.project_type.requirements.filter(stage=stage).values_list("kind", flat=True))
    docs = list(project.documents.filter(stage=stage, kind__in=kinds))
    missing = [
        doc
        for doc in docs
        if doc.current_version == 0 or doc.review_status in (ReviewStatus.PENDING, ReviewStatus.CHANGES)
    ]
    present = {d.kind for d in docs}
    for kind in sorted(kinds - present):  # a placeholder deleted in the admin: still required
        missing.append(DeliveryDocument(project=project, stage=stage, kind=kind, title=str(DocKind(kind).label)))
    return missing


def stage_problems(project: DeliveryProject, today: datetime.date) -> list[str]:
    """Everything the current stage still needs before it can close: its documents, then its other gates."""
    stage = project.stage
    problems = [
        _("Missing or not reviewed: %(doc)s.") % {"doc": doc.title}
        for doc in required_documents_missing(project, stage)
    ]
    if stage == Stage.PRESALES and project.bid_won is None:
        problems.append(_("Record whether the bid was won."))
    elif stage == Stage.CONTRACT:
        if not project.equipment_confirmed_on:
            problems.append(_("The customer has not confirmed the equipment list."))
        if not project.contract_signed_on:
            problems.append(_("The contract signing date is missing."))
        if not project.equipment.exists():
            problems.append(_("The equipment list is empty."))
    elif stage == Stage.EXECUTION:
        done = set(project.readiness.values_list("item", flat=True))
        for item in ReadinessItem:
            if item not in done:
                problems.append(_("Site readiness not checked: %(item)s.") % {"item": item.label})
        if not project.arrivals.exists():
            problems.append(_("No equipment arrival has been recorded."))
    elif stage == Stage.INITIAL_ACCEPTANCE and not project.initial_acceptance_on:
        problems.append(_("The initial acceptance date is missing."))
    elif stage == Stage.TRIAL_RUN:
        if project.trial_run_end is None:
            problems.append(_("The trial run start is missing."))
        elif project.trial_run_end > today:
            problems.append(_("The trial run ends on %(date)s.") % {"date": project.trial_run_end})
    elif stage == Stage.FINAL_ACCEPTANCE and not project.final_acceptance_on:
        problems.append(_("The final acceptance date is missing."))
    return problems


@transaction.atomic
def stage_close(
    *, project: DeliveryProject, actor, version: int | None = None, today: datetime.date | None = None
) -> DeliveryProject:
    """Close the current stage and open the next one; refused while a required document or gate is open."""
    locked = DeliveryProject.objects.select_for_update().get(pk=project.pk)
    if version is not None and locked.version != version:
        raise StaleEdit
    current = locked.stage
    if current not in TRANSITIONS or not TRANSITIONS[current] or current == Stage.ACCEPTED:
        raise TransitionNotAllowed(current=current, requested="close", message=_("This stage is not closed by hand."))
    problems = stage_problems(locked, today or timezone.localdate())
    if problems:
        raise ValidationError([_gate(p) for p in problems])
    new = Stage.LOST if current == Stage.PRESALES and locked.bid_won is False else _next_stage(current)
    update_if_version(instance=locked, expected_version=locked.version, stage=new)
    _event(locked, "stage_closed", actor, old_stage=current, new_stage=new)
    project.stage, project.version = locked.stage, locked.version
    return locked


def _next_stage(stage: str) -> str:
    return next(s for s in TRANSITIONS[stage] if s != Stage.LOST)


# --- parties and team ------------------------------------------------------------------------------------------------
def party_invite(*, project: DeliveryProject, actor, organisation, kind: str) -> DeliveryParty:
    """Invite the supervision company or a vendor; its users then see the project (and only it)."""
    party, created = DeliveryParty.objects.get_or_create(
        project=project, organisation=organisation, defaults={"kind": kind}
    )
    if created:
        _event(project, "party_invited", actor, organisation=organisation.pk, party_kind=kind)
    return party


def team_member_add(*, project: DeliveryProject, actor, role: str, name: str, user=None, phone: str = "") -> TeamMember:
    member = TeamMember(project=project, role=role, name=name.strip(), user=user, phone=phone.strip())
    member.full_clean()
    member.save()
    return member


# --- documents -------------------------------------------------------------------------------------------------------
@transaction.atomic
def document_add(
    *,
    project: DeliveryProject,
    actor,
    stage: str,
    kind: str,
    title: str,
    upload: UploadedFile,
    visible_to_customer: bool = True,
    visible_to_supervisor: bool = True,
    customer_review: bool = False,
    note: str = "",
) -> DeliveryDocument:
    """A document beyond the required set (a cutover plan, minutes, photos …) with its first version."""
    doc = DeliveryDocument(
        project=project,
        stage=stage,
        kind=kind,
        title=title.strip(),
        visible_to_customer=visible_to_customer or customer_review,
        visible_to_supervisor=visible_to_supervisor,
        review_status=ReviewStatus.PENDING if customer_review else ReviewStatus.NOT_REQUIRED,
    )
    doc.full_clean(exclude=["current_version"])
    doc.save()
    document_upload(document=doc, actor=actor, upload=upload, note=note)
    doc.refresh_from_db()
    return doc


@transaction.atomic
def document_upload(
    *, document: DeliveryDocument, actor, upload: UploadedFile, note: str = ""
) -> DeliveryDocumentVersion:
    """A new version of a document; an earlier review does not cover it, so a reviewed document goes back to pending."""
    checked = check_upload(upload)
    locked = DeliveryDocument.objects.select_for_update().get(pk=document.pk)
    if locked.project.stage in (Stage.HANDED_OVER, Stage.LOST):
        raise _gate(_("The project is closed; its documents can no longer change."))
    number = locked.current_version + 1
    version = DeliveryDocumentVersion(
        document=locked,
        number=number,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        note=note[:300],
        uploaded_by=actor,
    )
    version.file.save(checked.name, upload, save=False)
    try:
        version.save()
    except Exception:
        version.file.delete(save=False)
        raise
    locked.current_version = number
    fields = ["current_version", "updated_at"]
    if locked.review_status != ReviewStatus.NOT_REQUIRED:
        locked.review_status, locked.reviewed_by, locked.reviewed_at = ReviewStatus.PENDING, None, None
        fields += ["review_status", "reviewed_by", "reviewed_at"]
    locked.save(update_fields=fields)
    document.current_version, document.review_status = locked.current_version, locked.review_status
    _event(locked.project, "document_uploaded", actor, document=locked.pk, version=number)
    return version


def design_reviews_open(project: DeliveryProject) -> list[DeliveryDocument]:
    """The design documents the customer must review and has not approved (they gate the equipment's arrival)."""
    return list(
        project.documents.filter(stage=Stage.DESIGN).exclude(
            review_status__in=(ReviewStatus.NOT_REQUIRED, ReviewStatus.APPROVED)
        )
    )


@transaction.atomic
def document_review(*, document: DeliveryDocument, actor, approve: bool, note: str = "") -> DeliveryDocument:
    """The customer's review of the current version: approve, or ask for changes (with a note)."""
    locked = DeliveryDocument.objects.select_for_update().select_related("project").get(pk=document.pk)
    if locked.review_status == ReviewStatus.NOT_REQUIRED:
        raise _gate(_("This document needs no review."))
    if locked.current_version == 0:
        raise _gate(_("Nothing to review yet: no version was uploaded."))
    if locked.stage == Stage.DESIGN and locked.project.arrivals.exists():
        # SPEC §7: design and implementation plans are reviewed before the equipment arrives, not after.
        raise _gate(_("The equipment has already arrived: a design review must be done before the arrival."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say what should change.")})
    new = ReviewStatus.APPROVED if approve else ReviewStatus.CHANGES
    locked.review_status, locked.reviewed_by, locked.reviewed_at = new, actor, timezone.now()
    locked.review_note = note.strip()
    locked.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
    _event(
        locked.project,
        "document_reviewed",
        actor,
        note=note.strip(),
        document=locked.pk,
        version=locked.current_version,
        result=new,
    )
    return locked


# --- milestones on the working calendar ------------------------------------------------------------------------------
def _office_calendar() -> clock.WorkingCalendar:
    return clock.WorkingCalendar(
        weekly={d: [("09:00", "18:00")] for d in range(5)}, statutory=clock.china_statutory, name="5x8 delivery"
    )


def working_days_after(cal: clock.WorkingCalendar, start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` on `cal` (weekends, holidays and overrides skipped, make-up days
    counted). A 7x24 service calendar says nothing about site work, so it counts China's office working days."""
    if cal.always:
        cal = _office_calendar()
    day, counted = start, 0
    for _step in range(MAX_WORKING_DAYS * 3):
        if counted >= days:
            return day
        day += datetime.timedelta(days=1)
        if cal.day_info(day).is_working:
            counted += 1
    raise ValueError("no working days found; check the calendar")


def milestones_plan(*, project: DeliveryProject) -> None:
    """Planned dates of every milestone from the signing date (cleared when there is none)."""
    cal = project.calendar.working_calendar()
    for m in project.milestones.all():
        planned = (
            working_days_after(cal, project.contract_signed_on, m.working_days) if project.contract_signed_on else None
        )
        if planned != m.planned_on:
            m.planned_on = planned
            m.save(update_fields=["planned_on", "updated_at"])


def milestone_reach(*, milestone: Milestone, actor, actual_on: datetime.date | None) -> Milestone:
    milestone.actual_on = actual_on
    milestone.save(update_fields=["actual_on", "updated_at"])
    _event(milestone.project, "milestone_reached", actor, milestone=milestone.code, actual_on=str(actual_on or ""))
    return milestone


# --- procurement and execution ---------------------------------------------------------------------------------------
@transaction.atomic
def arrival_record(*, project: DeliveryProject, actor, arrived_on: datetime.date, description: str) -> ArrivalBatch:
    """An arrival batch; refused while the customer has not approved the design (review before arrival)."""
    locked = DeliveryProject.objects.select_for_update().get(pk=project.pk)
    if locked.stage not in ARRIVAL_STAGES:
        raise _gate(_("Equipment arrivals are recorded from procurement to execution."))
    open_reviews = design_reviews_open(locked)
    if open_reviews:
        raise _gate(
            _("The customer must approve the design before the equipment arrives: %(docs)s.")
            % {"docs": "、".join(d.title for d in open_reviews)}
        )
    batch = ArrivalBatch(project=locked, arrived_on=arrived_on, description=description.strip(), recorded_by=actor)
    batch.full_clean()
    batch.save()
    _event(locked, "arrival", actor, arrived_on=str(arrived_on), description=batch.description)
    first = locked.milestones.filter(code="arrival", actual_on__isnull=True).first()
    if first is not None:
        milestone_reach(milestone=first, actor=actor, actual_on=arrived_on)
    return batch


def readiness_check(
    *, project: DeliveryProject, actor, item: str, done_on: datetime.date, note: str = ""
) -> ReadinessCheck:
    check, _created = ReadinessCheck.objects.update_or_create(
        project=project, item=item, defaults={"done_on": done_on, "note": note.strip(), "checked_by": actor}
    )
    _event(project, "readiness", actor, item=item, done_on=str(done_on))
    return check


# --- equipment list --------------------------------------------------------------------------------------------------
def _check_equipment_editable(project: DeliveryProject) -> None:
    if project.stage in (Stage.HANDED_OVER, Stage.LOST):
        raise _gate(_("The project is closed; its equipment list can no longer change."))


@transaction.atomic
def equipment_add(*, project: DeliveryProject, actor, **fields) -> EquipmentItem:
    _check_equipment_editable(project)
    unknown = set(fields) - set(EQUIPMENT_FIELDS)
    if unknown:
        raise ValueError(f"not an equipment field: {sorted(unknown)}")
    last = project.equipment.order_by("-line").values_list("line", flat=True).first() or 0
    item = EquipmentItem(project=project, line=last + 1, **fields)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def equipment_replace(*, project: DeliveryProject, actor, rows: list[dict]) -> int:
    """Replace the equipment list by checked rows (an import); all or nothing."""
    _check_equipment_editable(project)
    project.equipment.all().delete()
    items = [EquipmentItem(project=project, line=n, **row) for n, row in enumerate(rows, start=1)]
    for item in items:
        item.full_clean(exclude=["project", "vendor"])
    EquipmentItem.objects.bulk_create(items)
    _event(project, "equipment_imported", actor, rows=len(items))
    return len(items)


# --- records ---------------------------------------------------------------------------------------------------------
def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def daily_report_add(
    *, project: DeliveryProject, actor, day: datetime.date, work_done: str, crew: int = 0, problems: str = ""
) -> DailyReport:
    if DailyReport.objects.filter(project=project, day=day).exists():
        raise ValidationError({"day": _("There is already a daily report for this day.")})
    return _save(
        DailyReport(
            project=project, day=day, work_done=work_done.strip(), crew=crew, problems=problems.strip(), author=actor
        )
    )


def issue_add(
    *, project: DeliveryProject, actor, occurred_on: datetime.date, description: str, reported_by: str
) -> Issue:
    return _save(
        Issue(
            project=project, occurred_on=occurred_on, description=description.strip(), reported_by=reported_by.strip()
        )
    )


def issue_solve(*, issue: Issue, actor, solution: str, solved_on: datetime.date) -> Issue:
    if not solution.strip():
        raise ValidationError({"solution": _("Say how it was solved.")})
    issue.solution, issue.solved_on, issue.status = solution.strip(), solved_on, IssueStatus.SOLVED
    return _save(issue)


def risk_add(*, project: DeliveryProject, actor, description: str, level: str, mitigation: str = "") -> Risk:
    return _save(Risk(project=project, description=description.strip(), level=level, mitigation=mitigation.strip()))


def meeting_add(
    *, project: DeliveryProject, actor, held_on: datetime.date, title: str, minutes: str, attendees: str = ""
) -> Meeting:
    return _save(
        Meeting(
            project=project, held_on=held_on, title=title.strip(), minutes=minutes.strip(), attendees=attendees.strip()
        )
    )


def instruction_add(
    *,
    project: DeliveryProject,
    actor,
    received_on: datetime.date,
    instruction: str,
    response: str = "",
    answered_on: datetime.date | None = None,
) -> OwnerInstruction:
    return _save(
        OwnerInstruction(
            project=project,
            received_on=received_on,
            instruction=instruction.strip(),
            response=response.strip(),
            answered_on=answered_on,
        )
    )


def payment_add(
    *, project: DeliveryProject, actor, period: str, amount, signed_by_customer_on=None, signed_by_supervisor_on=None
) -> PaymentSignoff:
    return _save(
        PaymentSignoff(
            project=project,
            period=period.strip(),
            amount=Decimal(str(amount)),
            signed_by_customer_on=signed_by_customer_on,
            signed_by_supervisor_on=signed_by_supervisor_on,
        )
    )


@transaction.atomic
def weekly_report_generate(*, project: DeliveryProject, actor, week_start: datetime.date) -> WeeklyReport:
    """The week's status from the records: daily reports, issues opened and solved, milestones, arrivals."""
    week_start = week_start - datetime.timedelta(days=week_start.weekday())
    week_end = week_start + datetime.timedelta(days=6)
    today = timezone.localdate()
    dailies = project.daily_reports.filter(day__range=(week_start, week_end)).order_by("day")
    data = {
        "week_start": str(week_start),
        "week_end": str(week_end),
        "stage": project.stage,
        "days_reported": dailies.count(),
        "work": [
            {"day": str(d.day), "crew": d.crew, "work_done": d.work_done, "problems": d.problems} for d in dailies
        ],
        "issues_opened": [i.description for i in project.issues.filter(occurred_on__range=(week_start, week_end))],
        "issues_solved": [i.description for i in project.issues.filter(solved_on__range=(week_start, week_end))],
        "issues_open": project.issues.filter(status=IssueStatus.OPEN).count(),
        "arrivals": [a.description for a in project.arrivals.filter(arrived_on__range=(week_start, week_end))],
        "milestones_late": [m.name for m in project.milestones.all() if m.is_late(today)],
    }
    report, _created = WeeklyReport.objects.update_or_create(
        project=project, week_start=week_start, defaults={"data": data, "generated_by": actor}
    )
    return report


def equipment_import(*, project: DeliveryProject, actor, data: bytes):
    """Check an uploaded equipment list; only a list without errors replaces the project's list (all or nothing).
    Returns the check result with its row report; ImportFileError when the file cannot be read at all."""
    from weibao.delivery.excel import check_equipment

    _check_equipment_editable(project)
    result = check_equipment(data, project=project)
    if result.ok:
        equipment_replace(project=project, actor=actor, rows=result.rows)
    return result
