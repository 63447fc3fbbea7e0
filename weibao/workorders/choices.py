"""Work-order vocabulary: states, the state table, event kinds, categories (SPEC §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.contracts.choices import ServiceType  # noqa: F401 - one vocabulary, re-exported for the order's field


class Status(models.TextChoices):
    """Where a work order (故障处理工作单) stands in its lifecycle."""

    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DIAGNOSING = "diagnosing", _("Remote diagnosis")
    DISPATCHED = "dispatched", _("Dispatched")
    ON_SITE = "on_site", _("On site")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    ESCALATED = "escalated", _("Escalated to vendor")
    RESOLVED = "resolved", _("Resolved")
    OBSERVING = "observing", _("Under observation")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# The only place moves are defined. A move not listed here raises TransitionNotAllowed.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.ACKNOWLEDGED, Status.DIAGNOSING, Status.DISPATCHED, Status.WAITING_CUSTOMER, Status.CANCELLED}
    ),
    Status.ACKNOWLEDGED: frozenset(
        {
            Status.DIAGNOSING,
            Status.DISPATCHED,
            Status.WAITING_CUSTOMER,
            Status.ESCALATED,
            Status.RESOLVED,
            Status.CANCELLED,
        }
    ),
    Status.DIAGNOSING: frozenset(
        {Status.DISPATCHED, Status.WAITING_CUSTOMER, Status.ESCALATED, Status.RESOLVED, Status.CANCELLED}
    ),
    # DISPATCHED -> DISPATCHED is a re-assignment to another engineer.
    Status.DISPATCHED: frozenset(
        {
            Status.DISPATCHED,
            Status.ON_SITE,
            Status.DIAGNOSING,
            Status.WAITING_CUSTOMER,
            Status.ESCALATED,
            Status.RESOLVED,
            Status.CANCELLED,
        }
    ),
    Status.ON_SITE: frozenset({Status.RESOLVED, Status.WAITING_CUSTOMER, Status.ESCALATED, Status.DISPATCHED}),
    # Leaving WAITING_CUSTOMER goes back to the state it was entered from (WorkOrder.resume_status).
    Status.WAITING_CUSTOMER: frozenset(
        {
            Status.NEW,
            Status.ACKNOWLEDGED,
            Status.DIAGNOSING,
            Status.DISPATCHED,
            Status.ON_SITE,
            Status.ESCALATED,
            Status.REOPENED,
            Status.CANCELLED,
        }
    ),
    Status.ESCALATED: frozenset(
        {Status.DIAGNOSING, Status.DISPATCHED, Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CANCELLED}
    ),
    # A resolved order observes; the customer confirms (-> OBSERVING) or rejects (-> REOPENED).
    Status.RESOLVED: frozenset({Status.OBSERVING, Status.CLOSED, Status.REOPENED}),
    Status.OBSERVING: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.REOPENED: frozenset(
        {
            Status.ACKNOWLEDGED,
            Status.DIAGNOSING,
            Status.DISPATCHED,
            Status.WAITING_CUSTOMER,
            Status.ESCALATED,
            Status.RESOLVED,
            Status.CANCELLED,
        }
    ),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.CANCELLED: frozenset(),
}


# Each action on an order, declared ONCE: the permission (in the one table, weibao/accounts/permissions.py) and the
# status it moves to (None: no move, or a move the service works out). The services check this permission, the
# allowed-actions selector offers the buttons by it, and the views and the API ask it — none names the permission.
ACTIONS: dict[str, tuple[str, str | None]] = {
    "acknowledge": ("workorders.acknowledge", Status.ACKNOWLEDGED),
    "start_diagnosis": ("workorders.diagnose", Status.DIAGNOSING),
    "dispatch": ("workorders.dispatch", Status.DISPATCHED),
    "accept": ("workorders.accept", None),
    "arrive": ("workorders.on_site", Status.ON_SITE),
    "resolve": ("workorders.resolve", Status.RESOLVED),
    "wait_customer": ("workorders.wait_customer", Status.WAITING_CUSTOMER),
    "resume": ("workorders.wait_customer", None),
    "escalate": ("workorders.escalate", Status.ESCALATED),
    "customer_confirm": ("workorders.confirm", Status.OBSERVING),
    "customer_reject": ("workorders.confirm", None),
    "close": ("workorders.close", Status.CLOSED),
    "reopen": ("workorders.reopen", Status.REOPENED),
    "cancel": ("workorders.cancel", Status.CANCELLED),
    "log_work": ("workorders.diagnose", None),
    "record_plan": ("workorders.diagnose", None),
    "set_appointment": ("workorders.appointment", None),
    "assign": ("workorders.triage", None),
    "update": ("workorders.triage", None),
    "move_site": ("workorders.triage", None),  # issue 17: another site of the same customer
    "comment": ("workorders.comment", None),
    # The desk's decision about a customer's reply during observation (issue 23).
    "reply_reopen": ("workorders.reopen", None),
    "reply_keep": ("workorders.reopen", None),
    # Issue 18: ask the manager to dispatch (when the duty engineer may not), decline a job, set off for the site.
    "request_dispatch": ("workorders.request_dispatch", None),
    "decline": ("workorders.accept", None),
    "depart": ("workorders.on_site", None),
}


def action_perm(action: str) -> str:
    """The permission of an action verb of ACTIONS (a KeyError for an unknown verb: a programming error)."""
    return ACTIONS[action][0]


# States in which somebody still has to act (the queue).
OPEN_STATUSES = frozenset(
    {
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.DIAGNOSING,
        Status.DISPATCHED,
        Status.ON_SITE,
        Status.WAITING_CUSTOMER,
        Status.ESCALATED,
        Status.REOPENED,
    }
)
# Fixed, waiting for the observation period to pass.
OBSERVATION_STATUSES = frozenset({Status.RESOLVED, Status.OBSERVING})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})
# Not closed or cancelled: SLA clocks may still run, the observation sweep looks here.
ACTIVE_STATUSES = OPEN_STATUSES | OBSERVATION_STATUSES
# Work finished (observing, resolved, closed, cancelled): "earlier orders" in a briefing.
DONE_STATUSES = frozenset(Status) - OPEN_STATUSES

# Badge colours sit beside the values (templates display, they don't decide).
STATUS_BADGE = {
    Status.NEW: "info",
    Status.ACKNOWLEDGED: "info",
    Status.DIAGNOSING: "info",
    Status.DISPATCHED: "warn",
    Status.ON_SITE: "warn",
    Status.WAITING_CUSTOMER: "muted",
    Status.ESCALATED: "danger",
    Status.RESOLVED: "ok",
    Status.OBSERVING: "ok",
    Status.REOPENED: "danger",
    Status.CLOSED: "muted",
    Status.CANCELLED: "muted",
}


class Category(models.TextChoices):
    """Hardware vs software (SPEC §4.2)."""

    HARDWARE = "hardware", _("Hardware")
    SOFTWARE = "software", _("Software")
    NETWORK = "network", _("Network")
    OTHER = "other", _("Other")


class Cause(models.TextChoices):
    """Human error or the system itself (SPEC §4.4)."""

    UNKNOWN = "unknown", _("Not yet known")
    HUMAN = "human", _("Human error")
    SYSTEM = "system", _("System fault")


class SlaState(models.TextChoices):
    """The worst state of an order's running SLA clocks (denormalised for fast queues)."""

    OK = "ok", _("On track")
    WARNING = "warning", _("At risk")
    BREACHED = "breached", _("Breached")


