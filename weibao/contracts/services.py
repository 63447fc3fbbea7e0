"""Writes for calendars, contracts and SLA policies. Every write validates the whole change first, then saves
it in one transaction: nothing is saved half-way."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from weibao.contracts import clock
from weibao.contracts.choices import ContractStatus, Severity, StatutoryKind
from weibao.contracts.defaults import DEFAULT_TARGETS
from weibao.contracts.models import (
    MAX_TARGET,
    MINUTE_FIELDS,
    BusinessCalendar,
    CalendarOverride,
    Contract,
    HolidayYear,
    SlaPolicy,
    SlaTarget,
    StatutoryDay,
    WarrantyTerm,
)
from weibao.core.concurrency import update_if_version

logger = logging.getLogger(__name__)

MAX_MINUTES = int(MAX_TARGET.total_seconds() // 60)

CONTRACT_FIELDS = (
    "code",
    "name",
    "covers_all",
    "start_date",
    "end_date",
    "status",
    "labour_rate_hour",
    "labour_rate_visit",
    "transport_rate",
    "pm_frequency",
    "onsite_support",
    "training_days",
    "lifetime_support",
    "notes",
)


# --- calendars ----------------------------------------------------------------------------------


# Told after commit which calendars changed, so that what was computed on them can follow (workorders registers its
# deadline recompute from its AppConfig.ready(): imports point from workorders to contracts, never back).
_calendar_listeners: list[Callable[[list[int]], object]] = []


def calendars_changed_subscribe(fn: Callable[[list[int]], object]) -> Callable[[list[int]], object]:
    """Register `fn(calendar_ids)`, called after the commit of any change to those calendars' working time."""
    if fn not in _calendar_listeners:
        _calendar_listeners.append(fn)
    return fn


def _calendars_changed(ids: list[int]) -> None:
    def notify() -> None:
        for fn in list(_calendar_listeners):
            try:
                fn(ids)
            except Exception:  # a listener must not undo a saved calendar change
                logger.exception("calendar change listener %r failed for %s", fn, ids)

    if ids and _calendar_listeners:
        transaction.on_commit(notify)


def _bump_calendar(calendar: BusinessCalendar) -> None:
    """A new version makes every process rebuild the calendar (the cache is keyed by version)."""
    BusinessCalendar.objects.filter(pk=calendar.pk).update(version=F("version") + 1)
    calendar.refresh_from_db(fields=["version"])
    _calendars_changed([calendar.pk])


@transaction.atomic
def calendar_create(*, actor, **fields) -> BusinessCalendar:
    calendar = BusinessCalendar(**fields)
    calendar.full_clean()
    calendar.save()
    return calendar


@transaction.atomic
def calendar_update(*, calendar: BusinessCalendar, actor, version: int | None = None, **fields) -> BusinessCalendar:
    """Change a calendar; `version` (when given) is the one the user loaded — someone else's save → StaleEdit."""
    for name, value in fields.items():
        setattr(calendar, name, value)
    calendar.full_clean()
    expected = calendar.version if version is None else version
    update_if_version(instance=calendar, expected_version=expected, **fields)
    calendar.refresh_from_db()
    _calendars_changed([calendar.pk])
    return calendar


@transaction.atomic
def calendar_override_set(
    *, calendar: BusinessCalendar, actor, date: datetime.date, action: str, hours: str = "", reason: str = ""
) -> CalendarOverride:
    """Add or replace the override of one date."""
    override = CalendarOverride.objects.filter(calendar=calendar, date=date).first() or CalendarOverride(
        calendar=calendar, date=date
    )
    override.action, override.hours, override.reason = action, hours, reason
    override.full_clean(validate_unique=False)
    override.save()
    _bump_calendar(calendar)
    return override


@transaction.atomic
def calendar_override_delete(*, override: CalendarOverride, actor) -> None:
    calendar = override.calendar
    override.delete()
    _bump_calendar(calendar)


