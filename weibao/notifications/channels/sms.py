"""SMS through a provider with approved templates, limited per recipient and hour.

The provider interface is `SmsProvider.send(phone=…, template_code=…, sign_name=…, params=…, out_id=…)`; the one
real implementation is Alibaba Cloud SMS (dysmsapi, API version 2017-05-25, action SendSms) with the RPC
signature: HMAC-SHA1 with key "<AccessKeySecret>&" over "GET&%2F&" + percentEncode(canonicalised query), where
the query is the sorted parameters, each name and value percent-encoded per RFC 3986 (space → %20, * → %2A,
~ kept).
"""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from django.db import connection, transaction
from django.utils import timezone

from weibao.notifications import conf
from weibao.notifications.channels.base import PermanentError, TransientError, Transport, http_request

# Alibaba Cloud codes that mean "later": flow control by the platform, per-number limits, throttling.
RETRYABLE_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "Throttling.User",
    "Throttling",
    "SignatureNonceUsed",
    "isp.SYSTEM_ERROR",
    "ServiceUnavailable",
}


def percent_encode(value: str) -> str:
    return quote(str(value), safe="~")


def aliyun_string_to_sign(params: dict[str, str], method: str = "GET") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    digest = hmac.new(f"{secret}&".encode(), aliyun_string_to_sign(params, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_signed_query(params: dict[str, str], secret: str) -> str:
    signature = aliyun_signature(params, secret)
    return "&".join(
        [
            f"Signature={percent_encode(signature)}",
            *(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())),
        ]
    )


class SmsProvider:
    name = ""

    def configured(self) -> bool:
        raise NotImplementedError

    def send(self, *, phone: str, template_code: str, sign_name: str, params: dict, out_id: str) -> str:
        raise NotImplementedError


class AliyunSmsProvider(SmsProvider):
    name = "aliyun"

    def configured(self) -> bool:
        return bool(conf.get("WEIBAO_SMS_ACCESS_KEY_ID") and self.secret() and conf.get("WEIBAO_SMS_SIGN_NAME"))

    def secret(self) -> str:
        return conf.secret_from_env(conf.get("WEIBAO_SMS_ACCESS_KEY_SECRET_ENV"))

    def request_params(
        self,
        *,
        phone: str,
        template_code: str,
        sign_name: str,
        params: dict,
        out_id: str,
        nonce: str | None = None,
        now: datetime | None = None,
    ) -> dict[str, str]:
        now = now or datetime.now(UTC)
        return {
            "AccessKeyId": conf.get("WEIBAO_SMS_ACCESS_KEY_ID"),
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": out_id,
            "PhoneNumbers": phone,
            "RegionId": conf.get("WEIBAO_SMS_REGION"),
            "SignName": sign_name or conf.get("WEIBAO_SMS_SIGN_NAME"),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or str(uuid.uuid4()),
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }

    def send(self, *, phone: str, template_code: str, sign_name: str, params: dict, out_id: str) -> str:
        query = aliyun_signed_query(
            self.request_params(
                phone=phone, template_code=template_code, sign_name=sign_name, params=params, out_id=out_id
            ),
            self.secret(),
        )
        endpoint = conf.get("WEIBAO_SMS_ENDPOINT").rstrip("/") + "/"
        _status, answer = http_request(f"{endpoint}?{query}", method="GET")
        code = answer.get("Code")
        if code == "OK":
            return answer.get("BizId", "")
        reason = f"{code}: {answer.get('Message', '')}"
        if code in RETRYABLE_CODES:
            raise TransientError(reason)
        raise PermanentError(reason)


PROVIDERS = {"aliyun": AliyunSmsProvider}


def provider() -> SmsProvider:
    return PROVIDERS["aliyun"]()


def _lock_recipient(recipient: str) -> None:
    """Serialise the rate-limit check per number until the transaction ends. PostgreSQL: a transaction-level
    advisory lock keyed by the number (there is no row per number to lock). SQLite: nothing to do, every
    transaction already holds the database's write lock from BEGIN (transaction_mode IMMEDIATE in settings)."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"weibao.sms:{recipient}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def rate_limit_take(recipient: str, *, delivery_id: int, now: datetime | None = None) -> datetime | None:
    """Take one of the recipient's WEIBAO_SMS_PER_HOUR slots (rolling hour) for this delivery, or say when the next
    one frees. Check and take happen under one lock per number, and a slot counts from the moment it is taken:
    the delivery (status `sending`) gets `sent_at` now, so parallel workers see it before the provider answers.
    A failed attempt clears `sent_at` (services._attempt_failed) and gives the slot back."""
    from weibao.notifications.models import Delivery

    now = now or timezone.now()
    limit = conf.get("WEIBAO_SMS_PER_HOUR")
    with transaction.atomic():
        _lock_recipient(recipient)
        taken = list(
            Delivery.objects.filter(
                channel="sms", recipient=recipient, status__in=["sent", "sending"], sent_at__gt=now - timedelta(hours=1)
            )
            .exclude(pk=delivery_id)
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)[:limit]
        )
        if len(taken) >= limit:
            return taken[-1] + timedelta(hours=1)
        Delivery.objects.filter(pk=delivery_id).update(sent_at=now)
    return None


class SmsTransport(Transport):
    channel = "sms"

    def send(self, delivery, *, on_handover=lambda: None) -> str:
        sms = provider()
        if not sms.configured():
            raise PermanentError("SMS provider not configured")
        if (retry_at := rate_limit_take(delivery.recipient, delivery_id=delivery.pk)) is not None:
            raise TransientError("rate limit for this number reached", retry_at=retry_at)
        payload = delivery.payload
        on_handover()  # OutId = the delivery id: the provider's send report names it (its idempotency key)
        return sms.send(
            phone=delivery.recipient,
            template_code=payload["template_code"],
            sign_name=payload.get("sign_name", ""),
            params=payload["params"],
            out_id=str(delivery.pk),
        )


TRANSPORT = SmsTransport()
