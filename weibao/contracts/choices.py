from django.db import models
from django.utils.translation import gettext_lazy as _


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
