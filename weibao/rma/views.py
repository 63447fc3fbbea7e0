"""Pages of vendor escalation and RMA (坏件返修), phone first. Thin views (STYLE §5): a scoped fetch, a form, one
service call, then the page again (errors on the form's fields, status 422; a refused move 409)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.core.approvals import answer_link_page
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.core.form_views import attach_service_errors
from weibao.core.pagination import CachedCountPaginator
from weibao.rma import forms as f
from weibao.rma import selectors
from weibao.rma import services as svc
from weibao.rma.choices import AGEING_LIMIT_DAYS, FeeStatus
from weibao.rma.models import RmaFee
from weibao.workorders.selectors import workorder_get_for_user

PAGE_SIZE = 25  # cases per page of the list

QUEUE_LABELS = [  # lazy: translated when a page shows them, in the reader's language (not at import)
    ("open", _("Open")),
    ("decide", _("To decide")),
    ("fee", _("Awaiting fee approval")),
    ("ship", _("To ship")),
    ("with_vendor", _("With the vendor")),
    ("back", _("Coming back")),
    ("collect", _("Fee to collect")),
    ("all", _("All")),
]


# Service field names that the forms call differently (ids in the API, shorter labels on the page).
FIELD_ALIASES = {
    "return_to": "to",
    "repair_report": "report",
    "part_id": "part",
    "warehouse_id": "warehouse",
    "from_warehouse_id": "from_warehouse",
    "customer_id": "customer",
    "vendor_id": "vendor",
    "replacement_id": "replacement",
    "close_note": "note",
    "cancel_reason": "reason",
}


def _add_errors(form, exc: ValidationError) -> None:
    """The service's field errors onto the form (core's one helper), names translated to the form's."""
    if hasattr(exc, "error_dict"):
        exc = ValidationError({FIELD_ALIASES.get(k, k): v for k, v in exc.message_dict.items()})
    attach_service_errors(form, exc)


def _version(form) -> int | None:
    return form.cleaned_data.get("version") or None


