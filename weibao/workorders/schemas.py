"""API input and output shapes for work orders."""

from __future__ import annotations

import datetime

from ninja import Field

from weibao.core.apischema import Phone, SaneDateTime, Schema
from weibao.workorders.services.intake import MAX_BATCH


class WorkOrderIn(Schema):
    customer_id: int
    site_id: int
    symptom: str = Field(..., min_length=1, max_length=20_000)
    severity: str | None = Field(None, pattern="^[ABCD]$")
    title: str = Field("", max_length=200)
    category: str | None = None
    project_id: int | None = None
    device_ids: list[int] = Field(default_factory=list, max_length=50)
    reporter_name: str = Field("", max_length=100)
    reporter_phone: Phone = ""
    reporter_email: str = Field("", max_length=254)
    source_ref: str = Field("", max_length=200)
    # When the fault was reported (the call came in): the SLA clocks start then; never in the future. Default: now.
    reported_at: SaneDateTime | None = None
    # Issue 17: what kind of service (fault_repair, delivery, installation, commissioning, consultation, training,
    # inspection) and maintenance type (corrective, adaptive, perfective); defaults fault_repair / corrective.
    service_kind: str | None = Field(None, max_length=16)
    maintenance_type: str | None = Field(None, max_length=12)


class AlarmIn(WorkOrderIn):
    """An alarm for the events intake: a report plus the caller's incident key (repeats of an open incident fold into
    its order; empty: a key of its own)."""

    dedup_key: str = Field("", max_length=255)


class AlarmReceiptOut(Schema):
    """The receipt of an alarm: `pending` until the task has handled it, then `created` or `duplicate` (with the
    order's id and number) or `rejected` (with the errors by field)."""

    id: int
    status: str
    dedup_key: str
    workorder_id: int | None = None
    number: str | None = None
    errors: dict = Field(default_factory=dict)
    received_at: datetime.datetime
    processed_at: datetime.datetime | None = None

    @staticmethod
    def resolve_received_at(obj) -> datetime.datetime:
        return obj.created_at

    @staticmethod
    def resolve_number(obj) -> str | None:
        return obj.workorder.number if obj.workorder_id else None


