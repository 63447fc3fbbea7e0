"""The channel interface and the HTTP plumbing the robot and SMS channels share."""

from __future__ import annotations

import json
import logging
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar

from weibao.notifications import conf

if TYPE_CHECKING:
    from weibao.notifications.models import Delivery

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """Worth another try later (network down, server busy, rate limited); `retry_at` overrides the back-off."""

    def __init__(self, reason: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_at = retry_at


class PermanentError(Exception):
    """Trying again cannot help (address refused, bad secret, template rejected)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _nothing() -> None:
    return None


class Transport:
    """A channel: turns a Delivery row (already rendered) into one request to the outside world.

    Each send carries the delivery's idempotency key (the e-mail's Message-ID, the SMS OutId = delivery id) and calls
    `on_handover()` at the last moment before the message leaves for the provider (after connecting, for e-mail):
    a worker killed before that point never reached the provider and the notice is simply retried. A worker killed
    after it, before the answer was recorded, leaves the notice *unconfirmed*: it may have arrived. What happens
    then depends on the channel, `resend_unconfirmed`:

    - e-mail and SMS: not re-sent automatically (a second mail or text reaches a person and SMS costs money); the
      delivery log shows it as unconfirmed and staff may "Send again" (the same Message-ID, so mail clients that
      already have it can tell it is the same message);
    - group robots (WeCom, DingTalk, Feishu): re-sent, a card twice in a team chat costs less than a missed alarm.
    """

    channel: ClassVar[str]
    resend_unconfirmed: ClassVar[bool] = False

    def send(self, delivery: Delivery, *, on_handover: Callable[[], None] = _nothing) -> str:
        """Send once; return the provider's message reference ('' if none)."""
        raise NotImplementedError


# Replies to a person over an IM application (not a group robot) need the application's credentials, which the app
# that receives IM messages keeps (weibao/inbound). It registers a lookup here: id -> {"corp_id", "agent_id",
# "secret", "api_base"}; notifications never imports it.
_app_credentials: list[Callable[[int], dict]] = []


def register_app_credentials(lookup: Callable[[int], dict]) -> None:
    _app_credentials[:] = [lookup]


def app_credentials(account_id: int) -> dict:
    if not _app_credentials:
        raise PermanentError("no IM application is configured")
    credentials = _app_credentials[0](account_id)
    if not credentials:
        raise PermanentError("the IM application was deleted or disabled")
    return credentials


MODULES = {"email": "email", "sms": "sms", "wecom": "wecom", "dingtalk": "dingtalk", "feishu": "feishu"}


def transport_for(channel: str) -> Transport:
    module = import_module(f"weibao.notifications.channels.{MODULES[channel]}")
    return module.TRANSPORT


def ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if cafile := conf.get("WEIBAO_MAIL_CA_FILE"):
        context.load_verify_locations(cafile=cafile)
    return context


def http_request(
    url: str, *, method: str = "POST", payload: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One JSON request; returns (status, decoded body). Network trouble and 5xx/429 are transient, other 4xx are
    permanent. The body of an error answer is kept in the reason."""
    data = None
    headers = {"Accept": "application/json", **(headers or {})}
    if payload is not None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    if not url.startswith(("http://", "https://")):
        raise PermanentError(f"not an http(s) URL: {url[:80]}")
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(  # noqa: S310 - scheme checked above
            request, timeout=conf.get("WEIBAO_HTTP_TIMEOUT"), context=ssl_context() if url.startswith("https") else None
        ) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", errors="replace")
        if exc.code == 429 or exc.code >= 500:
            raise TransientError(f"HTTP {exc.code}: {detail}") from exc
        raise PermanentError(f"HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise TransientError(f"cannot reach {urllib.request.urlparse(url).netloc}: {exc}") from exc
    try:
        return status, json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransientError(f"unreadable answer: {body[:200]!r}") from exc
