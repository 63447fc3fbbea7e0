"""Pages of the customer loop, phone first: the callback queue (回访) with tap-to-call, a callback's result, the
complaints (投诉) with their timeline and steps, satisfaction (客户满意度) and the customer service archive
(客户服务档案). Thin views (STYLE §5): a scoped fetch, a form, one service call, a page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.scoping import scope_queryset
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.core.form_views import attach_service_errors, run_service
from weibao.core.pagination import CACHE_FROM, CachedCountPaginator
from weibao.core.shortcache import cached_briefly, scope_key, shown_key
from weibao.core.textsearch import search_text_filter
from weibao.customers.models import Customer
from weibao.feedback import selectors, services
from weibao.feedback.choices import ComplaintStatus
from weibao.feedback.forms import CallbackResultForm, ComplaintForm, PeriodForm, PolicyForm, TextStepForm
from weibao.workorders.models import WorkOrder

LIST_LIMIT = 50  # rows per list view; the counts above it tell how many there are
QUEUE_PAGE = 25  # callbacks per page of the queue (each a card with its links and the call button)


# --- callbacks ----------------------------------------------------------------------------------------------------


def _callback_counts(user, now) -> dict[str, int]:
    """The tabs' counts. Every pending callback is counted (~20,000 at a million orders): from CACHE_FROM on, the
    counts may be a few seconds old (the page then lists up to that many; the rows themselves are read fresh)."""
    return cached_briefly(
        f"callback-counts:{scope_key(user)}",
        lambda: selectors.callback_counts(user=user, now=now),
        keep=lambda counts: max(counts.values(), default=0) >= CACHE_FROM,
    )


def _customer_pk(organisation) -> int | None:
    try:
        return organisation.customer.pk
    except Customer.DoesNotExist:
        return None


def _rows_key(rows: list, view: str) -> str:
    """The cache key of a page of callback cards (25 cards with their links, ~8 ms to render): a digest of every value
    they show, so a call recorded, a rename or a callback falling overdue gives a new key at once."""
    now = timezone.now()
    shown = [
        (
            *(cb.pk, cb.rule, cb.status, cb.contact_name, cb.contact_phone, cb.due_at, cb.next_try_at, cb.attempts),
            *(cb.satisfaction, cb.remark, cb.customer.name, _customer_pk(cb.customer), cb.is_overdue(now)),
            *(cb.order_id, cb.order.number if cb.order_id else None, cb.order.title if cb.order_id else None),
            *(cb.complaint_id, cb.complaint.number if cb.complaint_id else None),
            cb.engineer.name if cb.engineer_id else None,
        )
        for cb in rows
    ]
    return shown_key((view, shown))


@login_required
def callbacks(request: HttpRequest) -> HttpResponse:
    """The department manager's callback queue: to call now, overdue, retry later, done."""
    require(request.user, "feedback.callbacks")
    view = request.GET.get("view", "due")
    if view not in selectors.QUEUE_VIEWS:
        view = "due"
    now = timezone.now()
    counts = _callback_counts(request.user, now)
    paginator = CachedCountPaginator(selectors.callback_queue_rows(user=request.user, view=view, now=now), QUEUE_PAGE)
    if view in counts:
        paginator.count = counts[view]  # the tab's count: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    return render(
        request,
        "feedback/callback_list.html",
        {
            "rows": rows,
            "rows_key": _rows_key(rows, view),
            "page": page,
            "view": view,
            "views": selectors.QUEUE_VIEWS.items(),
            "counts": counts,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def callback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One callback: who to call (tap the number), the order, earlier tries, and the result form."""
    cb = selectors.callback_get_for_user(user=request.user, pk=pk)  # 404 outside the user's scope
    can_work = has_perm(request.user, "feedback.callbacks")
    status, error = 200, ""
    if request.method == "POST":
        require(request.user, "feedback.callbacks")
        form = CallbackResultForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            status, error = run_service(
                form,
                lambda: services.callback_record(
                    callback=cb, actor=request.user, expected_version=form.cleaned_data["version"], **data
                ),
            )
            if status == 200:
                messages.success(request, _("Callback result recorded."))
                return redirect("feedback:callbacks")
        else:
            status = 422
    else:
        form = CallbackResultForm(initial={"version": cb.version})
    tries = list(cb.tries.select_related("actor"))
    return render(
        request,
        "feedback/callback_detail.html",
        {
            "cb": cb,
            "form": form,
            "tries": tries,
            "can_work": can_work and cb.status == "pending",
            "error": error,
        },
        status=status,
    )


@login_required
@require_POST
def callbacks_select(request: HttpRequest) -> HttpResponse:
    """Run the selection now (it also runs every hour): closed orders the rules pick join the queue."""
    require(request.user, "feedback.callbacks")
    added = services.callbacks_select()
    messages.success(request, _("%(n)s orders added to the callback queue.") % {"n": added})
    return redirect("feedback:callbacks")


@login_required
def panel(request: HttpRequest) -> HttpResponse:
    """A home-page fragment for the department manager: callbacks to call and overdue, complaints open and overdue."""
    require(request.user, "feedback.callbacks")
    counts = _callback_counts(request.user, timezone.now())
    complaints = selectors.complaint_counts(user=request.user)
    return render(request, "feedback/partials/_panel.html", {"counts": counts, "complaints": complaints})


# --- complaints ---------------------------------------------------------------------------------------------------


@login_required
def complaints(request: HttpRequest) -> HttpResponse:
    require(request.user, "feedback.complaints_view")
    status = request.GET.get("status", "open")
    if status not in {"open", "", *ComplaintStatus.values}:
        status = "open"
    overdue = request.GET.get("overdue") == "1"
    rows = list(selectors.complaint_list(user=request.user, status=status, overdue=overdue)[:LIST_LIMIT])
    return render(
        request,
        "feedback/complaint_list.html",
        {
            "rows": rows,
            "status": status,
            "overdue": overdue,
            "statuses": ComplaintStatus.choices,
            "can_register": has_perm(request.user, "feedback.complaints_register"),
            "is_manager": has_perm(request.user, "feedback.complaints_manage"),
            "limit": LIST_LIMIT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "feedback.complaints_register")
    user = request.user
    status = 200
    initial = {}
    order = None
    if request.GET.get("order"):
        order = (
            scope_queryset(WorkOrder.objects.select_related("customer"), user)
            .filter(pk=request.GET["order"] if request.GET["order"].isdigit() else 0)
            .first()
        )
        if order is not None:
            initial = {
                "order_number": order.number,
                "customer": order.customer_id,
                "complainant_name": order.reporter_name,
                "complainant_phone": order.reporter_phone,
            }
    if request.method == "POST":
        form = ComplaintForm(request.POST, user=user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            number = data.pop("order_number").strip()
            customer = data.pop("customer", None)
            org = user.organisation if user.is_customer else customer.organisation
            if number:
                order = scope_queryset(WorkOrder.objects.all(), user).filter(number=number).first()
                if order is None:
                    form.add_error("order_number", _("No such work order."))
            else:
                order = None
            if not form.errors:
                data.setdefault("source", "portal")
                result = {}
                try:
                    result["c"] = services.complaint_register(actor=user, customer=org, order=order, **data)
                    status = 200
                except ValidationError as exc:
                    for key, msgs in exc.message_dict.items():  # the service names the order "order"
                        field = "order_number" if key == "order" else key
                        form.add_error(field if field in form.fields else None, msgs)
                    status = 422
                if status == 200:
                    messages.success(request, _("Complaint %(number)s registered.") % {"number": result["c"].number})
                    return redirect("feedback:complaint", pk=result["c"].pk)
            else:
                status = 422
        else:
            status = 422
    else:
        form = ComplaintForm(initial=initial, user=user)
    return render(request, "feedback/complaint_new.html", {"form": form}, status=status)


STEPS = {
    # step -> (service, its text argument); who may take which step is the service's decision
    "investigate": ("complaint_investigate", "note"),
    "statement": ("complaint_statement", "text"),
    "note": ("complaint_note", "text"),
    "answer": ("complaint_answer", "answer"),
    "accept": ("complaint_accept", "note"),
    "escalate": ("complaint_escalate", "reason"),
    "confirm": ("complaint_confirm", "note"),
    "unconfirm": ("complaint_confirm", "note"),
}


def _complaint_context(request, complaint, **extra) -> dict:
    user = request.user
    access = selectors.complaint_access(user=user, complaint=complaint)
    manager = has_perm(user, "feedback.complaints_manage")
    customer_owner = user.is_customer and user.organisation_id == complaint.customer_id
    from weibao.feedback.choices import COMPLAINT_TRANSITIONS

    moves = COMPLAINT_TRANSITIONS[complaint.status]
    steps = {
        "investigate": manager and ComplaintStatus.INVESTIGATING in moves,
        "answer": manager and ComplaintStatus.ANSWERED in moves,
        "accept": (manager or customer_owner) and ComplaintStatus.CLOSED in moves,
        "escalate": (manager or customer_owner) and ComplaintStatus.ESCALATED in moves,
        "statement": selectors.engineer_can_answer(user=user, complaint=complaint) and not user.is_customer,
        "note": manager,
        "confirm": manager and complaint.engineer_id is not None and complaint.confirmed_at is None,
        "unconfirm": manager and complaint.confirmed_at is not None,
    }
    return {
        "c": complaint,
        "access": access,
        "steps": steps,
        "is_manager": manager,
        "timeline": selectors.complaint_timeline(user=user, complaint=complaint),
        "form": TextStepForm(initial={"version": complaint.version}),
        **extra,
    }


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_for_user(user=request.user, pk=pk)
    return render(request, "feedback/complaint_detail.html", _complaint_context(request, complaint))


@login_required
@require_POST
def complaint_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the workflow; refusals come back on the page (409 for a stale or illegal move, 422 bad input)."""
    if step not in STEPS:
        raise Http404
    complaint = selectors.complaint_get_for_user(user=request.user, pk=pk)
    selectors.complaint_access(user=request.user, complaint=complaint)
    form = TextStepForm(request.POST)
    status, error = 422, ""
    if form.is_valid():
        name, arg = STEPS[step]
        kwargs = {"complaint": complaint, "actor": request.user, arg: form.cleaned_data["text"]}
        if step not in ("statement", "note"):
            kwargs["expected_version"] = form.cleaned_data["version"]
        if step in ("confirm", "unconfirm"):
            kwargs["confirmed"] = step == "confirm"
        try:
            getattr(services, name)(**kwargs)
            return redirect("feedback:complaint", pk=complaint.pk)
        except (StaleEdit, TransitionNotAllowed) as exc:
            status, error = 409, exc.message
        except ValidationError as exc:
            # The step's one text box carries the service's note/answer/reason/text errors.
            for key, msgs in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error("text" if key in ("note", "answer", "reason", "text") else None, msgs)
    complaint.refresh_from_db()
    context = _complaint_context(request, complaint, error=error, step=step)
    context["form"] = form
    return render(request, "feedback/complaint_detail.html", context, status=status)


# --- satisfaction and the archive ---------------------------------------------------------------------------------


@login_required
def satisfaction(request: HttpRequest) -> HttpResponse:
    require(request.user, "feedback.satisfaction")
    form = PeriodForm(request.GET or {"by": "engineer"})
    rows, stats, status = [], [], 200
    if form.is_valid():
        by = form.cleaned_data["by"] or "engineer"
        try:
            rows = selectors.satisfaction(
                user=request.user, by=by, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
            if by in ("engineer", "contract"):
                start, end = selectors.check_period(form.cleaned_data["start"], form.cleaned_data["end"])
                stats = selectors.callback_stats(user=request.user, by=by, start=start, end=end)
        except ValidationError as exc:
            attach_service_errors(form, exc)
            status = 422
    else:
        status = 422
    return render(request, "feedback/satisfaction.html", {"form": form, "rows": rows, "stats": stats}, status=status)


@login_required
def archives(request: HttpRequest) -> HttpResponse:
    """Staff: find a customer's archive. A customer user goes straight to its own."""
    require(request.user, "feedback.archive")
    if request.user.is_customer:
        customer = Customer.objects.filter(organisation_id=request.user.organisation_id).first()
        if customer is None:
            raise Http404
        return redirect("feedback:archive", pk=customer.pk)
    if request.user.is_vendor:
        raise Http404
    q = request.GET.get("q", "").strip()[:100]
    customers = Customer.objects.order_by("name")
    if q:
        customers = search_text_filter(customers, q)
    return render(request, "feedback/archive_list.html", {"customers": customers[:LIST_LIMIT], "q": q})


@login_required
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_archive(user=request.user, pk=pk)
    data = selectors.customer_archive(user=request.user, customer=customer)
    # Chart data only (floats are fine for drawing); the table below the chart shows the exact Decimal means.
    chart = {
        "labels": [str(r["label"]) for r in data.trend],
        "values": [float(r["average"]) if r["average"] is not None else None for r in data.trend],
    }
    return render(
        request,
        "feedback/archive.html",
        {
            "a": data,
            "customer": customer,
            "trend_chart": chart,
            "see_callbacks": has_perm(request.user, "feedback.callbacks_view"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    require(request.user, "feedback.settings")
    current = services.policy_get()
    status, error = 200, ""
    if request.method == "POST":
        form = PolicyForm(request.POST, instance=services.policy_get())
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            status, error = run_service(
                form,
                lambda: services.policy_update(
                    actor=request.user, data=data, expected_version=form.cleaned_data["version"]
                ),
            )
            if status == 200:
                messages.success(request, _("Settings saved."))
                return redirect("feedback:policy")
        else:
            status = 422
    else:
        form = PolicyForm(instance=current, initial={"version": current.version})
    return render(request, "feedback/policy.html", {"form": form, "error": error}, status=status)
