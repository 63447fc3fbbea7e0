"""Channels: the mailboxes we read, every mail received, the robots and SMS templates we send through,
people's notification preferences and the log of every delivery attempt."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.contracts.choices import Severity
from weibao.core.models import TimeStampedModel
from weibao.notifications import conf
from weibao.notifications.choices import (
    DELIVERY_BADGES,
    INBOUND_BADGES,
    RESENDABLE,
    Channel,
    DeliveryStatus,
    InboundStatus,
    MailboxSecurity,
    Notice,
)


class Mailbox(TimeStampedModel):
    """A support mailbox (e.g. 售后服务邮箱 service@…) read over IMAP; every new mail in `folder` becomes a work order
    or a comment. The password is never stored: `password_env` names the environment variable that holds it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=16, choices=MailboxSecurity.choices, default=MailboxSecurity.IMAPS
    )
    username = models.CharField(_("user name"), max_length=255)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        help_text=_("Name of the environment variable holding the password, e.g. WEIBAO_MAILBOX_SERVICE_PASSWORD."),
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("folder for processed mail"),
        max_length=255,
        blank=True,
        help_text=_(
            "Stored mail is marked read and moved here, so the mailbox does not grow for ever; empty: it is "
            "only marked read."
        ),
    )
    alarm_senders = models.TextField(
        _("alarm senders"),
        blank=True,
        help_text=_(
            "Monitoring systems whose automatic mail reports faults: addresses or @domains, comma separated. "
            "Other automatic mail (auto-replies, bulk, lists) never opens an order."
        ),
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mailboxes",
        verbose_name=_("branch"),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # Where reading stopped: UIDs are only meaningful together with UIDVALIDITY (RFC 3501 §2.3.1.1).
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("last UID read"), default=0, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    @property
    def alarm_sender_list(self) -> set[str]:
        return {a.strip().lower() for a in self.alarm_senders.replace("\n", ",").split(",") if a.strip()}

    def __str__(self) -> str:
        return self.name

    @property
    def password(self) -> str:
        return conf.secret_from_env(self.password_env)


class InboundMessage(TimeStampedModel):
    """One mail as it arrived (raw source kept), and what became of it: a new work order, a comment, the triage
    list (sender unknown), quarantine (unreadable) or a duplicate of a mail already handled."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages", verbose_name=_("mailbox"))
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"))
    uid = models.BigIntegerField(_("UID"))
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    # Message-ID, or a digest of the raw source when the mail has none: the same mail is handled once.
    dedupe_key = models.CharField(max_length=64, db_index=True)
    raw = models.FileField(_("raw source"), upload_to="inbound/%Y/%m/", max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    from_address = models.CharField(_("sender address"), max_length=320, blank=True, db_index=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InboundStatus.choices, default=InboundStatus.RECEIVED, db_index=True
    )
    reason = models.TextField(_("reason"), blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("customer"),
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("work order"),
    )
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )

    class Meta:
        verbose_name = _("received mail")
        verbose_name_plural = _("received mail")
        ordering = ["-pk"]
        constraints = [
            # The poller may fetch a UID twice (crash before it saved its position): the second insert fails.
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="inbound_unique_uid"),
            # One non-duplicate row per Message-ID across all mailboxes (a mail sent to two of our addresses).
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(status="duplicate"), name="inbound_unique_message"
            ),
        ]
        indexes = [
            models.Index(fields=["mailbox", "uid"], condition=Q(status="received"), name="inbound_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_address or '?'}: {self.subject}"

    @property
    def badge(self) -> str:
        return INBOUND_BADGES.get(self.status, "muted")


class RobotWebhook(TimeStampedModel):
    """A chat group robot (企业微信 / 钉钉 / 飞书群机器人) that receives markdown cards about work orders of one branch,
    one customer, or everyone; `event_kinds` and `min_severity` decide which notices go to it."""

    KIND_CHOICES = [
        (Channel.WECOM, Channel.WECOM.label),
        (Channel.DINGTALK, Channel.DINGTALK.label),
        (Channel.FEISHU, Channel.FEISHU.label),
    ]

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=KIND_CHOICES)
    url = models.URLField(_("webhook URL"), max_length=500)
    secret_env = models.CharField(
        _("secret variable"),
        max_length=100,
        blank=True,
        help_text=_("Environment variable holding the signing secret (DingTalk, Feishu)."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("Only when no environment variable is used; the variable wins."),
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="robots",
        verbose_name=_("branch"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="robots",
        verbose_name=_("customer"),
    )
    event_kinds = models.JSONField(
        _("notices"), default=list, blank=True, help_text=_("Notice kinds sent here; empty means all.")
    )
    min_severity = models.CharField(
        _("lowest severity"),
        max_length=1,
        choices=Severity.choices,
        blank=True,
        help_text=_("Only orders of this severity or more urgent; empty means all."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("chat robot")
        verbose_name_plural = _("chat robots")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def recipient_key(self) -> str:
        """What a Delivery records as its recipient (the URL may be long and carries the robot's key)."""
        return f"robot:{self.pk}"

    @property
    def signing_secret(self) -> str:
        return conf.secret_from_env(self.secret_env) or self.secret

    def accepts(self, *, notice: str, severity: str) -> bool:
        """Routing rule: the notice kind is listed (or all are) and the order is at least `min_severity` (A is
        most urgent)."""
        if self.event_kinds and notice not in self.event_kinds:
            return False
        return not (self.min_severity and (not severity or severity > self.min_severity))


class SmsTemplate(TimeStampedModel):
    """The provider's approved template (e.g. Alibaba Cloud `SMS_123456789`) used for one notice kind; the SMS
    provider only sends texts from approved templates, filled with the parameters we pass."""

    notice = models.CharField(_("notice"), max_length=32, choices=Notice.choices, unique=True)
    template_code = models.CharField(_("template code"), max_length=64)
    sign_name = models.CharField(_("signature"), max_length=40, blank=True, help_text=_("Empty: the default."))
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["notice"]

    def __str__(self) -> str:
        return f"{self.get_notice_display()}: {self.template_code}"


class NotificationPreference(TimeStampedModel):
    """What one person wants to be told and how: notice kinds, channels, and quiet hours (local time) during which
    only A-class notices are delivered at once; the others wait until the quiet hours end."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="notification_preference", verbose_name=_("user")
    )
    notices = models.JSONField(_("notices"), default=list, blank=True, help_text=_("Empty means all."))
    channels = models.JSONField(_("channels"), default=list, blank=True, help_text=_("Empty means email only."))
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class Delivery(TimeStampedModel):
    """One notice to one recipient over one channel, with every attempt: sent, retrying (next try at), or failed
    for good with the reason. Created once per (timeline event, channel, recipient), so a re-run sends nothing twice."""

    notice = models.CharField(_("notice"), max_length=32, choices=Notice.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=320)
    recipient_user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    robot = models.ForeignKey(RobotWebhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("work order"),
    )
    event_id = models.BigIntegerField(_("timeline event"), null=True, blank=True)
    inbound = models.ForeignKey(
        InboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    severity = models.CharField(_("severity"), max_length=1, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    # When the task queue was handed this delivery, as the time its task is to run (now, or the deferred retry
    # time): the every-minute sweep leaves it to that task and re-queues it only if it was lost (see services).
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    reason = models.TextField(_("reason"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The attempt in progress: the worker that claimed it (its lease tells whether it still lives) and when the
    # message was handed to the provider — a send interrupted after that point may have arrived (see services).
    sending_by = models.CharField(max_length=64, blank=True, editable=False)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True, editable=False)
    history = models.JSONField(default=list, blank=True)  # [{"at", "ok", "reason"}] one per attempt

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "channel", "recipient"],
                condition=Q(event_id__isnull=False),
                name="delivery_once_per_event",
            ),
        ]
        indexes = [
            # The retry sweep reads only the few rows still due.
            models.Index(
                fields=["next_try_at"],
                condition=Q(status__in=["pending", "retrying"]),
                name="delivery_due_idx",
            ),
            models.Index(fields=["channel", "recipient", "sent_at"], name="delivery_rate_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_notice_display()} → {self.recipient} ({self.get_channel_display()})"

    @property
    def badge(self) -> str:
        return DELIVERY_BADGES.get(self.status, "muted")

    @property
    def resendable(self) -> bool:
        return self.status in RESENDABLE
