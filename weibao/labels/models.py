"""QR labels on devices (扫码报修) and the one-time SMS codes that let a customer contact report through one."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.core.models import TimeStampedModel


class Label(TimeStampedModel):
    """The QR label stuck on one device: its URL carries an unguessable token (never the device id). Revoking a
    label (a lost or copied sticker, a device moved to another customer) makes its URL answer "no longer valid"; a
    device has at most one label in force, and printing a sheet gives the devices without one a new label."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    device = models.ForeignKey(
        "assets.Device", on_delete=models.CASCADE, related_name="qr_labels", verbose_name=_("device")
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    scans = models.PositiveIntegerField(_("scans"), default=0)
    last_scanned_at = models.DateTimeField(_("last scanned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("QR label")
        verbose_name_plural = _("QR labels")
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=Q(revoked_at__isnull=True), name="label_one_in_force_per_device"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "device"], name="label_org_device_idx")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.token[:6]}…"

    @property
    def in_force(self) -> bool:
        return self.revoked_at is None


class ScanCode(TimeStampedModel):
    """A one-time code sent by SMS to a customer contact who scanned a label without an account. Only its keyed
    hash is stored; it expires, dies after a few wrong tries, and serves once. A request for a number that is no
    contact of the device's customer is recorded too (no SMS, `contact` empty): it counts against the limits, and
    the page answers the same, so the form cannot be used to find out who is a contact."""

    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="codes", verbose_name=_("label"))
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    phone_key = models.CharField(_("phone key"), max_length=32, db_index=True)
    code_hash = models.CharField(max_length=100)  # "<salt>$<hex HMAC-SHA256>"
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    client_ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("scan login code")
        verbose_name_plural = _("scan login codes")
        indexes = [
            models.Index(fields=["label", "created_at"], name="scancode_label_idx"),
            models.Index(fields=["client_ip", "created_at"], name="scancode_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label_id}:{self.phone_key[:4]}…"
