"""RMA vocabulary (坏件返修控制程序, SPEC §4.9, SEED-GAPS §2.10 item 10) and vendor escalation states (§4.7)."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class EscalationStatus(models.TextChoices):
    """Where the escalation of one order to one vendor stands (上报厂商技术支持)."""

    OPEN = "open", _("With the vendor")
    SOLVED = "solved", _("Solved by the vendor")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ESCALATION_BADGE = {EscalationStatus.OPEN: "danger", EscalationStatus.SOLVED: "ok", EscalationStatus.WITHDRAWN: "muted"}


class Source(models.TextChoices):
    """Where the faulty unit comes from."""

    REPLACEMENT = "replacement", _("Replaced on a work order")
    STOCK = "stock", _("Faulty unit from stock")
    MANUAL = "manual", _("Registered by hand")


class Route(models.TextChoices):
    """The warranty decision: the vendor comes on site, or the unit is sent back to the vendor."""

    UNDECIDED = "", _("Not decided")
    VENDOR_VISIT = "vendor_visit", _("Vendor on-site service")
    SEND_BACK = "send_back", _("Send back for repair")


class Status(models.TextChoices):
    """The RMA case's life (one function per move in services.py)."""

    REGISTERED = "registered", _("Registered")
    VENDOR_VISIT = "vendor_visit", _("Vendor visit requested")
    AWAITING_FEE = "awaiting_fee", _("Awaiting the customer's fee approval")
    READY_TO_SHIP = "ready_to_ship", _("Ready to ship to the vendor")
    SHIPPED_OUT = "shipped_out", _("Shipped to the vendor")
    IN_REPAIR = "in_repair", _("In repair at the vendor")
    SHIPPED_BACK = "shipped_back", _("Shipped back by the vendor")
    RECEIVED = "received", _("Received back")
    RETURNED = "returned", _("Returned")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# The only place moves are defined.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REGISTERED: frozenset({Status.VENDOR_VISIT, Status.AWAITING_FEE, Status.READY_TO_SHIP, Status.CANCELLED}),
    Status.VENDOR_VISIT: frozenset({Status.RETURNED, Status.AWAITING_FEE, Status.READY_TO_SHIP, Status.CANCELLED}),
    Status.AWAITING_FEE: frozenset({Status.AWAITING_FEE, Status.READY_TO_SHIP, Status.CANCELLED}),
    Status.READY_TO_SHIP: frozenset({Status.SHIPPED_OUT, Status.AWAITING_FEE, Status.CANCELLED}),
    Status.SHIPPED_OUT: frozenset({Status.IN_REPAIR, Status.SHIPPED_BACK}),
    Status.IN_REPAIR: frozenset({Status.SHIPPED_BACK}),
    Status.SHIPPED_BACK: frozenset({Status.RECEIVED}),
    Status.RECEIVED: frozenset({Status.RETURNED}),
    Status.RETURNED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}
OPEN_STATUSES = frozenset(Status) - {Status.CLOSED, Status.CANCELLED}
# The unit is out of our hands: the ageing clock "with the vendor" runs.
WITH_VENDOR_STATUSES = frozenset({Status.SHIPPED_OUT, Status.IN_REPAIR})
# The vendor has been told about the case (visit requested or unit sent): from here its users see it.
SENT_TO_VENDOR_STATUSES = frozenset(
    {Status.VENDOR_VISIT, Status.SHIPPED_OUT, Status.IN_REPAIR, Status.SHIPPED_BACK, Status.RECEIVED}
)

STATUS_BADGE = {
    Status.REGISTERED: "info",
    Status.VENDOR_VISIT: "warn",
    Status.AWAITING_FEE: "muted",
    Status.READY_TO_SHIP: "warn",
    Status.SHIPPED_OUT: "danger",
    Status.IN_REPAIR: "danger",
    Status.SHIPPED_BACK: "warn",
    Status.RECEIVED: "info",
    Status.RETURNED: "ok",
    Status.CLOSED: "ok",
    Status.CANCELLED: "muted",
}


class WarrantyState(models.TextChoices):
    IN = "in", _("In warranty")
    OUT = "out", _("Out of warranty")
    UNKNOWN = "unknown", _("Unknown")


class ReturnTo(models.TextChoices):
    NONE = "", _("—")
    CUSTOMER = "customer", _("Returned to the customer")
    STOCK = "stock", _("Back into stock")


class RepairOutcome(models.TextChoices):
    REPAIRED = "repaired", _("Repaired")
    EXCHANGED = "exchanged", _("Exchanged for another unit")
    UNREPAIRABLE = "unrepairable", _("Cannot be repaired")


class Direction(models.TextChoices):
    OUT = "out", _("To the vendor")
    BACK = "back", _("Back from the vendor")


