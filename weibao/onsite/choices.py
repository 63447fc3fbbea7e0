"""On-site vocabulary: quote states and lines, answer channels, signatures, service-form states (SPEC §4.4–4.5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from weibao.core.approvals import AnswerChannel, LinkChannel  # noqa: F401  (shared with the RMA fee and parts sales)


class QuoteStatus(models.TextChoices):
    """Where one version of a quote (报价) stands. A changed quote is a new version; the old one is superseded."""

    PENDING = "pending", _("Awaiting the customer")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    SUPERSEDED = "superseded", _("Superseded by a newer version")
    WITHDRAWN = "withdrawn", _("Withdrawn")


QUOTE_STATUS_BADGE = {
    QuoteStatus.PENDING: "warn",
    QuoteStatus.APPROVED: "ok",
    QuoteStatus.REFUSED: "danger",
    QuoteStatus.SUPERSEDED: "muted",
    QuoteStatus.WITHDRAWN: "muted",
}
# A quote in these states blocks working on / resolving the order (the gate).
BLOCKING_QUOTE_STATUSES = frozenset({QuoteStatus.PENDING, QuoteStatus.REFUSED})


class LineKind(models.TextChoices):
    PART = "part", _("Part")
    LABOUR = "labour", _("Labour")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other")


class LabourBasis(models.TextChoices):
    """Which of the contract's labour rates a labour line uses."""

    HOUR = "hour", _("Per hour")
    VISIT = "visit", _("Per visit")


class SignerRole(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    ENGINEER = "engineer", _("Engineer")


class FormStatus(models.TextChoices):
    """A service form (售后维护表) revision: a draft is edited; a signed one is frozen."""

    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class Satisfaction(models.IntegerChoices):
    """The customer's rating (满意度)."""

    VERY_UNSATISFIED = 1, _("Very unsatisfied")
    UNSATISFIED = 2, _("Unsatisfied")
    NEUTRAL = 3, _("Neutral")
    SATISFIED = 4, _("Satisfied")
    VERY_SATISFIED = 5, _("Very satisfied")


# The parts a complete service form needs (code → label); `ServiceForm.missing` stores the codes.
FORM_PARTS = {
    "symptom": _("symptom"),
    "inspection": _("inspection record"),
    "cause": _("cause"),
    "work_done": _("work done"),
    "solved": _("solved yes/no"),
    "next_appointment_at": _("next appointment (not solved)"),
    "customer_contact": _("customer contact and phone"),
    "engineer_contact": _("engineer and phone"),
    "satisfaction": _("satisfaction rating"),
    "customer_signature": _("customer signature"),
    "engineer_signature": _("engineer signature"),
}
