"""The inspection pages, phone first: the engineer's list of visits, a visit done on site (start, answer every
item with readings and photos, turn a finding into a work order, complete, the customer signs), the report PDF;
for managers the plans of a contract, checklists, and the missed visits. Thin views (STYLE §5): a scoped fetch,
a form, one service call, a redirect or the page again with errors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.contracts.selectors import contract_get_for_user
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.core.form_views import attach_service_errors
from weibao.core.pagination import CachedCountPaginator
from weibao.core.shortcache import shown_key
from weibao.inspections import pdf, selectors, services
from weibao.inspections.choices import Frequency, VisitStatus
from weibao.inspections.forms import (
    CompleteForm,
    ItemFormSet,
    PlanForm,
    SignForm,
    TemplateForm,
    VisitAnswersForm,
)
from weibao.inspections.models import InspectionVisit

PLAN_FORM_FIELDS = (
    "name",
    "site",
    "subsystem",
    "template",
    "frequency",
    "interval_days",
    "starts_on",
    "window_start",
    "window_end",
    "engineer",
    "active",
)


# --- visits -------------------------------------------------------------------------------------------------------


VISIT_ROW_FIELDS = ("scheduled_on", "status", "plan__name", "plan__site__name", "assignee__name")


def _visit_shown(v: InspectionVisit) -> tuple:
    return (v.pk, v.scheduled_on, v.status, v.plan.name, v.plan.site.name, v.assignee.name if v.assignee_id else None)


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """Visits: by default what is still to do (planned and started) from today, mine first for engineers; the
    manager sees the missed visits at the top."""
    require(request.user, "inspections.view")
    status = request.GET.get("status", "")
    if status and status not in VisitStatus.values:
        status = ""
    mine = request.GET.get("mine") == "1"
    qs = selectors.visit_list(user=request.user, status=status, mine=mine)
    if not status:
        qs = qs.filter(status__in=[VisitStatus.PLANNED, VisitStatus.IN_PROGRESS])
    # The columns a row shows, not the visits', plans', sites' and contracts' dozens of others.
    qs = qs.select_related(None).select_related("plan__site", "assignee").only(*VISIT_ROW_FIELDS)
    page = CachedCountPaginator(qs, 50).get_page(request.GET.get("page"))
    missed = []
    if has_perm(request.user, "inspections.plan") and not status:
        missed = list(selectors.overdue_for_manager(user=request.user, limit=20))
    page.object_list = list(page.object_list)
    return render(
        request,
        "inspections/visit_list.html",
        {
            "page": page,
            # The rows' markup (50 visits and up to 20 missed ones) is cached by a digest of what they show.
            "rows_key": shown_key([_visit_shown(v) for v in page.object_list]),
            "missed_key": shown_key([_visit_shown(v) for v in missed]),
            "status": status,
            "mine": mine,
            "statuses": VisitStatus.choices,
            "missed": missed,
            "can_plan": has_perm(request.user, "inspections.plan"),
            # Rows link to "<visits>/<pk>/": one reverse() per page instead of one per row (70 rows).
            "visits_url": reverse("inspections:visit", args=[0]).removesuffix("0/"),
        },
    )


def _visit_context(request, visit: InspectionVisit, **forms) -> dict:
    answers = list(visit.answers.select_related("workorder").order_by("position", "id"))
    user = request.user
    can_perform = has_perm(user, "inspections.perform")
    context = {
        "visit": visit,
        "plan": visit.plan,
        "answers": answers,
        "can_perform": can_perform,
        "can_sign": has_perm(user, "inspections.sign"),
        "findings": [a for a in answers if a.out_of_limit or a.risk != "none" or a.finding],
    }
    if visit.status == VisitStatus.IN_PROGRESS and can_perform:
        context["answers_form"] = forms.get("answers_form") or VisitAnswersForm(answers=answers)
        context["complete_form"] = forms.get("complete_form") or CompleteForm()
    if visit.status == VisitStatus.COMPLETED and has_perm(user, "inspections.sign"):
        context["sign_form"] = forms.get("sign_form") or SignForm()
    context["error"] = forms.get("error", "")
    return context


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    return render(request, "inspections/visit_detail.html", _visit_context(request, visit))


def _refused(request, visit, exc, **forms) -> HttpResponse:
    context = _visit_context(request, visit, error=exc.message, **forms)
    return render(request, "inspections/visit_detail.html", context, status=409)


@require_POST
@login_required
def visit_start(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    require(request.user, "inspections.perform")
    try:
        services.visit_start(visit=visit, actor=request.user)
    except TransitionNotAllowed as exc:
        return _refused(request, visit, exc)
    return redirect("inspections:visit", pk=visit.pk)


@require_POST
@login_required
def visit_answers(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    require(request.user, "inspections.perform")
    answers = list(visit.answers.order_by("position", "id"))
    form = VisitAnswersForm(request.POST, request.FILES, answers=answers)
    if form.is_valid():
        try:
            services.visit_record_answers(visit=visit, actor=request.user, answers=form.service_answers())
        except TransitionNotAllowed as exc:
            return _refused(request, visit, exc)
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        else:
            if request.POST.get("complete"):
                return visit_complete(request, pk)
            return redirect("inspections:visit", pk=visit.pk)
    visit.refresh_from_db()
    context = _visit_context(request, visit, answers_form=form)
    return render(request, "inspections/visit_detail.html", context, status=422)


@require_POST
@login_required
def visit_complete(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    require(request.user, "inspections.perform")
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            services.visit_complete(visit=visit, actor=request.user, **form.cleaned_data)
        except TransitionNotAllowed as exc:
            return _refused(request, visit, exc, complete_form=form)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            return redirect("inspections:visit", pk=visit.pk)
    context = _visit_context(request, visit, complete_form=form)
    return render(request, "inspections/visit_detail.html", context, status=422)


@require_POST
@login_required
def finding_workorder(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """One tap: the finding becomes a work order; back to the visit with the order linked."""
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    require(request.user, "inspections.perform")
    answer = selectors.answer_get_for_user(user=request.user, visit=visit, pk=answer_pk)
    try:
        services.finding_to_workorder(answer=answer, actor=request.user)
    except ValidationError as exc:
        context = _visit_context(request, visit, error=" ".join(exc.messages))
        return render(request, "inspections/visit_detail.html", context, status=422)
    return redirect(f"{visit.get_absolute_url()}#answer-{answer.pk}")


@require_POST
@login_required
def visit_sign(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    require(request.user, "inspections.sign")
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            services.visit_sign(visit=visit, actor=request.user, **form.cleaned_data)
        except TransitionNotAllowed as exc:
            return _refused(request, visit, exc, sign_form=form)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            return redirect("inspections:visit", pk=visit.pk)
    context = _visit_context(request, visit, sign_form=form)
    return render(request, "inspections/visit_detail.html", context, status=422)


@login_required
def answer_photo(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """A photo taken on the visit, behind the visit's scoping (never a public media URL)."""
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    answer = selectors.answer_get_for_user(user=request.user, visit=visit, pk=answer_pk)
    if not answer.photo:
        raise Http404
    response = FileResponse(answer.photo.open("rb"), filename=answer.photo.name.rsplit("/")[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@login_required
def visit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspection report as a PDF (completed or signed visits)."""
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    if visit.status not in (VisitStatus.COMPLETED, VisitStatus.SIGNED):
        return render(
            request,
            "inspections/visit_detail.html",
            _visit_context(request, visit, error=_("The report exists once the visit is completed.")),
            status=409,
        )
    response = HttpResponse(pdf.render_report(visit), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename(visit)}"'
    return response


# --- plans and checklists -----------------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "inspections.view")
    contract = None
    code = (request.GET.get("contract") or "").strip()
    if code:
        contract = _contract_for(request, code)
    plans = selectors.plan_list(user=request.user, contract_id=contract.pk if contract else None)
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/plan_list.html",
        {
            "page": page,
            "contract": contract,
            "code": code,
            "can_plan": has_perm(request.user, "inspections.plan"),
        },
    )


def _contract_for(request, code: str):
    from weibao.contracts.selectors import contract_qs_for

    return contract_qs_for(request.user).filter(code=code).first()


@login_required
def plan_new(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = contract_get_for_user(user=request.user, pk=contract_pk)
    require(request.user, "inspections.plan")
    # The contract's promised frequency (pm_frequency) is the plan's default.
    initial = {"starts_on": max(contract.start_date, timezone.localdate()), "name": _("Preventive inspection")}
    if contract.pm_frequency in Frequency.values:
        initial["frequency"] = contract.pm_frequency
    form = PlanForm(request.POST or None, contract=contract, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data.get(k) for k in PLAN_FORM_FIELDS}
        try:
            plan = services.plan_create(actor=request.user, contract=contract, **values)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            return redirect("inspections:plan", pk=plan.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "inspections/plan_form.html", {"form": form, "contract": contract}, status=status)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    form = None
    status = 200
    error = ""
    if has_perm(request.user, "inspections.plan"):
        initial = {k: getattr(plan, k) for k in PLAN_FORM_FIELDS} | {"version": plan.version}
        form = PlanForm(request.POST or None, contract=plan.contract, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                values = {k: form.cleaned_data.get(k) for k in PLAN_FORM_FIELDS}
                try:
                    services.plan_update(
                        plan=plan, actor=request.user, expected_version=form.cleaned_data.get("version"), **values
                    )
                except StaleEdit as exc:
                    error, status = exc.message, 409
                except ValidationError as exc:
                    attach_service_errors(form, exc)
                    status = 422
                else:
                    return redirect("inspections:plan", pk=plan.pk)
            else:
                status = 422
    elif request.method == "POST":
        require(request.user, "inspections.plan")
    visits = selectors.visit_list(user=request.user, plan_id=plan.pk)
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "form": form,
            "visits": visits[:200],
            "error": error,
        },
        status=status,
    )


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "inspections.plan")
    return render(request, "inspections/template_list.html", {"templates": selectors.templates_active()})


@login_required
def template_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "inspections.plan")
    form = TemplateForm(request.POST or None)
    items = ItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        rows = [f.cleaned_data for f in items.forms if f.cleaned_data.get("text")]
        try:
            services.template_create(actor=request.user, items=rows, **form.cleaned_data)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                parts = key.split(".")
                if parts[0] == "items" and len(parts) == 3:
                    # Errors point at the n-th filled row; map back to the formset row it came from.
                    filled = [f for f in items.forms if f.cleaned_data.get("text")]
                    filled[int(parts[1])].add_error(parts[2], messages)
                else:
                    form.add_error(key if key in form.fields else None, messages)
        else:
            return redirect("inspections:templates")
    status = 422 if request.method == "POST" else 200
    return render(request, "inspections/template_form.html", {"form": form, "items": items}, status=status)
