"""Inbound enterprise IM and SMS: the applications we receive messages through, every message received (once), and
the callbacks we refused."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weibao.core.models import TimeStampedModel
from weibao.inbound.choices import RECEIPT_BADGES, Provider, ReceiptStatus, RejectReason
from weibao.notifications import conf


class InboundAccount(TimeStampedModel):
    """One application (企业微信自建应用 / 钉钉应用或机器人 / 飞书应用) or SMS gateway that calls us back with
    customers' messages. Its callback URL is /inbound/<provider>/<slug>/. The callback secrets sit here so that an
    administrator can paste them from the provider's console; they are never logged or shown in lists."""

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("URL name"), max_length=50, unique=True)
    corp_id = models.CharField(
        _("corp ID / app key / app ID"),
        max_length=100,
        blank=True,
        help_text=_("WeCom: CorpID (the receiver of encrypted messages). DingTalk: AppKey. Feishu: App ID."),
    )
    agent_id = models.CharField(_("agent ID"), max_length=32, blank=True, help_text=_("WeCom: AgentId."))
    token = models.CharField(
        _("callback token"),
        max_length=200,
        blank=True,
        help_text=_("WeCom/DingTalk: Token. Feishu: Verification Token."),
    )
    aes_key = models.CharField(
        _("AES key"),
        max_length=200,
        blank=True,
        help_text=_("WeCom/DingTalk: EncodingAESKey (43 characters). Feishu: Encrypt Key."),
    )
    secret = models.CharField(
        _("secret"),
        max_length=200,
        blank=True,
        help_text=_("App secret (replies; DingTalk robot signature) or the SMS gateway's signing secret."),
    )
    secret_env = models.CharField(
        _("secret variable"),
        max_length=100,
        blank=True,
        help_text=_("Environment variable holding the secret instead; the variable wins."),
    )
    api_base = models.URLField(
        _("API base URL"), max_length=200, blank=True, help_text=_("Empty: the provider's public API.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("inbound IM / SMS account")
        verbose_name_plural = _("inbound IM / SMS accounts")
        ordering = ["provider", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"

    def __repr__(self) -> str:  # never the secrets, even in a traceback
        return f"<InboundAccount {self.pk} {self.provider}:{self.slug}>"

    @property
    def app_secret(self) -> str:
        return conf.secret_from_env(self.secret_env) or self.secret


class InboundReceipt(TimeStampedModel):
    """One message received from a customer over enterprise IM or SMS, stored once per provider message id, and what
    became of it: a new order, a comment on the open one, an answer (quote, observation) or the triage list. The
    callback stores it `pending`; the routing worker decides the rest (`failed` with the error if it could not)."""

    account = models.ForeignKey(InboundAccount, on_delete=models.PROTECT, related_name="receipts")
    # The provider's message id (MsgId, msgId, event_id / message_id, the gateway's id): delivered twice, kept once.
    message_key = models.CharField(_("message ID"), max_length=200)
    sender_id = models.CharField(_("sender"), max_length=100, blank=True, db_index=True)
    sender_name = models.CharField(_("sender name"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    text = models.TextField(_("text"), blank=True)
    # The provider id of the message this one replies to (Feishu parent_id): routing comments on that one's order.
    quoted_key = models.CharField(_("quoted message ID"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReceiptStatus.choices, default=ReceiptStatus.PENDING, db_index=True
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="im_receipts",
        verbose_name=_("work order"),
    )
    # Where a reply goes when it is not the sender id itself (DingTalk's sessionWebhook), and the message as decoded.
    data = models.JSONField(default=dict, blank=True)
    handled_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )

    class Meta:
        verbose_name = _("received IM / SMS message")
        verbose_name_plural = _("received IM / SMS messages")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "message_key"], name="inbound_receipt_once"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="inbound_receipt_status_idx"),
            # The routing worker's queue: pending receipts in order of arrival.
            models.Index(fields=["id"], condition=Q(status="pending"), name="inbound_receipt_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_name or self.sender_id or self.mobile}: {self.text[:40]}"

    @property
    def badge(self) -> str:
        return RECEIPT_BADGES.get(self.status, "muted")


class InboundRejection(TimeStampedModel):
    """A refused callback (bad signature, replay, malformed body…): only the reason and where it came from; the body
    itself is not kept (it may be forged or carry someone else's data)."""

    account = models.ForeignKey(
        InboundAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="rejections"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=RejectReason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    remote_addr = models.CharField(_("address"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("refused callback")
        verbose_name_plural = _("refused callbacks")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.provider}: {self.reason}"
