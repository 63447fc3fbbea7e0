"""Replies to an IM sender go out through the notifications outbox to the provider's application API (a stub on
loopback answering like the providers do)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from weibao.inbound.tests import helpers
from weibao.notifications.models import Delivery
from weibao.notifications.services import delivery_send
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


class Stub(BaseHTTPRequestHandler):
    requests: list = []

    def log_message(self, *args) -> None:
        pass

    def _reply(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        self.requests.append({"path": url.path, "query": parse_qs(url.query)})
        self._reply({"errcode": 0, "errmsg": "ok", "access_token": "WXTOKEN", "expires_in": 7200})

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.requests.append(
            {
                "path": url.path,
                "query": parse_qs(url.query),
                "json": body,
                "auth": self.headers.get("Authorization", ""),
            }
        )
        if url.path.endswith("tenant_access_token/internal"):
            return self._reply({"code": 0, "msg": "ok", "tenant_access_token": "t-FS", "expire": 7200})
        if url.path.startswith("/open-apis/"):
            return self._reply({"code": 0, "msg": "success", "data": {"message_id": "om_reply"}})
        return self._reply({"errcode": 0, "errmsg": "ok", "msgid": "wxmsg1"})


@pytest.fixture(scope="module")
def stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def stubbed(accounts, stub):
    Stub.requests.clear()
    for account in accounts.values():
        account.api_base = stub
        account.save()
    return accounts


def test_wecom_reply_is_an_app_message_to_the_sender(client, stubbed, contact):
    helpers.wecom_post(client, stubbed["wecom"], user="wangjg", text="机房空调告警")
    delivery = Delivery.objects.get(channel="wecom")

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    token_call, send_call = Stub.requests
    assert token_call["path"] == "/cgi-bin/gettoken"
    assert token_call["query"] == {"corpid": [helpers.CORP_ID], "corpsecret": ["wecom-secret"]}
    assert send_call["query"]["access_token"] == ["WXTOKEN"]
    assert send_call["json"]["touser"] == "wangjg"
    assert send_call["json"]["agentid"] == 1000002
    assert WorkOrder.objects.get().number in send_call["json"]["text"]["content"]


def test_feishu_reply_is_a_message_to_the_open_id(client, stubbed, contact):
    helpers.feishu_post(client, stubbed["feishu"], helpers.feishu_event(open_id=contact.feishu_open_id, text="网络慢"))
    delivery = Delivery.objects.get(channel="feishu")

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    send_call = Stub.requests[-1]
    assert send_call["path"] == "/open-apis/im/v1/messages"
    assert send_call["auth"] == "Bearer t-FS"
    assert send_call["json"]["receive_id"] == contact.feishu_open_id
    assert WorkOrder.objects.get().number in json.loads(send_call["json"]["content"])["text"]


def test_dingtalk_reply_goes_to_the_conversation_and_nowhere_else(client, stubbed, contact, stub):
    helpers.dingtalk_post(client, stubbed["dingtalk"], user=contact.dingtalk_userid, text="打印服务器宕机")
    delivery = Delivery.objects.get(channel="dingtalk")
    # The callback named DingTalk's host; a sessionWebhook on any other host is never called.
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert Stub.requests == []

    Delivery.objects.filter(pk=delivery.pk).update(
        status="pending", payload={**delivery.payload, "session_webhook": f"{stub}/robot/sendBySession?session=a"}
    )
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert Stub.requests[-1]["json"]["msgtype"] == "text"
