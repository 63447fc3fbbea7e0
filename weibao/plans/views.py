"""Pages of the plans app, phone first: the plan card on the order page, the plan page (the customer answers there,
our staff submit and send the one-time link), the plan editor, the public link page, the D-class change-request
backlog and the processing report. Thin views (STYLE §5): a scoped fetch, a form, one service call, a page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.core import action_links
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.plans import selectors, services
from weibao.plans.choices import CHANGE_BADGE, CHANGE_TRANSITIONS, PLAN_BADGE, ChangeStatus
from weibao.plans.forms import AnswerForm, ChangeMoveForm, ChangeRequestForm, LinkForm, PlanForm, ReportForm


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(form, "add_service_errors"):
        form.add_service_errors(exc)
    elif hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def _run(form, call) -> tuple[int, str, object]:
    """Call the service; refusals become a status and a message, bad input field errors. (200, "", result) on
    success."""
    try:
        return 200, "", call()
    except (StaleEdit, TransitionNotAllowed) as exc:
        return 409, exc.message, None
    except ValidationError as exc:
        _add_errors(form, exc)
        return 422, "", None


def _version(form) -> int | None:
    return form.cleaned_data.get("version") or None


# --- the plan card and page -------------------------------------------------------------------------------------------


@login_required
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan card of the order page (loaded by htmx after the page)."""
    wo = selectors.order_for_user(user=request.user, pk=pk)
    if request.user.is_vendor:
        return HttpResponse("")  # a vendor sees the plan's events on the timeline, not our plan records
    context = {"wo": wo, "panel": selectors.plan_panel(workorder=wo, user=request.user), "badges": PLAN_BADGE}
    return render(request, "plans/partials/_order_panel.html", context)


@login_required
def order_plans(request: HttpRequest, pk: int) -> HttpResponse:
    """All plan versions of an order (the card's page without JavaScript)."""
    wo = selectors.order_for_user(user=request.user, pk=pk)
    context = {"wo": wo, "panel": selectors.plan_panel(workorder=wo, user=request.user), "badges": PLAN_BADGE}
    return render(request, "plans/order_plans.html", context)


def _plan_page(request, plan, *, answer_form=None, link_form=None, error="", link_url="", status=200):
    wo = selectors.order_for_user(user=request.user, pk=plan.workorder_id)
    user = request.user
    context = {
        "wo": wo,
        "plan": plan,
        "badges": PLAN_BADGE,
        "milestones": list(plan.milestones.all()),
        "can_edit": has_perm(user, "plans.edit") and user.is_internal,
        "can_answer": plan.awaits_answer and has_perm(user, "plans.answer") and user.is_customer,
        "answer_form": answer_form or AnswerForm(initial={"version": plan.version}),
        "link_form": link_form or LinkForm(),
        "error": error,
        "link_url": link_url,
    }
    return render(request, "plans/plan_detail.html", context, status=status)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    return _plan_page(request, plan)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int | None = None, order: int | None = None) -> HttpResponse:
    """A new draft for order `order`, or the draft `pk` changed."""
    require(request.user, "plans.edit")
    if not request.user.is_internal:
        raise Http404
    plan = selectors.plan_for_write(user=request.user, pk=pk) if pk else None
    wo = selectors.order_for_user(user=request.user, pk=plan.workorder_id if plan else order, for_write=True)
    status, error = 200, ""
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            if plan is None:
                call = lambda: services.plan_create(  # noqa: E731
                    workorder=wo,
                    actor=request.user,
                    milestones=form.milestones(),
                    **form.plan_fields(),
                )
            else:
                call = lambda: services.plan_update(  # noqa: E731
                    plan=plan,
                    actor=request.user,
                    milestones=form.milestones(),
                    expected_version=_version(form),
                    **form.plan_fields(),
                )
            status, error, saved = _run(form, call)
            if status == 200:
                return redirect("plans:detail", pk=saved.pk)
        else:
            status = 422
    elif plan is not None:
        initial = {
            n: getattr(plan, n) for n in ("cause", "cause_confirmed_by", "actions", "risks", "parts", "internal_note")
        }
        initial["version"] = plan.version
        for i, m in enumerate(plan.milestones.all()):
            initial[f"m{i}_title"], initial[f"m{i}_due_on"] = m.title, m.due_on.isoformat()
        form = PlanForm(initial=initial)
    else:
        form = PlanForm()
    context = {"wo": wo, "plan": plan, "form": form, "error": error}
    return render(request, "plans/plan_edit.html", context, status=status)


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_write(user=request.user, pk=pk)
    form = AnswerForm()
    version = request.POST.get("version")
    status, error, _result = _run(
        form,
        lambda: services.plan_submit(
            plan=plan, actor=request.user, expected_version=int(version) if version and version.isdigit() else None
        ),
    )
    if status == 200:
        return redirect("plans:detail", pk=pk)
    if form.errors:
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
    return _plan_page(request, selectors.plan_get_for_user(user=request.user, pk=pk), error=error, status=status)


