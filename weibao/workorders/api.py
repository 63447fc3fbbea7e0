"""REST API for work orders (mounted at /api/work-orders/): intake, queue, detail, timeline, and one POST per
transition. Illegal moves answer 409, another organisation's orders 404, bad input 422."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field, scope_queryset
from weibao.contracts.choices import IntakeChannel
from weibao.workorders import selectors, services
from weibao.workorders.models import WorkOrder
from weibao.workorders.schemas import (
    AppointmentIn,
    AssignIn,
    AttachmentOut,
    ClockOut,
    CommentIn,
    DispatchIn,
    EscalateIn,
    EventOut,
    NoteIn,
    PlanIn,
    ReasonIn,
    ResolveIn,
    UpdateIn,
    WorkLogIn,
    WorkOrderBatchIn,
    WorkOrderFilter,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPage,
)

router = Router(tags=["work orders"])


def _order(request: HttpRequest, workorder_id: int) -> WorkOrder:
    return selectors.workorder_get_for_user(user=request.auth, pk=workorder_id, for_write=True)


def _scoped_one(model, user, pk: int | None, field: str, message: str):
    """A related row the user may see, or a 422 naming the field (never revealing other organisations' rows)."""
    return None if pk is None else get_for_field(model.objects.all(), user, pk, field=field, message=message)


@router.post("", response={201: WorkOrderOut})
def create_workorder(request, payload: WorkOrderIn):
    """Report a fault (channel "api"). Unknown customer/site or a device of another customer → 422."""
    from weibao.assets.models import Device, Project
    from weibao.customers.models import Customer, Site

    user = request.auth
    require(user, "workorders.create")
    # One query for site, customer and region (intake runs hundreds of times a second); the customer is looked up
    # on its own only to word the error when the two do not match.
    site = scope_queryset(Site.objects.select_related("customer", "region"), user).filter(pk=payload.site_id).first()
    if site is None or site.customer_id != payload.customer_id:
        _scoped_one(Customer, user, payload.customer_id, "customer_id", _("Unknown customer."))
        if site is None:
            raise ValidationError({"site_id": [_("Unknown site.")]})
        raise ValidationError({"site_id": [_("This site does not belong to the customer.")]})
    customer = site.customer
    project = _scoped_one(Project, user, payload.project_id, "project_id", _("Unknown project."))
    devices = []
    if payload.device_ids:
        found = {d.pk: d for d in scope_queryset(Device.objects.all(), user).filter(pk__in=payload.device_ids)}
        missing = [pk for pk in payload.device_ids if pk not in found]
        if missing:
            raise ValidationError({"device_ids": [_("Unknown device: %(ids)s.") % {"ids": missing}]})
        devices = [found[pk] for pk in dict.fromkeys(payload.device_ids)]
    wo = services.workorder_create(
        actor=user,
        customer=customer,
        site=site,
        channel=IntakeChannel.API,
        symptom=payload.symptom,
        severity=payload.severity,
        title=payload.title,
        category=payload.category,
        project=project,
        devices=devices,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        reporter_email=payload.reporter_email,
        source_ref=payload.source_ref,
    )
    return Status(201, wo)  # customer and site are the instances loaded above: no re-read


@router.post("/batch", response={201: list[WorkOrderOut]})
def create_workorders(request, payload: WorkOrderBatchIn):
    """Report up to 100 faults at once (a monitoring system's burst of alarms), channel "api": all or nothing.
    Every problem is reported with the report's position and field, e.g. `{"detail": {"3.site_id": [...]}}`;
    nothing is created unless every report is valid. The orders come back in the order sent."""
    from weibao.assets.models import Device, Project
    from weibao.customers.models import Site

    user = request.auth
    require(user, "workorders.create")
    reports = payload.reports
    sites = {
        s.pk: s
        for s in scope_queryset(Site.objects.select_related("customer", "region"), user).filter(
            pk__in={r.site_id for r in reports}
        )
    }
    project_ids = {r.project_id for r in reports if r.project_id is not None}
    projects = (
        {p.pk: p for p in scope_queryset(Project.objects.all(), user).filter(pk__in=project_ids)} if project_ids else {}
    )
    device_ids = {pk for r in reports for pk in r.device_ids}
    devices = (
        {d.pk: d for d in scope_queryset(Device.objects.all(), user).filter(pk__in=device_ids)} if device_ids else {}
    )
    errors: dict[str, list[str]] = {}
    prepared = []
    for i, r in enumerate(reports):
        site = sites.get(r.site_id)
        if site is None:
            errors[f"{i}.site_id"] = [_("Unknown site.")]
        elif site.customer_id != r.customer_id:
            # Whether the customer exists at all is not revealed: the site is the caller's own, the pair is wrong.
            errors[f"{i}.site_id"] = [_("This site does not belong to the customer.")]
        if r.project_id is not None and r.project_id not in projects:
            errors[f"{i}.project_id"] = [_("Unknown project.")]
        missing = [pk for pk in r.device_ids if pk not in devices]
        if missing:
            errors[f"{i}.device_ids"] = [_("Unknown device: %(ids)s.") % {"ids": missing}]
        if site is None or f"{i}.site_id" in errors:
            continue
        prepared.append(
            {
                "customer": site.customer,
                "site": site,
                "channel": IntakeChannel.API,
                "symptom": r.symptom,
                "severity": r.severity,
                "title": r.title,
                "category": r.category,
                "project": projects.get(r.project_id),
                "devices": [devices[pk] for pk in dict.fromkeys(r.device_ids) if pk in devices],
                "reporter_name": r.reporter_name,
                "reporter_phone": r.reporter_phone,
                "reporter_email": r.reporter_email,
                "source_ref": r.source_ref,
            }
        )
    if errors:
        raise ValidationError(errors)
    return Status(201, services.workorder_create_many(actor=user, reports=prepared))


@router.get("", response=WorkOrderPage)
def list_workorders(request, filters: Query[WorkOrderFilter]):
    """The queue: `status` "open" (default), "all" or values; nearest deadline first; pass `next_cursor` on."""
    params = {k: v for k, v in filters.dict().items() if v not in (None, "")}
    if "assignee" in params:
        params["assignee"] = str(params["assignee"])
    for key in ("branch_id", "customer_id", "site_id"):
        if key in params:
            params[key.removesuffix("_id")] = params.pop(key)
    page = selectors.workorder_queue(
        user=request.auth,
        filters=selectors.QueueFilters.from_params(params),
        cursor=filters.cursor or None,
        limit=filters.limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/counts", response=dict)
def state_counts(request):
    """Orders per state (closed and cancelled capped; see `capped`)."""
    return selectors.workorder_state_counts(user=request.auth)


@router.get("/{int:workorder_id}", response=WorkOrderOut)
def get_workorder(request, workorder_id: int):
    return selectors.workorder_get_for_user(user=request.auth, pk=workorder_id)


@router.get("/{int:workorder_id}/timeline", response=list[EventOut])
def timeline(request, workorder_id: int):
    wo = selectors.workorder_get_for_user(user=request.auth, pk=workorder_id)
    return selectors.workorder_timeline(workorder=wo, user=request.auth)


@router.get("/{int:workorder_id}/clocks", response=list[ClockOut])
def clocks(request, workorder_id: int):
    wo = selectors.workorder_get_for_user(user=request.auth, pk=workorder_id)
    return [
        {
            **view.__dict__,
            "target_minutes": int(view.target.total_seconds() // 60),
            "used_minutes": int(view.used.total_seconds() // 60),
        }
        for view in selectors.workorder_clocks(workorder=wo)
    ]


@router.post("/{int:workorder_id}/comment", response={201: EventOut})
def comment(request, workorder_id: int, payload: CommentIn):
    wo = _order(request, workorder_id)
    event = services.workorder_comment(
        workorder=wo,
        actor=request.auth,
        body=payload.body,
        internal=payload.internal,
        source_ref=payload.source_ref,
        reopen=payload.reopen,
    )
    return Status(201, event)


@router.get("/{int:workorder_id}/attachments", response=list[AttachmentOut])
def attachments(request, workorder_id: int):
    wo = selectors.workorder_get_for_user(user=request.auth, pk=workorder_id)
    return list(selectors.workorder_attachments(workorder=wo, user=request.auth))


@router.post("/{int:workorder_id}/attachments", response={201: list[AttachmentOut]})
def upload(request, workorder_id: int, files: File[list[UploadedFile]]):
    """Photos and logs (multipart field `files`); size-limited and type-checked by content."""
    wo = _order(request, workorder_id)
    return Status(201, services.workorder_add_attachments(workorder=wo, actor=request.auth, files=files))


# --- transitions: POST /api/work-orders/{id}/<verb> ---------------------------------------------------------------


@router.post("/{int:workorder_id}/acknowledge", response=WorkOrderOut)
def acknowledge(request, workorder_id: int, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_acknowledge(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/diagnose", response=WorkOrderOut)
def start_diagnosis(request, workorder_id: int, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_start_diagnosis(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/dispatch", response=WorkOrderOut)
def dispatch(request, workorder_id: int, payload: DispatchIn):
    wo = _order(request, workorder_id)
    require(request.auth, "workorders.dispatch")
    engineer = User.objects.filter(pk=payload.engineer_id, is_active=True).first()
    if engineer is None or not engineer.is_internal:
        raise ValidationError({"engineer_id": [_("Unknown engineer.")]})
    return services.workorder_dispatch(
        workorder=wo,
        actor=request.auth,
        engineer=engineer,
        note=payload.note,
        appointment_at=payload.appointment_at,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/accept", response=WorkOrderOut)
def accept(request, workorder_id: int, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_accept(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/appointment", response=WorkOrderOut)
def appointment(request, workorder_id: int, payload: AppointmentIn):
    return services.workorder_set_appointment(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        appointment_at=payload.appointment_at,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/arrive", response=WorkOrderOut)
def arrive(request, workorder_id: int, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_arrive(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/plan", response=WorkOrderOut)
def plan(request, workorder_id: int, payload: PlanIn):
    return services.workorder_record_plan(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        plan=payload.plan,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/work-log", response={201: dict})
def work_log(request, workorder_id: int, payload: WorkLogIn):
    entry = services.workorder_log_work(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        minutes=payload.minutes,
        note=payload.note,
        kind=payload.kind,
    )
    return Status(201, {"id": entry.pk, "minutes": entry.minutes, "kind": entry.kind, "event_id": entry.event_id})


@router.post("/{int:workorder_id}/resolve", response=WorkOrderOut)
def resolve(request, workorder_id: int, payload: ResolveIn):
    return services.workorder_resolve(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        resolution=payload.resolution,
        cause=payload.cause,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/wait-customer", response=WorkOrderOut)
def wait_customer(request, workorder_id: int, payload: ReasonIn):
    return services.workorder_wait_customer(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/resume", response=WorkOrderOut)
def resume(request, workorder_id: int, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_resume(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/escalate", response=WorkOrderOut)
def escalate(request, workorder_id: int, payload: EscalateIn):
    from weibao.assets.models import Vendor

    wo = _order(request, workorder_id)
    require(request.auth, "workorders.escalate")
    vendor = Vendor.objects.filter(pk=payload.vendor_id).first()
    if vendor is None:
        raise ValidationError({"vendor_id": [_("Unknown vendor.")]})
    return services.workorder_escalate(
        workorder=wo,
        actor=request.auth,
        vendor=vendor,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/confirm", response=WorkOrderOut)
def customer_confirm(request, workorder_id: int, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_customer_confirm(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/reject", response=WorkOrderOut)
def customer_reject(request, workorder_id: int, payload: ReasonIn):
    return services.workorder_customer_reject(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/close", response=WorkOrderOut)
def close(request, workorder_id: int, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_close(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/reopen", response=WorkOrderOut)
def reopen(request, workorder_id: int, payload: ReasonIn):
    return services.workorder_reopen(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/cancel", response=WorkOrderOut)
def cancel(request, workorder_id: int, payload: ReasonIn):
    return services.workorder_cancel(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/assign", response=WorkOrderOut)
def assign(request, workorder_id: int, payload: AssignIn):
    wo = _order(request, workorder_id)
    require(request.auth, "workorders.triage")
    assignee = None
    if payload.assignee_id is not None:
        assignee = User.objects.filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ValidationError({"assignee_id": [_("Unknown user.")]})
    return services.workorder_assign(
        workorder=wo, actor=request.auth, assignee=assignee, expected_version=payload.expected_version
    )


@router.patch("/{int:workorder_id}", response=WorkOrderOut)
def update(request, workorder_id: int, payload: UpdateIn):
    """Triage edits; send the `version` you read as `expected_version` (409 when someone changed it since)."""
    from weibao.assets.models import Device

    wo = _order(request, workorder_id)
    require(request.auth, "workorders.triage")
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version")
    device_ids = data.pop("device_ids", None)
    fields = {k: v for k, v in data.items() if v is not None}
    devices = None
    if device_ids is not None:
        devices = list(scope_queryset(Device.objects.all(), request.auth).filter(pk__in=device_ids))
        if len(devices) != len(set(device_ids)):
            raise ValidationError({"device_ids": [_("Unknown device.")]})
    return services.workorder_update(
        workorder=wo, actor=request.auth, expected_version=expected, devices=devices, **fields
    )
