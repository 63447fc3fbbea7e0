"""Vocabulary of the channels app: mailbox security, inbound mail states, notices, channels, delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailboxSecurity(models.TextChoices):
    IMAPS = "imaps", _("IMAPS (TLS from the start, port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    PLAIN = "plain", _("Plain (loopback only)")


class InboundStatus(models.TextChoices):
    """Where one received mail stands; `received` rows are picked up by the next processing run."""

    RECEIVED = "received", _("Received")
    ORDER_CREATED = "order_created", _("Work order opened")
    COMMENTED = "commented", _("Added to a work order")
    TRIAGE = "triage", _("Awaiting triage")
    QUARANTINED = "quarantined", _("Quarantined")
    DUPLICATE = "duplicate", _("Duplicate")
    IGNORED = "ignored", _("Ignored")
    BOUNCED = "bounced", _("Bounced (delivery report)")


INBOUND_DONE = frozenset(
    {InboundStatus.ORDER_CREATED, InboundStatus.COMMENTED, InboundStatus.DUPLICATE, InboundStatus.IGNORED}
)

# Badge colours beside the values (CSS classes of weibao.css).
INBOUND_BADGES = {
    InboundStatus.RECEIVED: "muted",
    InboundStatus.ORDER_CREATED: "ok",
    InboundStatus.COMMENTED: "ok",
    InboundStatus.TRIAGE: "danger",
    InboundStatus.QUARANTINED: "danger",
    InboundStatus.DUPLICATE: "muted",
    InboundStatus.IGNORED: "muted",
    InboundStatus.BOUNCED: "danger",
}


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu robot")


ROBOT_CHANNELS = frozenset({Channel.WECOM, Channel.DINGTALK, Channel.FEISHU})
PERSONAL_CHANNELS = (Channel.EMAIL, Channel.SMS)


class Notice(models.TextChoices):
    """What a message tells its reader; each has templates named after its value."""

    RECEIVED = "received", _("Report received")
    ACKNOWLEDGED = "acknowledged", _("Report acknowledged")
    DISPATCHED = "dispatched", _("Engineer dispatched")
    APPOINTMENT = "appointment", _("Visit appointment")
    RESOLVED = "resolved", _("Fault resolved")
    CLOSED = "closed", _("Observation over, order closed")
    SLA_WARNING = "sla_warning", _("SLA deadline near")
    SLA_BREACH = "sla_breach", _("SLA deadline missed")
    SERVICE_FORM = "service_form", _("Signed service form")
    QUOTE_LINK = "quote_link", _("Quote approval link")
    LOW_STOCK = "low_stock", _("Spare part low in stock")
    PLAN_LINK = "plan_link", _("Solution plan approval link")
    PROCESSING_REPORT = "processing_report", _("Processing report")
    # Issue 18: our side is told of every new A/B-class order, of a duty engineer asking for a dispatch after
    # hours, and of a 7x24 region nobody is rostered for.
    NEW_ORDER = "new_order", _("New A/B-class order")
    DISPATCH_REQUEST = "dispatch_request", _("Dispatch requested")
    COVER_GAP = "cover_gap", _("7x24 roster gap")
    # Issue 14: the vendor is told of an escalation and of each question; our engineer of the vendor's answer;
    # reminders of a repair with the vendor too long and of a vendor answer overdue.
    VENDOR_ESCALATED = "vendor_escalated", _("Escalated to the vendor")
    VENDOR_QUESTION = "vendor_question", _("Question to the vendor")
    VENDOR_ANSWER = "vendor_answer", _("The vendor answered")
    VENDOR_OVERDUE = "vendor_overdue", _("Vendor answer overdue")
    RMA_WITH_VENDOR = "rma_with_vendor", _("Repair with the vendor too long")
    # Issue 17: the one-time code of the scan-to-report page (QR label on a device), for a contact without an account.
    SCAN_CODE = "scan_code", _("Scan-to-report login code")
    # Mail that used to bypass the outbox: now retried, logged and resendable like every notice.
    INSPECTION_REPORT = "inspection_report", _("Signed inspection report")
    INSPECTION_MISSED = "inspection_missed", _("Inspection visits missed")
    TRAVEL_APPROVAL = "travel_approval", _("Taxi or freight request to approve")
    SLA_REPORT = "sla_report", _("Regular SLA report")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Handed to the provider, then the worker died before the answer: it may have arrived. Not re-sent by itself
    # on channels where a duplicate costs (email, SMS); staff decide ("Send again"). See channels/base.py.
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")


DELIVERY_BADGES = {
    DeliveryStatus.PENDING: "muted",
    DeliveryStatus.SENDING: "muted",
    DeliveryStatus.RETRYING: "danger",
    DeliveryStatus.SENT: "ok",
    DeliveryStatus.FAILED: "danger",
    DeliveryStatus.UNCONFIRMED: "danger",
}
# States staff may send again by hand.
RESENDABLE = frozenset({DeliveryStatus.FAILED, DeliveryStatus.UNCONFIRMED})
