"""The store pages: warehouses and their stock, parts, moves (receive, transfer, write off, repaired back), the
ledger, the Excel import and exports, parts sales, and the parts card and page of a work order (phone first: an
engineer issues a part from his van). Thin views (STYLE §5): a scoped fetch, a form, one service call, a page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.assets.choices import ImportStatus
from weibao.core.approvals import answer_link_page
from weibao.core.excel import XLSX_CONTENT_TYPE
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.core.form_views import run_service
from weibao.spares import excel, sales, selectors, services
from weibao.spares.forms import (
    IssueForm,
    LedgerFilterForm,
    MinLevelForm,
    PartForm,
    PublicSaleAnswerForm,
    ReceiveForm,
    RepairedForm,
    ReserveForm,
    ReturnForm,
    SaleAnswerForm,
    SaleApproveForm,
    SaleCancelForm,
    SaleForm,
    SaleInvoiceForm,
    SaleIssueForm,
    SaleLineFormSet,
    SaleLinkForm,
    StockImportForm,
    TransferForm,
    WarehouseForm,
    WriteOffForm,
)
from weibao.spares.models import Part, Warehouse
from weibao.workorders.selectors import workorder_get_for_user

STOCK_PAGE = 50


# --- helpers ------------------------------------------------------------------------------------------------------


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _need(request: HttpRequest, perm: str) -> None:
    """The store does not exist for customers and vendors (404, not 403: nothing to learn from the answer)."""
    if not has_perm(request.user, perm):
        raise Http404


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


# --- the store overview and a warehouse's stock -------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.view")
    return render(
        request,
        "spares/index.html",
        {
            "warehouses": selectors.warehouse_list(user=request.user),
            "van": selectors.van_of(user=request.user),
            "alerts": selectors.open_alerts(user=request.user)[:50],
            "transfers": selectors.transfers_in_transit(user=request.user)[:50],
            "can_manage": has_perm(request.user, "spares.manage"),
            "can_sell": has_perm(request.user, "spares.sales"),
        },
    )


@login_required
def my_van(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.view")
    van = selectors.van_of(user=request.user)
    if van is None:
        raise Http404
    return redirect("spares:warehouse", pk=van.pk)


@login_required
def warehouse(request: HttpRequest, pk: int) -> HttpResponse:
    """One warehouse's stock: on hand, reserved, available, minimum, value; what is on its way here."""
    wh = selectors.warehouse_get_for_user(user=request.user, pk=pk)
    q, low = request.GET.get("q", ""), request.GET.get("low") == "1"
    page = Paginator(selectors.stock_for_warehouse(warehouse=wh, q=q, low_only=low), STOCK_PAGE).get_page(
        request.GET.get("page")
    )
    alerts = set(selectors.open_alerts(user=request.user).filter(warehouse=wh).values_list("part_id", flat=True))
    return render(
        request,
        "spares/warehouse.html",
        {
            "wh": wh,
            "page": page,
            "q": q,
            "low": low,
            "alert_parts": alerts,
            "incoming": selectors.in_transit_to(warehouse=wh),
            "can_manage": has_perm(request.user, "spares.manage"),
            "can_receive_transfer": services.may_use_warehouse(request.user, wh),
        },
    )


@login_required
def warehouse_export(request: HttpRequest, pk: int) -> HttpResponse:
    wh = selectors.warehouse_get_for_user(user=request.user, pk=pk)
    rows = selectors.stock_for_warehouse(warehouse=wh).select_related("warehouse")
    return _xlsx(excel.export_stock(rows), f"stock-{wh.code}-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def warehouse_new(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.manage")
    form = WarehouseForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        created = {}
        status, _msg = run_service(
            form, lambda: created.setdefault("w", services.warehouse_create(actor=request.user, **form.cleaned_data))
        )
        if status == 200:
            return redirect("spares:warehouse", pk=created["w"].pk)
    elif request.method == "POST":
        status = 422
    return render(request, "spares/form.html", {"form": form, "title": _("New warehouse")}, status=status)


