"""Estate pages: devices, projects, vendors, documents, Excel import/export, search and the pre-visit briefing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.security import client_ip
from weibao.assets import briefing, excel, services, tasks
from weibao.assets.choices import (
    DEVICE_STATUS_BADGE,
    IMPORT_RUNNING,
    DeviceCategory,
    DeviceStatus,
    ImportStatus,
)
from weibao.assets.forms import (
    DeviceForm,
    DeviceReplaceForm,
    DeviceStatusForm,
    DocumentForm,
    DocumentVersionForm,
    ImportForm,
    InstallerForm,
    ProjectForm,
    SubsystemForm,
    VendorForm,
)
from weibao.assets.models import DocumentDownload, Vendor
from weibao.assets.receivers import estate_version
from weibao.assets.selectors import (
    DeviceFilter,
    briefing_data,
    device_get_for_user,
    device_history,
    document_get_for_user,
    document_version_get_for_user,
    documents_for,
    estate_search,
    import_job_get_for_user,
    keyset_page,
    project_get_for_user,
    project_missing_document_types,
    subsystem_get_for_user,
)
from weibao.assets.selectors import (
    device_list as select_devices,
)
from weibao.assets.selectors import (
    project_list as select_projects,
)
from weibao.assets.selectors import (
    vendor_list as select_vendors,
)
from weibao.core.excel import XLSX_CONTENT_TYPE, export_table
from weibao.core.exceptions import TransitionNotAllowed
from weibao.core.files import StoredFileMissing, file_missing_response, open_stored_file
from weibao.core.form_views import form_page
from weibao.core.pagination import CachedCountPaginator
from weibao.core.shortcache import cached_briefly, scope_key, shown_key
from weibao.core.validators import parse_id
from weibao.customers.selectors import customer_get_for_user, site_get_for_user

# --- devices -----------------------------------------------------------------------------------------------------
DEVICE_ROW_FIELDS = (
    "name",
    "model",
    "serial_number",
    "ip_address",
    "location",
    "warranty_end",
    "status",
    "customer__name",
    "site__name",
    "vendor__name",
    "subsystem__name",
)


def _device_shown(d) -> tuple:
    """What a row of the device table shows: its markup (50 rows) is cached by a digest of these."""
    return (
        *(d.pk, d.name, d.model, d.serial_number, d.ip_address, d.location, d.warranty_end, d.status),
        *(d.subsystem.name if d.subsystem_id else None, d.vendor.name if d.vendor_id else None),
        *(d.site.name if d.site_id else None, d.customer.name),
    )


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.view")
    filters = DeviceFilter.from_query(request.GET)
    after = request.GET.get("after", "")
    # Only the columns the table shows: building 50 rows × 5 full model instances was a third of the page.
    rows = select_devices(user=request.user, filters=filters).only(*DEVICE_ROW_FIELDS)
    page = keyset_page(rows, after=parse_id(after))
    customer = customer_get_for_user(user=request.user, pk=filters.customer) if filters.customer else None
    query = filters.as_query()
    context = {
        "page": page,
        "rows_key": shown_key([_device_shown(d) for d in page.items]),
        "filters": filters,
        "customer": customer,
        "sites": customer.sites.order_by("name") if customer else [],
        "vendors": select_vendors(),
        "statuses": DeviceStatus.choices,
        "categories": DeviceCategory.choices,
        "badges": DEVICE_STATUS_BADGE,
        "query_string": urlencode(query),
        "next_url": f"?{urlencode({**query, 'after': page.next_after})}" if page.next_after else "",
        "first_url": f"?{urlencode(query)}",
        "can_edit": has_perm(request.user, "estate.edit"),
        "can_import": has_perm(request.user, "estate.import"),
    }
    template = (
        "assets/partials/_device_rows.html" if request.htmx and not request.htmx.boosted else "assets/device_list.html"
    )
    return render(request, template, context)


@login_required
def device_export(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.view")
    filters = DeviceFilter.from_query(request.GET)
    devices = select_devices(user=request.user, filters=filters).select_related("subsystem")
    data = excel.export_devices(devices.iterator(chunk_size=2000))
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="devices.xlsx"'
    return response


@login_required
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.view")
    device = device_get_for_user(user=request.user, pk=pk)
    context = {
        "device": device,
        "history": device_history(device=device)[:100],
        "documents": documents_for(user=request.user, device=device),
        "badges": DEVICE_STATUS_BADGE,
        "status_form": DeviceStatusForm(initial={"status": device.status}),
        "replace_form": DeviceReplaceForm(),
        "panels": briefing.device_panels_for(request=request, device=device),
        "can_edit": has_perm(request.user, "estate.edit"),
        "can_upload": has_perm(request.user, "estate.edit"),
    }
    return render(request, "assets/device_detail.html", context)


@login_required
def device_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.edit")
    customer_id = parse_id(request.GET.get("customer"))
    if customer_id is None:
        messages.info(request, _("Choose the customer first, then add the device from its page."))
        return redirect("customers:list")
    customer = customer_get_for_user(user=request.user, pk=customer_id)
    return form_page(
        request,
        DeviceForm(request.POST or None, customer=customer),
        save=lambda data: services.device_create(actor=request.user, customer=customer, **data),
        done=lambda device: redirect("assets:device_detail", pk=device.pk),
        template="assets/device_form.html",
        context={"customer": customer},
    )


@login_required
def device_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    device = device_get_for_user(user=request.user, pk=pk)
    original = {f: getattr(device, f) for f in services.DEVICE_FIELDS}

    def save(data: dict) -> None:
        # The form wrote the new values onto the instance; hand the service old row + changes.
        changes = dict(data)
        for field, value in original.items():
            setattr(device, field, value)
        services.device_update(device=device, actor=request.user, **changes)

    return form_page(
        request,
        DeviceForm(request.POST or None, instance=device, customer=device.customer),
        save=save,
        done=lambda _saved: redirect("assets:device_detail", pk=device.pk),
        template="assets/device_form.html",
        context={"customer": device.customer, "device": device},
    )


@require_POST
@login_required
def device_set_status(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    device = device_get_for_user(user=request.user, pk=pk)
    form = DeviceStatusForm(request.POST)
    if form.is_valid():
        services.device_set_status(device=device, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect("assets:device_detail", pk=device.pk)


@require_POST
@login_required
def device_replace(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    device = device_get_for_user(user=request.user, pk=pk)
    form = DeviceReplaceForm(request.POST)
    if form.is_valid():
        try:
            new = services.device_replace(device=device, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Device replaced; the old unit is retired."))
            return redirect("assets:device_detail", pk=new.pk)
    else:
        messages.error(request, _("Enter the new serial number."))
    return redirect("assets:device_detail", pk=device.pk)


# --- search ------------------------------------------------------------------------------------------------------
@login_required
def search(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.view")
    q = request.GET.get("q", "").strip()[:100]
    result = estate_search(user=request.user, q=q)
    template = "assets/partials/_search_results.html" if request.htmx else "assets/search.html"
    return render(request, template, {"q": q, "result": result, "badges": DEVICE_STATUS_BADGE})


# --- projects and subsystems ---------------------------------------------------------------------------------------
@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.view")
    q = request.GET.get("q", "").strip()[:100]
    page = CachedCountPaginator(select_projects(user=request.user, q=q), 50).get_page(request.GET.get("page"))
    template = "assets/partials/_project_rows.html" if request.htmx else "assets/project_list.html"
    return render(request, template, {"page": page, "q": q, "can_edit": has_perm(request.user, "estate.edit")})


@login_required
def project_export(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.view")
    q = request.GET.get("q", "").strip()[:100]
    projects = select_projects(user=request.user, q=q).iterator(chunk_size=2000)
    headers = [
        _("Code"),
        _("Name"),
        _("Customer"),
        _("Built by"),
        _("Delivered on"),
        _("Final acceptance on"),
        _("Project warranty end"),
    ]
    rows = (
        [
            p.code,
            p.name,
            p.customer.name,
            _("us") if p.built_by_us else _("others"),
            p.delivered_on,
            p.accepted_on,
            p.warranty_end,
        ]
        for p in projects
    )
    response = HttpResponse(export_table("projects", [str(h) for h in headers], rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="projects.xlsx"'
    return response


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.view")
    project = project_get_for_user(user=request.user, pk=pk)
    context = {
        "project": project,
        "subsystems": project.subsystems.order_by("kind", "name"),
        "installers": project.installers.all(),
        "documents": documents_for(user=request.user, project=project).select_related("subsystem", "device"),
        "missing": project_missing_document_types(project=project),
        "device_count": project.devices.count(),
        "installer_form": InstallerForm(),
        "can_edit": has_perm(request.user, "estate.edit"),
    }
    return render(request, "assets/project_detail.html", context)


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.edit")
    customer_id = parse_id(request.GET.get("customer"))
    if customer_id is None:
        messages.info(request, _("Choose the customer first, then add the project from its page."))
        return redirect("customers:list")
    customer = customer_get_for_user(user=request.user, pk=customer_id)
    return form_page(
        request,
        ProjectForm(request.POST or None, customer=customer),
        save=lambda data: services.project_create(actor=request.user, customer=customer, **data),
        done=lambda project: redirect("assets:project_detail", pk=project.pk),
        template="assets/project_form.html",
        context={"customer": customer},
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    project = project_get_for_user(user=request.user, pk=pk)
    return form_page(
        request,
        ProjectForm(request.POST or None, instance=project, customer=project.customer),
        save=lambda data: services.project_update(project=project, actor=request.user, **data),
        done=lambda _saved: redirect("assets:project_detail", pk=project.pk),
        template="assets/project_form.html",
        context={"customer": project.customer, "project": project},
    )


@login_required
def subsystem_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    project = project_get_for_user(user=request.user, pk=pk)
    return form_page(
        request,
        SubsystemForm(request.POST or None),
        save=lambda data: services.subsystem_create(actor=request.user, project=project, **data),
        done=lambda _saved: redirect("assets:project_detail", pk=project.pk),
        template="assets/subsystem_form.html",
        context={"project": project},
    )


@login_required
def subsystem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    subsystem = subsystem_get_for_user(user=request.user, pk=pk)
    return form_page(
        request,
        SubsystemForm(request.POST or None, instance=subsystem),
        save=lambda data: services.subsystem_update(subsystem=subsystem, actor=request.user, **data),
        done=lambda _saved: redirect("assets:project_detail", pk=subsystem.project_id),
        template="assets/subsystem_form.html",
        context={"project": subsystem.project, "subsystem": subsystem},
    )


@require_POST
@login_required
def installer_add(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.edit")
    project = project_get_for_user(user=request.user, pk=pk)
    form = InstallerForm(request.POST)
    if form.is_valid():
        services.project_installer_add(actor=request.user, project=project, **form.cleaned_data)
    else:
        messages.error(request, _("Enter at least the installer's name."))
    return redirect("assets:project_detail", pk=project.pk)


# --- vendors -----------------------------------------------------------------------------------------------------
@login_required
def vendor_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.edit")
    return render(request, "assets/vendor_list.html", {"vendors": select_vendors(), "can_edit": True})


@login_required
def vendor_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, "estate.edit")
    vendor = get_object_or_404(Vendor, pk=pk) if pk else None

    def save(data: dict) -> None:
        if vendor is None:
            services.vendor_create(actor=request.user, **data)
        else:
            services.vendor_update(vendor=vendor, actor=request.user, **data)

    return form_page(
        request,
        VendorForm(request.POST or None, instance=vendor),
        save=save,
        done=lambda _saved: redirect("assets:vendor_list"),
        template="assets/vendor_form.html",
        context={"vendor": vendor},
    )


# --- documents ---------------------------------------------------------------------------------------------------
@login_required
def document_upload(request: HttpRequest) -> HttpResponse:
    """New document for a project, subsystem or device (?project= / ?subsystem= / ?device=)."""
    require(request.user, "estate.edit")
    target = {}
    for key, getter in (
        ("device", device_get_for_user),
        ("subsystem", subsystem_get_for_user),
        ("project", project_get_for_user),
    ):
        value = parse_id(request.GET.get(key))
        if value is not None:
            target[key] = getter(user=request.user, pk=value)
            break
    if not target:
        raise Http404
    obj = next(iter(target.values()))
    customer = obj.project.customer if "subsystem" in target else obj.customer
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_create(
                actor=request.user,
                customer=customer,
                doc_type=data["doc_type"],
                title=data["title"],
                description=data["description"],
                upload=data["file"],
                **target,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("assets:document_detail", pk=document.pk)
    return render(request, "assets/document_form.html", {"form": form, "target": obj})


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.documents")
    document = document_get_for_user(user=request.user, pk=pk)
    can_edit = has_perm(request.user, "estate.edit")
    form = DocumentVersionForm(request.POST or None, request.FILES or None) if can_edit else None
    if request.method == "POST":
        require(request.user, "estate.edit")
        if form.is_valid():
            try:
                services.document_add_version(
                    document=document,
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                messages.success(request, _("New version uploaded; earlier versions are kept."))
                return redirect("assets:document_detail", pk=document.pk)
    versions = document.versions.select_related("uploaded_by")
    downloads = None
    if has_perm(request.user, "audit.view"):
        downloads = DocumentDownload.objects.filter(version__document=document).select_related("user", "version")[:50]
    context = {"document": document, "versions": versions, "form": form, "downloads": downloads}
    return render(request, "assets/document_detail.html", context)


@login_required
def document_download(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Serve one version as an attachment (never inline: no uploaded HTML or script runs in our origin); audited."""
    require(request.user, "estate.documents")
    version = document_version_get_for_user(user=request.user, document_pk=pk, number=number)
    try:
        handle = open_stored_file(version.file)
    except StoredFileMissing:
        return file_missing_response(request, filename=version.original_name)
    services.document_download_record(
        version=version,
        user=request.user,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Excel import ------------------------------------------------------------------------------------------------
@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.import")
    response = HttpResponse(excel.build_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="equipment-list-template.xlsx"'
    return response


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    require(request.user, "estate.import")
    customer_id = parse_id(request.GET.get("customer"))
    if customer_id is None:
        messages.info(request, _("Choose the customer first, then import from its page."))
        return redirect("customers:list")
    customer = customer_get_for_user(user=request.user, pk=customer_id)
    form = ImportForm(request.POST or None, request.FILES or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_start(
                actor=request.user, customer=customer, project=form.cleaned_data["project"], upload=upload
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if upload.size <= services.IMPORT_INLINE_MAX_BYTES:
                services.import_check(job_id=job.pk)
            else:
                transaction.on_commit(lambda: tasks.import_check_task.enqueue(job.pk))
            return redirect("assets:import_detail", pk=job.pk)
    return render(request, "assets/import_form.html", {"form": form, "customer": customer})


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's preview and error report; while it runs, htmx polls this view for the progress fragment."""
    require(request.user, "estate.import")
    job = import_job_get_for_user(user=request.user, pk=pk)
    context = {"job": job, "running": job.status in IMPORT_RUNNING, "statuses": ImportStatus, "columns": excel.COLUMNS}
    template = "assets/partials/_import_job.html" if request.htmx else "assets/import_detail.html"
    return render(request, template, context)


@require_POST
@login_required
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.import")
    job = import_job_get_for_user(user=request.user, pk=pk)
    try:
        if job.total_rows * 150 <= services.IMPORT_INLINE_MAX_BYTES:  # roughly the inline size in rows
            services.import_commit(job_id=job.pk, actor=request.user)
        elif services.import_queue(job_id=job.pk):
            # Large lists are written by the worker; the page shows "importing" and polls until it is done.
            tasks.import_commit_task.enqueue(job.pk, request.user.pk)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("assets:import_detail", pk=job.pk)


# --- pre-visit briefing --------------------------------------------------------------------------------------------
def _devices_key(devices: list) -> str:
    """The cache key of the briefing's device table (up to 500 rows): a digest of every value it shows, so an edit to
    a device, its vendor, subsystem or site gives a new key at once; plus the language and time zone."""
    shown = [
        (
            d.pk,
            d.name,
            d.model,
            d.subsystem.name if d.subsystem_id else None,
            d.vendor.name if d.vendor_id else None,
            d.serial_number,
            d.site.name if d.site_id else None,
            d.location,
            d.ip_address,
            d.firmware,
            d.parameters,
            d.warranty_end,
            d.status,
        )
        for d in devices
    ]
    return shown_key(shown)


def _briefing(request: HttpRequest, **target) -> HttpResponse:
    """The briefing of one site, project or device. Its estate part (devices, documents, contacts, subsystems) is
    rendered once per version of the estate (`assets.receivers`: any save or delete of what it shows) and kept
    6 × WEIBAO_QUEUE_COUNTS_TTL seconds; the registered sections (open orders, the contract) are always live."""
    sections = briefing.sections_for(request=request, **target)
    ((kind, obj),) = target.items()
    key = "briefing:" + shown_key(
        (kind, obj.pk, scope_key(request.user), estate_version(), timezone.localdate().isoformat())
    )
    body = cached_briefly(key, lambda: _briefing_body(request, **target), ttl_factor=6)
    return render(
        request,
        "assets/briefing.html",
        {
            "body": body,
            "sections": sections,
            "recent_work_registered": any(s.get("_module", "").startswith("weibao.workorders") for s in sections),
        },
    )


def _briefing_body(request: HttpRequest, **target) -> str:
    data = briefing_data(user=request.user, **target)
    data.update({"devices_key": _devices_key(data["devices"]), "badges": DEVICE_STATUS_BADGE})
    return render_to_string("assets/partials/_briefing_body.html", data, request=request)


@login_required
def briefing_site(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.view")
    return _briefing(request, site=site_get_for_user(user=request.user, pk=pk))


@login_required
def briefing_project(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.view")
    return _briefing(request, project=project_get_for_user(user=request.user, pk=pk))


@login_required
def briefing_device(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "estate.view")
    return _briefing(request, device=device_get_for_user(user=request.user, pk=pk))


def import_url_for(customer_id: int) -> str:
    return f"{reverse('assets:import_start')}?customer={customer_id}"