# --- RMA cases ----------------------------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The RMA queues (商务部's work list) with the ageing clock; `?overdue=1`: with the vendor > 30 days."""
    require(request.user, "rma.view")
    queue = request.GET.get("queue", "open")
    queue = queue if queue in dict(QUEUE_LABELS) else "open"
    overdue = request.GET.get("overdue") == "1"
    q = request.GET.get("q", "")[:100]
    now = timezone.now()
    counts = selectors.rma_counts(user=request.user, now=now)
    cases = selectors.rma_list_page_qs(user=request.user, queue=queue, q=q, overdue=overdue, now=now)
    paginator = CachedCountPaginator(cases, PAGE_SIZE)
    shown = "overdue" if overdue else queue
    if not q and shown in counts:
        paginator.count = counts[shown]  # the tab's count, taken at the same `now`: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    tabs = [(key, label, counts.get(key)) for key, label in QUEUE_LABELS]
    return render(
        request,
        "rma/case_list.html",
        {
            "cases": page.object_list,
            "page": page,
            "queue": queue,
            "tabs": tabs,
            "overdue": overdue,
            "q": q,
            "counts": counts,
            "limit_days": AGEING_LIMIT_DAYS,
            "can_create": has_perm(request.user, "rma.create") and request.user.is_internal,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "rma.create")
    if not request.user.is_internal:
        raise PermissionDenied("rma.create")
    initial = {}
    if request.method == "GET" and request.GET.get("replacement"):
        initial = {"source": "replacement", "replacement": request.GET["replacement"]}
    form = f.CaseCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = svc.rma_open(actor=request.user, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("rma:detail", pk=case.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "rma/case_create.html", {"form": form}, status=status)


def _case_forms(view, data=None, bound: str = "") -> dict:
    """One form per action the user may take; the one that was posted is bound (and shows its errors)."""
    case = view.case
    version = {"version": case.version}
    makers: dict[str, Callable] = {
        "check_warranty": lambda d: f.WarrantyForm(
            d,
            initial={
                **version,
                "vendor_warranty_from": case.vendor_warranty_from,
                "vendor_warranty_until": case.vendor_warranty_until,
                "human_caused": case.human_caused,
            },
        ),
        "request_visit": lambda d: f.NoteForm(d, initial=version),
        "visit_done": lambda d: f.VisitDoneForm(d, initial=version),
        "send_back": lambda d: f.NoteForm(d, initial=version),
        "fee_quote": lambda d: f.FeeForm(d, initial=version),
        "fee_answer": lambda d: f.FeeAnswerForm(d),
        "fee_link": lambda d: f.FeeLinkForm(d),
        "ship_out": lambda d: f.ShipForm(d, initial={**version, "address": case.vendor.rma_address}),
        "vendor_received": lambda d: f.VendorReceivedForm(d, initial=version),
        "ship_back": lambda d: f.ShipBackForm(d, initial=version, show_costs=view.show_costs),
        "receive": lambda d: f.NoteForm(d, initial=version),
        "return": lambda d: f.ReturnForm(
            d, initial={**version, "part": case.part_id, "to": "customer" if case.customer_id else "stock"}
        ),
        "collect": lambda d: f.CollectForm(d, initial=version),
        "close": lambda d: f.NoteForm(d, initial=version),
        "cancel": lambda d: f.CancelForm(d, initial=version),
    }
    return {name: makers[name](data if name == bound else None) for name in sorted(view.actions) if name in makers}


def _detail(
    request: HttpRequest,
    case,
    *,
    data=None,
    bound: str = "",
    error: str = "",
    status: int = 200,
    link_urls: dict | None = None,
) -> HttpResponse:
    view = selectors.rma_case_view(case=case, user=request.user)
    forms = _case_forms(view, data, bound)
    if bound and bound in forms and data is not None:
        forms[bound].is_valid()  # show the form's own errors
    return render(
        request,
        "rma/case_detail.html",
        {"view": view, "case": view.case, "forms": forms, "error": error, "link_urls": link_urls},
        status=status,
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "rma.view")
    return _detail(request, selectors.rma_get_for_user(user=request.user, pk=pk))


def _current_fee(case) -> RmaFee:
    fee = RmaFee.objects.filter(case=case).exclude(status=FeeStatus.SUPERSEDED).first()
    if fee is None:
        raise Http404
    return fee


# action -> (form maker taking POST data, service call taking (request, case, cleaned_data))
ACTIONS: dict[str, tuple[Callable, Callable]] = {
    "check_warranty": (
        f.WarrantyForm,
        lambda r, c, d: svc.rma_check_warranty(
            case=c,
            actor=r.user,
            vendor_warranty_from=d["vendor_warranty_from"],
            vendor_warranty_until=d["vendor_warranty_until"],
            human_caused=d["human_caused"],
            expected_version=_v(d),
        ),
    ),
    "request_visit": (
        f.NoteForm,
        lambda r, c, d: svc.rma_request_visit(case=c, actor=r.user, note=d["note"], expected_version=_v(d)),
    ),
    "visit_done": (
        f.VisitDoneForm,
        lambda r, c, d: svc.rma_visit_done(
            case=c, actor=r.user, repaired=d["repaired"], report=d["report"], expected_version=_v(d)
        ),
    ),
    "send_back": (f.NoteForm, lambda r, c, d: svc.rma_send_back(case=c, actor=r.user, expected_version=_v(d))),
    "fee_quote": (
        f.FeeForm,
        lambda r, c, d: svc.rma_fee_quote(
            case=c,
            actor=r.user,
            repair=d["repair"],
            shipping_out=d["shipping_out"],
            shipping_back=d["shipping_back"],
            other=d["other"],
            tax_rate=d["tax_rate"],
            note=d["note"],
            expected_version=_v(d),
        ),
    ),
    "fee_answer": (
        f.FeeAnswerForm,
        lambda r, c, d: svc.rma_fee_answer(
            fee=_current_fee(c), actor=r.user, approve=d["approve"], name=d["name"], reason=d["reason"]
        ),
    ),
    "ship_out": (
        f.ShipForm,
        lambda r, c, d: svc.rma_ship_out(
            case=c,
            actor=r.user,
            carrier=d["carrier"],
            waybill=d["waybill"],
            shipped_on=d["shipped_on"],
            address=d["address"],
            expected_version=_v(d),
        ),
    ),
    "vendor_received": (
        f.VendorReceivedForm,
        lambda r, c, d: svc.rma_vendor_received(
            case=c, actor=r.user, vendor_rma_number=d["vendor_rma_number"], expected_version=_v(d)
        ),
    ),
    "ship_back": (
        f.ShipBackForm,
        lambda r, c, d: svc.rma_ship_back(
            case=c,
            actor=r.user,
            outcome=d["outcome"],
            report=d["report"],
            carrier=d["carrier"],
            waybill=d["waybill"],
            shipped_on=d["shipped_on"],
            returned_serial=d["returned_serial"],
            vendor_cost=d.get("vendor_cost"),
            expected_version=_v(d),
        ),
    ),
    "receive": (
        f.NoteForm,
        lambda r, c, d: svc.rma_receive(case=c, actor=r.user, note=d["note"], expected_version=_v(d)),
    ),
    "return": (
        f.ReturnForm,
        lambda r, c, d: svc.rma_return(
            case=c,
            actor=r.user,
            to=d["to"],
            warehouse=d["warehouse"],
            part=d["part"],
            note=d["note"],
            expected_version=_v(d),
        ),
    ),
    "collect": (
        f.CollectForm,
        lambda r, c, d: svc.rma_collect(
            case=c,
            actor=r.user,
            invoice_number=d["invoice_number"],
            invoiced_on=d["invoiced_on"],
            paid_on=d["paid_on"],
            paid_amount=d["paid_amount"],
            expected_version=_v(d),
        ),
    ),
    "close": (f.NoteForm, lambda r, c, d: svc.rma_close(case=c, actor=r.user, note=d["note"], expected_version=_v(d))),
    "cancel": (
        f.CancelForm,
        lambda r, c, d: svc.rma_cancel(case=c, actor=r.user, reason=d["reason"], expected_version=_v(d)),
    ),
}


def _v(data: dict) -> int | None:
    return data.get("version") or None


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of the case (the form posted from the case page)."""
    require(request.user, "rma.view")
    case = selectors.rma_get_for_user(user=request.user, pk=pk)
    if action == "fee_link":
        return _fee_link(request, case)
    if action not in ACTIONS:
        raise Http404
    form_class, call = ACTIONS[action]
    form = (
        form_class(request.POST)
        if action != "ship_back"
        else form_class(request.POST, show_costs=has_perm(request.user, "rma.costs"))
    )
    if not form.is_valid():
        return _detail(request, case, data=request.POST, bound=action, status=422)
    try:
        call(request, case, form.cleaned_data)
    except ValidationError as exc:
        return _detail_with_errors(request, case, action, exc)
    except (TransitionNotAllowed, StaleEdit) as exc:
        case.refresh_from_db()
        return _detail(request, case, error=exc.message, status=409)
    return redirect("rma:detail", pk=case.pk)


def _detail_with_errors(request: HttpRequest, case, action: str, exc: ValidationError) -> HttpResponse:
    view = selectors.rma_case_view(case=case, user=request.user)
    forms = _case_forms(view, request.POST, action)
    if action in forms:
        forms[action].is_valid()
        _add_errors(forms[action], exc)
    return render(
        request,
        "rma/case_detail.html",
        {"view": view, "case": view.case, "forms": forms, "error": "", "link_urls": None},
        status=422,
    )


def _fee_link(request: HttpRequest, case) -> HttpResponse:
    form = f.FeeLinkForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, data=request.POST, bound="fee_link", status=422)
    try:
        tokens = svc.rma_fee_link_create(fee=_current_fee(case), actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _detail_with_errors(request, case, "fee_link", exc)
    except TransitionNotAllowed as exc:
        return _detail(request, case, error=exc.message, status=409)
    from django.urls import reverse

    urls = {k: request.build_absolute_uri(reverse("rma:fee_link", args=[t])) for k, t in tokens.items()}
    return _detail(request, case, link_urls=urls)


@require_http_methods(["GET", "POST"])
def fee_link(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's one-time link: shows the fee (shipping included) and takes the answer with a name."""
    return answer_link_page(
        request,
        token=token,
        check=lambda: svc.rma_fee_link_check(token=token),
        answer=lambda **data: svc.rma_fee_answer_by_link(token=token, **data),
        form_class=f.PublicFeeForm,
        context=lambda fee: {"fee": fee, "case": fee.case},
        page="rma/fee_link.html",
        done="rma/fee_link_done.html",
    )


# --- the order panel ----------------------------------------------------------------------------------------------


@login_required
def order_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The card on the work-order page: the vendor escalation (staff and the vendor) and the order's RMA cases."""
    require(request.user, "rma.view")
    wo = workorder_get_for_user(user=request.user, pk=pk)
    escalations, untracked = [], False
    if has_perm(request.user, "escalation.view"):
        # Read-only: an order escalated through the plain move gets its tracking row on the POST below.
        escalations = selectors.escalations_for_order(workorder=wo, user=request.user)
        untracked = request.user.is_internal and selectors.escalation_untracked(workorder=wo)
    cases = selectors.cases_for_order(workorder=wo, user=request.user)
    pending = []
    if has_perm(request.user, "rma.create") and request.user.is_internal:
        from weibao.onsite.models import Replacement

        pending = list(Replacement.objects.filter(workorder=wo, rma_ref="").order_by("id"))
    return render(
        request,
        "rma/partials/_order_panel.html",
        {"wo": wo, "escalations": escalations, "cases": cases, "pending": pending, "untracked": untracked},
    )


@login_required
@require_POST
def escalation_track(request: HttpRequest, pk: int) -> HttpResponse:
    """Start tracking an order escalated through the plain move (the vendor case, questions, deadline)."""
    require(request.user, "escalation.track")
    wo = workorder_get_for_user(user=request.user, pk=pk, for_write=True)
    esc = svc.escalation_sync(workorder=wo)
    if esc is None:
        raise Http404
    return redirect("rma:escalation_detail", pk=esc.pk)


# --- escalations --------------------------------------------------------------------------------------------------


@login_required
def escalation_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "escalation.view")
    state = request.GET.get("state", "open")
    items = selectors.escalation_list(user=request.user, state=state)
    return render(request, "rma/escalation_list.html", {"items": items, "state": state})


def _escalation_page(
    request: HttpRequest,
    esc,
    *,
    bound: str = "",
    exc: ValidationError | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    version = {"version": esc.version}
    staff, vendor = request.user.is_internal, request.user.is_vendor
    forms = {}
    if esc.is_open and (staff and has_perm(request.user, "escalation.track") or vendor):
        forms["case"] = f.EscalationCaseForm(
            initial={
                **version,
                "vendor_case_number": esc.vendor_case_number,
                "vendor_engineer": esc.vendor_engineer,
                "vendor_engineer_phone": esc.vendor_engineer_phone,
            }
        )
    if esc.is_open and staff and has_perm(request.user, "escalation.track"):
        forms["ask"] = f.QuestionForm()
        forms["solve"] = f.SolveForm(initial=version)
        forms["withdraw"] = f.WithdrawForm(initial=version)
    if bound and bound in forms:
        form = forms[bound] = type(forms[bound])(request.POST)
        form.is_valid()
        if exc is not None:
            _add_errors(form, exc)
    questions = list(esc.questions.select_related("asked_by", "answered_by").order_by("id"))
    can_answer = esc.is_open and has_perm(request.user, "escalation.answer")
    answer_error = {"id": int(request.POST.get("question") or 0), "form": None}
    if bound == "answer":
        af = f.AnswerForm(request.POST)
        af.is_valid()
        if exc is not None:
            _add_errors(af, exc)
        answer_error["form"] = af
    return render(
        request,
        "rma/escalation_detail.html",
        {
            "esc": esc,
            "wo": esc.workorder,
            "forms": forms,
            "questions": questions,
            "can_answer": can_answer,
            "answer_error": answer_error,
            "error": error,
        },
        status=status,
    )


@login_required
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "escalation.view")
    return _escalation_page(request, selectors.escalation_get_for_user(user=request.user, pk=pk))


@login_required
@require_POST
def escalation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    require(request.user, "escalation.view")
    esc = selectors.escalation_get_for_user(user=request.user, pk=pk)
    form_class = {
        "case": f.EscalationCaseForm,
        "ask": f.QuestionForm,
        "answer": f.AnswerForm,
        "solve": f.SolveForm,
        "withdraw": f.WithdrawForm,
    }.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if not form.is_valid():
        return _escalation_page(request, esc, bound=action, status=422)
    d = form.cleaned_data
    try:
        if action == "case":
            svc.escalation_update(
                escalation=esc,
                actor=request.user,
                vendor_case_number=d["vendor_case_number"],
                vendor_engineer=d["vendor_engineer"],
                vendor_engineer_phone=d["vendor_engineer_phone"],
                expected_version=_version(form),
            )
        elif action == "ask":
            svc.escalation_ask(escalation=esc, actor=request.user, question=d["question"])
        elif action == "answer":
            q = selectors.question_get_for_user(user=request.user, pk=d["question"])
            if q.escalation_id != esc.pk:
                raise Http404
            svc.escalation_answer(question=q, actor=request.user, answer=d["answer"])
        elif action == "solve":
            svc.escalation_solve(
                escalation=esc,
                actor=request.user,
                root_cause=d["root_cause"],
                solution=d["solution"],
                expected_version=_version(form),
            )
        else:
            svc.escalation_withdraw(escalation=esc, actor=request.user, note=d["note"], expected_version=_version(form))
    except ValidationError as exc:
        return _escalation_page(request, esc, bound=action, exc=exc, status=422)
    except (TransitionNotAllowed, StaleEdit) as exc:
        esc.refresh_from_db()
        return _escalation_page(request, esc, error=exc.message, status=409)
    return redirect("rma:escalation_detail", pk=esc.pk)


@login_required
@require_http_methods(["GET", "POST"])
def escalate(request: HttpRequest, pk: int) -> HttpResponse:
    """Escalate an order to a vendor with the vendor's case number and engineer, if known already."""
    require(request.user, "escalation.track")
    wo = workorder_get_for_user(user=request.user, pk=pk, for_write=True)
    form = f.EscalateForm(request.POST or None, initial={"version": wo.version, "vendor": wo.escalated_vendor_id})
    error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            esc = svc.vendor_escalate(
                workorder=wo,
                actor=request.user,
                vendor=d["vendor"],
                reason=d["reason"],
                vendor_case_number=d["vendor_case_number"],
                vendor_engineer=d["vendor_engineer"],
                vendor_engineer_phone=d["vendor_engineer_phone"],
                expected_version=d["version"] or None,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except (TransitionNotAllowed, StaleEdit) as exc:
            error = exc.message
        else:
            return redirect("rma:escalation_detail", pk=esc.pk)
    status = 200 if request.method == "GET" else 409 if error else 422
    return render(request, "rma/escalate.html", {"wo": wo, "form": form, "error": error}, status=status)


# --- vendor support agreements ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agreements(request: HttpRequest) -> HttpResponse:
    require(request.user, "vendors.agreements")
    form = f.AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.agreement_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("rma:agreements")
    return render(
        request,
        "rma/agreements.html",
        {"items": selectors.agreement_list(user=request.user), "form": form},
        status=422 if form.errors else 200,
    )