SLA_STATE_BADGE = {SlaState.OK: "ok", SlaState.WARNING: "warn", SlaState.BREACHED: "danger"}


class EventKind(models.TextChoices):
    """What a timeline entry records."""

    CREATED = "created", _("Reported")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DIAGNOSIS_STARTED = "diagnosis_started", _("Remote diagnosis started")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted by engineer")
    ARRIVED = "arrived", _("Arrived on site")
    RESOLVED = "resolved", _("Resolved")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    RESUMED = "resumed", _("Resumed")
    ESCALATED = "escalated", _("Escalated to vendor")
    CUSTOMER_CONFIRMED = "customer_confirmed", _("Customer confirmed the fix")
    CUSTOMER_REJECTED = "customer_rejected", _("Customer rejected the fix")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")
    COMMENT = "comment", _("Comment")
    UPDATED = "updated", _("Changed")
    ASSIGNED = "assigned", _("Assigned")
    WORK_LOGGED = "work_logged", _("Work logged")
    APPOINTMENT = "appointment", _("Appointment agreed")
    PLAN_RECORDED = "plan_recorded", _("Solution plan recorded")
    ATTACHMENT = "attachment", _("Attachment added")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    LEGACY_REVIEW = "legacy_review", _("Legacy review")
    # The calendar under running clocks changed (e.g. next year's official holidays entered): deadlines moved.
    DEADLINES_RECOMPUTED = "deadlines_recomputed", _("Deadlines recalculated")
    # Issue 23: a customer's free-text reply during observation (internal: the desk decides), and the desk's decision
    # to keep observing (internal). A reopen keeps its own kind (REOPENED / CUSTOMER_REJECTED).
    OBSERVATION_REPLY = "observation_reply", _("Customer replied during observation")
    OBSERVATION_KEPT = "observation_kept", _("Observation continues after a reply")
    # On site (issue 11): one event per step of the visit.
    CAUSE_CONFIRMED = "cause_confirmed", _("Problem and cause confirmed on site")
    QUOTE_ISSUED = "quote_issued", _("Quote sent to the customer")
    QUOTE_REVISED = "quote_revised", _("Quote revised")
    QUOTE_LINK_SENT = "quote_link_sent", _("Quote approval link sent")
    QUOTE_APPROVED = "quote_approved", _("Quote approved")
    QUOTE_REFUSED = "quote_refused", _("Quote refused")
    QUOTE_WITHDRAWN = "quote_withdrawn", _("Quote withdrawn")
    DEVICE_REPLACED = "device_replaced", _("Device replaced")
    BACKUP_RECORDED = "backup_recorded", _("Backup recorded")
    CHANGE_RECORDED = "change_recorded", _("Change carried out")
    SERVICE_FORM_SAVED = "service_form_saved", _("Service form saved")
    SERVICE_FORM_SIGNED = "service_form_signed", _("Service form signed")
    # Spare parts (issue 14): parts set aside for, taken out to and brought back from the order.
    PARTS_RESERVED = "parts_reserved", _("Spare parts reserved")
    PARTS_ISSUED = "parts_issued", _("Spare parts issued")
    PARTS_RETURNED = "parts_returned", _("Unused spare parts returned")
    # Plans the customer agrees to (issue 22): the solution plan's way to the customer and back, the agreed
    # schedule's milestones, the legacy review's reminder and the processing report sent to the customer.
    PLAN_SUBMITTED = "plan_submitted", _("Solution plan submitted to the customer")
    PLAN_LINK_SENT = "plan_link_sent", _("Plan approval link sent")
    PLAN_APPROVED = "plan_approved", _("Solution plan approved")
    PLAN_CHANGES_REQUESTED = "plan_changes_requested", _("Changes to the plan requested")
    PLAN_REJECTED = "plan_rejected", _("Solution plan rejected")
    MILESTONE_DONE = "milestone_done", _("Milestone reached")
    MILESTONE_MISSED = "milestone_missed", _("Milestone missed")
    REVIEW_DUE = "review_due", _("Legacy review due")
    PROCESSING_REPORT = "processing_report", _("Processing report sent")
    # Issue 18: the duty engineer asks the manager to dispatch (after hours); the field engineer declines a job or
    # sets off (出发) for the site.
    DISPATCH_REQUESTED = "dispatch_requested", _("Dispatch requested from the manager")
    DECLINED = "declined", _("Declined by engineer")
    DEPARTED = "departed", _("Engineer on the way")
    # Vendor escalation tracked to the root cause and faulty units sent to repair (issue 14, the rma app).
    VENDOR_CASE = "vendor_case", _("Vendor case details recorded")
    VENDOR_QUESTION = "vendor_question", _("Question to the vendor")
    VENDOR_ANSWER = "vendor_answer", _("Vendor answered")
    ROOT_CAUSE = "root_cause", _("Root cause recorded: solved by the vendor")
    ESCALATION_WITHDRAWN = "escalation_withdrawn", _("Escalation withdrawn")
    RMA_OPENED = "rma_opened", _("Faulty unit sent to repair (RMA)")
    EMERGENCY_STEP_DONE = "emergency_step_done", _("Emergency plan step done")
    # The customer loop (issue 12): a callback's result and each step of a complaint about the order (the
    # complaint's own timeline is in weibao/feedback; these are the order's copy of each step).
    CALLBACK_MADE = "callback_made", _("Customer called back")
    COMPLAINT_REGISTERED = "complaint_registered", _("Complaint registered")
    COMPLAINT_INVESTIGATING = "complaint_investigating", _("Complaint under investigation")
    COMPLAINT_STATEMENT = "complaint_statement", _("Engineer's statement on a complaint")
    COMPLAINT_NOTE = "complaint_note", _("Note on a complaint")
    COMPLAINT_ANSWERED = "complaint_answered", _("Complaint answered")
    COMPLAINT_ESCALATED = "complaint_escalated", _("Complaint escalated to the general manager")
    COMPLAINT_CLOSED = "complaint_closed", _("Complaint closed")
    COMPLAINT_CONFIRMED = "complaint_confirmed", _("Complaint confirmed against the engineer")
    COMPLAINT_UNCONFIRMED = "complaint_unconfirmed", _("Complaint confirmation withdrawn")
    # Issue 17: triage moved the order to another site of the same customer (the clocks follow the new region).
    SITE_MOVED = "site_moved", _("Moved to another site")