@transaction.atomic
def holiday_year_set(*, actor, year: int, status: str, note: str = "") -> HolidayYear:
    """An administrator records that a year's official schedule has been entered (as overrides) or is still pending."""
    row, _created = HolidayYear.objects.update_or_create(
        year=year, defaults={"status": status, "note": note, "confirmed_by": actor}
    )
    return row


def _bump_china_calendars() -> None:
    """Official holiday entries apply to every calendar that follows China's holidays: rebuild them all."""
    china = BusinessCalendar.objects.filter(china_holidays=True)
    china.update(version=F("version") + 1)
    _calendars_changed(list(china.values_list("pk", flat=True)))


def china_calendars_touch() -> None:
    """After official dates changed outside these services (Django admin): every China calendar is rebuilt."""
    _bump_china_calendars()


def calendar_touch(*, calendar: BusinessCalendar) -> None:
    """After a calendar's overrides changed outside these services (Django admin inline): it is rebuilt."""
    _bump_calendar(calendar)


@transaction.atomic
def statutory_day_set(*, actor, date: datetime.date, kind: str, name: str = "") -> StatutoryDay:
    """Enter one date of the official schedule (holiday, make-up working day, or ordinary day) for all China calendars."""
    day = StatutoryDay.objects.filter(date=date).first() or StatutoryDay(date=date)
    day.kind, day.name = kind, name
    day.full_clean(validate_unique=False)
    day.save()
    _bump_china_calendars()
    return day


@transaction.atomic
def statutory_day_delete(*, day: StatutoryDay, actor) -> None:
    day.delete()
    _bump_china_calendars()


# The longest period a notice gives (春节 2020, extended) is 10 days; a month leaves room for anything real.
MAX_PERIOD_DAYS = 31
# How far from the period a make-up working day may lie (they are the weekends just before and after).
MAX_MAKEUP_DISTANCE = datetime.timedelta(days=60)


