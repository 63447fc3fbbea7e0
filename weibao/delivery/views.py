"""Delivery pages (STYLE §5): a scoped fetch, a form, one service call, a redirect or the page again with errors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.core.excel import XLSX_CONTENT_TYPE, ImportFileError
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.core.files import StoredFileMissing, file_missing_response, open_stored_file
from weibao.core.form_views import attach_service_errors
from weibao.delivery import excel, forms, selectors, services
from weibao.delivery.choices import WORK_STAGES
from weibao.delivery.handover import project_handover
from weibao.delivery.models import DeliveryDocumentVersion, Milestone

RECORD_SERVICES = {
    "daily": services.daily_report_add,
    "issue": services.issue_add,
    "risk": services.risk_add,
    "meeting": services.meeting_add,
    "instruction": services.instruction_add,
    "payment": services.payment_add,
}
STAFF_ONLY_RECORDS = {"risk"}  # the risk register stays inside our team


def _project(request, pk, perm: str = "delivery.view"):
    require(request.user, perm)
    return selectors.delivery_project_get_for_user(user=request.user, pk=pk)


def _context(request, project, tab: str, **extra) -> dict:
    user = request.user
    return {
        "project": project,
        "tab": tab,
        "can_edit": has_perm(user, "delivery.edit"),
        "can_records": has_perm(user, "delivery.records"),
        "can_review": has_perm(user, "delivery.review"),
        "can_handover": has_perm(user, "delivery.handover"),
        "is_internal": user.is_internal,
        **extra,
    }


def _error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return getattr(exc, "message", str(exc))


def _form_errors(form) -> str:
    return " ".join(
        f"{form.fields[f].label}: {' '.join(e)}" if f in form.fields else " ".join(e) for f, e in form.errors.items()
    )


def _run(request, call, *, ok: str = "") -> bool:
    """Call a service; its refusal becomes a message on the next page (gates are explained, never a 500)."""
    try:
        call()
    except (ValidationError, StaleEdit, TransitionNotAllowed) as exc:
        messages.error(request, _error(exc))
        return False
    if ok:
        messages.success(request, ok)
    return True


# --- board and project ---------------------------------------------------------------------------------------------
@login_required
def board(request: HttpRequest) -> HttpResponse:
    require(request.user, "delivery.view")
    query = (request.GET.get("q") or "").strip()
    columns = selectors.stage_board(user=request.user, query=query)
    return render(
        request,
        "delivery/project_board.html",
        {
            "columns": columns,
            "query": query,
            "can_edit": has_perm(request.user, "delivery.edit"),
        },
    )


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "delivery.edit")
    form = forms.ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.delivery_project_create(actor=request.user, **data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            return redirect("delivery:project", pk=project.pk)
    return render(request, "delivery/project_form.html", {"form": form})


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    today = timezone.localdate()
    problems = services.stage_problems(project, today) if project.stage in WORK_STAGES else []
    return render(
        request,
        "delivery/project_detail.html",
        _context(
            request,
            project,
            "overview",
            problems=problems,
            can_close=project.stage in WORK_STAGES,
            team=project.team.select_related("user"),
            parties=project.party_links.select_related("organisation"),
            arrivals=project.arrivals.all(),
            readiness=project.readiness.all(),
            events=project.events.select_related("actor")[:50] if request.user.is_internal else [],
            close_form=forms.VersionForm(initial={"version": project.version}),
        ),
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk, "delivery.edit")
    form = forms.ProjectEditForm(request.POST or None, instance=project, initial={"version": project.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        project.refresh_from_db()
        try:
            services.delivery_project_update(project=project, actor=request.user, version=version, **data)
        except StaleEdit as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            return redirect("delivery:project", pk=project.pk)
    return render(request, "delivery/project_edit.html", _context(request, project, "overview", form=form))


@require_POST
@login_required
def stage_close(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk, "delivery.edit")
    form = forms.VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    _run(
        request,
        lambda: services.stage_close(project=project, actor=request.user, version=version),
        ok=_("Stage closed."),
    )
    return redirect("delivery:project", pk=pk)


@require_POST
@login_required
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk, "delivery.handover")
    _run(
        request,
        lambda: project_handover(project=project, actor=request.user),
        ok=_("Handed over: the project is in maintenance."),
    )
    return redirect("delivery:project", pk=pk)


# The overview's small forms: permission, form, service (each service takes project, actor and the form's fields).
OVERVIEW_FORMS = {
    "arrival": ("delivery.edit", forms.ArrivalForm, services.arrival_record),
    "readiness": ("delivery.records", forms.ReadinessForm, services.readiness_check),
    "team": ("delivery.edit", forms.TeamForm, services.team_member_add),
    "party": ("delivery.edit", forms.PartyForm, services.party_invite),
}


@require_http_methods(["GET", "POST"])
@login_required
def overview_post(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """Record an arrival, check an item, add a member, invite a party. GET: the form's empty fields, which the
    project page loads when the form is opened."""
    perm, form_class, service = OVERVIEW_FORMS[what]
    project = _project(request, pk, perm)
    if request.method == "GET":
        return render(request, "delivery/partials/_form_fields.html", {"form": form_class()})
    form = form_class(request.POST)
    if form.is_valid():
        _run(request, lambda: service(project=project, actor=request.user, **form.cleaned_data), ok=_("Saved."))
    else:
        messages.error(request, _form_errors(form))
    return redirect("delivery:project", pk=pk)


# --- documents -----------------------------------------------------------------------------------------------------
@login_required
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = forms.DocumentAddForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require(request.user, "delivery.edit")
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("file")
            try:
                services.document_add(project=project, actor=request.user, upload=upload, **data)
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                return redirect("delivery:documents", pk=pk)
    groups = selectors.documents_by_stage(user=request.user, project=project)
    return render(
        request,
        "delivery/document_list.html",
        _context(
            request,
            project,
            "documents",
            groups=groups,
            form=form,
            upload_form=forms.UploadForm(),
            review_form=forms.ReviewForm(),
        ),
    )


@require_POST
@login_required
def document_upload(request: HttpRequest, doc_pk: int) -> HttpResponse:
    require(request.user, "delivery.edit")
    doc = selectors.document_get_for_user(user=request.user, pk=doc_pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        _run(
            request,
            lambda: services.document_upload(
                document=doc, actor=request.user, upload=form.cleaned_data["file"], note=form.cleaned_data["note"]
            ),
            ok=_("New version stored."),
        )
    else:
        messages.error(request, _("Choose a file."))
    return redirect("delivery:documents", pk=doc.project_id)


@require_POST
@login_required
def document_review(request: HttpRequest, doc_pk: int) -> HttpResponse:
    require(request.user, "delivery.review")
    doc = selectors.document_get_for_user(user=request.user, pk=doc_pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: services.document_review(document=doc, actor=request.user, **form.cleaned_data),
            ok=_("Review recorded."),
        )
    return redirect("delivery:documents", pk=doc.project_id)


@login_required
def document_download(request: HttpRequest, version_pk: int) -> HttpResponse:
    require(request.user, "delivery.view")
    version = get_object_or_404(DeliveryDocumentVersion.objects.select_related("document"), pk=version_pk)
    selectors.document_get_for_user(user=request.user, pk=version.document_id)  # 404 when not visible
    try:
        handle = open_stored_file(version.file)
    except StoredFileMissing:
        return file_missing_response(request, filename=version.original_name)
    return FileResponse(handle, as_attachment=True, filename=version.original_name, content_type=version.content_type)


# --- milestones ----------------------------------------------------------------------------------------------------
@login_required
def milestones(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    gantt = selectors.gantt_rows(project=project)
    return render(
        request,
        "delivery/milestone_list.html",
        _context(request, project, "milestones", gantt=gantt, form=forms.MilestoneForm()),
    )


@require_POST
@login_required
def milestone_reach(request: HttpRequest, milestone_pk: int) -> HttpResponse:
    require(request.user, "delivery.edit")
    milestone = get_object_or_404(Milestone, pk=milestone_pk)
    selectors.delivery_project_get_for_user(user=request.user, pk=milestone.project_id)
    form = forms.MilestoneForm(request.POST)
    if form.is_valid():
        services.milestone_reach(milestone=milestone, actor=request.user, actual_on=form.cleaned_data["actual_on"])
    return redirect("delivery:milestones", pk=milestone.project_id)


# --- equipment list ------------------------------------------------------------------------------------------------
@login_required
def equipment(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = forms.EquipmentForm(request.POST or None)
    report = None
    if request.method == "POST":
        require(request.user, "delivery.edit")
        if form.is_valid():
            try:
                services.equipment_add(project=project, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                return redirect("delivery:equipment", pk=pk)
    return render(
        request,
        "delivery/equipment_list.html",
        _context(
            request,
            project,
            "equipment",
            items=selectors.equipment_list(project=project),
            form=form,
            import_form=forms.ImportForm(),
            report=report,
        ),
    )


@require_POST
@login_required
def equipment_import(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk, "delivery.edit")
    form = forms.ImportForm(request.POST, request.FILES)
    report, file_error = None, ""
    if form.is_valid():
        try:
            result = services.equipment_import(
                project=project, actor=request.user, data=form.cleaned_data["file"].read()
            )
        except ImportFileError as exc:
            file_error = exc.message
        except ValidationError as exc:
            file_error = _error(exc)
        else:
            if result.ok:
                messages.success(request, _("%(n)s lines imported.") % {"n": len(result.rows)})
                return redirect("delivery:equipment", pk=pk)
            report = result
    return render(
        request,
        "delivery/equipment_list.html",
        _context(
            request,
            project,
            "equipment",
            items=selectors.equipment_list(project=project),
            form=forms.EquipmentForm(),
            import_form=form,
            report=report,
            file_error=file_error,
        ),
        status=422,
    )


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def equipment_export(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _xlsx(
        excel.export_equipment(list(selectors.equipment_list(project=project))), f"equipment-{project.pk}.xlsx"
    )


@login_required
def issues_export(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    return _xlsx(excel.export_issues(list(selectors.issue_list(project=project))), f"issues-{project.pk}.xlsx")


# --- records -------------------------------------------------------------------------------------------------------
@login_required
def records(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    internal = request.user.is_internal
    return render(
        request,
        "delivery/record_list.html",
        _context(
            request,
            project,
            "records",
            dailies=project.daily_reports.select_related("author")[:60],
            issues=selectors.issue_list(project=project),
            risks=project.risks.all() if internal else [],
            meetings=project.meetings.all(),
            instructions=project.instructions.all(),
            payments=project.payments.all(),
            weeklies=project.weekly_reports.all()[:12],
            record_forms=[
                (k, f._meta.model._meta.verbose_name, f())
                for k, f in forms.RECORD_FORMS.items()
                if internal or k not in STAFF_ONLY_RECORDS
            ],
            solve_form=forms.IssueSolveForm(),
            weekly_form=forms.WeeklyForm(),
        ),
    )


@require_POST
@login_required
def record_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    project = _project(request, pk, "delivery.records")
    if kind not in forms.RECORD_FORMS:
        raise Http404
    if kind in STAFF_ONLY_RECORDS and not request.user.is_internal:
        raise PermissionDenied
    form = forms.RECORD_FORMS[kind](request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: RECORD_SERVICES[kind](project=project, actor=request.user, **form.cleaned_data),
            ok=_("Saved."),
        )
    else:
        messages.error(request, _form_errors(form))
    return redirect("delivery:records", pk=pk)


@require_POST
@login_required
def issue_solve(request: HttpRequest, pk: int, issue_pk: int) -> HttpResponse:
    project = _project(request, pk, "delivery.records")
    issue = get_object_or_404(project.issues, pk=issue_pk)
    form = forms.IssueSolveForm(request.POST)
    if form.is_valid():
        _run(request, lambda: services.issue_solve(issue=issue, actor=request.user, **form.cleaned_data))
    return redirect("delivery:records", pk=pk)


@require_POST
@login_required
def weekly_generate(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk, "delivery.records")
    form = forms.WeeklyForm(request.POST)
    if form.is_valid():
        services.weekly_report_generate(project=project, actor=request.user, **form.cleaned_data)
    return redirect("delivery:records", pk=pk)
