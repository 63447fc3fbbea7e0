"""The on-site pages of a work order, phone first: confirm the problem, quote (and the customer's answer in the
portal, on the engineer's phone, or by the public one-time link), replacement, backup and change, the service
form, and the PDFs. Thin views (STYLE §5): a scoped fetch, a form, one service call, a page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.core.form_views import attach_service_errors, run_service
from weibao.onsite import pdf, selectors
from weibao.onsite import services as svc
from weibao.onsite.choices import AnswerChannel, LinkChannel, QuoteStatus
from weibao.onsite.forms import (
    BackupForm,
    ChangeForm,
    ConfirmForm,
    QuoteAnswerForm,
    QuoteForm,
    QuoteLineFormSet,
    ReplacementForm,
    SendLinkForm,
    ServiceFormForm,
)
from weibao.onsite.models import Backup, Quote
from weibao.workorders.models import WorkOrder
from weibao.workorders.selectors import workorder_get_bare, workorder_get_for_user
from weibao.workorders.services import workorder_attach_document

FORM_FIELDS = (
    "symptom",
    "inspection",
    "cause",
    "cause_detail",
    "work_done",
    "solved",
    "next_appointment_at",
    "customer_contact_name",
    "customer_contact_phone",
    "engineer_name",
    "engineer_phone",
    "satisfaction",
    "customer_remark",
)


# --- helpers ------------------------------------------------------------------------------------------------------


def _order(request: HttpRequest, pk: int, *, write: bool = False, bare: bool = False) -> WorkOrder:
    """The order if the user may see it (404 for another organisation); writing also needs the staff permission.
    `bare`: without relations, for the overview pages that show the order's own fields only."""
    require(request.user, "onsite.view")
    if bare and not write:
        return workorder_get_bare(user=request.user, pk=pk)
    wo = workorder_get_for_user(user=request.user, pk=pk, for_write=write)
    if write:
        require(request.user, "onsite.record")
    return wo


def _version(form) -> int | None:
    return form.cleaned_data.get("version") or None


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)


def _done(wo: WorkOrder) -> HttpResponse:
    return redirect("onsite:visit", pk=wo.pk)


# --- the visit overview -------------------------------------------------------------------------------------------


@login_required
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything done on site for one order, with a link to each step (the order page links here)."""
    wo = _order(request, pk, bare=True)
    summary = selectors.onsite_for_order(workorder=wo, user=request.user, overview=True)
    return _page(
        request,
        "onsite/visit.html",
        {
            "wo": wo,
            "onsite": summary,
            "can_record": has_perm(request.user, "onsite.record"),
            "is_customer": request.user.is_customer,
        },
    )


@login_required
def visit_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The on-site card of the order page (loaded by htmx after the page, so the page's own queries stay flat)."""
    wo = _order(request, pk, bare=True)
    summary = selectors.onsite_for_order(workorder=wo, user=request.user, overview=True)
    return render(
        request,
        "onsite/partials/_order_panel.html",
        {
            "wo": wo,
            "onsite": summary,
            "can_record": has_perm(request.user, "onsite.record"),
        },
    )


# --- 1. confirm the problem on arrival ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    wo = _order(request, pk, write=True)
    status, error = 200, ""
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            status, error = run_service(
                form,
                lambda: svc.site_confirm(workorder=wo, actor=request.user, expected_version=_version(form), **data),
            )
            if status == 200:
                return _done(wo)
        else:
            status = 422
    else:
        form = ConfirmForm(
            initial={
                "version": wo.version,
                "symptom": wo.symptom,
                "confirmed_by_name": wo.reporter_name,
                "confirmed_by_phone": wo.reporter_phone,
            }
        )
    return _page(request, "onsite/confirm.html", {"wo": wo, "form": form, "error": error}, status=status)


# --- 2. quotes ----------------------------------------------------------------------------------------------------


def _quote_lines(formset, wo: WorkOrder) -> list[dict]:
    """The formset's lines as the service takes them: the price-list entry and the faulty device as objects."""
    lines = []
    devices = None
    for line_form in formset.forms:
        data = line_form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        line = {k: data[k] for k in ("kind", "description", "quantity", "unit_price")}
        if data.get("labour_basis"):
            line["labour_basis"] = data["labour_basis"]
        if data.get("spare_part"):
            line["spare_part"] = selectors.spare_part_get(pk=data["spare_part"])
        if data.get("device"):
            if devices is None:  # only the order's own site's estate (a forged id finds nothing)
                devices = {d.pk: d for d in selectors.replaceable_devices(workorder=wo)}
            line["device"] = devices.get(data["device"])
        lines.append(line)
    return lines


