from django.db import models
from django.utils.translation import gettext_lazy as _


class RosterKind(models.TextChoices):
    """How an engineer is on the duty roster (值班表) for a shift."""

    ON_DUTY = "on_duty", _("On duty")
    STANDBY = "standby", _("Standby")


# Badge colours beside the values (templates display, they don't decide).
ROSTER_KIND_BADGE = {RosterKind.ON_DUTY: "ok", RosterKind.STANDBY: "info"}
