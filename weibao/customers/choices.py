from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionTier(models.TextChoices):
    """How far a site is from our service base; sets the on-site arrival target (SPEC §2, §3)."""

    CITY = "city", _("Within the city")
    COUNTY = "county", _("Other counties")
    REMOTE = "remote", _("Remote")
