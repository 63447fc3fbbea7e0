"""Queries over contracts, SLA policies and calendars: scoping, entitlement, SLA targets and the preview."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Value, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.contracts import clock
from weibao.contracts.choices import (
    SPOKEN_CHANNELS,
    ClockKind,
    ContractStatus,
    HolidayDataStatus,
    IntakeChannel,
    ServiceType,
    Severity,
)
from weibao.contracts.defaults import (
    DEFAULT_PAUSE_STATES,
    DEFAULT_RESPONSE_SPOKEN,
    DEFAULT_RESPONSE_WRITTEN,
    DEFAULT_TARGETS,
    DEFAULT_WARN_PERCENT,
)
from weibao.contracts.models import BusinessCalendar, Contract, HolidayYear, SlaPolicy, SlaTarget
from weibao.customers.choices import RegionTier

# --- scoping ------------------------------------------------------------------------------------


def contract_qs_for(user) -> QuerySet[Contract]:
    """Contracts the user may see (customers: their own organisation's)."""
    return scope_queryset(Contract.objects.select_related("customer", "calendar"), user)


def contract_get_for_user(*, user, pk: int) -> Contract:
    return get_for_user(Contract.objects.select_related("customer", "calendar", "renewed_from"), user, pk=pk)


def contract_list(*, user, query: str = "", status: str = "", customer_id: int | None = None) -> QuerySet[Contract]:
    qs = contract_qs_for(user)
    if query:
        qs = qs.filter(Q(code__icontains=query) | Q(name__icontains=query) | Q(customer__name__icontains=query))
    if status == ContractStatus.EXPIRED:
        qs = qs.filter(status=ContractStatus.ACTIVE, end_date__lt=timezone.localdate())
    elif status == ContractStatus.ACTIVE:
        qs = qs.filter(status=ContractStatus.ACTIVE, end_date__gte=timezone.localdate())
    elif status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.order_by("-start_date", "code")


def policy_for(contract: Contract) -> SlaPolicy | None:
    try:
        return contract.sla
    except SlaPolicy.DoesNotExist:
        return None


# --- holiday data status ------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayYearStatus:
    year: int
    status: str
    source: str  # "package" or "administrator"
    note: str = ""

    @property
    def flagged(self) -> bool:
        return self.status != HolidayDataStatus.OFFICIAL

    @property
    def label(self) -> str:
        return str(HolidayDataStatus(self.status).label)


def holiday_year_status(year: int) -> HolidayYearStatus:
    """How trustworthy China's holiday data for `year` is: an administrator's statement wins over the package's."""
    row = HolidayYear.objects.filter(year=year).first()
    if row is not None:
        return HolidayYearStatus(year, row.status, "administrator", row.note)
    if year < 1950 or year > 2100:
        return HolidayYearStatus(year, HolidayDataStatus.MISSING, "package")
    return HolidayYearStatus(year, clock.china_year_status(year), "package")


def holiday_years_flagged(today: datetime.date | None = None) -> list[HolidayYearStatus]:
    """This year and next when their data is not official: what the dashboard panel warns about."""
    today = today or timezone.localdate()
    years = [holiday_year_status(y) for y in (today.year, today.year + 1)]
    return [y for y in years if y.flagged]


# --- entitlement --------------------------------------------------------------------------------


@dataclass
class Entitlement:
    """On what basis work for a customer/site/device would be done at a moment (SPEC §4.1)."""

    contract: Contract | None
    service_type: str
    chargeable: bool
    in_warranty: bool | None
    reasons: list[str] = field(default_factory=list)
    warranty_end: datetime.date | None = None

    @property
    def service_type_label(self) -> str:
        return str(ServiceType(self.service_type).label)


def _covering_contracts(*, customer, on: datetime.date, site=None, project=None) -> list[tuple[int, Contract]]:
    """Contracts in force on `on` that cover the site/project, each with its specificity (2 project, 1 site, 0 all).

    One query for the contracts with their calendar and SLA policy, whether they list the site or project, plus one
    for the policies' severity rows (what `sla_targets_for` reads next): intake runs this for every order.
    """
    site_id = getattr(site, "pk", None)
    project_id = getattr(project, "pk", None)
    qs = (
        Contract.objects.filter(customer=customer, status=ContractStatus.ACTIVE, start_date__lte=on, end_date__gte=on)
        .annotate(
            _covers_site=Exists(Contract.sites.through.objects.filter(contract=OuterRef("pk"), site_id=site_id))
            if site_id is not None
            else Value(False),
            _covers_project=Exists(
                Contract.projects.through.objects.filter(contract=OuterRef("pk"), project_id=project_id)
            )
            if project_id is not None
            else Value(False),
        )
        .select_related("calendar", "sla")
        .prefetch_related("sla__targets")
        .order_by()
    )
    result = []
    for contract in qs:
        if contract._covers_project:
            result.append((2, contract))
        elif contract._covers_site:
            result.append((1, contract))
        elif contract.covers_all:
            result.append((0, contract))
    return result


def _most_specific(candidates: list[tuple[int, Contract]]) -> Contract | None:
    """Overlaps are refused when contracts are saved; should data still overlap, the most specific wins (project
    over site over whole estate), then the latest start, then the highest id."""
    if not candidates:
        return None
    return max(candidates, key=lambda item: (item[0], item[1].start_date, item[1].pk))[1]


def contract_for(*, customer, on: datetime.date, site=None, project=None) -> Contract | None:
    """The contract that applies (see `_most_specific`)."""
    return _most_specific(_covering_contracts(customer=customer, on=on, site=site, project=project))


def _day(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()


def entitlement_for(*, customer, at: datetime.datetime, site=None, device=None) -> Entitlement:
    """Which contract applies, whether the device is in warranty and whether work would be chargeable.

    Rules: in warranty → warranty service, free. Covered by a contract in force → contract service, free,
    unless the device is known to be out of warranty (then parts and repair are paid service, SPEC §4.4).
    Otherwise paid service.
    """
    on = _day(at)
    if device is not None and site is None:
        site = device.site
    project = device.project if device is not None else None
    contract = contract_for(customer=customer, on=on, site=site, project=project)
    return _entitlement(contract, customer=customer, on=on, device=device)


@dataclass(frozen=True)
class EntitlementQuery:
    """One question for `entitlements_for_many`: the same arguments as `entitlement_for`."""

    customer: object
    at: datetime.datetime
    site: object = None
    device: object = None


def entitlements_for_many(queries: list[EntitlementQuery]) -> list[Entitlement]:
    """`entitlement_for` for many reports at once (batch intake): the contracts of all the customers in force on
    any of the days, which of them list the sites and projects asked about, and their SLA rows — three or four
    queries whatever the number of reports — then the same choice and rules as one by one."""
    if not queries:
        return []
    items = []
    for q in queries:
        site = q.site if q.site is not None or q.device is None else q.device.site
        project = q.device.project if q.device is not None else None
        items.append((q, _day(q.at), getattr(site, "pk", None), getattr(project, "pk", None)))
    days = [on for _q, on, _s, _p in items]
    contracts = list(
        Contract.objects.filter(
            customer_id__in={q.customer.pk for q in queries},
            status=ContractStatus.ACTIVE,
            start_date__lte=max(days),
            end_date__gte=min(days),
        )
        .select_related("calendar", "sla")
        .prefetch_related("sla__targets")
        .order_by()
    )
    ids = [c.pk for c in contracts]
    site_ids = {s for _q, _on, s, _p in items if s is not None}
    project_ids = {p for _q, _on, _s, p in items if p is not None}
    listed_sites = set()
    if ids and site_ids:
        listed_sites = set(
            Contract.sites.through.objects.filter(contract_id__in=ids, site_id__in=site_ids).values_list(
                "contract_id", "site_id"
            )
        )
    listed_projects = set()
    if ids and project_ids:
        listed_projects = set(
            Contract.projects.through.objects.filter(contract_id__in=ids, project_id__in=project_ids).values_list(
                "contract_id", "project_id"
            )
        )
    by_customer: dict[int, list[Contract]] = {}
    for contract in contracts:
        by_customer.setdefault(contract.customer_id, []).append(contract)
    if any(q.device is not None for q in queries):
        prefetch_related_objects(contracts, "warranty_terms")  # devices without their own warranty end read these
    no_contract: dict[tuple[int, datetime.date], str] = {}  # the reason depends on the customer and day only
    result = []
    for q, on, site_id, project_id in items:
        candidates = []
        for contract in by_customer.get(q.customer.pk, ()):
            if not contract.start_date <= on <= contract.end_date:
                continue
            if (contract.pk, project_id) in listed_projects:
                candidates.append((2, contract))
            elif (contract.pk, site_id) in listed_sites:
                candidates.append((1, contract))
            elif contract.covers_all:
                candidates.append((0, contract))
        contract = _most_specific(candidates)
        reason = ""
        if contract is None:
            key = (q.customer.pk, on)
            reason = no_contract[key] = no_contract.get(key) or _no_contract_reason(q.customer, on)
        result.append(_entitlement(contract, customer=q.customer, on=on, device=q.device, no_contract_reason=reason))
    return result


def _no_contract_reason(customer, on: datetime.date) -> str:
    """Why no contract applies: one expired, ones in force that do not cover the place, or none at all."""
    expired = Contract.objects.filter(customer=customer, end_date__lt=on).exclude(status=ContractStatus.DRAFT).first()
    if expired is not None:
        return _("Contract %(code)s expired on %(end)s.") % {"code": expired.code, "end": expired.end_date}
    if Contract.objects.filter(
        customer=customer, status=ContractStatus.ACTIVE, start_date__lte=on, end_date__gte=on
    ).exists():
        return _("The customer's contracts do not cover this site or device.")
    return _("No contract is in force for this customer.")


def _entitlement(
    contract: Contract | None, *, customer, on: datetime.date, device=None, no_contract_reason: str = ""
) -> Entitlement:
    """The entitlement once the applicable contract (or none) is known (`no_contract_reason` when already known)."""
    reasons: list[str] = []
    in_warranty: bool | None = None
    warranty_end: datetime.date | None = None
    if contract is not None:
        reasons.append(
            _("Contract %(code)s is in force until %(end)s.") % {"code": contract.code, "end": contract.end_date}
        )
    else:
        reasons.append(no_contract_reason or _no_contract_reason(customer, on))
    if device is not None:
        warranty_end = device.warranty_end
        if warranty_end is None and contract is not None and device.installed_on:
            term = next((t for t in contract.warranty_terms.all() if t.category == device.category), None)
            if term is not None:
                warranty_end = term.warranty_end(device.installed_on)
        if warranty_end is not None:
            in_warranty = on <= warranty_end
            if in_warranty:
                reasons.append(_("The device is in warranty until %(end)s.") % {"end": warranty_end})
            else:
                reasons.append(_("The device's warranty ended on %(end)s.") % {"end": warranty_end})
        else:
            reasons.append(_("The device's warranty end is unknown."))
    if in_warranty:
        service_type, chargeable = ServiceType.WARRANTY, False
    elif contract is not None and in_warranty is None:
        service_type, chargeable = ServiceType.CONTRACT, False
    elif contract is not None:
        service_type, chargeable = ServiceType.PAID, True
        reasons.append(_("Out of warranty: parts and repair are quoted at the contract's rates."))
    else:
        service_type, chargeable = ServiceType.PAID, True
        reasons.append(_("Work is chargeable: quote it and wait for the customer's approval."))
    return Entitlement(
        contract=contract,
        service_type=service_type,
        chargeable=chargeable,
        in_warranty=in_warranty,
        reasons=reasons,
        warranty_end=warranty_end,
    )


# --- SLA targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaTargets:
    """The clocks of one work order: targets in business time on `calendar`; None = no clock."""

    calendar: clock.WorkingCalendar
    response: timedelta | None
    arrival: timedelta | None
    plan: timedelta | None
    resolution: timedelta | None
    warn_ratio: float
    pause_states: frozenset[str]
    observation: timedelta

    def by_kind(self) -> dict[str, timedelta | None]:
        return {
            ClockKind.RESPONSE: self.response,
            ClockKind.ARRIVAL: self.arrival,
            ClockKind.PLAN: self.plan,
            ClockKind.RESOLUTION: self.resolution,
        }


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


def _arrival_field(region_tier: str) -> str:
    return {
        RegionTier.CITY: "arrival_city_minutes",
        RegionTier.COUNTY: "arrival_county_minutes",
        RegionTier.REMOTE: "arrival_remote_minutes",
    }.get(region_tier, "arrival_city_minutes")


def sla_targets_for(*, contract: Contract | None, severity: str, region_tier: str, channel: str) -> SlaTargets:
    """The targets for a report of `severity` at a site of `region_tier` that came in by `channel`.

    Response: the severity's own response target when set (e.g. C: reply within 72 h), else the channel's
    (spoken 15 min, written 12 h). Severity D has no clocks at all. No contract → SPEC defaults on 7x24.
    """
    policy = policy_for(contract) if contract is not None else None
    spoken = channel in SPOKEN_CHANNELS
    if policy is None:
        row = DEFAULT_TARGETS[Severity(severity)]
        calendar = contract.calendar.working_calendar() if contract is not None else clock.ALWAYS
        channel_response = DEFAULT_RESPONSE_SPOKEN if spoken else DEFAULT_RESPONSE_WRITTEN
        warn, pauses = DEFAULT_WARN_PERCENT, DEFAULT_PAUSE_STATES
    else:
        target = next((t for t in policy.targets.all() if t.severity == severity), None)
        row = (
            {f: getattr(target, f) for f in DEFAULT_TARGETS[Severity.A]}
            if target is not None
            else DEFAULT_TARGETS[Severity(severity)]
        )
        calendar = contract.calendar.working_calendar()
        channel_response = timedelta(
            minutes=policy.response_spoken_minutes if spoken else policy.response_written_minutes
        )
        warn, pauses = policy.warn_percent, policy.pause_state_set
    no_clock = severity == Severity.D and not any(row[f] for f in row if f != "observation_hours")
    response = None if no_clock else (_minutes(row["response_minutes"]) or channel_response)
    return SlaTargets(
        calendar=calendar,
        response=response,
        arrival=_minutes(row[_arrival_field(region_tier)]),
        plan=_minutes(row["plan_minutes"]),
        resolution=_minutes(row["resolution_minutes"]),
        warn_ratio=warn / 100,
        pause_states=frozenset(pauses),
        observation=timedelta(hours=row["observation_hours"]),
    )


# --- preview ------------------------------------------------------------------------------------


@dataclass
class PreviewClock:
    kind: str
    label: str
    target: timedelta | None
    deadline: datetime.datetime | None
    warning: datetime.datetime | None
    skipped: list[clock.DayInfo]


@dataclass
class Preview:
    contract: Contract | None
    severity: str
    region_tier: str
    channel: str
    at: datetime.datetime
    targets: SlaTargets
    clocks: list[PreviewClock]
    calendar_name: str
    reported_in_hours: bool
    flagged_years: list[HolidayYearStatus] = field(default_factory=list)


def sla_preview(
    *, contract: Contract | None, severity: str, region_tier: str, channel: str, at: datetime.datetime
) -> Preview:
    """Every deadline for a report made at `at`, with the days the calendar skipped and why."""
    targets = sla_targets_for(contract=contract, severity=severity, region_tier=region_tier, channel=channel)
    cal = targets.calendar
    clocks = []
    for kind, target in targets.by_kind().items():
        if target is None:
            clocks.append(PreviewClock(kind, str(ClockKind(kind).label), None, None, None, []))
            continue
        due = cal.add(at, target)
        warning = cal.add(at, target * targets.warn_ratio)
        clocks.append(PreviewClock(kind, str(ClockKind(kind).label), target, due, warning, cal.explain(at, due)))
    flagged: list[HolidayYearStatus] = []
    if cal.statutory is not None:
        # Deadlines that fall into a year whose holidays are only estimated may move once the schedule is out.
        last = max((c.deadline for c in clocks if c.deadline), default=at)
        years = range(cal.local(at).year, cal.local(last).year + 1)
        flagged = [status for status in map(holiday_year_status, years) if status.flagged]
    return Preview(
        flagged_years=flagged,
        contract=contract,
        severity=severity,
        region_tier=region_tier,
        channel=channel,
        at=at,
        targets=targets,
        clocks=clocks,
        calendar_name=cal.name or "7x24",
        reported_in_hours=cal.is_working(at),
    )


def day_reason(info: clock.DayInfo) -> str:
    """Why a date was skipped or counted, for people."""
    kind = info.kind
    if kind == clock.DayKind.WEEKEND:
        return _("weekend")
    if kind == clock.DayKind.HOLIDAY:
        return _("statutory holiday: %(name)s") % {"name": info.name}
    if kind == clock.DayKind.MAKEUP:
        return _("make-up working day: %(name)s") % {"name": info.name}
    if kind == clock.DayKind.OVERRIDE_CLOSED:
        return _("closed by override: %(name)s") % {"name": info.name}
    if kind == clock.DayKind.OVERRIDE_OPEN:
        return _("hours set by override: %(name)s") % {"name": info.name}
    return _("working day")


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": minutes}


# --- calendar year view -------------------------------------------------------------------------


def calendar_year(calendar: BusinessCalendar, year: int) -> list[dict]:
    """Twelve months of weeks (Monday first), each day with its kind, name and hours, for the yearly view."""
    import calendar as pycal

    cal = calendar.working_calendar()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                info = cal.day_info(day)
                row.append({"day": day, "kind": info.kind, "name": info.name, "hours": clock.format_hours(info.hours)})
            weeks.append(row)
        months.append({"month": month, "first": datetime.date(year, month, 1), "weeks": weeks})
    return months


def calendar_holiday_periods(calendar: BusinessCalendar, year: int) -> list[clock.HolidayPeriod]:
    """The holiday periods of `year` this calendar follows (the package's, with the official entries laid over)."""
    cal = calendar.working_calendar()
    if cal.always or cal.statutory is None:
        return []
    holidays: dict[datetime.date, str] = {}
    workdays: dict[datetime.date, str] = {}
    for y in (year - 1, year, year + 1):  # a New Year period may start in December
        h, w = cal.statutory(y)
        holidays.update(h)
        workdays.update(w)
    return [p for p in clock.holiday_periods(holidays, workdays) if p.first.year <= year <= p.last.year]


def calendar_list() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.all().order_by("name")


def targets_matrix(policy: SlaPolicy) -> list[SlaTarget]:
    return list(policy.targets.all().order_by("severity"))


__all__ = [
    "Entitlement",
    "IntakeChannel",
    "SlaTargets",
    "contract_for",
    "entitlement_for",
    "sla_preview",
    "sla_targets_for",
]
