"""Writes of the month end (STYLE §2): pay rules, pay profiles, taxi/freight approvals, travel claims, and the
monthly statistics table with its approval chain (prepare → review → approve = lock). Every write is one
transaction; refusals are ValidationError (field errors), TransitionNotAllowed (state, 409) or PermissionDenied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.choices import AuthorityLevel, Role
from weibao.accounts.models import User
from weibao.accounts.permissions import ENGINEERS, require
from weibao.assets.uploads import check_upload
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.payroll import rules as R
from weibao.payroll import sources
from weibao.payroll.choices import (
    MONTH_TRANSITIONS,
    NEEDS_APPROVAL,
    ApprovalStatus,
    ClaimStatus,
    LineKind,
    MonthEventKind,
    MonthStatus,
    TravelKind,
)
from weibao.payroll.models import (
    PayMonth,
    PayMonthEvent,
    PayProfile,
    PayRule,
    Statement,
    StatementLine,
    TravelApproval,
    TravelClaim,
)

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}
RULE_AMOUNTS = (
    "service_allowance",
    "monthly_bonus",
    "complaint_fine",
    "non_dedicated_visit_fee",
    "base_salary",
    "probation_base_salary",
    "seniority_per_year",
)
# The rule that refuses a taxi or freight claim, quoted to the engineer (售后服务管理制度 §4 注).
TAXI_RULE = _(
    "Only public transport is reimbursed; taxi or freight only with the department manager's approval requested "
    "before the trip (未申报不予报销)."
)


def _decimal(value, field: str, *, minimum: Decimal = Decimal("0"), positive: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(R.CENT) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: _("Enter an amount.")})
    if amount < minimum or (positive and amount <= 0) or amount >= Decimal("10000000000"):
        raise ValidationError(
            {field: _("Enter an amount greater than zero.") if positive else _("The amount cannot be negative.")}
        )
    return amount


def _locked_months() -> dict[dt.date, dt.datetime]:
    return dict(PayMonth.objects.filter(status=MonthStatus.APPROVED).values_list("month", "locked_at"))


def _has_level(user: User, *levels: str) -> bool:
    return user.is_internal and user.authority_level in levels


# --- pay rules and profiles ---------------------------------------------------------------------------------------


@transaction.atomic
def payrule_create(
    *, actor: User, valid_from: dt.date, forfeit_threshold: int, standard_days, note: str = "", **amounts
) -> PayRule:
    """A new set of amounts from `valid_from` on. Months already locked keep theirs, so the date may not fall in
    (or before) a locked month."""
    require(actor, "payroll.rules")
    errors: dict[str, str] = {}
    values: dict[str, Decimal] = {}
    for name in RULE_AMOUNTS:
        try:
            values[name] = _decimal(amounts.get(name), name)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if not isinstance(forfeit_threshold, int) or forfeit_threshold < 1 or forfeit_threshold > 100:
        errors["forfeit_threshold"] = _("Enter a number of complaints from 1 to 100.")
    try:
        days = _decimal(standard_days, "standard_days", positive=True)
        if days > 31:
            errors["standard_days"] = _("A month has at most 31 days.")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        days = Decimal("0")
    if not isinstance(valid_from, dt.date):
        errors["valid_from"] = _("Enter a date.")
    else:
        last_locked = PayMonth.objects.filter(status=MonthStatus.APPROVED).order_by("-month").first()
        if last_locked is not None and valid_from <= R.month_end(last_locked.month):
            errors["valid_from"] = _("%(month)s is approved and locked: a new rule starts after it.") % {
                "month": f"{last_locked.month:%Y-%m}"
            }
        elif PayRule.objects.filter(valid_from=valid_from).exists():
            errors["valid_from"] = _("A rule already starts on this day.")
    if errors:
        raise ValidationError(errors)
    return PayRule.objects.create(
        valid_from=valid_from,
        forfeit_threshold=forfeit_threshold,
        standard_days=days,
        note=(note or "")[:300],
        created_by=actor,
        **values,
    )


@transaction.atomic
def payprofile_set(
    *, actor: User, user: User, hire_date: dt.date | None, confirmation_date: dt.date | None
) -> PayProfile:
    """Hire date (seniority) and end of probation of one of our staff."""
    require(actor, "payroll.rules")
    if not user.is_internal:
        raise ValidationError({"user": _("Only our own staff are paid.")})
    if hire_date and confirmation_date and confirmation_date < hire_date:
        raise ValidationError({"confirmation_date": _("Probation cannot end before the hire date.")})
    profile, _created = PayProfile.objects.update_or_create(
        user=user, defaults={"hire_date": hire_date, "confirmation_date": confirmation_date}
    )
    return profile


def on_probation(user: User, profile: PayProfile | None, month: dt.date) -> bool:
    """On probation in `month` when probation ends after its first day; without a date, the account's flag."""
    if profile is not None and profile.confirmation_date is not None:
        return profile.confirmation_date > month
    return bool(user.on_probation)