@login_required
@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A new quote, or a new version of the current one (the old version stays, superseded)."""
    wo = _order(request, pk, write=True)
    require(request.user, "onsite.quote")
    current = selectors.quote_current(workorder=wo)
    parts = selectors.spare_parts(q="")
    status, error = 200, ""
    if request.method == "POST":
        form = QuoteForm(request.POST)
        formset = QuoteLineFormSet(request.POST, prefix="lines", form_kwargs={"parts": parts})
        if form.is_valid() & formset.is_valid():
            lines = _quote_lines(formset, wo)
            tax_rate = form.cleaned_data["tax_rate"] / 100
            kwargs = {
                "actor": request.user,
                "lines": lines,
                "tax_rate": tax_rate,
                "note": form.cleaned_data["note"],
                "expected_version": _version(form),
            }
            if current is not None:  # any current version (even approved) is superseded by the new one
                status, error = run_service(
                    form, lambda: svc.quote_revise(quote=current, **kwargs), formsets={"lines": formset}
                )
            else:
                status, error = run_service(
                    form, lambda: svc.quote_create(workorder=wo, **kwargs), formsets={"lines": formset}
                )
            if status == 200:
                return _done(wo)
        else:
            status = 422
    else:
        form = QuoteForm(initial={"version": wo.version, "note": current.note if current else ""})
        initial = selectors.quote_initial_lines(workorder=wo, quote=current)
        formset = QuoteLineFormSet(prefix="lines", initial=initial, form_kwargs={"parts": parts})
    return _page(
        request,
        "onsite/quote_edit.html",
        {
            "wo": wo,
            "form": form,
            "formset": formset,
            "current": current,
            "error": error,
            "spare_parts": parts,
        },
        status=status,
    )


@login_required
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One quote version: staff record the customer's answer with a signature or send a one-time link; the customer
    approves or refuses in the portal."""
    require(request.user, "onsite.view")
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    return _quote_page(request, quote)


def _quote_page(
    request, quote: Quote, *, answer_form=None, link_form=None, error: str = "", link_url: str = "", status: int = 200
) -> HttpResponse:
    wo = quote.workorder
    user = request.user
    pending = quote.status == QuoteStatus.PENDING
    return _page(
        request,
        "onsite/quote_detail.html",
        {
            "wo": wo,
            "quote": quote,
            "lines": list(quote.lines.all()),
            "pending": pending,
            "error": error,
            "is_customer": user.is_customer,
            "answer_form": answer_form
            or QuoteAnswerForm(
                signature_required=not user.is_customer,
                initial={"name": user.get_full_name() if user.is_customer else ""},
            ),
            "link_form": link_form or SendLinkForm(initial=_link_initial(wo)),
            "can_answer": pending and has_perm(user, "onsite.quote_answer"),
            "can_send": pending and not user.is_customer and has_perm(user, "onsite.quote"),
            "link_url": link_url,
        },
        status=status,
    )


def _link_initial(wo: WorkOrder) -> dict:
    contact = wo.contact
    if contact is not None and contact.email:
        return {"channel": LinkChannel.EMAIL, "sent_to": contact.email}
    if wo.reporter_email:
        return {"channel": LinkChannel.EMAIL, "sent_to": wo.reporter_email}
    return {"channel": LinkChannel.SMS, "sent_to": (contact.mobile if contact else "") or wo.reporter_phone}


@login_required
@require_POST
def quote_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse: a customer in the portal, or our engineer with the customer's signature on the phone."""
    require(request.user, "onsite.quote_answer")
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    user = request.user
    form = QuoteAnswerForm(request.POST, signature_required=not user.is_customer)
    status, error = 422, ""
    if form.is_valid():
        data = form.cleaned_data
        channel = AnswerChannel.PORTAL if user.is_customer else AnswerChannel.PHONE
        kwargs = {
            "quote": quote,
            "actor": user,
            "channel": channel,
            "name": data["name"],
            "signature": data["signature"],
        }
        if data["decision"] == QuoteAnswerForm.APPROVE:
            status, error = run_service(form, lambda: svc.quote_approve(**kwargs))
        else:
            status, error = run_service(form, lambda: svc.quote_refuse(reason=data["reason"], **kwargs))
        if status == 200:
            return redirect("onsite:quote", pk=quote.pk)
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    return _quote_page(request, quote, answer_form=form, error=error, status=status)


