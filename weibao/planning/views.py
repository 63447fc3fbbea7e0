"""Emergency plan and training pages (phone first), and the emergency panel on an A-class work order. Thin views
(STYLE §5): a scoped fetch, a form, one service call, a redirect or the page again with errors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.assets.models import Subsystem
from weibao.contracts.selectors import contract_get_for_user, contract_qs_for
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.customers.models import Customer
from weibao.planning import selectors, services
from weibao.planning.forms import (
    ApproveForm,
    AttendanceForm,
    ContactFormSet,
    DrillForm,
    EmergencyPlanForm,
    MaterialForm,
    SessionForm,
    SignInForm,
    StepFormSet,
    TrainingPlanForm,
)
from weibao.planning.models import TrainingMaterial
from weibao.workorders.selectors import workorder_get_for_user

TRAINING_FORM_FIELDS = (
    "title",
    "method",
    "trainers",
    "vendor",
    "project",
    "content",
    "scope",
    "trainees",
    "starts_on",
    "ends_on",
)


def _errors(form, exc: ValidationError, formsets: dict | None = None) -> None:
    """Service errors onto fields; `steps.<i>.<f>` / `contacts.<i>.<f>` onto the i-th filled row of a formset."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        parts = key.split(".")
        if formsets and parts[0] in formsets and len(parts) == 3:
            rows = formsets[parts[0]][1]
            index = int(parts[1])
            if index < len(rows):
                rows[index].add_error(parts[2] if parts[2] in rows[index].fields else None, messages)
                continue
        form.add_error(key if key in form.fields else None, messages)


# --- emergency plans ----------------------------------------------------------------------------------------------


@login_required
def emergency_list(request: HttpRequest) -> HttpResponse:
    """Plans in force and drafts; with a customer code, that customer's systems to write a plan for."""
    require(request.user, "planning.view")
    code = (request.GET.get("customer") or "").strip()
    customer = scope_queryset(Customer.objects.all(), request.user).filter(code=code).first() if code else None
    plans = selectors.emergency_plan_list(user=request.user, customer_id=customer.pk if customer else None)[:200]
    systems = []
    if customer is not None and has_perm(request.user, "planning.edit"):
        systems = Subsystem.objects.filter(project__customer=customer).select_related("project").order_by("name")
    return render(
        request,
        "planning/emergency_list.html",
        {
            "plans": plans,
            "code": code,
            "customer": customer,
            "systems": systems,
            "can_edit": has_perm(request.user, "planning.edit"),
        },
    )


def _plan_forms(request, initial_plan=None):
    if initial_plan is not None and request.method != "POST":
        initial = {
            k: getattr(initial_plan, k)
            for k in ("title", "scope", "triggers", "spare_parts", "fallback", "communication")
        }
        steps = [{"text": s.text, "responsible": s.responsible} for s in initial_plan.steps.all()]
        contacts = [
            {"side": c.side, "name": c.name, "role": c.role, "phone": c.phone} for c in initial_plan.contacts.all()
        ]
        return (
            EmergencyPlanForm(initial=initial),
            StepFormSet(prefix="steps", initial=steps),
            ContactFormSet(prefix="contacts", initial=contacts),
        )
    data = request.POST if request.method == "POST" else None
    return EmergencyPlanForm(data), StepFormSet(data, prefix="steps"), ContactFormSet(data, prefix="contacts")


def _filled(formset, key: str) -> list:
    return [f for f in formset.forms if any((f.cleaned_data or {}).get(k) for k in key.split(","))]


def _emergency_form(request, *, subsystem, base=None) -> HttpResponse:
    form, steps, contacts = _plan_forms(request, base)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and steps.is_valid() and contacts.is_valid():
            step_rows, contact_rows = _filled(steps, "text"), _filled(contacts, "name,phone")
            data = {"steps": [f.cleaned_data for f in step_rows], "contacts": [f.cleaned_data for f in contact_rows]}
            try:
                if base is None:
                    plan = services.emergency_plan_create(
                        actor=request.user, subsystem=subsystem, **data, **form.cleaned_data
                    )
                else:
                    plan = services.emergency_plan_revise(plan=base, actor=request.user, **data, **form.cleaned_data)
            except TransitionNotAllowed as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                _errors(form, exc, {"steps": (steps, step_rows), "contacts": (contacts, contact_rows)})
            else:
                return redirect("planning:plan", pk=plan.pk)
    return render(
        request,
        "planning/emergency_form.html",
        {
            "form": form,
            "steps": steps,
            "contacts": contacts,
            "subsystem": subsystem,
            "base": base,
        },
        status=status,
    )


