"""REST API for work orders (mounted at /api/work-orders/): intake, queue, detail, timeline, and one POST per
transition. Illegal moves answer 409, another organisation's orders 404, bad input 422."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field, scope_queryset
from weibao.core.apischema import Id, api_errors
from weibao.workorders import selectors, services, visibility
from weibao.workorders.choices import action_perm
from weibao.workorders.models import WorkOrder
from weibao.workorders.schemas import (
    AlarmIn,
    AlarmReceiptOut,
    AppointmentIn,
    AssignIn,
    AttachmentOut,
    ClockOut,
    CloseIn,
    CommentIn,
    DispatchIn,
    EscalateIn,
    EventOut,
    MoveSiteIn,
    NoteIn,
    PauseReasonOut,
    PlanIn,
    ReasonIn,
    ReopenIn,
    ReplyDecisionIn,
    ResolveIn,
    UpdateIn,
    WaitIn,
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
    from weibao.customers.models import Customer

    require(request.auth, "workorders.create")
    (report,), (problems,) = services.reports_resolve(user=request.auth, reports=[payload.dict()])
    if "site_id" in problems:
        # Worded more precisely when the customer itself is unknown (only ever a customer the caller may see).
        _scoped_one(Customer, request.auth, payload.customer_id, "customer_id", _("Unknown customer."))
    if problems:
        raise ValidationError(problems)
    return Status(201, services.workorder_create(actor=request.auth, **report))  # the loaded site: no re-read


@router.post("/batch", response={201: list[WorkOrderOut]})
def create_workorders(request, payload: WorkOrderBatchIn):
    """Report up to 100 faults at once (a monitoring system's burst of alarms), channel "api": all or nothing.
    Every problem is reported with the report's position and field, e.g. `{"detail": {"3.site_id": [...]}}`;
    nothing is created unless every report is valid. The orders come back in the order sent."""
    require(request.auth, "workorders.create")
    prepared, errors = services.reports_resolve(user=request.auth, reports=[r.dict() for r in payload.reports])
    flat = {f"{i}.{field}": messages for i, problems in enumerate(errors) for field, messages in problems.items()}
    if flat:
        raise ValidationError(flat)
    return Status(201, services.workorder_create_many(actor=request.auth, reports=prepared))


@router.post("/events", response={202: AlarmReceiptOut})
def receive_alarm(request, payload: AlarmIn):
    """A monitoring system's alarm (as PagerDuty's Events API v2): accepted at once with a receipt (202) and turned
    into a work order within seconds by a background task, in batches. Alarms with the same `dedup_key` while its
    order is open fold into that order. Sites, projects and devices are checked then: read the receipt
    (`GET /events/{id}`) for the order's number or the errors."""
    report = payload.dict(exclude={"dedup_key"})
    if report["reported_at"] is not None:
        report["reported_at"] = report["reported_at"].isoformat()
    return Status(202, services.alarm_receive(actor=request.auth, report=report, dedup_key=payload.dedup_key))


@router.get("/events/{int:alarm_id}", response=AlarmReceiptOut)
def alarm_receipt(request, alarm_id: Id):
    """An alarm's receipt: its status and, once handled, the order (id and number) or the errors."""
    return selectors.alarm_get_for_user(user=request.auth, pk=alarm_id)


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


@router.get("/pause-reasons", response=list[PauseReasonOut])
def pause_reasons(request):
    """The reasons an order may wait for (the configurable list, in its order); `wait-customer` takes a code."""
    from weibao.workorders.models import PauseReason

    require(request.auth, "workorders.view")
    return list(PauseReason.objects.filter(active=True))


@router.get("/{int:workorder_id}", response=WorkOrderOut)
def get_workorder(request, workorder_id: Id):
    return selectors.workorder_get_for_user(user=request.auth, pk=workorder_id)


@router.get("/{int:workorder_id}/timeline", response=list[EventOut])
def timeline(request, workorder_id: Id):
    wo = selectors.workorder_get_for_user(user=request.auth, pk=workorder_id)
    return selectors.events_visible_to(workorder=wo, user=request.auth)


@router.get("/{int:workorder_id}/clocks", response=list[ClockOut])
def clocks(request, workorder_id: Id):
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
@api_errors(409)
def comment(request, workorder_id: Id, payload: CommentIn):
    wo = _order(request, workorder_id)
    event = services.workorder_comment(
        workorder=wo,
        actor=request.auth,
        body=payload.body,
        internal=payload.internal,
        source_ref=payload.source_ref,
        reopen=payload.reopen,
    )
    # The answer shows the new entry as the writer's side sees it (the one visibility rule).
    return Status(201, visibility.redact(event, visibility.audience_of(request.auth)))


