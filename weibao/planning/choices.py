"""Choice values of emergency plans (应急预案) and training (培训)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


PLAN_BADGE = {PlanStatus.DRAFT: "warn", PlanStatus.APPROVED: "ok", PlanStatus.SUPERSEDED: "muted"}


class ContactSide(models.TextChoices):
    OURS = "ours", _("Our company")
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")


class TrainingMethod(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remote")


# The work-order timeline's label of the step event (declared in workorders.choices.EventKind); listed here so this
# app's catalogue carries its Chinese.
EVENT_LABEL = _("Emergency plan step done")