@login_required
def emergency_new(request: HttpRequest, subsystem_pk: int) -> HttpResponse:
    subsystem = get_for_user(Subsystem.objects.select_related("project__customer"), request.user, pk=subsystem_pk)
    require(request.user, "planning.edit")
    return _emergency_form(request, subsystem=subsystem)


@login_required
def emergency_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.emergency_plan_get_for_user(user=request.user, pk=pk)
    require(request.user, "planning.edit")
    return _emergency_form(request, subsystem=plan.subsystem, base=plan)


def _detail(request, plan, *, drill_form=None, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "planning/emergency_detail.html",
        {
            "plan": plan,
            "revisions": selectors.revisions(plan),
            "drills": selectors.drills(plan),
            "drill_form": drill_form or DrillForm(),
            "approve_form": ApproveForm(initial={"version": plan.version}),
            "can_edit": has_perm(request.user, "planning.edit"),
            "can_approve": has_perm(request.user, "planning.approve"),
            "error": error,
        },
        status=status,
    )


@login_required
def emergency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.emergency_plan_get_for_user(user=request.user, pk=pk))


@require_POST
@login_required
def emergency_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.emergency_plan_get_for_user(user=request.user, pk=pk)
    require(request.user, "planning.approve")
    form = ApproveForm(request.POST)
    form.is_valid()
    try:
        services.emergency_plan_approve(
            plan=plan, actor=request.user, expected_version=form.cleaned_data.get("version")
        )
    except (StaleEdit, TransitionNotAllowed) as exc:
        return _detail(request, plan, error=exc.message, status=409)
    return redirect("planning:plan", pk=plan.pk)


@require_POST
@login_required
def drill_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.emergency_plan_get_for_user(user=request.user, pk=pk)
    require(request.user, "planning.edit")
    form = DrillForm(request.POST)
    if form.is_valid():
        try:
            services.drill_record(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:plan", pk=plan.pk)
    return _detail(request, plan, drill_form=form, status=422)


# --- the panel on an A-class order --------------------------------------------------------------------------------


def _panel(request, wo, *, error: str = "", status: int = 200) -> HttpResponse:
    plan = selectors.plan_for_order(wo)
    return render(
        request,
        "planning/partials/_order_panel.html",
        {
            "wo": wo,
            "plan": plan,
            "ticked": selectors.ticked_step_ids(wo) if plan else set(),
            "error": error,
            "steps": list(plan.steps.all()) if plan else [],
            "contacts": list(plan.contacts.all()) if plan else [],
        },
        status=status,
    )


@login_required
def order_panel(request: HttpRequest, workorder_pk: int) -> HttpResponse:
    """The emergency plan at the top of an A-class order for the duty and the dispatched engineer (htmx)."""
    wo = workorder_get_for_user(user=request.user, pk=workorder_pk)  # another organisation's order: 404 first
    require(request.user, "planning.tick")
    return _panel(request, wo)


@require_POST
@login_required
def order_step_tick(request: HttpRequest, workorder_pk: int, step_pk: int) -> HttpResponse:
    wo = workorder_get_for_user(user=request.user, pk=workorder_pk, for_write=True)
    require(request.user, "planning.tick")
    plan = selectors.plan_for_order(wo)
    step = plan.steps.filter(pk=step_pk).first() if plan else None
    if step is None:
        return _panel(request, wo, status=404)
    try:
        services.step_tick(workorder=wo, step=step, actor=request.user)
    except (TransitionNotAllowed, ValidationError) as exc:
        message = exc.message if isinstance(exc, TransitionNotAllowed) else " ".join(exc.messages)
        return _panel(request, wo, error=message, status=409)
    if request.htmx:
        return _panel(request, wo)
    return redirect("workorders:detail", pk=wo.pk)


# --- training -----------------------------------------------------------------------------------------------------


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "planning.view")
    code = (request.GET.get("contract") or "").strip()
    contract = contract_qs_for(request.user).filter(code=code).first() if code else None
    plans = selectors.training_plan_list(user=request.user, contract_id=contract.pk if contract else None)
    return render(
        request,
        "planning/training_list.html",
        {
            "plans": plans.order_by("-starts_on")[:200],
            "code": code,
            "contract": contract,
            "days_used": selectors.training_days_used(contract) if contract else None,
            "can_edit": has_perm(request.user, "training.edit"),
        },
    )


