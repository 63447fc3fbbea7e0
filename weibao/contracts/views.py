"""Contract, SLA policy and calendar pages: thin views over selectors and services."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.scoping import scope_queryset
from weibao.contracts import services
from weibao.contracts.choices import CONTRACT_STATUS_BADGE, HOLIDAY_DATA_BADGE, ContractStatus, Severity
from weibao.contracts.forms import (
    CalendarForm,
    ContractForm,
    HolidayYearForm,
    OverrideForm,
    PreviewForm,
    RenewForm,
    SlaPolicyForm,
    SlaTargetFormSet,
    SlaTargetRowForm,
    StatutoryDayForm,
    StatutoryPeriodForm,
    WarrantyTermFormSet,
)
from weibao.contracts.models import BusinessCalendar, CalendarOverride, StatutoryDay
from weibao.contracts.selectors import (
    calendar_holiday_periods,
    calendar_year,
    contract_get_for_user,
    contract_qs_for,
    day_reason,
    format_duration,
    holiday_year_status,
    holiday_years_flagged,
    policy_for,
    sla_preview,
    targets_matrix,
)
from weibao.contracts.selectors import (
    calendar_list as select_calendars,
)
from weibao.contracts.selectors import (
    contract_list as select_contracts,
)
from weibao.core import excel
from weibao.core.form_views import attach_service_errors, form_page
from weibao.core.pagination import CachedCountPaginator
from weibao.core.shortcache import shown_key
from weibao.core.validators import parse_id
from weibao.customers.models import Customer

CONTRACT_FORM_FIELDS = set(services.CONTRACT_FIELDS)


def _posted_version(request: HttpRequest, current: int) -> int:
    """The version the user loaded; one that is not a number cannot match, so the save is refused as stale."""
    raw = request.POST.get("version")
    if raw is None:
        return current
    version = parse_id(raw)
    return -1 if version is None else version


# --- contracts ----------------------------------------------------------------------------------


@login_required
def contract_export(request: HttpRequest) -> HttpResponse:
    """The contract list as .xlsx with the same search and status filter; over the cap: narrow the filters."""
    require(request.user, "contracts.view")
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    qs = select_contracts(user=request.user, query=q, status=status if status in ContractStatus.values else "")
    cap = settings.WEIBAO_EXPORT_MAX_ROWS
    if qs[: cap + 1].count() > cap:
        messages.warning(
            request, _("More than %(cap)s contracts match; narrow the search to export.") % {"cap": f"{cap:,}"}
        )
        return redirect(f"{reverse('contracts:list')}?{request.GET.urlencode()}")
    headers = [
        _("Number"),
        _("Name"),
        _("Customer"),
        _("Status"),
        _("Start date"),
        _("End date"),
        _("Service hours"),
        _("Labour per hour (CNY)"),
        _("Labour per visit (CNY)"),
        _("Transport per visit (CNY)"),
    ]
    rows = (
        [
            c.code,
            c.name,
            c.customer.name,
            c.get_status_display(),
            c.start_date,
            c.end_date,
            c.calendar.name,
            c.labour_rate_hour,
            c.labour_rate_visit,
            c.transport_rate,
        ]
        for c in qs[:cap].iterator(chunk_size=2000)
    )
    response = HttpResponse(excel.export_table(_("Contracts"), headers, rows), content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="contracts.xlsx"'
    return response


def _rows_key(contracts: list) -> str:
    """The cache key of a page of contract rows (50 rows, ~8 ms to render): a digest of every value they show, so an
    edit to a contract, its customer or its calendar gives a new key at once; an active contract shows as expired
    from the day after its end (the day is in the key)."""
    shown = [
        (c.pk, c.code, c.name, c.customer.name, c.start_date, c.end_date, c.calendar.name, c.display_status)
        for c in contracts
    ]
    return shown_key(shown)


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "contracts.view")
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    qs = select_contracts(user=request.user, query=q, status=status if status in ContractStatus.values else "")
    # Page over the ids alone (sorted in the contract table), then load the page's 50 rows with their customer and
    # calendar: joining first made PostgreSQL join and sort all 20,000 contracts per page (70-110 ms).
    page = CachedCountPaginator(qs.values_list("pk", flat=True), 50).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = qs.in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    context = {
        "page": page,
        "rows_key": _rows_key(page.object_list),
        "q": q,
        "status": status,
        "statuses": ContractStatus.choices,
        "can_edit": has_perm(request.user, "contracts.edit"),
        "holiday_flags": holiday_years_flagged() if has_perm(request.user, "calendars.edit") else [],
    }
    template = "contracts/partials/_contract_rows.html" if request.htmx else "contracts/contract_list.html"
    return render(request, template, context)


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "contracts.view")
    contract = contract_get_for_user(user=request.user, pk=pk)
    policy = policy_for(contract)
    history = []
    previous = contract.renewed_from
    while previous is not None and len(history) < 20:
        history.append(previous)
        previous = previous.renewed_from
    renewal = getattr(contract, "renewal", None) if hasattr(contract, "renewal") else None
    context = {
        "contract": contract,
        "policy": policy,
        "targets": _matrix_rows(policy) if policy else [],
        "terms": contract.warranty_terms.all(),
        "projects": contract.projects.all(),
        "sites": contract.sites.all(),
        "history": history,
        "renewal": renewal,
        "can_edit": has_perm(request.user, "contracts.edit"),
        "renew_form": RenewForm(),
    }
    return render(request, "contracts/contract_detail.html", context)


def _matrix_rows(policy) -> list[dict]:
    from weibao.contracts.models import MINUTE_FIELDS

    rows = []
    for target in targets_matrix(policy):
        cells = [format_duration(_td(getattr(target, f))) for f in MINUTE_FIELDS]
        if target.response_minutes is None and any(getattr(target, f) for f in MINUTE_FIELDS):
            cells[0] = _("per channel")  # an empty response target means the intake channel's target
        rows.append({"target": target, "cells": cells})
    return rows


def _td(minutes: int | None) -> datetime.timedelta | None:
    return None if minutes is None else datetime.timedelta(minutes=minutes)


def _contract_form_page(request: HttpRequest, contract=None) -> HttpResponse:
    customer = None
    if contract is None and (customer_id := parse_id(request.GET.get("customer"))) is not None:
        customer = scope_queryset(Customer.objects.all(), request.user).filter(pk=customer_id).first()
    form = ContractForm(
        request.POST or None,
        user=request.user,
        instance=contract,
        customer=customer,
        initial={"customer": customer} if customer else None,
    )
    formset = WarrantyTermFormSet(request.POST or None, instance=contract, prefix="terms")

    def save(cleaned: dict):
        # The form and the formset are validated as a whole, then one service call saves everything atomically.
        data = dict(cleaned)
        terms = [
            {k: f.cleaned_data[k] for k in ("category", "months", "covers_parts", "covers_labour", "notes")}
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("category")
        ]
        projects, sites = data.pop("projects"), data.pop("sites")
        calendar = data.pop("calendar")
        if contract is None:
            return services.contract_create(
                actor=request.user,
                customer=data.pop("customer"),
                calendar=calendar,
                projects=projects,
                sites=sites,
                warranty_terms=terms,
                **data,
            )
        data.pop("customer", None)
        return services.contract_update(
            contract=contract,
            actor=request.user,
            version=_posted_version(request, contract.version),
            calendar=calendar,
            projects=projects,
            sites=sites,
            warranty_terms=terms,
            **{k: v for k, v in data.items() if k in CONTRACT_FORM_FIELDS},
        )

    return form_page(
        request,
        form,
        formsets=[formset],
        save=save,
        done=lambda saved: redirect("contracts:detail", pk=saved.pk),
        success_message=_("Contract saved."),
        template="contracts/contract_form.html",
        context={"formset": formset, "contract": contract},
    )


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "contracts.edit")
    return _contract_form_page(request)


@login_required
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "contracts.edit")
    return _contract_form_page(request, contract_get_for_user(user=request.user, pk=pk))


@require_POST
@login_required
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "contracts.edit")
    contract = contract_get_for_user(user=request.user, pk=pk)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            new = services.contract_renew(contract=contract, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, _("Contract renewed."))
            return redirect("contracts:detail", pk=new.pk)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("contracts:detail", pk=contract.pk)


@login_required
def sla_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The SLA matrix editor: the policy form and all four severity rows are validated and saved together."""
    require(request.user, "contracts.edit")
    contract = contract_get_for_user(user=request.user, pk=pk)
    policy = policy_for(contract)
    if policy is None:
        with transaction.atomic():
            policy = services.sla_policy_create_default(contract=contract)
    initial = [SlaTargetRowForm.initial_for(t) for t in targets_matrix(policy)]
    formset = SlaTargetFormSet(request.POST or None, initial=initial, prefix="targets")
    return form_page(
        request,
        SlaPolicyForm(request.POST or None, instance=policy),
        formsets=[formset],
        save=lambda data: services.sla_policy_update(
            policy=policy,
            actor=request.user,
            version=_posted_version(request, policy.version),
            targets={f.cleaned_data["severity"]: f.minutes() for f in formset.forms},
            **data,
        ),
        done=lambda _saved: redirect("contracts:detail", pk=contract.pk),
        success_message=_("SLA policy saved."),
        template="contracts/sla_form.html",
        context={"contract": contract, "policy": policy, "formset": formset},
    )