# Event kinds that are state moves, by target status (used by seeds and KPIs).
TRANSITION_EVENT = {
    Status.ACKNOWLEDGED: EventKind.ACKNOWLEDGED,
    Status.DIAGNOSING: EventKind.DIAGNOSIS_STARTED,
    Status.DISPATCHED: EventKind.DISPATCHED,
    Status.ON_SITE: EventKind.ARRIVED,
    Status.RESOLVED: EventKind.RESOLVED,
    Status.WAITING_CUSTOMER: EventKind.WAITING_CUSTOMER,
    Status.ESCALATED: EventKind.ESCALATED,
    Status.OBSERVING: EventKind.CUSTOMER_CONFIRMED,
    Status.CLOSED: EventKind.CLOSED,
    Status.REOPENED: EventKind.REOPENED,
    Status.CANCELLED: EventKind.CANCELLED,
}


# The on-site steps' event kinds (issue 11), split by who may see them on the timeline. The visibility table maps
# these: customer-visible kinds are shown in the portal, internal ones only to our staff.
ONSITE_CUSTOMER_EVENT_KINDS = frozenset(
    {
        EventKind.CAUSE_CONFIRMED,
        EventKind.QUOTE_ISSUED,
        EventKind.QUOTE_REVISED,
        EventKind.QUOTE_APPROVED,
        EventKind.QUOTE_REFUSED,
        EventKind.QUOTE_WITHDRAWN,
        EventKind.DEVICE_REPLACED,
        EventKind.BACKUP_RECORDED,
        EventKind.CHANGE_RECORDED,
        EventKind.SERVICE_FORM_SIGNED,
    }
)
# A link sent (who it went to) and a draft form saved are our own business until signed.
INTERNAL_EVENT_KINDS = frozenset({EventKind.QUOTE_LINK_SENT, EventKind.SERVICE_FORM_SAVED})
ONSITE_EVENT_KINDS = ONSITE_CUSTOMER_EVENT_KINDS | INTERNAL_EVENT_KINDS