# --- travel: approvals before the trip, claims after it -----------------------------------------------------------


def _check_engineer_order(actor: User, workorder) -> None:
    require(actor, "payroll.travel")
    if workorder.assignee_id != actor.pk:
        raise ValidationError({"workorder": _("Claims are made for your own orders only.")})


@transaction.atomic
def travel_approval_request(*, actor: User, workorder, kind: str, reason: str, estimated_amount=None) -> TravelApproval:
    """The engineer asks the department manager, before the trip, to take a taxi or freight (urgent, or bulky
    goods). The branch's managers are told by e-mail after commit and see it in their queue."""
    _check_engineer_order(actor, workorder)
    if kind not in NEEDS_APPROVAL:
        raise ValidationError({"kind": _("Public transport needs no approval.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why (urgent, bulky goods…).")})
    amount = (
        _decimal(estimated_amount, "estimated_amount", positive=True) if estimated_amount not in (None, "") else None
    )
    approval = TravelApproval.objects.create(
        engineer=actor, workorder=workorder, kind=kind, reason=reason[:2000], estimated_amount=amount
    )
    transaction.on_commit(partial(_tell_managers, approval.pk))
    return approval


def approvers_for(engineer: User):
    """Who answers an engineer's request: department managers (and the general manager) of our company, the
    engineer's branch first."""
    return User.objects.filter(
        is_active=True,
        role__in=[Role.ADMIN, Role.SERVICE_MANAGER],
        authority_level__in=[AuthorityLevel.DEPARTMENT_MANAGER, AuthorityLevel.GENERAL_MANAGER],
    ).filter(Q(branch=engineer.branch_id) | Q(authority_level=AuthorityLevel.GENERAL_MANAGER) | Q(branch__isnull=True))


def _tell_managers(approval_id: int) -> None:
    from weibao.payroll.tasks import travel_approval_announce

    travel_approval_announce.enqueue(approval_id=approval_id)


@transaction.atomic
def travel_approval_answer(*, approval: TravelApproval, actor: User, approve: bool, note: str = "") -> TravelApproval:
    """The department manager (or the general manager) approves or refuses; a second answer changes nothing."""
    require(actor, "payroll.travel_answer")
    if not _has_level(actor, AuthorityLevel.DEPARTMENT_MANAGER, AuthorityLevel.GENERAL_MANAGER):
        raise PermissionDenied(_("Only a department manager or the general manager answers travel requests."))
    row = TravelApproval.objects.select_for_update().get(pk=approval.pk)
    if row.status != ApprovalStatus.PENDING:
        raise TransitionNotAllowed(
            current=str(row.get_status_display()),
            requested=str(ApprovalStatus.APPROVED.label),
            message=_("This request was answered already."),
        )
    if row.engineer_id == actor.pk:
        raise PermissionDenied(_("Nobody approves their own request."))
    row.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REFUSED
    row.answered_by, row.answered_at, row.answer_note = actor, timezone.now(), (note or "")[:300]
    row.save(update_fields=["status", "answered_by", "answered_at", "answer_note", "updated_at"])
    return row