@login_required
@require_POST
def quote_send_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a one-time approval link; it is shown here (to read out or copy) and sent by the chosen channel."""
    require(request.user, "onsite.view")
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)  # 404 for another organisation first
    require(request.user, "onsite.quote")
    form = SendLinkForm(request.POST)
    status, error, link_url = 422, "", ""
    if form.is_valid():
        result = {}

        def call():
            result["link"], result["token"] = svc.approval_link_create(
                quote=quote,
                actor=request.user,
                channel=form.cleaned_data["channel"],
                sent_to=form.cleaned_data["sent_to"],
            )

        status, error = run_service(form, call)
        if status == 200:
            link_url = request.build_absolute_uri(reverse("onsite:public_quote", args=[result["token"]]))
            transaction.on_commit(lambda: _deliver_link(result["link"], link_url))
    return _quote_page(request, quote, link_form=form, error=error, link_url=link_url, status=status)


def _deliver_link(link, url: str) -> None:
    from weibao.onsite.tasks import approval_link_deliver

    approval_link_deliver.enqueue(link_id=link.pk, url=url)


# --- the public one-time link (no login) --------------------------------------------------------------------------


def _no_referrer(view):
    """The token is the key to the quote: never send it on to another site in a Referer header."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"  # "no-referrer" would make the form post Origin: null (CSRF)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


@_no_referrer
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def public_quote(request: HttpRequest, token: str) -> HttpResponse:
    """The quote behind a signed one-time link, and nothing else; answering uses the link up. A used, expired or
    forged link gets a clear page saying so (status 410 / 404), never the quote."""
    try:
        link = svc.approval_link_open(token=token)
    except svc.LinkRefused as exc:
        return _link_refused(request, exc)
    quote = link.quote
    form = QuoteAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            quote = svc.quote_answer_by_link(
                token=token,
                approve=data["decision"] == QuoteAnswerForm.APPROVE,
                name=data["name"],
                reason=data["reason"],
            )
        except svc.LinkRefused as exc:
            return _link_refused(request, exc)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            return render(request, "onsite/public_quote_done.html", {"quote": quote})
    context = {
        "quote": quote,
        "wo": quote.workorder,
        "lines": list(quote.lines.all()),
        "form": form,
        "expires_at": link.expires_at,
    }
    return render(request, "onsite/public_quote.html", context, status=422 if form.errors else 200)


def _link_refused(request: HttpRequest, exc) -> HttpResponse:
    status = 404 if exc.code == "invalid" else 410
    return render(
        request, "onsite/public_quote_refused.html", {"message": exc.message, "code": exc.code}, status=status
    )


# --- 3. replacement -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def replacement(request: HttpRequest, pk: int) -> HttpResponse:
    wo = _order(request, pk, write=True)
    devices = selectors.replaceable_devices(workorder=wo)
    status, error = 200, ""
    if request.method == "POST":
        form = ReplacementForm(request.POST, request.FILES, devices=devices)
        if form.is_valid():
            data = form.cleaned_data
            old_device = next(d for d in devices if d.pk == data["old_device"])

            @transaction.atomic  # the replacement and its photo together or not at all
            def call():
                swap = svc.replacement_record(
                    workorder=wo,
                    actor=request.user,
                    old_device=old_device,
                    new_serial=data["new_serial"],
                    new_model=data["new_model"],
                    signer_name=data["signer_name"],
                    signature=data["signature"],
                    note=data["note"],
                    expected_version=_version(form),
                )
                photo = data.get("photo")
                if photo:  # on the replacement's own timeline event: no second event
                    workorder_attach_document(
                        event=swap.event,
                        content=photo.read(),
                        name=photo.checked.name,
                        content_type=photo.checked.content_type,
                        actor=request.user,
                    )

            status, error = run_service(form, call)
            if status == 200:
                return _done(wo)
        else:
            status = 422
    else:
        linked = [d.pk for d in wo.devices.all()]
        form = ReplacementForm(
            devices=devices,
            initial={"version": wo.version, "old_device": linked[0] if linked else "", "signer_name": wo.reporter_name},
        )
    return _page(request, "onsite/replacement.html", {"wo": wo, "form": form, "error": error}, status=status)