@login_required
def sla_preview_page(request: HttpRequest) -> HttpResponse:
    """All deadlines for a report made at a moment, with the days the calendar skipped and why."""
    require(request.user, "contracts.view")
    contracts = contract_qs_for(request.user).order_by("code")
    data = request.GET if "at" in request.GET else None
    initial = {"at": timezone.localtime().replace(second=0, microsecond=0)}
    if request.GET.get("contract"):
        initial["contract"] = request.GET["contract"]
    form = PreviewForm(data, contracts=contracts, initial=initial)
    preview = None
    if data is not None and form.is_valid():
        d = form.cleaned_data
        contract = d["contract"]
        if contract is None and request.user.is_customer:
            contract = contracts.first()
        preview = sla_preview(
            contract=contract,
            severity=d["severity"],
            region_tier=d["region_tier"],
            channel=d["channel"],
            at=d["at"],
        )
    rows = []
    if preview is not None:
        for c in preview.clocks:
            rows.append(
                {
                    "clock": c,
                    "target": format_duration(c.target),
                    "deadline": preview.targets.calendar.local(c.deadline) if c.deadline else None,
                    "warning": preview.targets.calendar.local(c.warning) if c.warning else None,
                    "skipped": [{"day": i.day, "reason": day_reason(i)} for i in c.skipped],
                }
            )
    # The reasoning once, for the longest clock: the shorter clocks' days are a prefix of it.
    longest = (
        max((c for c in preview.clocks if c.deadline), key=lambda c: c.deadline, default=None) if preview else None
    )
    skipped = [{"day": i.day, "reason": day_reason(i)} for i in longest.skipped] if longest else []
    context = {"form": form, "preview": preview, "rows": rows, "skipped": skipped}
    return render(request, "contracts/sla_preview.html", context)