@router.get("/{int:workorder_id}/attachments", response=list[AttachmentOut])
def attachments(request, workorder_id: Id):
    wo = selectors.workorder_get_for_user(user=request.auth, pk=workorder_id)
    return list(selectors.workorder_attachments(workorder=wo, user=request.auth))


@router.post("/{int:workorder_id}/attachments", response={201: list[AttachmentOut]})
def upload(request, workorder_id: Id, files: File[list[UploadedFile]]):
    """Photos and logs (multipart field `files`); size-limited and type-checked by content."""
    wo = _order(request, workorder_id)
    return Status(201, services.workorder_add_attachments(workorder=wo, actor=request.auth, files=files))


# --- transitions: POST /api/work-orders/{id}/<verb> ---------------------------------------------------------------


@router.post("/{int:workorder_id}/acknowledge", response=WorkOrderOut)
@api_errors(409)
def acknowledge(request, workorder_id: Id, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_acknowledge(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/diagnose", response=WorkOrderOut)
@api_errors(409)
def start_diagnosis(request, workorder_id: Id, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_start_diagnosis(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/dispatch", response=WorkOrderOut)
@api_errors(409)
def dispatch(request, workorder_id: Id, payload: DispatchIn):
    from weibao.dispatch.duty import may_dispatch

    wo = _order(request, workorder_id)
    if not may_dispatch(request.auth, branch_id=wo.branch_id, manager_perm=action_perm("dispatch")):
        raise PermissionDenied(action_perm("dispatch"))  # a duty engineer outside the rule: POST request-dispatch
    engineer = User.objects.filter(pk=payload.engineer_id, is_active=True).first()
    if engineer is None or not engineer.is_internal:
        raise ValidationError({"engineer_id": [_("Unknown engineer.")]})
    return services.workorder_dispatch(
        workorder=wo,
        actor=request.auth,
        engineer=engineer,
        note=payload.note,
        appointment_at=payload.appointment_at,
        customer_agreed=payload.customer_agreed,
        appointment_reason=payload.appointment_reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/accept", response=WorkOrderOut)
@api_errors(409)
def accept(request, workorder_id: Id, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_accept(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/request-dispatch", response=WorkOrderOut)
@api_errors(409)
def request_dispatch(request, workorder_id: Id, payload: NoteIn | None = None):
    """Ask the branch's managers to dispatch (the duty engineer when the duty-dispatch rule does not allow it)."""
    payload = payload or NoteIn()
    return services.workorder_request_dispatch(
        workorder=_order(request, workorder_id), actor=request.auth, note=payload.note
    )


@router.post("/{int:workorder_id}/decline", response=WorkOrderOut)
@api_errors(409)
def decline(request, workorder_id: Id, payload: ReasonIn):
    """The dispatched engineer declines the job; the managers are told to send someone else."""
    return services.workorder_decline(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/depart", response=WorkOrderOut)
@api_errors(409)
def depart(request, workorder_id: Id, payload: NoteIn | None = None):
    """The engineer sets off for the site (出发)."""
    payload = payload or NoteIn()
    return services.workorder_depart(workorder=_order(request, workorder_id), actor=request.auth, note=payload.note)


@router.post("/{int:workorder_id}/appointment", response=WorkOrderOut)
@api_errors(409)
def appointment(request, workorder_id: Id, payload: AppointmentIn):
    return services.workorder_set_appointment(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        appointment_at=payload.appointment_at,
        note=payload.note,
        customer_agreed=payload.customer_agreed,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/arrive", response=WorkOrderOut)
@api_errors(409)
def arrive(request, workorder_id: Id, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_arrive(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/plan", response=WorkOrderOut)
@api_errors(409)
def plan(request, workorder_id: Id, payload: PlanIn):
    return services.workorder_record_plan(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        plan=payload.plan,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/work-log", response={201: dict})
@api_errors(409)
def work_log(request, workorder_id: Id, payload: WorkLogIn):
    entry = services.workorder_log_work(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        minutes=payload.minutes,
        note=payload.note,
        kind=payload.kind,
    )
    return Status(201, {"id": entry.pk, "minutes": entry.minutes, "kind": entry.kind, "event_id": entry.event_id})


@router.post("/{int:workorder_id}/resolve", response=WorkOrderOut)
@api_errors(409)
def resolve(request, workorder_id: Id, payload: ResolveIn):
    return services.workorder_resolve(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        resolution=payload.resolution,
        cause=payload.cause,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/wait-customer", response=WorkOrderOut)
@api_errors(409)
def wait_customer(request, workorder_id: Id, payload: WaitIn):
    """Wait (the clocks pause per the SLA policy): `reason_code` from GET /pause-reasons is required."""
    return services.workorder_wait_customer(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason_code=payload.reason_code,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/move-site", response=WorkOrderOut)
@api_errors(409)
def move_site(request, workorder_id: Id, payload: MoveSiteIn):
    """Triage: move the order to another site of the same customer; the clocks are recomputed for the site's
    region tier and one `site_moved` event records from/to. Closed or cancelled orders → 409; a site the caller
    cannot see or another customer's → 422."""
    from weibao.customers.models import Site

    wo = _order(request, workorder_id)
    require(request.auth, action_perm("move_site"))
    site = _scoped_one(Site, request.auth, payload.site_id, "site_id", _("Unknown site."))
    return services.workorder_move_site(
        workorder=wo, actor=request.auth, site=site, note=payload.note, expected_version=payload.expected_version
    )


@router.post("/{int:workorder_id}/resume", response=WorkOrderOut)
@api_errors(409)
def resume(request, workorder_id: Id, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_resume(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/escalate", response=WorkOrderOut)
@api_errors(409)
def escalate(request, workorder_id: Id, payload: EscalateIn):
    from weibao.assets.models import Vendor

    wo = _order(request, workorder_id)
    require(request.auth, action_perm("escalate"))
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
@api_errors(409)
def customer_confirm(request, workorder_id: Id, payload: NoteIn | None = None):
    payload = payload or NoteIn()
    return services.workorder_customer_confirm(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/reject", response=WorkOrderOut)
@api_errors(409)
def customer_reject(request, workorder_id: Id, payload: ReasonIn):
    return services.workorder_customer_reject(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/close", response=WorkOrderOut)
@api_errors(409)
def close(request, workorder_id: Id, payload: CloseIn | None = None):
    payload = payload or CloseIn()
    return services.workorder_close(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        note=payload.note,
        reason_code=payload.reason_code,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/reopen", response=WorkOrderOut)
@api_errors(409)
def reopen(request, workorder_id: Id, payload: ReopenIn):
    from weibao.workorders.choices import STAFF_REOPEN_SOURCES

    if payload.source not in STAFF_REOPEN_SOURCES:
        raise ValidationError({"source": _("Unknown source.")})
    return services.workorder_reopen(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason=payload.reason,
        source=payload.source,
        reason_code=payload.reason_code,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/reply-decision", response=WorkOrderOut)
def reply_decision(request, workorder_id: int, payload: ReplyDecisionIn):
    """The desk decides about the customer's reply during observation: reopen (reason code + text) or keep."""
    workorder = _order(request, workorder_id)  # 404 outside the user's organisation, before anything else
    if not request.auth.is_internal:
        raise PermissionDenied(action_perm("reply_reopen"))
    return services.workorder_reply_decide(
        workorder=workorder,
        actor=request.auth,
        decision=payload.decision,
        reason_code=payload.reason_code,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/cancel", response=WorkOrderOut)
@api_errors(409)
def cancel(request, workorder_id: Id, payload: ReasonIn):
    return services.workorder_cancel(
        workorder=_order(request, workorder_id),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )


@router.post("/{int:workorder_id}/assign", response=WorkOrderOut)
@api_errors(409)
def assign(request, workorder_id: Id, payload: AssignIn):
    wo = _order(request, workorder_id)
    require(request.auth, action_perm("assign"))
    assignee = None
    if payload.assignee_id is not None:
        assignee = User.objects.filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ValidationError({"assignee_id": [_("Unknown user.")]})
    return services.workorder_assign(
        workorder=wo, actor=request.auth, assignee=assignee, expected_version=payload.expected_version
    )


@router.patch("/{int:workorder_id}", response=WorkOrderOut)
@api_errors(409)
def update(request, workorder_id: Id, payload: UpdateIn):
    """Triage edits; send the `version` you read as `expected_version` (409 when someone changed it since)."""
    from weibao.assets.models import Device

    wo = _order(request, workorder_id)
    require(request.auth, action_perm("update"))
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