@login_required
@require_POST
def plan_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's answer in the portal."""
    plan = selectors.plan_for_write(user=request.user, pk=pk)
    form = AnswerForm(request.POST)
    status, error = 422, ""
    if form.is_valid():
        data = form.cleaned_data
        status, error, _result = _run(
            form,
            lambda: services.plan_answer(
                plan=plan,
                actor=request.user,
                decision=data["decision"],
                reason=data["reason"],
                name=data["name"],
                expected_version=_version(form),
            ),
        )
        if status == 200:
            return redirect("plans:detail", pk=pk)
    return _plan_page(
        request, selectors.plan_get_for_user(user=request.user, pk=pk), answer_form=form, error=error, status=status
    )


@login_required
@require_POST
def plan_link(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_write(user=request.user, pk=pk)
    form = LinkForm(request.POST)
    status, error, url = 422, "", ""
    if form.is_valid():
        status, error, result = _run(
            form, lambda: services.plan_link_create(plan=plan, actor=request.user, sent_to=form.cleaned_data["sent_to"])
        )
        if status == 200:
            url = services.link_url(result[1])
    return _plan_page(
        request,
        selectors.plan_get_for_user(user=request.user, pk=pk),
        link_form=form,
        error=error,
        link_url=url,
        status=status,
    )


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.milestone_for_write(user=request.user, pk=pk)
    selectors.order_for_user(user=request.user, pk=milestone.workorder_id, for_write=True)
    form = AnswerForm()
    status, error, _result = _run(form, lambda: services.milestone_done(milestone=milestone, actor=request.user))
    if status == 200:
        return redirect("plans:detail", pk=milestone.plan_id)
    plan = selectors.plan_get_for_user(user=request.user, pk=milestone.plan_id)
    return _plan_page(request, plan, error=error or " ".join(form.non_field_errors()), status=status)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Plans to follow up (staff): plans waiting for the customer, missed agreed milestones (the SLA view of the
    schedules) and orders reopened after their last plan."""
    require(request.user, "plans.edit")
    if not request.user.is_internal:
        raise Http404
    context = {
        "waiting": list(selectors.plans_awaiting_answer(user=request.user)[:100]),
        "missed": list(selectors.milestones_missed(user=request.user)[:100]),
        "redo": list(selectors.plans_to_redo(user=request.user)[:100]),
    }
    return render(request, "plans/overview.html", context)


# --- the one-time link (no login) -------------------------------------------------------------------------------------


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def public_plan(request: HttpRequest, token: str) -> HttpResponse:
    """The plan behind a signed one-time link, and nothing else; answering uses the link up."""
    try:
        plan, link = services.plan_link_preview(token=token)
    except action_links.LinkError as exc:
        return _link_refused(request, exc)
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = services.plan_answer_by_link(
                    token=token, decision=data["decision"], name=data["name"], reason=data["reason"]
                )
            except action_links.LinkError as exc:
                return _link_refused(request, exc)
            except ValidationError as exc:
                _add_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, exc.message)
            else:
                return render(request, "plans/public_plan_done.html", {"plan": plan})
    # Only what the customer may see of the plan (the one declared rule): never our internal note.
    from weibao.workorders import visibility

    shown = visibility.redact_record(plan, visibility.Audience.CUSTOMER)
    context = {
        "plan": shown,
        "wo": plan.workorder,
        "milestones": list(plan.milestones.order_by("position", "id")),
        "form": form,
        "expires_at": link.expires_at,
    }
    return render(request, "plans/public_plan.html", context, status=status)


def _link_refused(request: HttpRequest, exc) -> HttpResponse:
    status = 404 if exc.code == "invalid" else 410
    return render(request, "plans/public_plan_refused.html", {"code": exc.code}, status=status)


# --- change requests (修改计划) ---------------------------------------------------------------------------------------


@login_required
def changes(request: HttpRequest) -> HttpResponse:
    """The D-class backlog per contract; overdue agreed dates stand out (they are never SLA breaches)."""
    require(request.user, "plans.changes")
    contract = request.GET.get("contract", "")
    overdue = request.GET.get("overdue") == "1"
    rows = list(
        selectors.change_requests(
            user=request.user,
            contract_id=int(contract) if contract.isdigit() else None,
            status=request.GET.get("status", ""),
            overdue=overdue,
            q=request.GET.get("q", ""),
        )[:200]
    )
    context = {
        "rows": rows,
        "badges": CHANGE_BADGE,
        "contracts": selectors.contracts_for_changes(user=request.user),
        "contract": contract,
        "overdue": overdue,
        "statuses": ChangeStatus.choices,
        "can_propose": has_perm(request.user, "plans.changes_propose"),
    }
    return render(request, "plans/change_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def change_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "plans.changes_propose")
    contracts = list(selectors.contracts_for_changes(user=request.user))
    staff = request.user.is_internal
    form = ChangeRequestForm(request.POST or None, contracts=contracts, staff=staff)
    status, error = 200, ""
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            contract = next(c for c in contracts if c.pk == data.pop("contract"))
            data.pop("version", None)
            status, error, change = _run(
                form, lambda: services.change_request_create(contract=contract, actor=request.user, **data)
            )
            if status == 200:
                return redirect("plans:change", pk=change.pk)
    return render(request, "plans/change_form.html", {"form": form, "error": error, "change": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_request_get_for_user(user=request.user, pk=pk)
    user = request.user
    can_edit = has_perm(user, "plans.changes_edit") and user.is_internal
    status, error = 200, ""
    form = None
    if can_edit:
        fields = (
            "title",
            "description",
            "plan",
            "estimate_days",
            "chargeable",
            "quote_amount",
            "agreed_on",
            "internal_note",
        )
        initial = {n: getattr(change, n) for n in fields} | {"version": change.version}
        form = ChangeRequestForm(request.POST or None, initial=initial)
        if request.method == "POST":
            status = 422
            if form.is_valid():
                data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
                status, error, _result = _run(
                    form,
                    lambda: services.change_request_update(
                        change=change, actor=user, expected_version=_version(form), **data
                    ),
                )
                if status == 200:
                    return redirect("plans:change", pk=pk)
    elif request.method == "POST":
        raise Http404
    shown = selectors.redact(change, user)
    moves = [ChangeStatus(s) for s in sorted(CHANGE_TRANSITIONS[change.status])]
    if user.is_customer:
        moves = [m for m in moves if change.status == ChangeStatus.DELIVERED and has_perm(user, "plans.changes_accept")]
    elif not can_edit:
        moves = []
    context = {"change": shown, "form": form, "error": error, "moves": moves, "badges": CHANGE_BADGE}
    return render(request, "plans/change_detail.html", context, status=status)


@login_required
@require_POST
def change_move(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.change_request_get_for_user(user=request.user, pk=pk)
    form = ChangeMoveForm(request.POST)
    error = ""
    if form.is_valid():
        status, error, _result = _run(
            form,
            lambda: services.change_request_move(
                change=change,
                actor=request.user,
                to=form.cleaned_data["to"],
                name=form.cleaned_data["name"],
                expected_version=_version(form),
            ),
        )
        if status == 200:
            return redirect("plans:change", pk=pk)
    error = error or " ".join(str(m) for errors in form.errors.values() for m in errors)
    shown = selectors.redact(change, request.user)
    context = {"change": shown, "form": None, "error": error, "moves": [], "badges": CHANGE_BADGE}
    return render(request, "plans/change_detail.html", context, status=409 if error and not form.errors else 422)


# --- the processing report (处理报告) ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "plans.report")
    wo = selectors.order_for_user(user=request.user, pk=pk, for_write=True)
    form = ReportForm(request.POST or None, initial={"version": wo.version})
    status, error = 200, ""
    if request.method == "POST":
        status = 422
        if form.is_valid():
            status, error, _report = _run(
                form,
                lambda: services.report_create(
                    workorder=wo,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    send_to=form.cleaned_data["send_to"],
                    expected_version=_version(form),
                ),
            )
            if status == 200:
                return redirect("workorders:detail", pk=wo.pk)
    context = {
        "wo": wo,
        "form": form,
        "error": error,
        "reports": list(selectors.reports_for(workorder=wo, user=request.user)),
    }
    return render(request, "plans/report_new.html", context, status=status)


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from weibao.plans import pdf

    report = selectors.report_get_for_user(user=request.user, pk=pk)
    data = report.file.read() if report.file else pdf.render_report(pdf.report_context(report))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.workorder.number}-report-{report.revision}.pdf"'
    return response