# --- calendars ----------------------------------------------------------------------------------


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    """Calendars, the status of China's holiday data per year, and the official schedule entered by hand."""
    require(request.user, "calendars.edit")
    today = timezone.localdate()
    years = [holiday_year_status(y) for y in range(today.year - 1, today.year + 2)]
    posted = request.POST.get("form") if request.method == "POST" else None
    year_form = HolidayYearForm(request.POST if posted == "year" else None, initial={"year": today.year + 1})
    day_form = StatutoryDayForm(request.POST if posted == "day" else None, prefix="day")
    period_form = StatutoryPeriodForm(request.POST if posted == "period" else None, prefix="period")
    if posted == "year" and year_form.is_valid():
        services.holiday_year_set(actor=request.user, **year_form.cleaned_data)
        messages.success(request, _("Holiday data status saved."))
        return redirect("contracts:calendar_list")
    if posted == "day" and day_form.is_valid():
        try:
            services.statutory_day_set(actor=request.user, **day_form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(day_form, exc)
        else:
            messages.success(request, _("Official holiday date saved."))
            return redirect("contracts:calendar_list")
    if posted == "period" and period_form.is_valid():
        try:
            services.statutory_period_set(actor=request.user, **period_form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(period_form, exc)
        else:
            messages.success(request, _("Holiday period saved: deadlines now use it."))
            return redirect("contracts:calendar_list")
    context = {
        "calendars": select_calendars(),
        "years": years,
        "badges": HOLIDAY_DATA_BADGE,
        "year_form": year_form,
        "day_form": day_form,
        "period_form": period_form,
        "statutory_days": StatutoryDay.objects.filter(date__year__gte=today.year - 1),
    }
    return render(request, "contracts/calendar_list.html", context)


@login_required
def holiday_panel(request: HttpRequest) -> HttpResponse:
    """A dashboard fragment: this year's and next year's holiday data when not official (empty otherwise).

    For the home page: `<div hx-get="{% url 'contracts:holiday_panel' %}" hx-trigger="load"></div>`.
    """
    flags = holiday_years_flagged() if has_perm(request.user, "calendars.edit") else []
    return render(request, "contracts/partials/_holiday_flags.html", {"holiday_flags": flags})


@require_POST
@login_required
def statutory_day_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "calendars.edit")
    services.statutory_day_delete(day=get_object_or_404(StatutoryDay, pk=pk), actor=request.user)
    return redirect("contracts:calendar_list")


@login_required
def calendar_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "calendars.edit")
    return form_page(
        request,
        CalendarForm(request.POST or None),
        save=lambda data: services.calendar_create(actor=request.user, **data),
        done=lambda cal: redirect("contracts:calendar_detail", pk=cal.pk),
        template="contracts/calendar_form.html",
        context={"calendar": None},
    )


