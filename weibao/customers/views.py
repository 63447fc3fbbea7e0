"""Customer, site and contact pages: thin views over selectors and services."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from weibao.accounts.permissions import has_perm, require
from weibao.core.form_views import form_page
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
    from weibao.core.excel import XLSX_CONTENT_TYPE, export_table

    require(request.user, "estate.view")
    q = request.GET.get("q", "").strip()[:100]
    customers = select_customers(user=request.user, q=q).iterator(chunk_size=2000)
    headers = [
        str(_("Code")),
        str(_("Name")),
        str(_("Industry")),
        str(_("Responsible branch")),
        str(_("Address")),
        str(_("Email domains")),
    ]
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
    return form_page(
        request,
        CustomerForm(request.POST or None),
        save=lambda data: services.customer_create(actor=request.user, **data),
        done=lambda customer: redirect("customers:detail", pk=customer.pk),
        template="customers/customer_form.html",
    )


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    customer = customer_get_for_user(user=request.user, pk=pk)
    return form_page(
        request,
        CustomerForm(request.POST or None, instance=customer),
        # The code is fixed once created.
        save=lambda data: services.customer_update(
            customer=customer, actor=request.user, **{k: v for k, v in data.items() if k != "code"}
        ),
        done=lambda _saved: redirect("customers:detail", pk=customer.pk),
        template="customers/customer_form.html",
        context={"customer": customer},
    )


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
    return form_page(
        request,
        SiteForm(request.POST or None),
        save=lambda data: services.site_create(actor=request.user, customer=customer, **data),
        done=lambda site: redirect("customers:site_detail", pk=site.pk),
        template="customers/site_form.html",
        context={"customer": customer},
    )


@login_required
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    site = site_get_for_user(user=request.user, pk=pk)
    return form_page(
        request,
        SiteForm(request.POST or None, instance=site),
        save=lambda data: services.site_update(site=site, actor=request.user, **data),
        done=lambda _saved: redirect("customers:site_detail", pk=site.pk),
        template="customers/site_form.html",
        context={"customer": site.customer, "site": site},
    )


@login_required
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    customer = customer_get_for_user(user=request.user, pk=pk)
    return form_page(
        request,
        ContactForm(request.POST or None, customer=customer),
        save=lambda data: services.contact_create(actor=request.user, customer=customer, **data),
        done=lambda _saved: redirect("customers:detail", pk=customer.pk),
        template="customers/contact_form.html",
        context={"customer": customer},
    )


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    contact = contact_get_for_user(user=request.user, pk=pk)
    return form_page(
        request,
        ContactForm(request.POST or None, instance=contact, customer=contact.customer),
        save=lambda data: services.contact_update(contact=contact, actor=request.user, **data),
        done=lambda _saved: redirect("customers:detail", pk=contact.customer_id),
        template="customers/contact_form.html",
        context={"customer": contact.customer, "contact": contact},
    )
