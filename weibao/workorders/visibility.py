"""Who sees which timeline event, and which of its fields: the one declared rule (issue 19, point 1).

Every place that shows timeline events to somebody goes through this module — the order page and the API through
`selectors.events_visible_to(user=…, workorder=…)`, notices through `redact(event, audience)`:

    audience_of(user)           -> Audience.STAFF / CUSTOMER / VENDOR (None: sees nothing)
    redact(event, audience)     -> the event itself (staff), a copy with the hidden fields emptied, or None (hidden)
    redact(event, audience, user)  the same; among staff the viewer decides the steps of a complaint about an
                                   engineer (managers all, that engineer that it exists, others nothing; issue 12)

`RULES` maps EVERY `EventKind` to what the customer and the vendor may see; our staff see everything. Per kind:

    rule(customer=None, vendor=None)      # staff only
    rule(customer=("body", "status"))     # the customer sees the text and the state move, the vendor nothing

A tuple names the payload fields that audience may see; everything else is stripped. Field names:
  "body"           the event's text (a note, reason, resolution, processing report …)
  "status"         the state move (old_status → new_status)
  "attachments"    the files attached to the event (internal files stay hidden anyway)
  "<key>"          a key of `event.data`, e.g. "minutes", "clock"
  "fields.<name>"  one changed field inside data["fields"] (the before/after of an edit), e.g. "fields.severity"
The id, kind, actor and time of a visible event are always shown.

Fail closed: an event marked `internal` is staff only whatever its kind, and a kind missing from the table is
staff only (`test_visibility.py` fails until the new kind is declared). Adding a kind is one line here:

    EventKind.QUOTE_SENT: rule(customer=("body", "amount")),

Vendors see an order only once it was escalated to them (scoping, `WorkOrder.VENDOR_SCOPE`); this table decides
what of its history they then see: the fault, the escalation, the technical exchange — not our commercial terms,
work times, SLA mechanics or internal reviews.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from weibao.accounts.permissions import has_perm
from weibao.workorders.choices import EventKind


class Audience(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    VENDOR = "vendor"


@dataclass(frozen=True)
class Rule:
    """The payload fields each outside audience may see of one event kind; None: that audience never sees it."""

    customer: frozenset[str] | None
    vendor: frozenset[str] | None

    def fields_for(self, audience: Audience) -> frozenset[str] | None:
        return self.customer if audience == Audience.CUSTOMER else self.vendor


def rule(*, customer: tuple[str, ...] | None = None, vendor: tuple[str, ...] | None = None) -> Rule:
    return Rule(
        customer=frozenset(customer) if customer is not None else None,
        vendor=frozenset(vendor) if vendor is not None else None,
    )


STAFF_ONLY = rule()
ALL = frozenset({"*"})  # our staff see every field
MOVE = ("body", "status")  # a state move with its note or reason
COMPLAINT_PUBLIC = ("body", "complaint", "number", "complaint_status")  # a public step of the customer's complaint

# Changed fields of a triage edit (UPDATED) the customer may see: its own report and how we classify it. Our
# branch and the internal bookkeeping of moves (resume_status, reopen_count) stay with us.
CUSTOMER_EDIT_FIELDS = (
    "fields.severity",
    "fields.category",
    "fields.cause",
    "fields.title",
    "fields.symptom",
    "fields.site",
    "fields.devices",
    "fields.project",
    "fields.contact",
    "fields.service_type",
    "fields.chargeable",
    "fields.reporter_name",
    "fields.reporter_phone",
    "fields.reporter_email",
    "fields.service_kind",
    "fields.maintenance_type",
)
VENDOR_EDIT_FIELDS = ("fields.severity", "fields.category", "fields.title", "fields.symptom", "fields.devices")

# THE rule. One line per event kind; see the module docstring.
RULES: dict[str, Rule] = {
    EventKind.CREATED: rule(
        customer=(
            "body",
            "status",
            "attachments",
            "channel",
            "severity",
            "service_type",
            "service_kind",
            "maintenance_type",
            "chargeable",
            "entitlement",
            "devices",
        ),
        vendor=("body", "status", "attachments", "severity", "devices"),
    ),
    EventKind.ACKNOWLEDGED: rule(customer=(*MOVE, "fields.assignee"), vendor=("status",)),
    EventKind.DIAGNOSIS_STARTED: rule(customer=(*MOVE, "fields.assignee"), vendor=("status",)),
    EventKind.DISPATCHED: rule(customer=(*MOVE, "engineer", "fields.assignee"), vendor=("status",)),
    EventKind.ACCEPTED: rule(customer=("body", "engineer")),
    EventKind.ARRIVED: rule(customer=MOVE, vendor=("status",)),
    EventKind.RESOLVED: rule(
        customer=(*MOVE, "remote", "fields.resolution", "fields.cause"), vendor=(*MOVE, "fields.resolution")
    ),
    # What we wait for (a pause reason from the list) is the customer's business: usually it is them.
    EventKind.WAITING_CUSTOMER: rule(customer=(*MOVE, "pause_reason", "fields.wait_reason"), vendor=("status",)),
    EventKind.RESUMED: rule(customer=MOVE, vendor=("status",)),
    EventKind.ESCALATED: rule(
        customer=(*MOVE, "vendor", "fields.escalated_vendor"), vendor=(*MOVE, "vendor", "fields.escalated_vendor")
    ),
    EventKind.CUSTOMER_CONFIRMED: rule(customer=MOVE, vendor=("status",)),
    EventKind.CUSTOMER_REJECTED: rule(customer=MOVE, vendor=MOVE),  # the fault recurred: the vendor needs to know
    EventKind.CLOSED: rule(customer=(*MOVE, "reason_code"), vendor=("status",)),  # why, when closed early
    EventKind.REOPENED: rule(customer=MOVE, vendor=MOVE),
    EventKind.CANCELLED: rule(customer=(*MOVE, "fields.cancel_reason"), vendor=("status",)),
    EventKind.COMMENT: rule(customer=("body", "attachments"), vendor=("body", "attachments")),
    EventKind.UPDATED: rule(customer=CUSTOMER_EDIT_FIELDS, vendor=VENDOR_EDIT_FIELDS),
    EventKind.ASSIGNED: rule(customer=("fields.assignee",)),
    EventKind.WORK_LOGGED: rule(customer=("body", "minutes", "kind")),  # what was done and how long: billable
    EventKind.APPOINTMENT: rule(customer=("body", "fields.appointment_at")),  # not the SLA pause behind it
    EventKind.PLAN_RECORDED: rule(customer=("body", "fields.plan"), vendor=("body", "fields.plan")),
    EventKind.ATTACHMENT: rule(customer=("files", "attachments"), vendor=("files", "attachments")),
    EventKind.SLA_WARNING: STAFF_ONLY,  # our early warning, not a promise broken
    EventKind.SLA_BREACH: rule(customer=("clock", "deadline")),
    # A legacy review (遗留问题): the customer and vendor see the processing report (body) only; the review notes
    # live on LegacyReview, the next steps and the next review date in data — all staff only.
    EventKind.LEGACY_REVIEW: rule(customer=("body",), vendor=("body",)),
    # The calendar under the clocks changed (official holidays entered): the customer sees the new deadlines.
    EventKind.DEADLINES_RECOMPUTED: rule(customer=("body", "calendar", "clocks")),
    # A reply during observation and the desk's "keep observing" are the desk's business; the customer's own words
    # stay visible as its comment, and a reopen or confirmation as its own move.
    EventKind.OBSERVATION_REPLY: STAFF_ONLY,
    EventKind.OBSERVATION_KEPT: STAFF_ONLY,
    # Issue 18: asking the manager and declining a job are ours; "on the way" tells the customer someone is coming.
    EventKind.DISPATCH_REQUESTED: STAFF_ONLY,
    EventKind.DECLINED: STAFF_ONLY,
    EventKind.DEPARTED: rule(customer=("body", "engineer")),
    # On site (issue 11): what the customer confirmed, was quoted, approved and signed is theirs to see; the vendor
    # sees the technical part (cause, serials, changes), not our prices. A link sent and a draft form are ours.
    EventKind.CAUSE_CONFIRMED: rule(
        customer=(
            "body",
            "confirmed_by",
            "cause",
            "human_cause",
            "fields.cause",
            "fields.chargeable",
            "fields.charge_reason",
            "fields.service_type",
        ),
        vendor=("body", "cause"),
    ),
    EventKind.QUOTE_ISSUED: rule(customer=("body", "status", "quote", "revision", "total", "fields.wait_reason")),
    EventKind.QUOTE_REVISED: rule(
        customer=(
            "body",
            "status",
            "quote",
            "revision",
            "total",
            "previous_total",
            "previous_status",
            "fields.wait_reason",
        ),
    ),
    EventKind.QUOTE_LINK_SENT: STAFF_ONLY,
    EventKind.QUOTE_APPROVED: rule(customer=("body", "status", "quote", "revision", "total", "via", "name")),
    EventKind.QUOTE_REFUSED: rule(customer=("body", "status", "quote", "revision", "total", "via", "name")),
    EventKind.QUOTE_WITHDRAWN: rule(customer=("body", "status", "quote", "revision", "total")),
    EventKind.DEVICE_REPLACED: rule(
        customer=("body", "old_device", "new_device", "old_serial", "new_serial", "new_model"),
        vendor=("old_serial", "new_serial", "new_model"),
    ),
    EventKind.BACKUP_RECORDED: rule(customer=("body", "location", "by", "customer_agreed", "agreed_by", "file")),
    EventKind.CHANGE_RECORDED: rule(customer=("body", "backup"), vendor=("body",)),
    EventKind.SERVICE_FORM_SAVED: STAFF_ONLY,
    EventKind.SERVICE_FORM_SIGNED: rule(
        customer=(
            "form",
            "revision",
            "complete",
            "missing",
            "solved",
            "satisfaction",
            "signed_by",
            "attachments",
            "fields.appointment_at",
        ),
    ),
    # Spare parts (issue 14): the customer sees which parts went into its order, never the store's costs.
    EventKind.PARTS_RESERVED: STAFF_ONLY,
    EventKind.PARTS_ISSUED: rule(customer=("body", "part", "part_number", "quantity", "serials")),
    EventKind.PARTS_RETURNED: rule(customer=("body", "part", "part_number", "quantity", "serials")),
    # Vendor escalation (issue 14): the vendor sees its own case details, the questions and answers and the root
    # cause; the customer sees the root cause and that a unit went to repair, not our exchange with the vendor.
    EventKind.VENDOR_CASE: rule(vendor=("body", "case_number", "engineer", "fields.escalated_vendor")),
    EventKind.VENDOR_QUESTION: rule(vendor=("body", "question")),
    EventKind.VENDOR_ANSWER: rule(vendor=("body", "question")),
    EventKind.ROOT_CAUSE: rule(customer=("body",), vendor=("body", "case_number")),
    EventKind.ESCALATION_WITHDRAWN: rule(vendor=("body",)),
    EventKind.RMA_OPENED: rule(customer=("rma", "serial"), vendor=("rma", "serial")),
    # Plans (issue 22): the customer sees the plan it is asked to agree to and its own answer; the vendor the
    # technical content. The plan's internal note never leaves us (neither here nor on the plan record, below).
    EventKind.PLAN_SUBMITTED: rule(
        customer=("body", "plan", "revision", "milestones", "status"), vendor=("body", "plan", "revision")
    ),
    EventKind.PLAN_LINK_SENT: STAFF_ONLY,  # who we sent a link to is ours
    EventKind.PLAN_APPROVED: rule(customer=("body", "plan", "revision", "via", "name"), vendor=("plan", "revision")),
    EventKind.PLAN_CHANGES_REQUESTED: rule(customer=("body", "plan", "revision", "via", "name")),
    EventKind.PLAN_REJECTED: rule(customer=("body", "plan", "revision", "via", "name")),
    EventKind.MILESTONE_DONE: rule(customer=("body", "milestone", "title", "due_on")),
    EventKind.MILESTONE_MISSED: rule(
        customer=("body", "milestone", "title", "due_on")
    ),  # an agreed date missed, like a breach
    EventKind.REVIEW_DUE: STAFF_ONLY,  # our reminder to review a legacy order
    EventKind.PROCESSING_REPORT: rule(customer=("body", "attachments", "report")),
    # Emergency plan (issue 15): the customer sees which step of its system's plan was done, not our contacts.
    EventKind.EMERGENCY_STEP_DONE: rule(customer=("body", "step", "plan")),
    # The customer loop (issue 12). A callback: the customer sees that we called, its rating and the follow-up, not
    # the manager's notes (a try that did not reach anybody is internal). Complaint steps: the customer sees the
    # public steps of its own complaint with their text (its words, our answer); the engineer's statement, notes
    # and the confirmation are internal. Vendors never. Among our staff: see COMPLAINT_KINDS below.
    EventKind.CALLBACK_MADE: rule(customer=("outcome", "satisfaction", "follow_up", "follow_up_order")),
    EventKind.COMPLAINT_REGISTERED: rule(customer=COMPLAINT_PUBLIC),
    EventKind.COMPLAINT_INVESTIGATING: rule(customer=COMPLAINT_PUBLIC),
    EventKind.COMPLAINT_ANSWERED: rule(customer=COMPLAINT_PUBLIC),
    EventKind.COMPLAINT_ESCALATED: rule(customer=COMPLAINT_PUBLIC),
    EventKind.COMPLAINT_CLOSED: rule(customer=COMPLAINT_PUBLIC),
    EventKind.COMPLAINT_STATEMENT: STAFF_ONLY,
    EventKind.COMPLAINT_NOTE: STAFF_ONLY,
    EventKind.COMPLAINT_CONFIRMED: STAFF_ONLY,
    EventKind.COMPLAINT_UNCONFIRMED: STAFF_ONLY,
    # Issue 17: triage moved the order to another of the customer's own sites (the new deadlines are staff only).
    EventKind.SITE_MOVED: rule(customer=("body", "from", "to")),
}

# Staff who see less (issue 12): the steps of a complaint that names an engineer (`data["engineer"]`, a user id)
# belong to the managers (permission MANAGER_PERM). The engineer complained about sees that the complaint exists
# and how it moves (COMPLAINT_EXISTS: no text, not the customer's words, the answer or our notes) and answers on
# the complaint's page; other staff do not see these steps at all. Without a user (a notice, a robot) they are hidden.
COMPLAINT_KINDS = frozenset(
    {
        EventKind.COMPLAINT_REGISTERED,
        EventKind.COMPLAINT_INVESTIGATING,
        EventKind.COMPLAINT_STATEMENT,
        EventKind.COMPLAINT_NOTE,
        EventKind.COMPLAINT_ANSWERED,
        EventKind.COMPLAINT_ESCALATED,
        EventKind.COMPLAINT_CLOSED,
        EventKind.COMPLAINT_CONFIRMED,
        EventKind.COMPLAINT_UNCONFIRMED,
    }
)
COMPLAINT_EXISTS = frozenset({"complaint", "number", "complaint_status"})
MANAGER_PERM = "feedback.complaints_manage"

# Records shown beside the timeline (issue 22): the fields of each that the customer and the vendor may see — the
# same fail-closed rule as RULES (a field not named is staff only, a model not named is staff only). The plan's
# and the change request's internal notes and the legacy review's notes, next steps and next review date are ours.
RECORD_RULES: dict[str, Rule] = {
    "plans.solutionplan": rule(
        customer=(
            "id",
            "revision",
            "status",
            "cause",
            "cause_confirmed_by",
            "actions",
            "risks",
            "parts",
            "submitted_at",
            "answered_at",
            "answered_via",
            "answer_name",
            "answer_reason",
            "version",
        ),
        vendor=("id", "revision", "status", "cause", "actions", "risks", "parts"),
    ),
    "plans.milestone": rule(customer=("id", "position", "title", "due_on", "due_at", "done_at", "missed_at", "active")),
    "plans.changerequest": rule(
        customer=(
            "id",
            "contract",
            "workorder",
            "title",
            "description",
            "plan",
            "estimate_days",
            "chargeable",
            "quote_amount",
            "agreed_on",
            "status",
            "accepted_at",
            "accepted_by_name",
            "version",
        ),
    ),
    "workorders.legacyreview": rule(
        customer=("id", "reviewed_at", "customer_report"), vendor=("id", "reviewed_at", "customer_report")
    ),
}


def audience_of(user) -> Audience | None:
    """Which side a user is on; None for anybody who must see no timeline at all."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_internal:
        return Audience.STAFF
    if user.is_customer:
        return Audience.CUSTOMER
    if user.is_vendor:
        return Audience.VENDOR
    return None