@login_required
def training_new(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = contract_get_for_user(user=request.user, pk=contract_pk)
    require(request.user, "training.edit")
    form = TrainingPlanForm(
        request.POST or None,
        customer=contract.customer,
        initial={"method": "on_site", "starts_on": contract.start_date},
    )
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data.get(k) for k in TRAINING_FORM_FIELDS}
        try:
            plan = services.training_plan_create(
                actor=request.user, customer=contract.customer, contract=contract, **values
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:training", pk=plan.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "planning/training_form.html", {"form": form, "contract": contract}, status=status)


def _training(request, plan, *, status: int = 200, **forms) -> HttpResponse:
    sessions = list(plan.sessions.prefetch_related("attendances").order_by("held_on", "id"))
    mine = set()
    if request.user.is_customer:
        mine = {a.session_id for s in sessions for a in s.attendances.all() if a.user_id == request.user.pk}
    can_edit = has_perm(request.user, "training.edit")
    return render(
        request,
        "planning/training_detail.html",
        {
            "plan": plan,
            "sessions": sessions,
            "materials": plan.materials.all(),
            "mine": mine,
            "can_edit": can_edit,
            "days_used": selectors.training_days_used(plan.contract) if plan.contract_id else None,
            "feedback": selectors.feedback_average(plan),
            "session_form": forms.get("session_form") or SessionForm(),
            "attendance_form": forms.get("attendance_form")
            or (AttendanceForm(customer=plan.customer) if can_edit else None),
            "sign_in_form": forms.get("sign_in_form") or SignInForm(),
            "material_form": forms.get("material_form") or MaterialForm(),
            "is_customer": request.user.is_customer,
        },
        status=status,
    )


@login_required
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _training(request, selectors.training_plan_get_for_user(user=request.user, pk=pk))


@require_POST
@login_required
def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.training_plan_get_for_user(user=request.user, pk=pk)
    require(request.user, "training.edit")
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            services.session_create(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:training", pk=plan.pk)
    return _training(request, plan, session_form=form, status=422)


@require_POST
@login_required
def attendance_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.training_plan_get_for_user(user=request.user, pk=pk)
    require(request.user, "training.edit")
    form = AttendanceForm(request.POST, customer=plan.customer)
    if form.is_valid():
        session = plan.sessions.filter(pk=form.cleaned_data["session"]).first()
        if session is None:
            form.add_error(None, "—")
        else:
            try:
                services.attendance_record(
                    session=session,
                    actor=request.user,
                    contact=form.cleaned_data["contact"],
                    feedback_score=form.cleaned_data.get("feedback_score"),
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                return redirect("planning:training", pk=plan.pk)
    return _training(request, plan, attendance_form=form, status=422)


@require_POST
@login_required
def session_sign_in(request: HttpRequest, session_pk: int) -> HttpResponse:
    """A trainee signs in on their phone (and may leave a score)."""
    session = selectors.session_get_for_user(user=request.user, pk=session_pk)
    require(request.user, "training.sign_in")
    form = SignInForm(request.POST)
    if form.is_valid():
        try:
            services.attendance_sign_in(
                session=session, actor=request.user, feedback_score=form.cleaned_data.get("feedback_score")
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:training", pk=session.plan_id)
    return _training(request, session.plan, sign_in_form=form, status=422)


@require_POST
@login_required
def material_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.training_plan_get_for_user(user=request.user, pk=pk)
    require(request.user, "training.edit")
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(
                plan=plan, actor=request.user, title=form.cleaned_data["title"], upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return redirect("planning:training", pk=plan.pk)
    return _training(request, plan, material_form=form, status=422)


@login_required
def material_download(request: HttpRequest, material_pk: int) -> HttpResponse:
    material = get_for_user(TrainingMaterial.objects.all(), request.user, pk=material_pk)
    require(request.user, "planning.view")
    response = FileResponse(material.file.open("rb"), as_attachment=True, filename=material.file.name.rsplit("/")[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
