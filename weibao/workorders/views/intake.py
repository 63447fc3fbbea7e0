"""Intake pages: the duty engineer's fast phone form (find the caller as you type) and the customer portal form.

Both create the order through `services.workorder_create`; the customer, site and devices are looked up through
the scoped selectors first, so a customer user can only report for its own organisation.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from weibao.accounts.permissions import require
from weibao.assets.models import Device
from weibao.assets.selectors import device_qs_for, estate_search
from weibao.contracts.choices import IntakeChannel
from weibao.core.form_views import attach_service_errors
from weibao.core.phones import parse_phone
from weibao.customers.selectors import (
    contact_find,
    contact_get_for_user,
    customer_get_for_user,
    customer_list,
    site_get_for_user,
    site_list,
)
from weibao.workorders import services as svc
from weibao.workorders.forms import IntakeForm, PortalReportForm
from weibao.workorders.selectors import intake_context
from weibao.workorders.views.common import int_or_none

MAX_DEVICES_LISTED = 100
MIN_QUERY = 2
DEVICE_QUERY_MIN = 3


def _devices_for_site(user, site, selected: list[int] = ()) -> list[Device]:
    """The site's devices to tick (capped; devices already chosen always listed)."""
    if site is None:
        return []
    qs = device_qs_for(user).filter(site=site).select_related("subsystem").order_by("name", "model", "pk")
    devices = list(qs[:MAX_DEVICES_LISTED])
    missing = set(selected) - {d.pk for d in devices}
    if missing:
        devices += list(qs.filter(pk__in=missing))
    return devices


def _where(user, *, customer_id=None, site_id=None, contact_id=None, device_id=None) -> dict:
    """Resolve what the duty engineer picked (a contact, a site, a device or a customer) to customer/site/devices."""
    customer = site = contact = device = None
    if customer_id:
        try:
            customer = customer_get_for_user(user=user, pk=customer_id)
        except Http404:
            customer = None
    if device_id:
        device = device_qs_for(user).select_related("site", "customer").filter(pk=device_id).first()
        if device is not None:
            customer, site = device.customer, device.site
    if contact_id:
        try:
            contact = contact_get_for_user(user=user, pk=contact_id)
        except Http404:
            contact = None
        if contact is not None and customer is not None and contact.customer_id != customer.pk:
            contact = None  # a stale contact of another customer is dropped, not silently re-targeted
        if contact is not None:
            customer = contact.customer
            if site is None and not site_id:
                # The contact's own site is a default only: a site chosen afterwards wins (issue 18 §7).
                site = contact.site
    if site_id and site is None:
        try:
            site = site_get_for_user(user=user, pk=site_id)
        except Http404:
            site = None
        if site is not None and customer is None:
            customer = site.customer
    if site is not None and customer is not None and site.customer_id != customer.pk:
        site = None
    sites = list(site_list(user=user, customer_id=customer.pk)) if customer else []
    if site is None and len(sites) == 1:
        site = sites[0]
    return {"customer": customer, "site": site, "sites": sites, "contact": contact, "device": device}


@login_required
def intake_search(request: HttpRequest) -> HttpResponse:
    """As-you-type search for the phone form: contacts by phone/name/email, customers, sites, devices by serial."""
    require(request.user, "workorders.create")
    q = (request.GET.get("q") or "").strip()[:100]
    context = {"q": q, "contacts": [], "customers": [], "sites": [], "devices": []}
    if len(q) >= MIN_QUERY and request.user.is_internal:
        context["contacts"] = list(contact_find(query=q, user=request.user, limit=8))
        if len(q) >= DEVICE_QUERY_MIN:
            # A phone number finds its caller above; a device only by that exact serial, not by text.
            found = estate_search(user=request.user, q=q, limit=8, device_text=parse_phone(q) is None)
            context.update(customers=found.customers, sites=found.sites, devices=found.devices)
        else:
            # Two characters (e.g. 南京) give the device index no trigram: a million-row scan per keystroke.
            # Customers and sites are small tables; devices are found by serial number or a longer name.
            context["customers"] = list(customer_list(user=request.user, q=q)[:8])
            context["sites"] = list(site_list(user=request.user, q=q)[:8])
    return render(request, "workorders/partials/_intake_results.html", context)


