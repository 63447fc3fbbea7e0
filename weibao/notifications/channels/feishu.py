"""Feishu (飞书) custom group robot with signature verification (签名校验).

Per Feishu's documentation: string_to_sign = "<timestamp>\\n<secret>" (timestamp in seconds) used as the HMAC-SHA256
*key* over an empty message, base64-encoded; `timestamp` (string) and `sign` go into the JSON body next to the
message. Answer {"code": 0, "msg": "success"} (older robots: {"StatusCode": 0})."""

import base64
import hashlib
import hmac
import time

from weibao.notifications.channels.base import PermanentError, TransientError, Transport, http_request

# 9499: too many requests; 11232: frequency limited (100/min, 5/s per robot).
RETRYABLE = {9499, 11232}

HEADER_COLOURS = {"A": "red", "B": "orange", "C": "blue", "D": "grey"}


def feishu_sign(timestamp_s: int | str, secret: str) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", digestmod=hashlib.sha256).digest()).decode()


def feishu_card(*, title: str, markdown: str, severity: str = "") -> dict:
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": title},
                "template": HEADER_COLOURS.get(severity, "blue"),
            },
            "elements": [{"tag": "markdown", "content": markdown}],
        },
    }


def feishu_signed(payload: dict, secret: str, timestamp_s: int | None = None) -> dict:
    if not secret:
        return payload
    timestamp_s = int(time.time()) if timestamp_s is None else timestamp_s
    return {"timestamp": str(timestamp_s), "sign": feishu_sign(timestamp_s, secret), **payload}


class FeishuTransport(Transport):
    channel = "feishu"

    resend_unconfirmed = True  # a card twice in a group chat beats a missed alarm (see base.Transport)

    def send(self, delivery, *, on_handover=lambda: None) -> str:
        if delivery.robot is None and delivery.payload.get("app"):
            from weibao.notifications.channels.apps import feishu_app_send

            return feishu_app_send(delivery, on_handover=on_handover)  # a reply to one person (inbound IM)
        robot = delivery.robot
        if robot is None:
            raise PermanentError("the robot was deleted")
        on_handover()
        _status, answer = http_request(
            robot.url, payload=feishu_signed(delivery.payload["request"], robot.signing_secret)
        )
        code = answer.get("code", answer.get("StatusCode"))
        if code == 0:
            return ""
        reason = f"code {code}: {answer.get('msg') or answer.get('StatusMessage', '')}"
        if code in RETRYABLE:
            raise TransientError(reason)
        raise PermanentError(reason)


TRANSPORT = FeishuTransport()