@transaction.atomic
def travel_claim_submit(
    *, actor: User, workorder, kind: str, trip_at: dt.datetime, amount, description: str, receipt=None
) -> TravelClaim:
    """Claim one trip of an order. Public transport is accepted; taxi or freight is accepted only with an
    approval of this order and kind answered before the trip, otherwise stored as refused with the rule named."""
    _check_engineer_order(actor, workorder)
    errors = {}
    if kind not in TravelKind.values:
        errors["kind"] = _("Choose public transport, taxi or freight.")
    if not isinstance(trip_at, dt.datetime) or timezone.is_naive(trip_at):
        errors["trip_at"] = _("Enter the date and time of the trip.")
    elif trip_at > timezone.now():
        errors["trip_at"] = _("Claims are made after the trip.")
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Say where from and where to.")
    try:
        value = _decimal(amount, "amount", positive=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        value = None
    checked = None
    if receipt is not None:
        try:
            checked = check_upload(receipt, allowed=IMAGE_TYPES)
        except ValidationError as exc:
            errors["receipt"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    claim = TravelClaim(
        engineer=actor,
        workorder=workorder,
        kind=kind,
        trip_at=trip_at,
        amount=value,
        description=description[:300],
        status=ClaimStatus.ACCEPTED,
    )
    if kind in NEEDS_APPROVAL:
        claim.approval = (
            TravelApproval.objects.filter(
                engineer=actor, workorder=workorder, kind=kind, status=ApprovalStatus.APPROVED, answered_at__lte=trip_at
            )
            .order_by("-answered_at")
            .first()
        )
        if claim.approval is None:
            claim.status, claim.refusal_reason = ClaimStatus.REFUSED, TAXI_RULE
    if checked is not None:
        claim.sha256 = checked.sha256
        claim.receipt.save(checked.name, receipt, save=False)
    claim.save()
    return claim


# --- the monthly statistics table ---------------------------------------------------------------------------------


def _month(value: dt.date) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError({"month": _("Enter a month.")})
    return value.replace(day=1)


def _refuse(pm: PayMonth, requested: str, message: str) -> None:
    raise TransitionNotAllowed(
        current=str(pm.get_status_display()), requested=str(MonthStatus(requested).label), message=message
    )


def _check_version(pm: PayMonth, expected_version: int | None) -> None:
    if expected_version is not None and pm.version != expected_version:
        raise StaleEdit()


def _event(pm: PayMonth, kind: str, actor: User, note: str = "") -> None:
    PayMonthEvent.objects.create(
        pay_month=pm, kind=kind, actor=actor, authority_level=actor.authority_level, note=(note or "")[:2000]
    )


def _people(month: dt.date, engineer_ids: set[int], attendance: dict[int, Decimal | None]) -> dict[int, R.Person]:
    users = User.objects.filter(
        Q(pk__in=engineer_ids) | Q(is_active=True, role__in=list(ENGINEERS), organisation__kind="own")
    ).select_related("pay_profile")
    people = {}
    for u in users:
        profile = getattr(u, "pay_profile", None)
        people[u.pk] = R.Person(
            id=u.pk,
            branch_id=u.branch_id,
            is_dedicated=u.is_dedicated,
            on_probation=on_probation(u, profile, month),
            hire_date=profile.hire_date if profile else None,
            attendance_days=attendance.get(u.pk),
        )
    return people


def _prior(month: dt.date, complaints: list[R.ComplaintFact]) -> dict[tuple[int, dt.date], R.PriorMonth]:
    """For late complaints: what each (engineer, locked month) settled, with later adjustments of it."""
    keys = {(c.engineer_id, R.month_start(c.on)) for c in complaints if R.month_start(c.on) < month}
    if not keys:
        return {}
    months = {m for _e, m in keys}
    engineers = {e for e, _m in keys}
    rows = Statement.objects.filter(pay_month__month__in=months, engineer_id__in=engineers).values_list(
        "engineer_id", "pay_month__month", "complaints", "bonus"
    )
    later: dict[tuple[int, dt.date], int] = {}
    for eng, from_month, n in (
        StatementLine.objects.filter(
            kind=LineKind.COMPLAINT, from_month__in=months, statement__engineer_id__in=engineers
        )
        .exclude(statement__pay_month__month=month)
        .values("statement__engineer_id", "from_month")
        .annotate(n=Count("id"))
        .values_list("statement__engineer_id", "from_month", "n")
    ):
        later[(eng, from_month)] = n
    # A month whose bonus was already taken back by an earlier adjustment pays nothing more back.
    taken = set(
        StatementLine.objects.filter(kind=LineKind.FORFEIT, from_month__in=months, statement__engineer_id__in=engineers)
        .exclude(statement__pay_month__month=month)
        .values_list("statement__engineer_id", "from_month")
    )
    return {
        (eng, m): R.PriorMonth(
            complaints=n + later.get((eng, m), 0), bonus=Decimal("0") if (eng, m) in taken else bonus
        )
        for eng, m, n, bonus in rows
    }


def compute(
    month: dt.date, *, until: dt.datetime | None = None, attendance: dict[int, Decimal | None] | None = None
) -> dict[int, R.Result]:
    """The month's statements from the records made up to `until` (default now), without storing them."""
    month = _month(month)
    until = until or timezone.now()
    since = sources.local_midnight(month)
    last_day = R.month_end(month)
    services = sources.service_facts(since=since, until=until, last_day=last_day)
    complaints = sources.complaint_facts(since=since, until=until)
    travel = sources.travel_facts(since=since, until=until)
    engineer_ids = {f.engineer_id for f in (*services, *complaints, *travel)}
    return R.compute_month(
        month=month,
        people=_people(month, engineer_ids, attendance or {}),
        services=services,
        complaints=complaints,
        travel=travel,
        rules=R.RuleBook(PayRule.objects.all()),
        locks=_locked_months(),
        prior=_prior(month, complaints),
    )


def _store(pm: PayMonth, results: dict[int, R.Result]) -> None:
    """Replace the month's statements and lines by freshly computed ones (only while not locked)."""
    versions = dict(Statement.objects.filter(pay_month=pm).values_list("engineer_id", "version"))
    Statement.objects.filter(pay_month=pm).delete()
    statements = []
    for r in sorted(results.values(), key=lambda r: (r.branch_id or 0, r.engineer_id)):
        statements.append(
            Statement(
                pay_month=pm,
                engineer_id=r.engineer_id,
                branch_id=r.branch_id,
                is_dedicated=r.is_dedicated,
                on_probation=r.on_probation,
                services=r.services,
                not_counted=r.not_counted,
                complaints=r.complaints,
                allowance=r.allowance,
                visit_fees=r.visit_fees,
                bonus=r.bonus,
                bonus_forfeited=r.bonus_forfeited,
                fines=r.fines,
                travel=r.travel,
                adjustments=r.adjustments,
                total=r.total,
                attendance_days=r.attendance_days,
                seniority_years=r.seniority_years,
                base_salary=r.base_salary,
                version=versions.get(r.engineer_id, 0) + 1,
            )
        )
    Statement.objects.bulk_create(statements, batch_size=1000)
    ids = dict(Statement.objects.filter(pay_month=pm).values_list("engineer_id", "pk"))
    rows = [
        (
            ids[r.engineer_id],
            line.kind,
            line.on,
            line.workorder_id,
            line.number[:20],
            line.ref[:40],
            line.amount,
            line.reason[:300],
            line.rule_id,
            line.from_month,
        )
        for r in results.values()
        for line in r.lines
    ]
    if connection.vendor == "postgresql":
        # COPY: tens of thousands of lines a month; model objects and INSERT parameters cost most of the time.
        table = StatementLine._meta.db_table
        columns = ", ".join(f'"{c}"' for c in LINE_COLUMNS)
        with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    StatementLine.objects.bulk_create(
        [StatementLine(**dict(zip(LINE_COLUMNS, row, strict=True))) for row in rows], batch_size=2000
    )


LINE_COLUMNS = (
    "statement_id",
    "kind",
    "on",
    "workorder_id",
    "number",
    "ref",
    "amount",
    "reason",
    "rule_id",
    "from_month",
)


@transaction.atomic
def paymonth_prepare(*, month: dt.date, actor: User, expected_version: int | None = None) -> PayMonth:
    """The service administrator prepares (or recalculates) the month's table. A reviewed month must be returned
    first; an approved month is locked."""
    require(actor, "payroll.prepare")
    month = _month(month)
    today = timezone.localdate()
    if month > today.replace(day=1):
        raise ValidationError({"month": _("A month is prepared once it has begun.")})
    now = timezone.now()
    pm = PayMonth.objects.select_for_update().filter(month=month).first()
    attendance: dict[int, Decimal | None] = {}
    if pm is not None:
        _check_version(pm, expected_version)
        if pm.status != MonthStatus.PREPARED:
            _refuse(
                pm,
                MonthStatus.PREPARED,
                _("%(month)s is %(status)s: it can no longer be recalculated.")
                % {"month": f"{month:%Y-%m}", "status": pm.get_status_display()},
            )
        attendance = dict(Statement.objects.filter(pay_month=pm).values_list("engineer_id", "attendance_days"))
    try:
        results = compute(month, until=now, attendance=attendance)
    except R.NoRule as exc:
        raise ValidationError({"month": exc.message}) from exc
    if pm is None:
        pm = PayMonth.objects.create(month=month, prepared_by=actor, prepared_at=now, computed_at=now)
        kind = MonthEventKind.PREPARED
    else:
        pm.prepared_by, pm.prepared_at, pm.computed_at, pm.version = actor, now, now, pm.version + 1
        pm.save(update_fields=["prepared_by", "prepared_at", "computed_at", "version", "updated_at"])
        kind = MonthEventKind.RECOMPUTED
    _store(pm, results)
    _event(pm, kind, actor)
    return pm


def _locked_for(pm_id: int, expected_version: int | None) -> PayMonth:
    pm = PayMonth.objects.select_for_update().get(pk=pm_id)
    _check_version(pm, expected_version)
    return pm


@transaction.atomic
def paymonth_review(
    *, pay_month: PayMonth, actor: User, note: str = "", expected_version: int | None = None
) -> PayMonth:
    """The department manager checks the prepared table (经部门经理审核)."""
    require(actor, "payroll.review")
    if not _has_level(actor, AuthorityLevel.DEPARTMENT_MANAGER):
        raise PermissionDenied(_("The table is reviewed by a department manager."))
    pm = _locked_for(pay_month.pk, expected_version)
    if pm.status != MonthStatus.PREPARED:
        _refuse(pm, MonthStatus.REVIEWED, _("Only a prepared table is reviewed."))
    pm.status, pm.reviewed_by, pm.reviewed_at, pm.version = MonthStatus.REVIEWED, actor, timezone.now(), pm.version + 1
    pm.save(update_fields=["status", "reviewed_by", "reviewed_at", "version", "updated_at"])
    _event(pm, MonthEventKind.REVIEWED, actor, note)
    return pm


@transaction.atomic
def paymonth_approve(
    *, pay_month: PayMonth, actor: User, note: str = "", expected_version: int | None = None
) -> PayMonth:
    """The general manager approves (上报公司领导审批): the month is locked from now on. Not before it ended."""
    require(actor, "payroll.approve")
    if not _has_level(actor, AuthorityLevel.GENERAL_MANAGER):
        raise PermissionDenied(_("Only the general manager approves the monthly table."))
    pm = _locked_for(pay_month.pk, expected_version)
    if MonthStatus.APPROVED not in MONTH_TRANSITIONS[pm.status]:
        _refuse(pm, MonthStatus.APPROVED, _("Only a reviewed table is approved."))
    if timezone.localdate() <= R.month_end(pm.month):
        _refuse(pm, MonthStatus.APPROVED, _("A month is approved after its last day."))
    now = timezone.now()
    pm.status, pm.approved_by, pm.locked_at, pm.version = MonthStatus.APPROVED, actor, now, pm.version + 1
    pm.save(update_fields=["status", "approved_by", "locked_at", "version", "updated_at"])
    _event(pm, MonthEventKind.APPROVED, actor, note)
    return pm


@transaction.atomic
def paymonth_return(*, pay_month: PayMonth, actor: User, note: str, expected_version: int | None = None) -> PayMonth:
    """The reviewer or the approver sends the table back to the service administrator, saying why."""
    require(actor, "payroll.review")
    if not _has_level(actor, AuthorityLevel.DEPARTMENT_MANAGER, AuthorityLevel.GENERAL_MANAGER):
        raise PermissionDenied(_("A department manager or the general manager returns a table."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what to correct.")})
    pm = _locked_for(pay_month.pk, expected_version)
    if pm.status == MonthStatus.APPROVED:
        _refuse(pm, MonthStatus.PREPARED, _("An approved month is locked."))
    if pm.status == MonthStatus.REVIEWED and actor.authority_level != AuthorityLevel.GENERAL_MANAGER:
        raise PermissionDenied(_("A reviewed table is returned by the general manager."))
    pm.status, pm.reviewed_by, pm.reviewed_at, pm.version = MonthStatus.PREPARED, None, None, pm.version + 1
    pm.save(update_fields=["status", "reviewed_by", "reviewed_at", "version", "updated_at"])
    _event(pm, MonthEventKind.RETURNED, actor, note)
    return pm


@transaction.atomic
def statement_set_attendance(
    *, statement: Statement, actor: User, attendance_days, expected_version: int | None = None
) -> Statement:
    """The service administrator enters the attendance days (考勤) of a prepared month; the base salary follows."""
    require(actor, "payroll.prepare")
    pm = PayMonth.objects.select_for_update().get(pk=statement.pay_month_id)
    if pm.status != MonthStatus.PREPARED:
        _refuse(
            pm,
            MonthStatus.PREPARED,
            _("%(month)s is %(status)s: it can no longer be edited.")
            % {"month": f"{pm.month:%Y-%m}", "status": pm.get_status_display()},
        )
    row = Statement.objects.select_for_update(of=("self",)).select_related("engineer").get(pk=statement.pk)
    if expected_version is not None and row.version != expected_version:
        raise StaleEdit()
    days = None
    if attendance_days not in (None, ""):
        days = _decimal(attendance_days, "attendance_days")
        if days > 31:
            raise ValidationError({"attendance_days": _("A month has at most 31 days.")})
    rule = R.RuleBook(PayRule.objects.all()).at(R.month_end(pm.month))
    base = rule.probation_base_salary if row.on_probation else rule.base_salary
    if days is not None:
        base = base * days / rule.standard_days
    row.attendance_days = days
    row.base_salary = R.money(base + rule.seniority_per_year * row.seniority_years)
    row.version += 1
    row.save(update_fields=["attendance_days", "base_salary", "version", "updated_at"])
    _event(pm, MonthEventKind.ATTENDANCE, actor, f"{row.engineer}: {days if days is not None else '—'}")
    return row
