"""Customer, site and contact pages: thin views over selectors and services."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from weibao.accounts.permissions import has_perm, require
from weibao.core.pagination import CachedCountPaginator
from weibao.customers import services
from weibao.customers.forms import ContactForm, CustomerForm, SiteForm
from weibao.customers.selectors import (
    contact_get_for_user,
    customer_get_for_user,
    site_get_for_user,
)
from weibao.customers.selectors import (
    customer_list as select_customers,
)


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.view")
    q = request.GET.get("q", "").strip()[:100]
    page = CachedCountPaginator(select_customers(user=request.user, q=q), 50).get_page(request.GET.get("page"))
    template = "customers/partials/_customer_rows.html" if request.htmx else "customers/customer_list.html"
    return render(request, template, {"page": page, "q": q, "can_edit": has_perm(request.user, "estate.edit")})


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    """The filtered customer list as .xlsx (text cells protected against formula injection)."""
    from weibao.assets.excel import XLSX_CONTENT_TYPE, export_table

    require(request.user, "estate.view")
    q = request.GET.get("q", "").strip()[:100]
    customers = select_customers(user=request.user, q=q).iterator(chunk_size=2000)
    headers = [str(_("Code")), str(_("Name")), str(_("Industry")), str(_("Responsible branch")), str(_("Address")),
               str(_("Email domains"))]  # fmt: skip
    rows = (
        [c.code, c.name, c.industry, c.branch.name if c.branch_id else "", c.address, c.email_domains]
        for c in customers
    )
    response = HttpResponse(export_table("customers", headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="customers.xlsx"'
    return response


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.view")
    customer = customer_get_for_user(user=request.user, pk=pk)
    context = {
        "customer": customer,
        "sites": customer.sites.select_related("region").order_by("name"),
        "contacts": customer.contacts.select_related("site").all(),
        "projects": customer.projects.order_by("-delivered_on", "name"),
        "device_count": customer.devices.count(),
        "can_edit": has_perm(request.user, "estate.edit"),
        "can_import": has_perm(request.user, "estate.import"),
    }
    return render(request, "customers/customer_detail.html", context)


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.edit")
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form})


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    customer = customer_get_for_user(user=request.user, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            services.customer_update(customer=customer, actor=request.user, **changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.view")
    site = site_get_for_user(user=request.user, pk=pk)
    context = {
        "site": site,
        "contacts": site.contacts.all(),
        "devices": site.devices.select_related("vendor", "subsystem", "site", "customer").order_by("-id")[:50],
        "device_count": site.devices.count(),
        "can_edit": has_perm(request.user, "estate.edit"),
    }
    return render(request, "customers/site_detail.html", context)


@login_required
def site_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    customer = customer_get_for_user(user=request.user, pk=pk)
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("customers:site_detail", pk=site.pk)
    return render(request, "customers/site_form.html", {"form": form, "customer": customer})


@login_required
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    site = site_get_for_user(user=request.user, pk=pk)
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(site=site, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("customers:site_detail", pk=site.pk)
    return render(request, "customers/site_form.html", {"form": form, "customer": site.customer, "site": site})


@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    customer = customer_get_for_user(user=request.user, pk=pk)
    form = ContactForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer})


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    contact = contact_get_for_user(user=request.user, pk=pk)
    form = ContactForm(request.POST or None, instance=contact, customer=contact.customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(contact=contact, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("customers:detail", pk=contact.customer_id)
    return render(
        request, "customers/contact_form.html", {"form": form, "customer": contact.customer, "contact": contact}
    )
