"""Choices of the customer loop: callbacks (回访), complaints (投诉) and their workflow table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackRule(models.TextChoices):
    """Why an order landed in the callback queue (one rule per callback: the strongest one wins)."""

    COMPLAINT = "complaint", _("Complaint")
    LOW_RATING = "low_rating", _("Low rating on the service form")
    SEVERE = "severe", _("Severity A/B")
    SAMPLED = "sampled", _("Sampled (severity C/D)")
    MANUAL = "manual", _("Added by hand")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("To call")
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Not reached (tries used up)")
    CANCELLED = "cancelled", _("Cancelled")


class CallbackOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")


class FollowUp(models.TextChoices):
    NONE = "", _("None")
    NEW_ORDER = "new_order", _("New work order")
    COMPLAINT = "complaint", _("Complaint")


class Satisfaction(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("1 – very dissatisfied")
    DISSATISFIED = 2, _("2 – dissatisfied")
    NEUTRAL = 3, _("3 – neutral")
    SATISFIED = 4, _("4 – satisfied")
    VERY_SATISFIED = 5, _("5 – very satisfied")


class ComplaintSource(models.TextChoices):
    PHONE = "phone", _("Complaint line")
    PORTAL = "portal", _("Customer portal")
    EMAIL = "email", _("E-mail")
    CALLBACK = "callback", _("Callback")
    OTHER = "other", _("Other")


class ComplaintCategory(models.TextChoices):
    ATTITUDE = "attitude", _("Attitude")
    LATE = "late", _("Late")
    NOT_FIXED = "not_fixed", _("Not fixed")
    CHARGES = "charges", _("Charges")
    OTHER = "other", _("Other")


class ComplaintSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")


class ComplaintStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    INVESTIGATING = "investigating", _("Investigating")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated to the general manager")


# The only place complaint moves are defined (STYLE §4). A customer who does not accept the answer escalates it;
# the general manager answers again (answered) and the customer accepts (closed).
COMPLAINT_TRANSITIONS: dict[str, set[str]] = {
    ComplaintStatus.REGISTERED: {ComplaintStatus.INVESTIGATING, ComplaintStatus.ESCALATED},
    ComplaintStatus.INVESTIGATING: {ComplaintStatus.ANSWERED, ComplaintStatus.ESCALATED},
    ComplaintStatus.ANSWERED: {ComplaintStatus.CLOSED, ComplaintStatus.ESCALATED},
    ComplaintStatus.ESCALATED: {ComplaintStatus.ANSWERED},
    ComplaintStatus.CLOSED: set(),
}
OPEN_COMPLAINT = [
    ComplaintStatus.REGISTERED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.ANSWERED,
    ComplaintStatus.ESCALATED,
]


class ComplaintEventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    INVESTIGATING = "investigating", _("Investigation started")
    ENGINEER_STATEMENT = "engineer_statement", _("Engineer's statement")
    NOTE = "note", _("Internal note")
    ANSWERED = "answered", _("Answer to the customer")
    CLOSED = "closed", _("Customer accepted; closed")
    ESCALATED = "escalated", _("Escalated to the general manager")
    CONFIRMED = "confirmed", _("Confirmed against the engineer")
    UNCONFIRMED = "unconfirmed", _("Confirmation withdrawn")


# Which timeline entries the customer sees (the rest is internal: investigation, statements, confirmation).
CUSTOMER_VISIBLE_EVENTS = {
    ComplaintEventKind.REGISTERED,
    ComplaintEventKind.INVESTIGATING,
    ComplaintEventKind.ANSWERED,
    ComplaintEventKind.CLOSED,
    ComplaintEventKind.ESCALATED,
}