@transaction.atomic
def statutory_period_set(
    *,
    actor,
    name: str,
    first_day: datetime.date,
    last_day: datetime.date,
    makeup_dates: Iterable[datetime.date] = (),
) -> list[StatutoryDay]:
    """Enter one holiday period of a State Council notice ("国庆节：10月1日至7日放假调休，共7天。9月26日、10月9日上班"):
    every day from the first to the last is off (weekend days included), the make-up dates are working days.

    Days the package (or an earlier entry) gave the same festival near the period but outside it become ordinary
    days, so an estimated year's rule-based dates do not linger next to the official ones. Applies to every China
    calendar at once (their versions rise, so every process rebuilds them).
    """
    name = name.strip()
    makeup_dates = sorted(set(makeup_dates))
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [ValidationError(_("Enter the holiday's name, e.g. 国庆节."), code="required")]
    if last_day < first_day:
        errors["last_day"] = [ValidationError(_("The last day cannot be before the first day."), code="inverted")]
    elif (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        errors["last_day"] = [
            ValidationError(_("A holiday period lasts at most %(n)d days."), params={"n": MAX_PERIOD_DAYS}, code="long")
        ]
    for day in makeup_dates:
        if first_day <= day <= last_day:
            errors.setdefault("makeup_dates", []).append(
                ValidationError(
                    _("%(day)s lies inside the holiday period."), params={"day": day.isoformat()}, code="inside"
                )
            )
        elif min(abs(day - first_day), abs(day - last_day)) > MAX_MAKEUP_DISTANCE:
            errors.setdefault("makeup_dates", []).append(
                ValidationError(
                    _("%(day)s is too far from the holiday period for a make-up working day."),
                    params={"day": day.isoformat()},
                    code="far",
                )
            )
    if errors:
        raise ValidationError(errors)
    period = clock.HolidayPeriod(name, first_day, last_day, tuple(makeup_dates))
    wanted: dict[datetime.date, tuple[str, str]] = {}
    # What the package says around the period: the same festival's days outside it are dropped (ordinary days).
    window_first, window_last = first_day - MAX_MAKEUP_DISTANCE, last_day + MAX_MAKEUP_DISTANCE
    same = (name, "农历除夕") if name == "春节" else (name,)  # New Year's Eve belongs to the Spring Festival
    for year in range(window_first.year, window_last.year + 1):
        holidays, _workdays = clock.china_statutory(year)
        for day, holiday_name in holidays.items():
            if window_first <= day <= window_last and day not in period and any(n in holiday_name for n in same):
                wanted[day] = (StatutoryKind.NORMAL, "")
    for day in period.days():
        # Weekend days inside the period carry the period's reason, like the package's own periods.
        wanted[day] = (StatutoryKind.HOLIDAY, name if day.weekday() < 5 else period.label)
    for day in makeup_dates:
        wanted[day] = (StatutoryKind.MAKEUP, _("make-up working day for %(name)s") % {"name": name})
    existing = {row.date: row for row in StatutoryDay.objects.select_for_update().filter(date__in=wanted)}
    rows = []
    for day, (kind, label) in sorted(wanted.items()):
        row = existing.get(day) or StatutoryDay(date=day)
        row.kind, row.name = kind, str(label)
        row.full_clean(validate_unique=False)
        row.save()
        rows.append(row)
    _bump_china_calendars()
    return rows


# --- contracts ----------------------------------------------------------------------------------


def contract_overlaps(
    *,
    customer,
    start_date: datetime.date,
    end_date: datetime.date,
    covers_all: bool,
    project_ids: Iterable[int],
    site_ids: Iterable[int],
    exclude_pk: int | None = None,
) -> list[Contract]:
    """Other live contracts of the customer whose period and coverage overlap (same site, project, or whole estate)."""
    qs = Contract.objects.filter(customer=customer, start_date__lte=end_date, end_date__gte=start_date).exclude(
        status=ContractStatus.TERMINATED
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    project_ids, site_ids = set(project_ids), set(site_ids)
    if not covers_all:
        qs = qs.filter(Q(covers_all=True) | Q(projects__in=project_ids) | Q(sites__in=site_ids)).distinct()
    return list(qs.order_by("start_date"))


def _validate_contract(contract: Contract, *, projects, sites) -> None:
    errors: dict[str, list] = {}
    try:
        contract.full_clean(exclude=["customer", "calendar"] if contract.customer_id is None else None)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    for p in projects:
        if p.customer_id != contract.customer_id:
            raise ValidationError({"projects": [_("A covered project belongs to another customer.")]})
    for s in sites:
        if s.customer_id != contract.customer_id:
            raise ValidationError({"sites": [_("A covered site belongs to another customer.")]})
    if not contract.covers_all and not projects and not sites:
        raise ValidationError({"covers_all": [_("Choose the covered projects or sites, or cover the whole estate.")]})
    if contract.status == ContractStatus.EXPIRED:
        # "Expired" is derived from the end date; storing it would hide a contract that is renewed by extension.
        raise ValidationError({"status": [_("“Expired” follows from the end date; choose active or terminated.")]})
    if contract.status == ContractStatus.TERMINATED:
        return
    clashes = contract_overlaps(
        customer=contract.customer,
        start_date=contract.start_date,
        end_date=contract.end_date,
        covers_all=contract.covers_all,
        project_ids=[p.pk for p in projects],
        site_ids=[s.pk for s in sites],
        exclude_pk=contract.pk,
    )
    if clashes:
        raise ValidationError(
            _("This contract overlaps contract %(code)s (%(start)s – %(end)s) for the same sites or projects.")
            % {"code": clashes[0].code, "start": clashes[0].start_date, "end": clashes[0].end_date},
            code="overlap",
        )


def _validate_terms(terms: Iterable[Mapping]) -> list[dict]:
    result, seen = [], set()
    for term in terms:
        if term["category"] in seen:
            raise ValidationError(_("Each device category may have only one warranty term."), code="duplicate_term")
        seen.add(term["category"])
        if not (0 < int(term["months"]) <= 600):
            raise ValidationError(_("A warranty term must be between 1 and 600 months."), code="bad_term")
        result.append(dict(term))
    return result


@transaction.atomic
def contract_create(
    *,
    actor,
    customer,
    calendar: BusinessCalendar,
    projects: Iterable = (),
    sites: Iterable = (),
    warranty_terms: Iterable[Mapping] = (),
    renewed_from: Contract | None = None,
    sla_from: Contract | None = None,
    **fields,
) -> Contract:
    """A new contract with an SLA policy pre-filled from the SPEC defaults, or copied from the renewed contract or
    from `sla_from` (another contract used as the SLA template, e.g. at a project's handover)."""
    projects, sites = list(projects), list(sites)
    terms = _validate_terms(warranty_terms)
    for money in ("labour_rate_hour", "labour_rate_visit", "transport_rate"):
        if money in fields and fields[money] is not None:
            fields[money] = Decimal(str(fields[money]))
    contract = Contract(customer=customer, calendar=calendar, renewed_from=renewed_from, **fields)
    _validate_contract(contract, projects=projects, sites=sites)
    contract.save()
    contract.projects.set(projects)
    contract.sites.set(sites)
    WarrantyTerm.objects.bulk_create(WarrantyTerm(contract=contract, **t) for t in terms)
    source = renewed_from if renewed_from is not None else sla_from
    if source is not None and hasattr(source, "sla"):
        _copy_policy(source.sla, contract)
    else:
        sla_policy_create_default(contract=contract)
    return contract


@transaction.atomic
def contract_update(
    *,
    contract: Contract,
    actor,
    version: int | None = None,
    projects: Iterable | None = None,
    sites: Iterable | None = None,
    warranty_terms: Iterable[Mapping] | None = None,
    calendar: BusinessCalendar | None = None,
    **fields,
) -> Contract:
    """Change a contract as a whole (fields, coverage, warranty terms); compare-and-set on `version`."""
    projects = list(contract.projects.all()) if projects is None else list(projects)
    sites = list(contract.sites.all()) if sites is None else list(sites)
    for name, value in fields.items():
        if name not in CONTRACT_FIELDS:
            raise ValueError(f"not an editable contract field: {name}")
        setattr(contract, name, value)
    if calendar is not None:
        contract.calendar = calendar
    terms = _validate_terms(warranty_terms) if warranty_terms is not None else None
    _validate_contract(contract, projects=projects, sites=sites)
    expected = contract.version if version is None else version
    changed = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    update_if_version(instance=contract, expected_version=expected, **changed, calendar=contract.calendar)
    contract.projects.set(projects)
    contract.sites.set(sites)
    if terms is not None:
        contract.warranty_terms.all().delete()
        WarrantyTerm.objects.bulk_create(WarrantyTerm(contract=contract, **t) for t in terms)
    contract.refresh_from_db()
    return contract


@transaction.atomic
def contract_renew(
    *,
    contract: Contract,
    actor,
    code: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
) -> Contract:
    """Renewal keeps history: a new contract linked to this one, same coverage, terms and SLA, next period."""
    old = Contract.objects.select_for_update().get(pk=contract.pk)
    if Contract.objects.filter(renewed_from=old).exists():
        raise ValidationError(_("This contract has already been renewed."), code="already_renewed")
    start = start_date or (old.end_date + datetime.timedelta(days=1))
    if end_date is None:
        length = old.end_date - old.start_date
        end_date = start + length
    fields = {f: getattr(old, f) for f in CONTRACT_FIELDS if f not in ("code", "start_date", "end_date", "status")}
    return contract_create(
        actor=actor,
        customer=old.customer,
        calendar=old.calendar,
        projects=old.projects.all(),
        sites=old.sites.all(),
        warranty_terms=[
            {
                "category": t.category,
                "months": t.months,
                "covers_parts": t.covers_parts,
                "covers_labour": t.covers_labour,
                "notes": t.notes,
            }
            for t in old.warranty_terms.all()
        ],
        renewed_from=old,
        code=code,
        start_date=start,
        end_date=end_date,
        status=ContractStatus.ACTIVE,
        **fields,
    )


# --- SLA policies -------------------------------------------------------------------------------


def sla_policy_create_default(*, contract: Contract) -> SlaPolicy:
    policy = SlaPolicy.objects.create(contract=contract)
    SlaTarget.objects.bulk_create(
        SlaTarget(policy=policy, severity=severity, **values) for severity, values in DEFAULT_TARGETS.items()
    )
    return policy


def _copy_policy(source: SlaPolicy, contract: Contract) -> SlaPolicy:
    policy = SlaPolicy.objects.create(
        contract=contract,
        response_spoken_minutes=source.response_spoken_minutes,
        response_written_minutes=source.response_written_minutes,
        warn_percent=source.warn_percent,
        pause_states=source.pause_states,
    )
    SlaTarget.objects.bulk_create(
        SlaTarget(
            policy=policy,
            severity=t.severity,
            observation_hours=t.observation_hours,
            **{f: getattr(t, f) for f in MINUTE_FIELDS},
        )
        for t in source.targets.all()
    )
    return policy


def validate_target_minutes(value: int | None, *, label: str) -> None:
    """A target is empty (no clock) or between 1 minute and 365 days."""
    if value is None:
        return
    if value <= 0:
        raise ValidationError(_("%(label)s: a target must be positive.") % {"label": label}, code="negative_target")
    if value > MAX_MINUTES:
        raise ValidationError(
            _("%(label)s: a target longer than 365 days is not plausible.") % {"label": label}, code="absurd_target"
        )


@transaction.atomic
def sla_policy_update(
    *,
    policy: SlaPolicy,
    actor,
    targets: Mapping[str, Mapping[str, int | None]],
    version: int | None = None,
    **fields,
) -> SlaPolicy:
    """Replace the policy settings and the whole severity matrix at once (validated first, saved together)."""
    errors = []
    for name in ("response_spoken_minutes", "response_written_minutes"):
        if name in fields:
            try:
                validate_target_minutes(fields[name], label=str(SlaPolicy._meta.get_field(name).verbose_name))
                if fields[name] is None:
                    raise ValidationError(_("The intake response targets are required."), code="required")
            except ValidationError as exc:
                errors.extend(exc.messages)
    if "warn_percent" in fields and not (1 <= int(fields["warn_percent"]) <= 99):
        errors.append(str(_("The warning threshold must be between 1 and 99 %.")))
    if "pause_states" in fields:
        # The form checks this too; the API hands the list over joined, and `.update()` below skips model validation.
        states = [st.strip() for st in str(fields["pause_states"]).split(",") if st.strip()]
        field = SlaPolicy._meta.get_field("pause_states")
        too_long = len(",".join(states)) > field.max_length
        if too_long or any(not st.replace("_", "").isalnum() or not st.isascii() for st in states):
            errors.append(str(_("Use work-order state codes such as waiting_customer, comma-separated.")))
        fields["pause_states"] = ",".join(states)
    for severity, row in targets.items():
        Severity(severity)  # unknown severities are a programming error
        for name in MINUTE_FIELDS:
            label = f"{severity} · {SlaTarget._meta.get_field(name).verbose_name}"
            try:
                validate_target_minutes(row.get(name), label=label)
            except ValidationError as exc:
                errors.extend(exc.messages)
        obs = row.get("observation_hours", 72)
        if obs is None or not (0 <= int(obs) <= 365 * 24):
            errors.append(str(_("%(s)s: the observation period must be between 0 and 8760 hours.") % {"s": severity}))
    if errors:
        raise ValidationError(errors)
    expected = policy.version if version is None else version
    update_if_version(instance=policy, expected_version=expected, **fields)
    for severity, row in targets.items():
        SlaTarget.objects.update_or_create(
            policy=policy,
            severity=severity,
            defaults={k: v for k, v in row.items() if k in (*MINUTE_FIELDS, "observation_hours")},
        )
    policy.refresh_from_db()
    return policy
