from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthStatus(models.TextChoices):
    """The approval chain of a month's statistics table (月度统计表): service administrator → department manager →
    general manager. An approved month is locked."""

    PREPARED = "prepared", _("Prepared")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved (locked)")


# The only moves of a month (STYLE §4). Returning sends the table back to the service administrator.
MONTH_TRANSITIONS: dict[str, frozenset[str]] = {
    MonthStatus.PREPARED: frozenset({MonthStatus.PREPARED, MonthStatus.REVIEWED}),
    MonthStatus.REVIEWED: frozenset({MonthStatus.APPROVED, MonthStatus.PREPARED}),
    MonthStatus.APPROVED: frozenset(),
}
MONTH_BADGE = {MonthStatus.PREPARED: "warn", MonthStatus.REVIEWED: "info", MonthStatus.APPROVED: "ok"}


class MonthEventKind(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    RECOMPUTED = "recomputed", _("Recalculated")
    REVIEWED = "reviewed", _("Reviewed by the department manager")
    APPROVED = "approved", _("Approved by the general manager")
    RETURNED = "returned", _("Returned for correction")
    ATTENDANCE = "attendance", _("Attendance changed")


class LineKind(models.TextChoices):
    """One line of an engineer's statement."""

    SERVICE = "service", _("Service (complete form)")
    NOT_COUNTED = "not_counted", _("Not counted")
    VISIT_FEE = "visit_fee", _("Per-visit labour fee")
    BONUS = "bonus", _("No-complaint bonus")
    FORFEIT = "forfeit", _("Bonus forfeited")
    COMPLAINT = "complaint", _("Fine for a confirmed complaint")
    TRAVEL = "travel", _("Travel reimbursed")


class TravelKind(models.TextChoices):
    PUBLIC = "public", _("Public transport")
    TAXI = "taxi", _("Taxi")
    FREIGHT = "freight", _("Freight")


# Taxi and freight need the department manager's approval before the trip (售后服务管理制度, 注).
NEEDS_APPROVAL = frozenset({TravelKind.TAXI, TravelKind.FREIGHT})


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the manager")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ClaimStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