@login_required
@require_POST
def min_level(request: HttpRequest, pk: int) -> HttpResponse:
    wh = selectors.warehouse_get_for_user(user=request.user, pk=pk)
    _need(request, "spares.manage")
    form = MinLevelForm(request.POST)
    if form.is_valid():
        run_service(
            form,
            lambda: services.stock_set_min_level(
                warehouse=wh,
                part=form.cleaned_data["part"],
                actor=request.user,
                min_level=form.cleaned_data["min_level"],
            ),
        )
    return redirect("spares:warehouse", pk=wh.pk)


# --- parts --------------------------------------------------------------------------------------------------------


@login_required
def part_list(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.view")
    q = request.GET.get("q", "")
    page = Paginator(selectors.part_list(user=request.user, q=q, active_only=False), STOCK_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "spares/part_list.html", {"page": page, "q": q, "can_manage": has_perm(request.user, "spares.manage")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def part_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    part = selectors.part_get_for_user(user=request.user, pk=pk) if pk else None
    if request.method == "POST":
        _need(request, "spares.manage")
    form = PartForm(request.POST or None, instance=part, initial={"version": part.version if part else None})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            saved = {}
            if part is None:
                status, msg = run_service(
                    form, lambda: saved.setdefault("p", services.part_create(actor=request.user, **data))
                )
            else:
                status, msg = run_service(
                    form,
                    lambda: saved.setdefault(
                        "p",
                        services.part_update(
                            part=part, actor=request.user, expected_version=form.cleaned_data.get("version"), **data
                        ),
                    ),
                )
            if status == 200:
                return redirect("spares:part", pk=saved["p"].pk)
            if msg:
                form.add_error(None, msg)
        else:
            status = 422
    return render(
        request,
        "spares/part_detail.html",
        {
            "part": part,
            "form": form,
            "stock": selectors.stock_for_part(part=part) if part else [],
            "can_manage": has_perm(request.user, "spares.manage"),
        },
        status=status,
    )


# --- moves of the store -------------------------------------------------------------------------------------------


def _move_page(request, form_class, title: str, call, *, template="spares/move.html", **form_kwargs) -> HttpResponse:
    _need(request, "spares.view")
    usable = selectors.warehouses_usable_by(user=request.user)
    initial = {"warehouse": _int_param(request, "warehouse"), "part": _int_param(request, "part")}
    form = form_class(request.POST or None, warehouses=usable, initial=initial, **form_kwargs)
    status, message = 200, ""
    if request.method == "POST":
        if form.is_valid():
            status, message = run_service(form, lambda: call(form.cleaned_data))
            if status == 200:
                return redirect("spares:warehouse", pk=form.cleaned_data["warehouse"].pk)
        else:
            status = 422
    return render(request, template, {"form": form, "title": title, "error": message}, status=status)


def _args(request, data: dict, *names: str, **renamed: str) -> dict:
    """The form's cleaned fields as a store service's keyword arguments (`renamed`: service name → form name), with
    the actor: one mapping instead of a call body per move."""
    return {"actor": request.user, **{n: data[n] for n in names}, **{k: data[v] for k, v in renamed.items()}}


MOVE_FIELDS = ("warehouse", "part", "quantity", "serials")


@login_required
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.manage")
    return _move_page(
        request,
        ReceiveForm,
        _("Receive into stock"),
        lambda d: services.receive(**_args(request, d, *MOVE_FIELDS, "unit_cost", "note", "reference")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def write_off(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.manage")
    return _move_page(
        request, WriteOffForm, _("Write off"), lambda d: services.write_off(**_args(request, d, *MOVE_FIELDS, "reason"))
    )


@login_required
@require_http_methods(["GET", "POST"])
def repaired(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.manage")

    def call(d):
        serial_list = services.clean_serials(d["serials"])
        if d["part"].is_serial and len(serial_list) != 1:
            raise ValidationError({"serials": _("Enter the serial number of the repaired unit.")})
        return services.receive_repaired(
            **_args(request, d, "warehouse", "part", "reference", "note"),
            serial=serial_list[0] if serial_list else "",
            quantity=d["quantity"] or 1,
        )

    return _move_page(request, RepairedForm, _("Repaired unit back into stock"), call)


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest) -> HttpResponse:
    return _move_page(
        request,
        TransferForm,
        _("Transfer to another warehouse"),
        lambda d: services.transfer_send(
            **_args(
                request,
                d,
                "part",
                "quantity",
                "serials",
                "note",
                from_warehouse="warehouse",
                to_warehouse="to_warehouse",
            )
        ),
        destinations=Warehouse.objects.filter(is_active=True),
    )


@login_required
@require_POST
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    tr = selectors.transfer_get_for_user(user=request.user, pk=pk)
    version = request.POST.get("version", "")
    try:
        services.transfer_receive(
            transfer=tr, actor=request.user, expected_version=int(version) if version.isdigit() else None
        )
    except ValidationError as exc:
        return render(request, "spares/error.html", {"message": " ".join(exc.messages)}, status=422)
    except (StaleEdit, TransitionNotAllowed) as exc:
        return render(request, "spares/error.html", {"message": exc.message}, status=409)
    return redirect("spares:warehouse", pk=tr.to_warehouse_id)


# --- the ledger ---------------------------------------------------------------------------------------------------


def _ledger_filters(request) -> tuple[LedgerFilterForm, selectors.LedgerFilters]:
    form = LedgerFilterForm(request.GET or None)
    filters = selectors.LedgerFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = selectors.LedgerFilters(
            warehouse=d["warehouse"].pk if d["warehouse"] else None,
            part=d.get("part") or None,
            kind=d["kind"] or "",
        )
    return form, filters


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.view")
    form, filters = _ledger_filters(request)
    before = _int_param(request, "before")
    moves = selectors.ledger(user=request.user, filters=filters, before=before, limit=selectors.LEDGER_PAGE + 1)
    more = len(moves) > selectors.LEDGER_PAGE
    moves = moves[: selectors.LEDGER_PAGE]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "spares/ledger.html",
        {"form": form, "moves": moves, "query": query.urlencode(), "next_before": moves[-1].pk if more else None},
    )


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.view")
    _form, filters = _ledger_filters(request)
    rows = selectors.ledger_for_export(user=request.user, filters=filters)
    return _xlsx(excel.export_ledger(rows), f"ledger-{timezone.localdate():%Y%m%d}.xlsx")


# --- the Excel import ---------------------------------------------------------------------------------------------


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.manage")
    return _xlsx(excel.build_template(), "stock-import-template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    from weibao.spares.tasks import stock_import_check_task

    _need(request, "spares.manage")
    form = StockImportForm(
        request.POST or None, request.FILES or None, initial={"warehouse": _int_param(request, "warehouse")}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            job = {}
            status, _msg = run_service(
                form,
                lambda: job.setdefault(
                    "j",
                    excel.import_start(
                        actor=request.user, warehouse=form.cleaned_data["warehouse"], upload=form.cleaned_data["file"]
                    ),
                ),
            )
            if status == 200:
                j = job["j"]
                if form.cleaned_data["file"].size <= excel.INLINE_MAX_BYTES:
                    excel.import_check(job_id=j.pk)
                else:
                    stock_import_check_task.enqueue(job_id=j.pk)
                return redirect("spares:import_detail", pk=j.pk)
        else:
            status = 422
    return render(request, "spares/import_form.html", {"form": form}, status=status)


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.stock_import_get_for_user(user=request.user, pk=pk)
    running = job.status in (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING)
    template = "spares/partials/_import_job.html" if request.headers.get("HX-Request") else "spares/import_detail.html"
    return render(request, template, {"job": job, "running": running})


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    from weibao.spares.tasks import stock_import_commit_task

    job = selectors.stock_import_get_for_user(user=request.user, pk=pk)
    if job.file.size <= excel.INLINE_MAX_BYTES:
        excel.import_commit(job_id=job.pk, actor=request.user)
    else:
        stock_import_commit_task.enqueue(job_id=job.pk, actor_id=request.user.pk)
    return redirect("spares:import_detail", pk=job.pk)


# --- a work order's parts -----------------------------------------------------------------------------------------


def _order(request: HttpRequest, pk: int):
    """The order if the user may see it (404 otherwise); then the parts permission (customers: read only)."""
    wo = workorder_get_for_user(user=request.user, pk=pk)
    _need(request, "spares.order_parts")
    return wo


def _stocked_parts(usable):
    """The parts the user could take: in stock in a warehouse he may use (not the whole catalogue in a select)."""
    return (
        Part.objects.filter(active=True, stock__warehouse__in=[w.pk for w in usable], stock__on_hand__gt=0)
        .distinct()
        .order_by("part_number")
    )


def _order_context(request, wo, **forms) -> dict:
    user = request.user
    summary = selectors.parts_for_order(workorder=wo, user=user)
    ctx = {
        "wo": wo,
        "summary": summary,
        "can_issue": has_perm(user, "spares.issue") and user.is_internal,
        "can_quote": has_perm(user, "onsite.quote") and user.is_internal,
        "error": "",
    }
    if ctx["can_issue"]:
        usable = selectors.warehouses_usable_by(user=user)
        issued_parts = Part.objects.filter(pk__in=[p.part.pk for p in summary.parts if p.issued])
        stocked = _stocked_parts(usable)
        ctx["issue_form"] = forms.get("issue_form") or IssueForm(warehouses=usable, parts=stocked, prefix="issue")
        ctx["return_form"] = forms.get("return_form") or ReturnForm(
            warehouses=usable, parts=issued_parts, prefix="return"
        )
        ctx["reserve_form"] = forms.get("reserve_form") or ReserveForm(
            warehouses=usable, parts=stocked, prefix="reserve"
        )
        ctx["van"] = selectors.van_of(user=user)
    return ctx


@login_required
def order_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The parts card of the order page (loaded by htmx after the page)."""
    wo = _order(request, pk)
    summary = selectors.parts_for_order(workorder=wo, user=request.user)
    return render(
        request,
        "spares/partials/_order_panel.html",
        {
            "wo": wo,
            "summary": summary,
            "can_issue": has_perm(request.user, "spares.issue") and request.user.is_internal,
        },
    )


@login_required
def order_parts(request: HttpRequest, pk: int) -> HttpResponse:
    wo = _order(request, pk)
    return render(request, "spares/order_parts.html", _order_context(request, wo))


def _order_move(request, pk: int, prefix: str, form_class, call) -> HttpResponse:
    wo = _order(request, pk)
    _need(request, "spares.issue")
    usable = selectors.warehouses_usable_by(user=request.user)
    parts = None if form_class is ReturnForm else _stocked_parts(usable)
    form = form_class(request.POST, warehouses=usable, parts=parts, prefix=prefix)
    status, message = 422, ""
    if form.is_valid():
        status, message = run_service(form, lambda: call(wo, form.cleaned_data))
        if status == 200:
            return redirect("spares:order_parts", pk=wo.pk)
    ctx = _order_context(request, wo, **{f"{prefix}_form": form})
    ctx["error"] = message
    return render(request, "spares/order_parts.html", ctx, status=status)


@login_required
@require_POST
def order_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_move(
        request,
        pk,
        "issue",
        IssueForm,
        lambda wo, d: services.issue_to_order(workorder=wo, **_args(request, d, *MOVE_FIELDS, "note")),
    )


@login_required
@require_POST
def order_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_move(
        request,
        pk,
        "return",
        ReturnForm,
        lambda wo, d: services.return_unused(workorder=wo, **_args(request, d, *MOVE_FIELDS, "note")),
    )


@login_required
@require_POST
def order_reserve(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_move(
        request,
        pk,
        "reserve",
        ReserveForm,
        lambda wo, d: services.reserve_for_order(workorder=wo, **_args(request, d, *MOVE_FIELDS)),
    )


@login_required
@require_POST
def order_to_quote(request: HttpRequest, pk: int) -> HttpResponse:
    wo = _order(request, pk)
    require(request.user, "onsite.quote")
    try:
        quote = services.parts_add_to_quote(workorder=wo, actor=request.user)
    except ValidationError as exc:
        ctx = _order_context(request, wo)
        ctx["error"] = " ".join(exc.messages)
        return render(request, "spares/order_parts.html", ctx, status=422)
    except (StaleEdit, TransitionNotAllowed) as exc:
        ctx = _order_context(request, wo)
        ctx["error"] = exc.message
        return render(request, "spares/order_parts.html", ctx, status=409)
    return redirect("onsite:quote", pk=quote.pk)


# --- parts sales --------------------------------------------------------------------------------------------------


@login_required
def sale_list(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.sales")
    status = request.GET.get("status", "")
    page = Paginator(selectors.sale_list(user=request.user, status=status), STOCK_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "spares/sale_list.html", {"page": page, "status": status})


@login_required
@require_http_methods(["GET", "POST"])
def sale_new(request: HttpRequest) -> HttpResponse:
    _need(request, "spares.sales")
    form = SaleForm(request.POST or None, initial={"tax_rate": "0.13"})
    formset = SaleLineFormSet(request.POST or None, prefix="lines")
    status, message = 200, ""
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            lines = [
                {
                    "part": f.cleaned_data["part"],
                    "quantity": f.cleaned_data["quantity"],
                    "unit_price": f.cleaned_data["unit_price"],
                }
                for f in formset.forms
                if f.cleaned_data.get("part")
            ]
            created = {}
            try:
                created["s"] = sales.sale_quote(
                    customer=form.cleaned_data["customer"],
                    warehouse=form.cleaned_data["warehouse"],
                    lines=lines,
                    actor=request.user,
                    tax_rate=form.cleaned_data["tax_rate"],
                    note=form.cleaned_data["note"],
                    contact_name=form.cleaned_data["contact_name"],
                )
            except ValidationError as exc:
                status = 422
                for key, messages in exc.message_dict.items():
                    parts = key.split(".")
                    if parts[0] == "lines" and len(parts) == 3:
                        # service line indexes count only the filled lines
                        filled = [f for f in formset.forms if f.cleaned_data.get("part")]
                        index = int(parts[1])
                        if index < len(filled) and parts[2] in filled[index].fields:
                            filled[index].add_error(parts[2], messages)
                            continue
                    form.add_error(key if key in form.fields else None, messages)
            if status == 200:
                return redirect("spares:sale", pk=created["s"].pk)
        else:
            status = 422
    return render(request, "spares/sale_form.html", {"form": form, "formset": formset, "error": message}, status=status)


def _sale_page(request, sale, *, status=200, error="", link_urls=None, **forms) -> HttpResponse:
    ctx = {
        "sale": sale,
        "error": error,
        "link_urls": link_urls,
        "can_sell": has_perm(request.user, "spares.sales"),
        "answer_form": forms.get("answer_form") or SaleAnswerForm(initial={"version": sale.version}),
        "link_form": forms.get("link_form") or SaleLinkForm(),
        "approve_form": forms.get("approve_form")
        or SaleApproveForm(initial={"version": sale.version, "approved_by_name": sale.contact_name}),
        "issue_form": forms.get("issue_form") or SaleIssueForm(sale=sale, initial={"version": sale.version}),
        "invoice_form": forms.get("invoice_form") or SaleInvoiceForm(initial={"version": sale.version}),
        "cancel_form": forms.get("cancel_form") or SaleCancelForm(initial={"version": sale.version}),
    }
    return render(request, "spares/sale_detail.html", ctx, status=status)


@login_required
def sale_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _sale_page(request, selectors.sale_get_for_user(user=request.user, pk=pk))


def _sale_action(request, pk: int, name: str, form_class, service, fields) -> HttpResponse:
    """One step of a sale from its form: `service(sale=, actor=, expected_version=, **fields(cleaned_data))`."""
    sale = selectors.sale_get_for_user(user=request.user, pk=pk)
    form = form_class(request.POST)
    status, message = 422, ""
    if form.is_valid():
        d = form.cleaned_data
        status, message = run_service(
            form, lambda: service(sale=sale, actor=request.user, expected_version=d.get("version"), **fields(d))
        )
        if status == 200:
            return redirect("spares:sale", pk=sale.pk)
    return _sale_page(request, sale, status=status, error=message, **{f"{name}_form": form})


@login_required
@require_POST
def sale_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _sale_action(
        request,
        pk,
        "approve",
        SaleApproveForm,
        sales.sale_approve,
        lambda d: {"approved_by_name": d["approved_by_name"]},
    )


@login_required
@require_POST
def sale_issue(request: HttpRequest, pk: int) -> HttpResponse:
    sale = selectors.sale_get_for_user(user=request.user, pk=pk)
    form = SaleIssueForm(request.POST, sale=sale)
    status, message = 422, ""
    if form.is_valid():
        try:
            sales.sale_issue(
                sale=sale, actor=request.user, serials=form.serials(), expected_version=form.cleaned_data.get("version")
            )
            return redirect("spares:sale", pk=sale.pk)
        except (StaleEdit, TransitionNotAllowed) as exc:
            status, message = 409, exc.message
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                parts = key.split(".")
                field = f"serials_{parts[1]}" if len(parts) == 3 and parts[2] == "serials" else None
                if field in form.fields:
                    form.add_error(field, messages)
                else:
                    form.add_error(None, messages)
    return _sale_page(request, sale, status=status, error=message, issue_form=form)


@login_required
@require_POST
def sale_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    return _sale_action(
        request, pk, "invoice", SaleInvoiceForm, sales.sale_invoice, lambda d: {"invoice_number": d["invoice_number"]}
    )


@login_required
@require_POST
def sale_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _sale_action(request, pk, "cancel", SaleCancelForm, sales.sale_cancel, lambda d: {"reason": d["reason"]})


@login_required
@require_POST
def sale_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer approves or refuses the sale quote in the portal (404 for another customer's sale)."""
    return _sale_action(
        request,
        pk,
        "answer",
        SaleAnswerForm,
        sales.sale_answer,
        lambda d: {"approve": d["answer"] == "approve", "name": d["name"], "reason": d["reason"]},
    )


@login_required
@require_POST
def sale_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the one-time answer link for the customer (shown to our staff to send)."""
    sale = selectors.sale_get_for_user(user=request.user, pk=pk)
    form = SaleLinkForm(request.POST)
    tokens: dict[str, str] = {}
    status, message = 422, ""
    if form.is_valid():
        status, message = run_service(
            form, lambda: tokens.update(sales.sale_link_create(sale=sale, actor=request.user, **form.cleaned_data))
        )
    if status == 200:
        urls = {k: request.build_absolute_uri(reverse("spares:sale_link_answer", args=[t])) for k, t in tokens.items()}
        return _sale_page(request, sale, link_urls=urls)
    return _sale_page(request, sale, status=status, error=message, link_form=form)


@require_http_methods(["GET", "POST"])
def sale_link_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's one-time link (no login): shows the quote and takes the answer with a name."""
    return answer_link_page(
        request,
        token=token,
        check=lambda: sales.sale_link_check(token=token),
        answer=lambda **data: sales.sale_answer_by_link(token=token, **data),
        form_class=PublicSaleAnswerForm,
        context=lambda sale: {"sale": sale},
        page="spares/sale_link.html",
        done="spares/sale_link_done.html",
    )


@login_required
def part_search(request: HttpRequest) -> HttpResponse:
    """The part picker's options (htmx): the first 20 active parts matching the search box."""
    if not (has_perm(request.user, "spares.view") and request.user.is_internal):
        raise Http404
    q = (request.GET.get("q") or "").strip()
    parts = list(selectors.part_list(user=request.user, q=q)[:20]) if q else []
    return render(request, "spares/partials/_part_options.html", {"parts": parts})