@login_required
def intake_pick(request: HttpRequest) -> HttpResponse:
    """The "who and where" part of the phone form after a pick (or a site change): customer, sites, devices."""
    require(request.user, "workorders.create")
    g = request.GET
    where = _where(
        request.user,
        customer_id=int_or_none(g.get("customer")),
        site_id=int_or_none(g.get("site")),
        contact_id=int_or_none(g.get("contact")),
        device_id=int_or_none(g.get("device")),
    )
    initial = {"channel": IntakeChannel.PHONE}
    if where["customer"]:
        initial["customer"] = where["customer"].pk
    if where["site"]:
        initial["site"] = where["site"].pk
    if where["contact"]:
        contact = where["contact"]
        initial.update(contact=contact.pk, reporter_name=contact.name, reporter_phone=contact.mobile or contact.phone)
    if where["device"]:
        initial["devices"] = [where["device"].pk]
    devices = _devices_for_site(request.user, where["site"], initial.get("devices", []))
    form = IntakeForm(initial=initial, sites=where["sites"], devices=devices)
    return render(
        request, "workorders/partials/_intake_where.html", {"form": form, **where, **_context(request, where)}
    )


def _context(request: HttpRequest, where: dict) -> dict:
    """Contract, entitlement and possible duplicates of the picked customer/site (issue 18 §6)."""
    if where["customer"] is None:
        return {}
    return {
        "intake": intake_context(
            user=request.user, customer=where["customer"], site=where["site"], device=where.get("device")
        )
    }


@login_required
def intake_new(request: HttpRequest) -> HttpResponse:
    """The duty engineer's phone report: find the caller, pick the site, describe, save — channel phone by default."""
    require(request.user, "workorders.create")
    if not request.user.is_internal:
        return redirect("workorders:portal_new")
    if request.method != "POST":
        form = IntakeForm(initial={"channel": IntakeChannel.PHONE})
        return render(request, "workorders/workorder_new.html", {"form": form})
    post = request.POST
    where = _where(
        request.user,
        customer_id=int_or_none(post.get("customer")),
        site_id=int_or_none(post.get("site")),
        contact_id=int_or_none(post.get("contact")),
    )
    selected = [int(v) for v in post.getlist("devices") if v.isdecimal()]
    devices = _devices_for_site(request.user, where["site"], selected)
    form = IntakeForm(post, request.FILES, sites=where["sites"], devices=devices)
    if form.is_valid():
        data = form.cleaned_data
        if where["customer"] is None:
            form.add_error(None, _msg_customer())
        elif where["site"] is None or where["site"].pk != data["site"]:
            form.add_error("site", _msg_site())
        else:
            chosen = [d for d in devices if d.pk in set(data["devices"])]
            try:
                wo = svc.workorder_create(
                    actor=request.user,
                    customer=where["customer"],
                    site=where["site"],
                    channel=data["channel"],
                    symptom=data["symptom"],
                    severity=data["severity"],
                    category=data["category"],
                    service_kind=data["service_kind"],
                    maintenance_type=data["maintenance_type"],
                    title=data["title"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    contact=where["contact"],
                    devices=chosen,
                    attachments=data["attachments"],
                    reported_at=data["reported_at"],
                    new_device=form.new_device(),
                )
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                return redirect("workorders:detail", pk=wo.pk)
    return render(
        request, "workorders/workorder_new.html", {"form": form, **where, **_context(request, where)}, status=422
    )


@login_required
def portal_new(request: HttpRequest) -> HttpResponse:
    """A customer reports a fault (channel web portal), with photos; staff using it record a web report too."""
    require(request.user, "workorders.create")
    user = request.user
    if not user.is_customer:
        return redirect("workorders:new")
    sites = list(site_list(user=user))
    site_id = int_or_none(request.POST.get("site") or request.GET.get("site"))
    site = next((s for s in sites if s.pk == site_id), sites[0] if len(sites) == 1 else None)
    selected = [int(v) for v in request.POST.getlist("devices") if v.isdecimal()]
    devices = _devices_for_site(user, site, selected)
    if request.method != "POST":
        form = PortalReportForm(initial={"site": site.pk if site else None}, sites=sites, devices=devices)
        template = "workorders/partials/_portal_devices.html" if request.htmx else "workorders/portal_new.html"
        return render(request, template, {"form": form, "sites": sites})
    form = PortalReportForm(request.POST, request.FILES, sites=sites, devices=devices)
    if form.is_valid():
        data = form.cleaned_data
        if site is None:
            form.add_error("site", _msg_site())
        else:
            try:
                wo = svc.workorder_create(
                    actor=user,
                    customer=site.customer,
                    site=site,
                    channel=IntakeChannel.WEB,
                    symptom=data["symptom"],
                    severity=data["severity"],
                    service_kind=data["service_kind"],
                    title=data["title"],
                    reporter_phone=data["reporter_phone"],
                    devices=[d for d in devices if d.pk in set(data["devices"])],
                    attachments=data["attachments"],
                )
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                return redirect("workorders:detail", pk=wo.pk)
    return render(request, "workorders/portal_new.html", {"form": form, "sites": sites}, status=422)


def _msg_customer() -> str:
    from django.utils.translation import gettext as _

    return _("Find and pick the customer first (search by phone number, name or serial number).")


def _msg_site() -> str:
    from django.utils.translation import gettext as _

    return _("Choose one of the customer's sites.")