class WaitReason(models.TextChoices):
    """The system pause reasons: code paths set these (a quote waits for approval, a visit time the customer chose).

    The full list of reasons a desk may pick is the configurable `PauseReason` table (issue 17 point 5), which holds
    these codes as system rows that cannot be deleted; the strings never change."""

    NONE = "", _("—")
    QUOTE_APPROVAL = "quote_approval", _("Awaiting quote approval")
    VISIT_AGREED = "visit_agreed", _("Visit time agreed with the customer")


# The reasons seeded into the PauseReason table (code, Chinese name, system row). System codes are used by code.
SEEDED_PAUSE_REASONS = (
    ("awaiting_access", "等待客户开门/配合", False),
    (WaitReason.QUOTE_APPROVAL.value, "等待报价确认", True),
    ("parts", "等待备件", False),
    ("vendor", "等待厂商", True),
    ("customer_test", "等待客户测试", False),
    (WaitReason.VISIT_AGREED.value, "与客户约定上门时间", True),
)
# A pause state other than waiting on the customer records this reason (the SLA policy may pause on escalation).
STATUS_PAUSE_REASON = {"escalated": "vendor"}


class ServiceKind(models.TextChoices):
    """What the order asks us to do (服务类型, issue 17 point 6)."""

    FAULT_REPAIR = "fault_repair", _("Fault repair")
    DELIVERY = "delivery", _("Delivery")
    INSTALLATION = "installation", _("Installation")
    COMMISSIONING = "commissioning", _("Commissioning")
    CONSULTATION = "consultation", _("Usage question")
    TRAINING = "training", _("Training")
    INSPECTION = "inspection", _("Inspection")