class Carrier(models.TextChoices):
    """Couriers used in China, each with the form of its waybill number (运单号)."""

    SF = "sf", _("SF Express (顺丰)")
    EMS = "ems", _("China Post EMS")
    JD = "jd", _("JD Logistics (京东)")
    ZTO = "zto", _("ZTO Express (中通)")
    YTO = "yto", _("YTO Express (圆通)")
    STO = "sto", _("STO Express (申通)")
    YUNDA = "yunda", _("Yunda Express (韵达)")
    DEPPON = "deppon", _("Deppon (德邦)")
    OTHER = "other", _("Other carrier")


# The published forms of the waybill numbers; "other" takes any 6–30 letters, digits or dashes.
WAYBILL_PATTERNS: dict[str, re.Pattern[str]] = {
    Carrier.SF: re.compile(r"SF\d{12,13}"),
    Carrier.EMS: re.compile(r"[A-Z]{2}\d{9}CN|1\d{12}"),
    Carrier.JD: re.compile(r"JD[A-Z0-9]{11,16}"),
    Carrier.ZTO: re.compile(r"7[0-9]\d{10}|7[0-9]\d{12}"),
    Carrier.YTO: re.compile(r"YT\d{13}"),
    Carrier.STO: re.compile(r"77\d{11}|77\d{13}"),
    Carrier.YUNDA: re.compile(r"(31|43|46|4[0-9])\d{11}"),
    Carrier.DEPPON: re.compile(r"DPK\d{12}|\d{10}"),
    Carrier.OTHER: re.compile(r"[A-Z0-9-]{6,30}"),
}
WAYBILL_EXAMPLES: dict[str, str] = {
    Carrier.SF: "SF1234567890123",
    Carrier.EMS: "EA123456789CN",
    Carrier.JD: "JDVA12345678901",
    Carrier.ZTO: "731234567890",
    Carrier.YTO: "YT1234567890123",
    Carrier.STO: "7712345678901",
    Carrier.YUNDA: "4312345678901",
    Carrier.DEPPON: "DPK123456789012",
    Carrier.OTHER: "ABC-123456",
}


class FeeStatus(models.TextChoices):
    """One version of the repair-fee quote (维修费用，含运费) the customer confirms before the unit ships."""

    PENDING = "pending", _("Awaiting the customer")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    SUPERSEDED = "superseded", _("Superseded by a newer version")


FEE_BADGE = {
    FeeStatus.PENDING: "warn",
    FeeStatus.APPROVED: "ok",
    FeeStatus.REFUSED: "danger",
    FeeStatus.SUPERSEDED: "muted",
}


class RmaEventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DECIDED = "decided", _("Warranty checked, route decided")
    VISIT_REQUESTED = "visit_requested", _("Vendor visit requested")
    VISIT_DONE = "visit_done", _("Vendor visit done")
    FEE_QUOTED = "fee_quoted", _("Repair fee sent to the customer")
    FEE_LINK_SENT = "fee_link_sent", _("Fee approval link sent")
    FEE_APPROVED = "fee_approved", _("Repair fee approved")
    FEE_REFUSED = "fee_refused", _("Repair fee refused")
    SHIPPED_OUT = "shipped_out", _("Shipped to the vendor")
    VENDOR_RECEIVED = "vendor_received", _("Received by the vendor")
    SHIPPED_BACK = "shipped_back", _("Shipped back by the vendor")
    RECEIVED = "received", _("Received back")
    RETURNED = "returned", _("Returned")
    FEE_COLLECTED = "fee_collected", _("Fee collected")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    NOTE = "note", _("Note")


# What a customer sees of the case's timeline (vendor costs and internal notes stay ours).
CUSTOMER_EVENT_KINDS = frozenset(
    {
        RmaEventKind.REGISTERED,
        RmaEventKind.DECIDED,
        RmaEventKind.VISIT_REQUESTED,
        RmaEventKind.VISIT_DONE,
        RmaEventKind.FEE_QUOTED,
        RmaEventKind.FEE_APPROVED,
        RmaEventKind.FEE_REFUSED,
        RmaEventKind.SHIPPED_OUT,
        RmaEventKind.SHIPPED_BACK,
        RmaEventKind.RECEIVED,
        RmaEventKind.RETURNED,
        RmaEventKind.CLOSED,
        RmaEventKind.CANCELLED,
    }
)
# What the vendor sees: the unit's journey to and from it, nothing about our customer's fee.
VENDOR_EVENT_KINDS = frozenset(
    {
        RmaEventKind.VISIT_REQUESTED,
        RmaEventKind.VISIT_DONE,
        RmaEventKind.SHIPPED_OUT,
        RmaEventKind.VENDOR_RECEIVED,
        RmaEventKind.SHIPPED_BACK,
        RmaEventKind.RECEIVED,
    }
)

AGEING_LIMIT_DAYS = 30  # the queue "with the vendor > 30 days"
