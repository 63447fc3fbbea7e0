"""The duty roster (值班表): who of a branch is on duty or on standby, and when."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.models import TimeStampedModel
from weibao.dispatch.choices import ROSTER_KIND_BADGE, RosterKind


class RosterEntry(TimeStampedModel):
    """One shift of one engineer for one branch on one roster day.

    A shift may run past midnight (e.g. 20:00–08:00): it still belongs to the roster day it starts on. Duty
    engineers on duty take fault reports; field engineers on duty or standby are preferred for dispatch.
    The start and end are stored as instants so that "who is on duty now" is one indexed range query.
    """

    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="roster_entries", verbose_name=_("branch")
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roster_entries", verbose_name=_("engineer")
    )
    date = models.DateField(_("roster day"))
    kind = models.CharField(_("kind"), max_length=16, choices=RosterKind.choices, default=RosterKind.ON_DUTY)
    starts_at = models.DateTimeField(_("shift start"))
    ends_at = models.DateTimeField(_("shift end"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["date", "starts_at", "engineer_id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="roster_entry_ends_after_start"),
            models.UniqueConstraint(fields=["engineer", "starts_at"], name="roster_entry_unique_engineer_start"),
        ]
        indexes = [
            models.Index(fields=["branch", "date"], name="roster_branch_date_idx"),
            # "who is on duty at t": starts_at <= t < ends_at
            models.Index(fields=["ends_at", "starts_at"], name="roster_span_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.engineer} {self.get_kind_display()}"

    @property
    def local_start(self):
        return timezone.localtime(self.starts_at)

    @property
    def local_end(self):
        return timezone.localtime(self.ends_at)

    @property
    def overnight(self) -> bool:
        """The shift ends on a later calendar day than the roster day."""
        return self.local_end.date() > self.date

    @property
    def badge(self) -> str:
        return ROSTER_KIND_BADGE.get(self.kind, "muted")
