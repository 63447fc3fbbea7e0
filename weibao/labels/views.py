"""Label pages: the public scan page (phone-sized, no login needed), and for staff the label sheet PDF and the
regenerate/revoke actions (per device, per site)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.security import client_ip
from weibao.core.form_views import attach_service_errors
from weibao.labels import conf, selectors, services
from weibao.labels.forms import CodeForm, PhoneForm, ScanReportForm, SheetForm

SCAN_PAGE = "labels/scan.html"
PAGE_ROWS = 25  # sites and projects listed on the sheet page at once


def _session_key(label) -> str:
    return f"labels.contact.{label.pk}"


def _verified_contact(request: HttpRequest, label):
    """The contact this browser proved with a code for this label, while the scan session lasts."""
    from weibao.customers.models import Contact

    held = request.session.get(_session_key(label))
    if not held:
        return None
    until = datetime.datetime.fromisoformat(held["until"])
    if until <= timezone.now():
        request.session.pop(_session_key(label), None)
        return None
    return Contact.objects.filter(pk=held["contact"], customer_id=label.device.customer_id).first()


def _remember_contact(request: HttpRequest, label, contact) -> None:
    until = timezone.now() + datetime.timedelta(minutes=conf.get("WEIBAO_SCAN_SESSION_MINUTES"))
    request.session.cycle_key()  # a new session id once proven (no fixation through a planted cookie)
    request.session[_session_key(label)] = {"contact": contact.pk, "until": until.isoformat()}


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("hotline", conf.get("WEIBAO_HOTLINE"))
    response = render(request, SCAN_PAGE, context, status=status)
    response["Cache-Control"] = "private, no-store"
    # The token must not leak to other sites through links ("no-referrer" would make the browser send Origin: null
    # with the page's own forms, which CSRF refuses).
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """What a phone opens from a label: report a fault on this device (logged in, or after an SMS code)."""
    try:
        label = services.label_for_scan(token=token)
    except services.LabelUnavailable as exc:
        return _page(request, {"state": exc.code}, status=410 if exc.code == "revoked" else 404)
    user = request.user
    if user.is_authenticated and not services.scan_reporter_allowed(label=label, user=user):
        # Another customer's user (or a vendor) scanned: nothing of the device is shown.
        return _page(request, {"state": "foreign"}, status=403)
    contact = None if user.is_authenticated else _verified_contact(request, label)
    device = label.device
    context = {"label": label, "device": device, "login_url": reverse("accounts:login") + "?next=" + request.path}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if not user.is_authenticated and contact is None:
        return _identify(request, label, context, action)
    form = ScanReportForm(request.POST or None, request.FILES or None)
    if action == "report" and form.is_valid():
        data = form.cleaned_data
        try:
            wo = services.scan_report_create(
                label=label,
                symptom=data["symptom"],
                severity=data["severity"],
                photos=data["photos"],
                user=user if user.is_authenticated else None,
                contact=contact,
                reporter_phone=data["reporter_phone"],
            )
        except ValidationError as exc:
            attach_service_errors(form, exc)
        except PermissionDenied:
            return _page(request, {"state": "foreign"}, status=403)
        else:
            if user.is_authenticated:
                messages.success(request, _("Work order %(number)s registered.") % {"number": wo.number})
                return redirect("workorders:detail", pk=wo.pk)
            return _page(request, {**context, "state": "done", "workorder": wo})
    return _page(
        request,
        {**context, "state": "report", "form": form, **_prefill(label, user, contact)},
        status=422 if action == "report" else 200,
    )


def _prefill(label, user, contact) -> dict:
    """What the report will carry without typing: customer, site, device and the contract intake would choose."""
    from weibao.contracts.selectors import entitlement_for

    device = label.device
    entitlement = entitlement_for(customer=device.customer, at=timezone.now(), site=device.site, device=device)
    reporter = contact.name if contact is not None else (user.name if user.is_authenticated else "")
    return {"entitlement": entitlement, "reporter": reporter}


def _identify(request: HttpRequest, label, context: dict, action: str) -> HttpResponse:
    """Someone without an account: the number first, then the code from the SMS."""
    if action == "send_code":
        form = PhoneForm(request.POST)
        if form.is_valid():
            try:
                services.scan_code_request(label=label, phone=form.cleaned_data["phone"], client_ip=client_ip(request))
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                code_form = CodeForm(initial={"phone": form.cleaned_data["phone"]})
                return _page(request, {**context, "state": "code", "code_form": code_form})
        return _page(request, {**context, "state": "identify", "phone_form": form}, status=422)
    if action == "verify":
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                contact = services.scan_code_verify(
                    label=label, phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"]
                )
            except ValidationError as exc:
                attach_service_errors(code_form, exc)
            else:
                _remember_contact(request, label, contact)
                return redirect("labels:scan", token=label.token)
        return _page(request, {**context, "state": "code", "code_form": code_form}, status=422)
    return _page(request, {**context, "state": "identify", "phone_form": PhoneForm()})


# --- staff --------------------------------------------------------------------------------------------------------


@login_required
def sheet_page(request: HttpRequest) -> HttpResponse:
    """Choose what to print: a site's or a project's devices, on which label paper."""
    from weibao.assets.selectors import project_list
    from weibao.customers.selectors import site_list

    require(request.user, "labels.manage")
    columns, rows = conf.default_grid()
    # Each row carries three forms: list a page of them (measured at 60,000 sites: 500 rows took ~0.9 s to render);
    # the search narrows by site, project or customer name.
    q = request.GET.get("q", "").strip()[:100]
    sites = site_list(user=request.user).select_related("customer").order_by("customer__name", "name")
    projects = project_list(user=request.user).select_related("customer").order_by("customer__name", "name")
    if q:
        sites = sites.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
        projects = projects.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(customer__name__icontains=q))
    context = {
        "q": q,
        "sites": sites[:PAGE_ROWS],
        "projects": projects[:PAGE_ROWS],
        "page_rows": PAGE_ROWS,
        "form": SheetForm(initial={"columns": columns, "rows": rows}),
    }
    return render(request, "labels/sheet_page.html", context)


@login_required
def sheet_pdf(request: HttpRequest) -> HttpResponse:
    """The printable A4 sheet: one label per device (issued now for devices without one)."""
    from weibao.onsite.pdf import render_pdf

    require(request.user, "labels.manage")
    form = SheetForm(request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("__all__", [])) or _("Choose a valid grid."))
        return redirect("labels:sheet_page")
    data = form.cleaned_data
    devices = list(
        selectors.sheet_devices(
            user=request.user, site_id=data["site"], project_id=data["project"], device_id=data["device"]
        )
    )
    if not devices:
        messages.info(request, _("No devices to label there."))
        return redirect("labels:sheet_page")
    labels = services.labels_ensure(devices=devices, actor=request.user)
    title = _("Device QR labels")
    context = selectors.sheet_context(
        devices=devices, labels=labels, columns=data["columns"], rows=data["rows"], title=title
    )
    pdf = render_pdf("labels/pdf/sheet.html", context, stylesheet_path="labels/sheet.css")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="labels.pdf"'
    return response


@login_required
@require_POST
def label_action(request: HttpRequest, pk: int, *, scope: str, action: str) -> HttpResponse:
    """Regenerate or revoke the labels of one device (from its page) or of a whole site (from the labels page)."""
    require(request.user, "labels.manage")
    key = "device_id" if scope == "device" else "site_id"
    devices = list(selectors.sheet_devices(user=request.user, **{key: pk}))  # 404 outside the user's scope
    if action == "regenerate":
        count = len(services.labels_regenerate(devices=devices, actor=request.user))
        text = _("%(n)d new labels issued; the old ones no longer work. Print and stick the new ones.")
    else:
        count = services.labels_revoke(devices=devices, actor=request.user)
        text = _("%(n)d labels revoked.")
    messages.success(request, text % {"n": count})
    return redirect("assets:device_detail", pk=pk) if scope == "device" else redirect("labels:sheet_page")


def device_panel(*, request, device) -> dict | None:
    """The device page's QR label card (staff who manage labels only)."""
    if not has_perm(request.user, "labels.manage"):
        return None
    label = selectors.label_in_force(device=device)
    columns, rows = conf.default_grid()
    return {
        "title": _("QR label"),
        "template": "labels/partials/_device_panel.html",
        "order": 60,
        "context": {
            "device": device,
            "label": label,
            "columns": columns,
            "rows": rows,
            "scan_url": selectors.scan_url(label) if label else "",
        },
    }