class WorkOrderBatchIn(Schema):
    reports: list[WorkOrderIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class WorkOrderFilter(Schema):
    status: str = "open"  # comma-separated; "open", "all" or status values
    severity: str = ""
    branch_id: int | None = None
    assignee: str = ""  # user id, "me" or "none"
    customer_id: int | None = None
    site_id: int | None = None
    sla: str = ""
    channel: str = ""
    service_kind: str = ""  # comma-separated ServiceKind values
    maintenance_type: str = ""  # comma-separated MaintenanceType values
    q: str = ""
    cursor: str = ""
    limit: int = Field(50, ge=1, le=200)


class PersonOut(Schema):
    id: int
    name: str


class WorkOrderOut(Schema):
    id: int
    number: str
    status: str
    severity: str
    category: str
    cause: str
    channel: str
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    site_id: int
    site_name: str = Field(..., alias="site.name")
    project_id: int | None
    branch_id: int | None
    assignee: PersonOut | None
    escalated_vendor_id: int | None
    title: str
    symptom: str
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    service_type: str
    service_kind: str  # fault_repair / delivery / installation / commissioning / consultation / training / inspection
    maintenance_type: str  # corrective / adaptive / perfective
    chargeable: bool
    charge_reason: str  # why chargeable: out_of_warranty / not_covered / human_error (三包 exclusion)
    wait_reason: str  # a pause-reason code while the order waits (e.g. quote_approval), the clocks paused
    in_warranty: bool | None
    reported_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    appointment_at: datetime.datetime | None
    arrived_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    resolution: str
    observation_ends_at: datetime.datetime | None
    observation_reply_pending: bool = False  # the customer replied during observation; the desk must decide
    closed_at: datetime.datetime | None
    cancel_reason: str
    next_deadline: datetime.datetime | None
    sla_state: str
    version: int
    source_ref: str


class WorkOrderPage(Schema):
    items: list[WorkOrderOut]
    next_cursor: str | None


class EventOut(Schema):
    id: int
    kind: str
    actor: PersonOut
    old_status: str
    new_status: str
    body: str
    data: dict
    internal: bool
    created_at: datetime.datetime
    attachment_ids: list[int] = Field(default_factory=list)

    @staticmethod
    def resolve_attachment_ids(obj) -> list[int]:
        return [a.pk for a in obj.attachments.all()]


class ClockOut(Schema):
    kind: str
    target_minutes: int
    started_at: datetime.datetime
    deadline: datetime.datetime | None
    stopped_at: datetime.datetime | None
    paused: bool
    used_minutes: int
    ratio: float
    state: str
    warned: bool
    breached: bool
    pause_reason: str = ""  # the pause-reason code while paused
    pause_reason_label: str = ""
    paused_minutes: dict[str, int] = Field(
        default_factory=dict, description="Business minutes paused so far, per pause-reason code."
    )


class PauseReasonOut(Schema):
    code: str
    name: str
    system: bool


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime.datetime


class MoveIn(Schema):
    """Every move takes the `version` the caller read as `expected_version` (optional): 409 when the order changed
    since. A repeated identical move is answered with the order unchanged, whatever version it carries."""

    expected_version: int | None = None


class NoteIn(MoveIn):
    note: str = Field("", max_length=20_000)


class CloseIn(NoteIn):
    # Required while the order is in its observation period (CloseReason values), recorded on the timeline.
    reason_code: str = Field("", max_length=32)


class ReasonIn(MoveIn):
    reason: str = Field(..., max_length=20_000)


class WaitIn(MoveIn):
    """Waiting: a code from GET /work-orders/pause-reasons is required; the text says more."""

    reason_code: str = Field(..., max_length=20)
    reason: str = Field("", max_length=20_000)


class MoveSiteIn(MoveIn):
    """Triage moves the order to another site of the same customer; the clocks follow the site's region tier."""

    site_id: int
    note: str = Field("", max_length=2_000)


class ReopenIn(ReasonIn):
    """Staff reopen: where the recurrence came from and a reason code from the list (issue 23)."""

    source: str = Field("staff", description="staff | phone | inspection")
    reason_code: str = Field("", description="recurred | not_fixed | related | unfinished | other")


class ReplyDecisionIn(MoveIn):
    """The desk's decision about a customer's reply during observation."""

    decision: str = Field(..., description="reopened | kept")
    reason_code: str = ""
    reason: str = Field("", max_length=20_000)


class CommentIn(Schema):
    body: str = Field(..., max_length=50_000)
    internal: bool = False
    source_ref: str = Field("", max_length=200)
    reopen: bool | None = None


class DispatchIn(MoveIn):
    engineer_id: int
    note: str = Field("", max_length=20_000)
    appointment_at: SaneDateTime | None = None
    # A visit after the on-site deadline: the customer agreed to it, and why (issue 18).
    customer_agreed: bool = False
    appointment_reason: str = Field("", max_length=2_000)


class ResolveIn(MoveIn):
    resolution: str = Field(..., max_length=20_000)
    cause: str | None = None


class EscalateIn(MoveIn):
    vendor_id: int
    reason: str = Field("", max_length=20_000)


class AppointmentIn(MoveIn):
    appointment_at: SaneDateTime
    note: str = Field("", max_length=20_000)  # the reason, required for a visit after the on-site deadline
    customer_agreed: bool = False  # required for a visit after the on-site deadline


class PlanIn(MoveIn):
    plan: str = Field(..., max_length=20_000)


class WorkLogIn(Schema):
    minutes: int = Field(..., ge=1, le=1440)
    note: str = Field(..., max_length=20_000)
    kind: str = "remote"


class AssignIn(MoveIn):
    assignee_id: int | None


class UpdateIn(Schema):
    expected_version: int
    severity: str | None = None
    category: str | None = None
    cause: str | None = None
    title: str | None = Field(None, max_length=200)
    symptom: str | None = None
    chargeable: bool | None = None
    service_type: str | None = None
    service_kind: str | None = None
    maintenance_type: str | None = None
    device_ids: list[int] | None = None
