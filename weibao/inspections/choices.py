"""Choice values of preventive inspections (定期巡检): stable lower_snake values, translatable labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    """How often a plan's visits are due. The first four follow the calendar; the last counts working days."""

    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every six months")
    YEARLY = "yearly", _("Yearly")
    WORKING_DAYS = "working_days", _("Every N working days")


# Months per period of the calendar frequencies.
FREQUENCY_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.HALF_YEARLY: 6, Frequency.YEARLY: 12}


class ItemKind(models.TextChoices):
    """What a checklist item asks for."""

    YES_NO = "yes_no", _("Yes / no")
    READING = "reading", _("Reading")
    TEXT = "text", _("Text")
    PHOTO = "photo", _("Photo")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed, awaiting signature")
    SIGNED = "signed", _("Signed by the customer")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


VISIT_BADGE = {
    VisitStatus.PLANNED: "muted",
    VisitStatus.IN_PROGRESS: "info",
    VisitStatus.COMPLETED: "warn",
    VisitStatus.SIGNED: "ok",
    VisitStatus.MISSED: "danger",
    VisitStatus.CANCELLED: "muted",
}
# A visit counts as done for the SLA report once the engineer completed it (signed or not).
DONE_STATUSES = frozenset({VisitStatus.COMPLETED, VisitStatus.SIGNED})
# Visits a plan change may move or drop: not started and still ahead.
OPEN_STATUSES = frozenset({VisitStatus.PLANNED})


class Risk(models.TextChoices):
    NONE = "none", _("No risk")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


RISK_BADGE = {Risk.NONE: "muted", Risk.LOW: "info", Risk.MEDIUM: "warn", Risk.HIGH: "danger"}