# --- 4. backup and change -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def backup(request: HttpRequest, pk: int) -> HttpResponse:
    wo = _order(request, pk, write=True)
    status, error = 200, ""
    if request.method == "POST":
        form = BackupForm(request.POST, request.FILES)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            status, error = run_service(
                form,
                lambda: svc.backup_record(workorder=wo, actor=request.user, expected_version=_version(form), **data),
            )
            if status == 200:
                return _done(wo)
        else:
            status = 422
    else:
        form = BackupForm(initial={"version": wo.version, "performed_by_name": request.user.get_full_name()})
    return _page(request, "onsite/backup.html", {"wo": wo, "form": form, "error": error}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, pk: int) -> HttpResponse:
    wo = _order(request, pk, write=True)
    backups = list(Backup.objects.filter(workorder=wo).order_by("-id"))
    status, error = 200, ""
    if request.method == "POST":
        form = ChangeForm(request.POST, backups=backups)
        if form.is_valid():
            chosen = next((b for b in backups if b.pk == form.cleaned_data["backup"]), None)
            status, error = run_service(
                form,
                lambda: svc.change_record(
                    workorder=wo,
                    actor=request.user,
                    description=form.cleaned_data["description"],
                    backup=chosen,
                    expected_version=_version(form),
                ),
            )
            if status == 200:
                return _done(wo)
        else:
            status = 422
    else:
        form = ChangeForm(backups=backups, initial={"version": wo.version, "backup": backups[0].pk if backups else ""})
    return _page(
        request, "onsite/change.html", {"wo": wo, "form": form, "error": error, "backups": backups}, status=status
    )


# --- 5. the service form ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def service_form(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the form on the phone (saved as a draft), then both sign: signing freezes it; editing a signed form
    starts the next revision. A half-filled form survives a dead connection (offline draft, see draft.js)."""
    wo = _order(request, pk, write=True)
    current = selectors.service_form_current(workorder=wo)
    status, error = 200, ""
    if request.method == "POST":
        form = ServiceFormForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            values = {f: data[f] for f in FORM_FIELDS}

            @transaction.atomic  # saved and signed together or not at all
            def call():
                svc.service_form_save(workorder=wo, actor=request.user, data=values, expected_version=_version(form))
                if data["sign"]:
                    svc.service_form_sign(
                        workorder=wo,
                        actor=request.user,
                        customer_name=data["customer_name"],
                        customer_signature=data["customer_signature"],
                        engineer_signature=data["engineer_signature"],
                        stamp_photo=data["stamp_photo"],
                        expected_version=wo.version,
                    )

            status, error = run_service(form, call)
            if status == 200:
                return _done(wo)
        else:
            status = 422
    else:
        if current is not None:
            initial = {f: getattr(current, f) for f in FORM_FIELDS}
        else:
            initial = svc.service_form_initial(workorder=wo)
        initial["solved"] = {True: "yes", False: "no"}.get(initial.get("solved"), "")
        initial["customer_name"] = initial.get("customer_contact_name", "")
        initial["version"] = wo.version
        form = ServiceFormForm(initial=initial)
    return _page(
        request,
        "onsite/service_form.html",
        {
            "wo": wo,
            "form": form,
            "current": current,
            "error": error,
            "replaced": selectors.replaced_devices(workorder=wo),
        },
        status=status,
    )


# --- 6. PDFs ------------------------------------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def service_form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed service form (latest signed revision, or `?revision=`) as a PDF: staff and the order's customer."""
    wo = _order(request, pk)
    form = selectors.service_form_for_pdf(workorder=wo, revision=request.GET.get("revision"))
    if form is None:
        raise Http404
    context = pdf.service_form_context(form=form, workorder=wo)
    return _pdf_response(pdf.render_service_form(context), f"{wo.number}-service-form-r{form.revision}.pdf")


@login_required
def workorder_sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The work-order sheet (故障处理工作单) as a PDF."""
    wo = _order(request, pk)
    context = pdf.workorder_sheet_context(workorder=wo)
    return _pdf_response(pdf.render_workorder_sheet(context), f"{wo.number}-sheet.pdf")
