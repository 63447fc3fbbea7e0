"""Vocabulary of inbound IM and SMS: providers, what became of a message, why a callback was refused."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    WECOM = "wecom", _("WeCom application")
    DINGTALK = "dingtalk", _("DingTalk application / robot")
    FEISHU = "feishu", _("Feishu application")
    SMS = "sms", _("SMS gateway (inbound)")


IM_PROVIDERS = frozenset({Provider.WECOM, Provider.DINGTALK, Provider.FEISHU})

# The contact field holding each provider's user id (customers.Contact).
CONTACT_ID_FIELD = {
    Provider.WECOM: "wecom_userid",
    Provider.DINGTALK: "dingtalk_userid",
    Provider.FEISHU: "feishu_open_id",
}


class ReceiptStatus(models.TextChoices):
    """What one received IM message or SMS became (the triage list shows `triage`). A callback stores it `pending`
    and answers at once; the routing worker (tasks.route_receipts) then turns it into one of the others, or `failed`
    with the error (staff retry it)."""

    PENDING = "pending", _("Waiting to be routed")
    ORDER_CREATED = "order_created", _("Work order opened")
    COMMENTED = "commented", _("Added to a work order")
    ANSWERED = "answered", _("Answer recorded (quote / observation)")
    TRIAGE = "triage", _("Awaiting triage")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Routing failed")


RECEIPT_BADGES = {
    ReceiptStatus.PENDING: "info",
    ReceiptStatus.ORDER_CREATED: "ok",
    ReceiptStatus.COMMENTED: "ok",
    ReceiptStatus.ANSWERED: "ok",
    ReceiptStatus.TRIAGE: "danger",
    ReceiptStatus.IGNORED: "muted",
    ReceiptStatus.FAILED: "danger",
}


class RejectReason(models.TextChoices):
    """Why a callback was refused (4xx); nothing of it was stored but this reason."""

    UNKNOWN_ACCOUNT = "unknown_account", _("Unknown or disabled account")
    BAD_SIGNATURE = "bad_signature", _("Bad signature or token")
    REPLAY = "replay", _("Timestamp outside the replay window")
    MALFORMED = "malformed", _("Malformed body")
    BAD_CRYPTO = "bad_crypto", _("Cannot decrypt")
    BAD_CONFIG = "bad_config", _("Account misconfigured")
    TOO_LARGE = "too_large", _("Body too large")
