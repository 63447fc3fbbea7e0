"""WeCom (企业微信) group robot: POST {"msgtype": "markdown", "markdown": {"content": …}} to the webhook URL (the key
in the URL is the credential; WeCom robots are not signed). Answer {"errcode": 0, "errmsg": "ok"}."""

from weibao.notifications.channels.base import PermanentError, TransientError, Transport, http_request

# errcodes worth retrying: 45009 = API call frequency exceeded (20 messages/minute per robot), -1 = system busy.
RETRYABLE = {45009, -1}


def wecom_payload(*, title: str, markdown: str) -> dict:
    # WeCom markdown has no title field: the title leads the content in bold.
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{markdown}"}}


def check_errcode(answer: dict, retryable: set[int]) -> None:
    code = answer.get("errcode")
    if code == 0:
        return
    reason = f"errcode {code}: {answer.get('errmsg', '')}"
    if code in retryable:
        raise TransientError(reason)
    raise PermanentError(reason)


class WeComTransport(Transport):
    channel = "wecom"

    resend_unconfirmed = True  # a card twice in a group chat beats a missed alarm (see base.Transport)

    def send(self, delivery, *, on_handover=lambda: None) -> str:
        if delivery.robot is None and delivery.payload.get("app"):
            from weibao.notifications.channels.apps import wecom_app_send

            return wecom_app_send(delivery, on_handover=on_handover)  # a reply to one person (inbound IM)
        if delivery.robot is None:
            raise PermanentError("the robot was deleted")
        on_handover()
        _status, answer = http_request(delivery.robot.url, payload=delivery.payload["request"])
        check_errcode(answer, RETRYABLE)
        return ""


TRANSPORT = WeComTransport()
