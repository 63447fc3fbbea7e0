"""REST API for contracts, SLA policies and business calendars (mounted at /api/contracts/)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field, get_for_user, scope_queryset
from weibao.assets.models import Device, Project
from weibao.contracts import services
from weibao.contracts.choices import IntakeChannel, Severity
from weibao.contracts.clock import format_hours, local_time
from weibao.contracts.models import MINUTE_FIELDS, BusinessCalendar, CalendarOverride, StatutoryDay
from weibao.contracts.schemas import (
    CalendarIn,
    CalendarOut,
    CalendarPatch,
    ContractIn,
    ContractOut,
    ContractPatch,
    DayOut,
    EntitlementOut,
    HolidayYearOut,
    OverrideIn,
    OverrideOut,
    PreviewOut,
    RenewIn,
    SlaPolicyIn,
    SlaPolicyOut,
    StatutoryDayIn,
    StatutoryDayOut,
)
from weibao.contracts.selectors import (
    contract_get_for_user,
    contract_list,
    entitlement_for,
    holiday_year_status,
    policy_for,
    sla_preview,
)
from weibao.core.apischema import BoundedInt, Id, Offset, Year, api_errors, patch_changes
from weibao.core.validators import validate_field, validate_sane_date
from weibao.customers.choices import RegionTier
from weibao.customers.models import Customer, Site

router = Router(tags=["contracts"])
MAX_LIMIT = 200


def _contract_out_qs(qs):
    return qs.prefetch_related("projects", "sites", "warranty_terms")


def _coverage(user, customer, project_ids, site_ids):
    projects = list(scope_queryset(Project.objects.filter(pk__in=project_ids, customer=customer), user))
    sites = list(scope_queryset(Site.objects.filter(pk__in=site_ids, customer=customer), user))
    if len(projects) != len(set(project_ids)) or len(sites) != len(set(site_ids)):
        raise ValidationError({"coverage": [_("Unknown project or site for this customer.")]})
    return projects, sites


def _calendar_for(user, pk: int) -> BusinessCalendar:
    return get_for_field(BusinessCalendar.objects.all(), user, pk, field="calendar_id", message=_("Unknown calendar."))


def _policy_out(contract) -> dict:
    policy = policy_for(contract)
    if policy is None:
        policy = services.sla_policy_create_default(contract=contract)
    return {
        "contract_id": contract.pk,
        "response_spoken_minutes": policy.response_spoken_minutes,
        "response_written_minutes": policy.response_written_minutes,
        "warn_percent": policy.warn_percent,
        "pause_states": sorted(policy.pause_state_set),
        "version": policy.version,
        "targets": [
            {
                "severity": t.severity,
                "observation_hours": t.observation_hours,
                **{f: getattr(t, f) for f in MINUTE_FIELDS},
            }
            for t in policy.targets.order_by("severity")
        ],
    }


# --- contracts ----------------------------------------------------------------------------------


@router.get("", response=list[ContractOut])
def list_contracts(request, q: str = "", status: str = "", offset: Offset = 0, limit: BoundedInt = 50):
    require(request.auth, "contracts.view")
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(offset, 0)
    return list(_contract_out_qs(contract_list(user=request.auth, query=q, status=status))[offset : offset + limit])


@router.post("", response={201: ContractOut})
def create_contract(request, payload: ContractIn):
    require(request.auth, "contracts.edit")
    user, data = request.auth, payload.dict()
    # Through scoping, like every lookup of an id from the input: a customer the user may not see is "unknown" (422).
    customer = get_for_field(
        Customer.objects.all(), user, data.pop("customer_id"), field="customer_id", message=_("Unknown customer.")
    )
    calendar = _calendar_for(user, data.pop("calendar_id"))
    projects, sites = _coverage(user, customer, data.pop("project_ids"), data.pop("site_ids"))
    contract = services.contract_create(
        actor=request.auth,
        customer=customer,
        calendar=calendar,
        projects=projects,
        sites=sites,
        warranty_terms=data.pop("warranty_terms"),
        **data,
    )
    return Status(201, contract)


@router.get("/{int:contract_id}", response=ContractOut)
def get_contract(request, contract_id: Id):
    require(request.auth, "contracts.view")
    return contract_get_for_user(user=request.auth, pk=contract_id)


@router.patch("/{int:contract_id}", response=ContractOut)
@api_errors(409)
def update_contract(request, contract_id: Id, payload: ContractPatch):
    require(request.auth, "contracts.edit")
    contract = contract_get_for_user(user=request.auth, pk=contract_id)
    changes = patch_changes(payload, nullable=("version", "project_ids", "site_ids"))
    extra = {}
    if "calendar_id" in changes:
        extra["calendar"] = _calendar_for(request.auth, changes.pop("calendar_id"))
    project_ids, site_ids = changes.pop("project_ids", None), changes.pop("site_ids", None)
    if project_ids is not None or site_ids is not None:
        projects, sites = _coverage(
            request.auth,
            contract.customer,
            project_ids if project_ids is not None else [p.pk for p in contract.projects.all()],
            site_ids if site_ids is not None else [s.pk for s in contract.sites.all()],
        )
        extra.update(projects=projects, sites=sites)
    return services.contract_update(contract=contract, actor=request.auth, **extra, **changes)


@router.post("/{int:contract_id}/renew", response={201: ContractOut})
@api_errors(409)
def renew_contract(request, contract_id: Id, payload: RenewIn):
    require(request.auth, "contracts.edit")
    contract = contract_get_for_user(user=request.auth, pk=contract_id)
    return Status(201, services.contract_renew(contract=contract, actor=request.auth, **payload.dict()))


@router.get("/{int:contract_id}/sla", response=SlaPolicyOut)
def get_sla(request, contract_id: Id):
    require(request.auth, "contracts.view")
    return _policy_out(contract_get_for_user(user=request.auth, pk=contract_id))


@router.put("/{int:contract_id}/sla", response=SlaPolicyOut)
@api_errors(409)
def put_sla(request, contract_id: Id, payload: SlaPolicyIn):
    require(request.auth, "contracts.edit")
    contract = contract_get_for_user(user=request.auth, pk=contract_id)
    policy = policy_for(contract) or services.sla_policy_create_default(contract=contract)
    data = payload.dict()
    rows = data.pop("targets")
    if sorted(r["severity"] for r in rows) != sorted(Severity.values):
        raise ValidationError({"targets": [_("Give exactly one row per severity A, B, C and D.")]})
    services.sla_policy_update(
        policy=policy,
        actor=request.auth,
        targets={r.pop("severity"): r for r in rows},
        version=data.pop("version"),
        pause_states=",".join(data.pop("pause_states")),
        **data,
    )
    return _policy_out(contract)


@router.get("/{int:contract_id}/preview", response=PreviewOut)
def preview(request, contract_id: Id, at: str, severity: str = "A", region_tier: str = "city", channel: str = "phone"):
    """All deadlines for a report made at `at` ("YYYY-MM-DD HH:MM" in the calendar's zone, or ISO with offset)."""
    require(request.auth, "contracts.view")
    contract = contract_get_for_user(user=request.auth, pk=contract_id)
    if severity not in Severity.values or region_tier not in RegionTier.values or channel not in IntakeChannel.values:
        raise ValidationError({"query": [_("Unknown severity, region tier or channel.")]})
    try:
        start = local_time(at, contract.calendar.timezone)
    except ValueError as exc:
        raise ValidationError({"at": [str(exc)]}) from exc
    validate_field("at", validate_sane_date, start)  # the calendar walks day by day: year 5000 costs seconds
    result = sla_preview(contract=contract, severity=severity, region_tier=region_tier, channel=channel, at=start)
    return {
        "calendar": result.calendar_name,
        "reported_in_hours": result.reported_in_hours,
        "clocks": [
            {
                "kind": c.kind,
                "target_minutes": None if c.target is None else int(c.target.total_seconds() // 60),
                "deadline": c.deadline,
                "warning": c.warning,
                "skipped": [{"date": i.day.isoformat(), "kind": i.kind, "name": i.name} for i in c.skipped],
            }
            for c in result.clocks
        ],
    }


@router.get("/entitlement", response=EntitlementOut)
@api_errors(404)
def entitlement(
    request, customer_id: Id, site_id: Id | None = None, device_id: Id | None = None, at: str | None = None
):
    """Which contract applies to a site or device at a moment, warranty, and whether work is chargeable."""
    require(request.auth, "contracts.view")
    customer = get_for_user(Customer.objects.all(), request.auth, pk=customer_id)
    site = get_for_user(Site.objects.filter(customer=customer), request.auth, pk=site_id) if site_id else None
    device = (
        get_for_user(
            Device.objects.select_related("site", "project").filter(customer=customer), request.auth, pk=device_id
        )
        if device_id
        else None
    )
    try:
        moment = local_time(at) if at else timezone.now()
    except ValueError as exc:
        raise ValidationError({"at": [str(exc)]}) from exc
    validate_field("at", validate_sane_date, moment)
    ent = entitlement_for(customer=customer, at=moment, site=site, device=device)
    return {
        "contract_id": ent.contract.pk if ent.contract else None,
        "contract_code": ent.contract.code if ent.contract else None,
        "service_type": ent.service_type,
        "chargeable": ent.chargeable,
        "in_warranty": ent.in_warranty,
        "warranty_end": ent.warranty_end,
        "reasons": [str(r) for r in ent.reasons],
    }


# --- calendars ----------------------------------------------------------------------------------


@router.get("/calendars", response=list[CalendarOut])
def list_calendars(request):
    require(request.auth, "calendars.edit")
    return list(BusinessCalendar.objects.order_by("name"))


@router.post("/calendars", response={201: CalendarOut})
def create_calendar(request, payload: CalendarIn):
    require(request.auth, "calendars.edit")
    return Status(201, services.calendar_create(actor=request.auth, **payload.dict()))


@router.get("/calendars/{int:calendar_id}", response=CalendarOut)
def get_calendar(request, calendar_id: Id):
    require(request.auth, "calendars.edit")
    return get_for_user(BusinessCalendar.objects.all(), request.auth, pk=calendar_id)


@router.patch("/calendars/{int:calendar_id}", response=CalendarOut)
@api_errors(409)
def update_calendar(request, calendar_id: Id, payload: CalendarPatch):
    require(request.auth, "calendars.edit")
    calendar = get_for_user(BusinessCalendar.objects.all(), request.auth, pk=calendar_id)
    changes = patch_changes(payload, nullable=("version",))  # a null day is refused: "" means closed that day
    return services.calendar_update(calendar=calendar, actor=request.auth, **changes)


@router.get("/calendars/{int:calendar_id}/days", response=list[DayOut])
def calendar_days(request, calendar_id: Id, year: BoundedInt):
    """Every date of a year with its kind (workday, weekend, holiday, makeup, override_*) and hours."""
    require(request.auth, "calendars.edit")
    if not 1950 <= year <= 2100:
        raise ValidationError({"year": [_("The year must be between 1950 and 2100.")]})
    cal = get_for_user(BusinessCalendar.objects.all(), request.auth, pk=calendar_id).working_calendar()
    day, result = datetime.date(year, 1, 1), []
    while day.year == year:
        info = cal.day_info(day)
        result.append({"date": day, "kind": info.kind, "name": info.name, "hours": format_hours(info.hours)})
        day += datetime.timedelta(days=1)
    return result


@router.post("/calendars/{int:calendar_id}/overrides", response={201: OverrideOut})
def set_override(request, calendar_id: Id, payload: OverrideIn):
    require(request.auth, "calendars.edit")
    calendar = get_for_user(BusinessCalendar.objects.all(), request.auth, pk=calendar_id)
    return Status(201, services.calendar_override_set(calendar=calendar, actor=request.auth, **payload.dict()))


@router.delete("/calendars/overrides/{int:override_id}", response={204: None})
def delete_override(request, override_id: Id):
    require(request.auth, "calendars.edit")
    services.calendar_override_delete(
        override=get_for_user(CalendarOverride.objects.all(), request.auth, pk=override_id), actor=request.auth
    )
    return Status(204, None)


@router.get("/holiday-years", response=list[HolidayYearOut])
def holiday_years(request):
    """Status of China's holiday data for last, this and next year (official / estimated / missing)."""
    require(request.auth, "calendars.edit")
    today = timezone.localdate()
    return [holiday_year_status(y).__dict__ for y in range(today.year - 1, today.year + 2)]


@router.get("/official-days", response=list[StatutoryDayOut])
def list_official_days(request, year: Year | None = None):
    """Official holiday dates entered by hand (they override the holidays package for every China calendar)."""
    require(request.auth, "calendars.edit")
    qs = StatutoryDay.objects.all()
    return list(qs.filter(date__year=year) if year else qs)


@router.post("/official-days", response={201: StatutoryDayOut})
def set_official_day(request, payload: StatutoryDayIn):
    require(request.auth, "calendars.edit")
    return Status(201, services.statutory_day_set(actor=request.auth, **payload.dict()))


@router.delete("/official-days/{int:day_id}", response={204: None})
def delete_official_day(request, day_id: Id):
    require(request.auth, "calendars.edit")
    services.statutory_day_delete(
        day=get_for_user(StatutoryDay.objects.all(), request.auth, pk=day_id), actor=request.auth
    )
    return Status(204, None)
