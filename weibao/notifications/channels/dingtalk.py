"""DingTalk (钉钉) custom group robot with the "signature" (加签) security setting.

Per DingTalk's documentation: string_to_sign = "<timestamp>\\n<secret>" (timestamp in milliseconds), sign =
urlEncode(base64(HmacSHA256(key=secret, message=string_to_sign))), sent as `&timestamp=…&sign=…` on the webhook
URL; the server refuses timestamps more than an hour off. Answer {"errcode": 0, "errmsg": "ok"}."""

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

from weibao.notifications.channels.base import PermanentError, Transport, http_request
from weibao.notifications.channels.wecom import check_errcode

# 130101: sending too fast (20 messages/minute per robot); -1: system busy.
RETRYABLE = {130101, -1}


def dingtalk_sign(timestamp_ms: int | str, secret: str) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(timestamp_ms, secret)}"


def dingtalk_payload(*, title: str, markdown: str, at_mobiles: list[str] = ()) -> dict:
    text = f"#### {title}\n{markdown}"
    if at_mobiles:  # DingTalk only rings the @-mentioned people when their numbers also appear in the text
        text += "\n" + " ".join(f"@{m}" for m in at_mobiles)
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": text},
        "at": {"atMobiles": list(at_mobiles), "isAtAll": False},
    }


class DingTalkTransport(Transport):
    channel = "dingtalk"

    resend_unconfirmed = True  # a card twice in a group chat beats a missed alarm (see base.Transport)

    def send(self, delivery, *, on_handover=lambda: None) -> str:
        if delivery.robot is None and delivery.payload.get("app"):
            from weibao.notifications.channels.apps import dingtalk_app_send

            return dingtalk_app_send(delivery, on_handover=on_handover)  # a reply to one person (inbound IM)
        robot = delivery.robot
        if robot is None:
            raise PermanentError("the robot was deleted")
        # Signed at send time: a retry hours later needs a fresh timestamp.
        url = dingtalk_url(robot.url, robot.signing_secret)
        on_handover()
        _status, answer = http_request(url, payload=delivery.payload["request"])
        check_errcode(answer, RETRYABLE)
        return ""


TRANSPORT = DingTalkTransport()
