"""Base models shared by every domain app (no business rules here)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """A row that knows when it was created and last changed (aware UTC datetimes)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row edited by people at the same time: writers compare-and-set `version` (see core.concurrency)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class AppendOnlyQuerySet(models.QuerySet):
    """History rows are only ever inserted: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise ValueError(f"{self.model.__name__} is append-only")

    def delete(self):
        raise ValueError(f"{self.model.__name__} is append-only")


class AppendOnlyModel(models.Model):
    """A history row (timeline, device history): written once, never changed or deleted, by any path Django has."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} is append-only")


class WorkerHeartbeat(TimeStampedModel):
    """The last sign of life of a background process.

    The scheduler enqueues the heartbeat job every minute and the task worker executes it, so a fresh
    row proves both are running; /healthz reports its age.
    """

    name = models.CharField(_("name"), max_length=64, unique=True)
    beat_at = models.DateTimeField(_("last beat"))
    beats = models.PositiveBigIntegerField(_("beats"), default=0)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class ActionLink(TimeStampedModel):
    """A signed, expiring, one-time answer link sent to one recipient about one object (core.action_links).

    Generic on purpose: `purpose` names what the link answers (e.g. "workorders.observation"), `target` the row it
    is about ("app_label.model" + id). The token is signed per link, target and recipient; the row records when it
    was used, with which answer and through which channel. Any app may use it (observation answers, quote approvals).
    """

    purpose = models.CharField(_("purpose"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=100)
    target_id = models.PositiveBigIntegerField(_("target id"))
    recipient = models.CharField(_("recipient"), max_length=254, help_text=_("Address or phone the link was sent to."))
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    choices = models.JSONField(_("answers offered"), default=list)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_choice = models.CharField(_("answer"), max_length=32, blank=True)
    used_channel = models.CharField(_("answered through"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("action link")
        verbose_name_plural = _("action links")
        indexes = [models.Index(fields=["target_type", "target_id", "purpose"], name="actionlink_target_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.target_type}#{self.target_id} → {self.recipient}"


class WorkerLease(TimeStampedModel):
    """A running task worker's claim on the tasks it took: renewed every few seconds while the process lives.

    A task still marked running whose worker's lease expired (the process was killed, the machine died) is put back
    in the queue by `core.services.tasks_recover`; the lease row of a worker stopped cleanly is removed at exit.
    """

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), default=0)
    queues = models.CharField(_("queues"), max_length=255, blank=True)
    expires_at = models.DateTimeField(_("lease expires at"), db_index=True)

    class Meta:
        verbose_name = _("worker lease")
        verbose_name_plural = _("worker leases")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class ReportSnapshot(models.Model):
    """The stored result of a heavy read-only report for one set of parameters (`core.snapshots`).

    A report page (fault analysis, KPI board) reads its row instead of aggregating a month of orders on every view;
    a background task recomputes a row once it is older than its kind's age, or when a user asks for it. The data
    is plain JSON: translated labels are added when the page is drawn, never stored.
    """

    kind = models.CharField(_("kind"), max_length=64)
    key = models.CharField(_("key"), max_length=64, help_text=_("SHA-256 of the parameters."))
    params = models.JSONField(_("parameters"), default=dict)
    data = models.JSONField(_("data"), null=True, blank=True, encoder=DjangoJSONEncoder)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("computed in (ms)"), default=0)
    requested_at = models.DateTimeField(_("recompute requested at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("report snapshot")
        verbose_name_plural = _("report snapshots")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="core_snapshot_kind_key_uniq")]

    def __str__(self) -> str:
        return f"{self.kind} {self.params}"