class MaintenanceType(models.TextChoices):
    """The maintenance type of software-engineering practice (改正性/适应性/完善性维护)."""

    CORRECTIVE = "corrective", _("Corrective maintenance")
    ADAPTIVE = "adaptive", _("Adaptive maintenance")
    PERFECTIVE = "perfective", _("Perfective maintenance")


class ChargeReason(models.TextChoices):
    """Why an order is chargeable (shown on the order)."""

    NONE = "", _("—")
    OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty")
    NOT_COVERED = "not_covered", _("Not covered by a contract")
    HUMAN_ERROR = "human_error", _("Human-caused fault: excluded from warranty (三包)")


class HumanCause(models.TextChoices):
    """The 三包 exclusions: damage from use, upkeep or storage, or force majeure (SEED-GAPS §2.6)."""

    NONE = "", _("—")
    MISUSE = "misuse", _("Improper use")
    UPKEEP = "upkeep", _("Improper maintenance or storage")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")


class WorkKind(models.TextChoices):
    REMOTE = "remote", _("Remote diagnosis")
    ON_SITE = "on_site", _("On site")
    TRAVEL = "travel", _("Travel")


class AlertLevel(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class ReopenSource(models.TextChoices):
    """Who or what reopened an order (issue 23): reports and statistics count reopens by source."""

    CUSTOMER_LINK = "customer_link", _("Customer link")
    CUSTOMER_SMS = "customer_sms", _("Customer SMS answer")
    CUSTOMER_PORTAL = "customer_portal", _("Customer portal")
    DESK_REPLY = "desk_reply", _("Desk, after a customer reply")
    PHONE = "phone", _("Recurrence reported by phone")
    INSPECTION = "inspection", _("Inspection finding")
    STAFF = "staff", _("Staff")
    # Reopens recorded before sources existed, done automatically by any customer reply (the old rule).
    LEGACY_REPLY = "legacy_reply", _("Automatic reopen by a reply (old rule)")


# Sources a member of staff may choose when reopening by hand (the others are set by the path that reopens).
STAFF_REOPEN_SOURCES = (ReopenSource.STAFF, ReopenSource.PHONE, ReopenSource.INSPECTION)


class ReopenReason(models.TextChoices):
    """The desk's list of reasons for a reopen; the text beside it says what exactly."""

    RECURRED = "recurred", _("The same fault recurred")
    NOT_FIXED = "not_fixed", _("The fix did not work")
    RELATED = "related", _("A related new symptom")
    UNFINISHED = "unfinished", _("Work was left unfinished")
    OTHER = "other", _("Other")


class CloseReason(models.TextChoices):
    """Why an order is closed before its observation period (运行观察期) has passed (issue 18): on the timeline."""

    CUSTOMER_CONFIRMED = "customer_confirmed", _("The customer confirmed the fix")
    DUPLICATE = "duplicate", _("Duplicate of another order")
    REPORTED_IN_ERROR = "reported_in_error", _("Reported in error, no fault")
    CUSTOMER_REQUEST = "customer_request", _("The customer asked to close")
    OTHER = "other", _("Other (say why)")


class ReplyDecision(models.TextChoices):
    """What the desk decided about a customer's reply during observation ('' = still open, the flag is up)."""

    OPEN = "", _("Waiting for the desk")
    REOPENED = "reopened", _("Reopened")
    KEPT = "kept", _("Kept observing")
    ANSWERED = "answered", _("Settled by the customer's answer")


class CustomerAnswer(models.TextChoices):
    """The two answers the resolution notice offers (links, portal buttons, SMS 1 / 2)."""

    FIXED = "fixed", _("Resolved, the order can be closed")
    NOT_FIXED = "not_fixed", _("The problem persists, handle it again")


class AlarmStatus(models.TextChoices):
    """What became of an alarm sent to the events intake (POST /api/work-orders/events)."""

    PENDING = "pending", _("Pending")
    CREATED = "created", _("Work order created")
    DUPLICATE = "duplicate", _("Repeat of an open order")
    REJECTED = "rejected", _("Rejected")