@login_required
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "calendars.edit")
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    return form_page(
        request,
        CalendarForm(request.POST or None, instance=calendar),
        save=lambda data: services.calendar_update(
            calendar=calendar, actor=request.user, version=_posted_version(request, calendar.version), **data
        ),
        done=lambda _saved: redirect("contracts:calendar_detail", pk=calendar.pk),
        success_message=_("Calendar saved."),
        template="contracts/calendar_form.html",
        context={"calendar": calendar},
    )


@login_required
def calendar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The yearly view: 12 months, working days, holidays, make-up days and overrides coloured; add an override."""
    require(request.user, "calendars.edit")
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 1950), 2100)
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.calendar_override_set(calendar=calendar, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, _("Override saved."))
            return redirect(f"{request.path}?year={form.cleaned_data['date'].year}")
    context = {
        "calendar": calendar,
        "year": year,
        "months": calendar_year(calendar, year),
        "periods": calendar_holiday_periods(calendar, year),
        "overrides": calendar.overrides.filter(date__year=year),
        "status": holiday_year_status(year),
        "badges": HOLIDAY_DATA_BADGE,
        "form": form,
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
    }
    return render(request, "contracts/calendar_detail.html", context)


@require_POST
@login_required
def calendar_override_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "calendars.edit")
    override = get_object_or_404(CalendarOverride, pk=pk)
    calendar_pk, year = override.calendar_id, override.date.year
    services.calendar_override_delete(override=override, actor=request.user)
    return redirect(f"/contracts/calendars/{calendar_pk}/?year={year}")


# --- briefing and device panel (registered from apps.py) ----------------------------------------


def entitlement_section(*, request, site=None, project=None, device=None) -> dict | None:
    """Pre-visit briefing / device page: which contract applies, warranty, chargeable, and the key SLA targets."""
    from weibao.contracts.selectors import entitlement_for, sla_targets_for

    if not has_perm(request.user, "contracts.view"):
        return None
    customer = (device or site or project).customer if (device or site or project) else None
    if customer is None:
        return None
    if site is None and device is not None:
        site = device.site
    ent = entitlement_for(customer=customer, at=timezone.now(), site=site, device=device)
    targets = []
    if ent.contract is not None:
        region_tier = site.region_tier if site is not None else "city"
        for severity in (Severity.A, Severity.B):
            t = sla_targets_for(contract=ent.contract, severity=severity, region_tier=region_tier, channel="phone")
            targets.append(
                {"severity": severity, "arrival": format_duration(t.arrival), "plan": format_duration(t.plan)}
            )
    return {
        "title": _("Contract & entitlement"),
        "template": "contracts/partials/_entitlement.html",
        "context": {"ent": ent, "targets": targets, "badges": CONTRACT_STATUS_BADGE},
        "order": 20,
    }