def rule_for(kind: str) -> Rule:
    return RULES.get(kind, STAFF_ONLY)  # fail closed: an undeclared kind is staff only


def visible_fields(kind: str, audience: Audience | None, *, internal: bool = False) -> frozenset[str] | None:
    """The payload fields `audience` may see of an event of `kind`; None when it may not see the event at all."""
    if audience is None:
        return None
    if audience == Audience.STAFF:
        return ALL
    if internal:
        return None
    return rule_for(kind).fields_for(audience)


def is_visible(event, audience: Audience | None) -> bool:
    return visible_fields(event.kind, audience, internal=event.internal) is not None


def _strip_data(data: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    out = {key: value for key, value in (data or {}).items() if key != "fields" and key in allowed}
    changed = (data or {}).get("fields")
    if isinstance(changed, dict):
        kept = {name: pair for name, pair in changed.items() if f"fields.{name}" in allowed}
        if kept:
            out["fields"] = kept
    return out


def staff_fields(event, user) -> frozenset[str] | None:
    """What a member of our staff may see of `event`: everything, except the steps of a complaint about an engineer
    (the comment at COMPLAINT_KINDS: managers everything, the engineer complained about COMPLAINT_EXISTS, others nothing)."""
    engineer = (event.data or {}).get("engineer") if event.kind in COMPLAINT_KINDS else None
    if not engineer:
        return ALL
    if user is not None and has_perm(user, MANAGER_PERM):
        return ALL
    if user is not None and user.pk == engineer:
        return COMPLAINT_EXISTS
    return None


def redact(event, audience: Audience | None, user=None):
    """`event` as `audience` may see it: itself for staff, None when hidden, else an unsaved copy with every field
    the rule does not allow emptied (the copy can never be saved: events are append-only). For staff, `user` (the
    viewer) decides the complaint steps `staff_fields` restricts."""
    allowed = visible_fields(event.kind, audience, internal=event.internal)
    if allowed is ALL and event.kind in COMPLAINT_KINDS:
        allowed = staff_fields(event, user)
    if allowed is None:
        return None
    if allowed is ALL:
        return event
    shown = copy.copy(event)
    shown.body = event.body if "body" in allowed else ""
    if "status" not in allowed:
        shown.old_status = shown.new_status = ""
    shown.data = _strip_data(event.data, allowed)
    shown.source_ref = ""  # a mail's Message-ID or an integration's reference: ours
    cache = dict(getattr(event, "_prefetched_objects_cache", {}))
    if "attachments" not in allowed:
        cache["attachments"] = event.attachments.none()
    shown._prefetched_objects_cache = cache
    return shown


def redact_all(events, audience: Audience | None, user=None) -> list:
    return [shown for shown in (redact(e, audience, user) for e in events) if shown is not None]


def record_fields(label: str, audience: Audience | None) -> frozenset[str] | None:
    """The fields of a record of model `label` ("app.model") that `audience` may see; ALL for staff, None: none."""
    if audience is None:
        return None
    if audience == Audience.STAFF:
        return ALL
    return RECORD_RULES.get(label, STAFF_ONLY).fields_for(audience)


def redact_record(obj, audience: Audience | None):
    """`obj` as `audience` may see it: itself for staff, None when hidden, else an unsaved copy whose text fields
    not allowed are emptied (and other fields set to None). Never saved: the copy carries `_redacted`."""
    allowed = record_fields(obj._meta.label_lower, audience)
    if allowed is None:
        return None
    if allowed is ALL:
        return obj
    shown = copy.copy(obj)
    for field in obj._meta.concrete_fields:
        name = field.name
        if name in allowed or field.primary_key:
            continue
        if field.is_relation:
            continue  # which order, contract or person a row belongs to: scoping already decided that
        if field.get_internal_type() in ("TextField", "CharField"):
            setattr(shown, name, "")
        elif not field.null:
            continue  # a flag or a number the model needs to render (never a secret: secrets are text)
        else:
            setattr(shown, name, None)
    shown._redacted = True
    shown.save = _refuse_save
    return shown


def _refuse_save(*args, **kwargs):
    raise ValueError("a redacted copy cannot be saved")
