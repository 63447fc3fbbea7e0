"""Choices of the plans app: the solution plan's states, how the customer answered, the change request's states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    """Where one version of a solution plan (解决方案) stands."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the customer")
    APPROVED = "approved", _("Approved by the customer")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Replaced by a newer version")


PLAN_BADGE = {
    PlanStatus.DRAFT: "muted",
    PlanStatus.SUBMITTED: "info",
    PlanStatus.APPROVED: "ok",
    PlanStatus.CHANGES_REQUESTED: "danger",
    PlanStatus.REJECTED: "danger",
    PlanStatus.SUPERSEDED: "muted",
}
# A version still being worked on or waiting for the customer: at most one per order.
OPEN_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.SUBMITTED)


class PlanDecision(models.TextChoices):
    """The customer's answer to a submitted plan."""

    APPROVE = "approve", _("Approve")
    CHANGES = "changes", _("Ask for changes")
    REJECT = "reject", _("Reject")


DECISION_STATUS = {
    PlanDecision.APPROVE: PlanStatus.APPROVED,
    PlanDecision.CHANGES: PlanStatus.CHANGES_REQUESTED,
    PlanDecision.REJECT: PlanStatus.REJECTED,
}


class AnswerVia(models.TextChoices):
    """Where the customer's answer came from."""

    PORTAL = "portal", _("Customer portal")
    LINK = "link", _("One-time link")
    PHONE = "phone", _("By phone, recorded by us")


class ChangeStatus(models.TextChoices):
    """A D-class change request (修改计划) from proposal to the customer's acceptance."""

    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Plan agreed")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted by the customer")
    REJECTED = "rejected", _("Not pursued")


CHANGE_BADGE = {
    ChangeStatus.PROPOSED: "muted",
    ChangeStatus.AGREED: "info",
    ChangeStatus.IN_PROGRESS: "info",
    ChangeStatus.DELIVERED: "warn",
    ChangeStatus.ACCEPTED: "ok",
    ChangeStatus.REJECTED: "muted",
}
# The moves of a change request: the only place they are defined (STYLE §4).
CHANGE_TRANSITIONS: dict[str, set[str]] = {
    ChangeStatus.PROPOSED: {ChangeStatus.AGREED, ChangeStatus.REJECTED},
    ChangeStatus.AGREED: {ChangeStatus.IN_PROGRESS, ChangeStatus.REJECTED},
    ChangeStatus.IN_PROGRESS: {ChangeStatus.DELIVERED},
    ChangeStatus.DELIVERED: {ChangeStatus.ACCEPTED, ChangeStatus.IN_PROGRESS},  # the customer accepts or sends back
    ChangeStatus.ACCEPTED: set(),
    ChangeStatus.REJECTED: set(),
}
# Agreed but not delivered: an agreed date in the past is overdue (visible, never an SLA breach).
CHANGE_COMMITTED = (ChangeStatus.AGREED, ChangeStatus.IN_PROGRESS)
