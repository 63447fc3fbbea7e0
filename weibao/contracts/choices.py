from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Severity(models.TextChoices):
    """Fault classes A–D (故障分级, SPEC §3)."""

    A = "A", _("A – system down")
    B = "B", _("B – operation affected")
    C = "C", _("C – fix before formal use")
    D = "D", _("D – improvement request")


class IntakeChannel(models.TextChoices):
    """How a request reached us (SPEC §4.1); phone-like and written channels have different response targets."""

    PHONE = "phone", _("Hotline phone")
    COMPLAINT = "complaint", _("Complaint line")
    WALK_IN = "walk_in", _("Walk-in")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("WeChat / QQ")
    WEB = "web", _("Web portal")
    API = "api", _("API")
    FIELD = "field", _("Reported in the field")


# Channels answered like a phone call (15 min in the SPEC defaults); the rest are written (12 h).
SPOKEN_CHANNELS = frozenset({IntakeChannel.PHONE, IntakeChannel.COMPLAINT, IntakeChannel.WALK_IN, IntakeChannel.FIELD})


class ClockKind(models.TextChoices):
    """The SLA clocks a work order can carry (SPEC §3)."""

    RESPONSE = "response", _("Response")
    ARRIVAL = "arrival", _("On-site arrival")
    PLAN = "plan", _("Solution plan")
    RESOLUTION = "resolution", _("Resolution")


class CalendarKind(models.TextChoices):
    """Service hours of a business calendar (SPEC §3: 7x24 or working hours on Chinese working days)."""

    ALWAYS = "always", _("7x24 (around the clock)")
    WEEKLY = "weekly", _("Weekly working hours")


class OverrideAction(models.TextChoices):
    CLOSED = "closed", _("Closed all day")
    OPEN = "open", _("Open with normal hours")
    HOURS = "hours", _("Open with these hours")


class HolidayDataStatus(models.TextChoices):
    """How reliable a year's holiday data is: the State Council publishes the schedule late in the year before."""

    OFFICIAL = "official", _("Official")
    ESTIMATED = "estimated", _("Estimated")
    MISSING = "missing", _("Missing")


class StatutoryKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday (off)")
    MAKEUP = "makeup", _("Make-up working day (on)")
    NORMAL = "normal", _("Ordinary day (ignore the package's entry)")


HOLIDAY_DATA_BADGE = {
    HolidayDataStatus.OFFICIAL: "ok",
    HolidayDataStatus.ESTIMATED: "warn",
    HolidayDataStatus.MISSING: "danger",
}


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", pgettext_lazy("contract status", "Active")
    EXPIRED = (
        "expired",
        pgettext_lazy("contract status", "Expired"),
    )  # displayed only: an active contract past its end date
    TERMINATED = "terminated", _("Terminated")


CONTRACT_STATUS_BADGE = {
    ContractStatus.DRAFT: "muted",
    ContractStatus.ACTIVE: "ok",
    ContractStatus.EXPIRED: "warn",
    ContractStatus.TERMINATED: "danger",
}


class PmFrequency(models.TextChoices):
    """How often preventive maintenance inspections (定期巡检) are due."""

    NONE = "none", _("None")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every six months")
    YEARLY = "yearly", _("Yearly")


class ServiceType(models.TextChoices):
    """Which terms the work is done under (SPEC §4.1: in warranty, under a maintenance contract, or paid), as the
    entitlement rules decide it; the one vocabulary of contracts and work orders."""

    WARRANTY = "warranty", _("In warranty")
    CONTRACT = "contract", _("Maintenance contract")
    PAID = "paid", _("Paid service")
