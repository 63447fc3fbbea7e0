"""Build callbacks the way each provider does, with the documented algorithms (crypto.py's encrypt side)."""

from __future__ import annotations

import json
import time
import uuid

from django.test import Client

from weibao.inbound import crypto

WECOM_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # the sample EncodingAESKey of WeCom's documentation
CORP_ID = "wx5823bf96d3bd56c7"
TOKEN = "QDG6eK"
DINGTALK_SECRET = "dingtalk-app-secret-for-tests"
FEISHU_ENCRYPT_KEY = "feishu-encrypt-key"
FEISHU_TOKEN = "feishu-verification-token"
SMS_SECRET = "sms-relay-secret"


def wecom_post(
    client: Client,
    account,
    *,
    user: str,
    text: str,
    msg_id: str | None = None,
    timestamp=None,
    token: str = TOKEN,
    body: bytes | None = None,
):
    msg_id = msg_id or str(uuid.uuid4().int)[:19]
    inner = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )
    encrypted = crypto.wecom_encrypt(inner.encode(), encoding_aes_key=WECOM_KEY, receive_id=CORP_ID)
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = uuid.uuid4().hex[:10]
    signature = crypto.sha1_signature(token, timestamp, nonce, encrypted)
    if body is None:
        body = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        ).encode()
    url = f"/inbound/wecom/{account.slug}/?msg_signature={signature}&timestamp={timestamp}&nonce={nonce}"
    return client.post(url, data=body, content_type="text/xml")


def dingtalk_post(
    client: Client,
    account,
    *,
    user: str,
    text: str,
    msg_id: str | None = None,
    timestamp_ms=None,
    secret: str = DINGTALK_SECRET,
    body: bytes | None = None,
):
    timestamp_ms = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    payload = {
        "msgtype": "text",
        "text": {"content": f" {text}"},
        "msgId": msg_id or f"msg{uuid.uuid4().hex}",
        "createAt": int(timestamp_ms),
        "conversationType": "1",
        "conversationId": "cid-1",
        "senderId": "$:LWCP_v1:$abc",
        "senderStaffId": user,
        "senderNick": "王工",
        "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=abc",
        "robotCode": "dingrobot",
    }
    data = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
    return client.post(
        f"/inbound/dingtalk/{account.slug}/",
        data=data,
        content_type="application/json",
        headers={"timestamp": timestamp_ms, "sign": crypto.dingtalk_robot_sign(timestamp_ms, secret)},
    )


def feishu_event(
    *, open_id: str, text: str, message_id: str | None = None, parent_id: str = "", token: str = FEISHU_TOKEN
) -> dict:
    now_ms = str(int(time.time() * 1000))
    message = {
        "message_id": message_id or f"om_{uuid.uuid4().hex}",
        "chat_id": "oc_1",
        "chat_type": "p2p",
        "message_type": "text",
        "content": json.dumps({"text": text}, ensure_ascii=False),
        "create_time": now_ms,
    }
    if parent_id:
        message["parent_id"] = parent_id
    return {
        "schema": "2.0",
        "header": {
            "event_id": uuid.uuid4().hex,
            "token": token,
            "create_time": now_ms,
            "event_type": "im.message.receive_v1",
            "tenant_key": "t1",
            "app_id": "cli_test",
        },
        "event": {
            "sender": {"sender_id": {"open_id": open_id, "user_id": "u1"}, "sender_type": "user"},
            "message": message,
        },
    }


def feishu_post(
    client: Client,
    account,
    payload: dict,
    *,
    timestamp=None,
    encrypt_key: str = FEISHU_ENCRYPT_KEY,
    body: bytes | None = None,
    signed: bool = True,
):
    if body is None:
        encrypted = crypto.feishu_encrypt(json.dumps(payload, ensure_ascii=False).encode(), encrypt_key=encrypt_key)
        body = json.dumps({"encrypt": encrypted}).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = uuid.uuid4().hex[:12]
    headers = {}
    if signed:
        headers = {
            "X-Lark-Request-Timestamp": timestamp,
            "X-Lark-Request-Nonce": nonce,
            "X-Lark-Signature": crypto.feishu_signature(timestamp, nonce, encrypt_key, body),
        }
    return client.post(f"/inbound/feishu/{account.slug}/", data=body, content_type="application/json", headers=headers)


def sms_post(
    client: Client,
    account,
    *,
    phone: str,
    text: str,
    msg_id: str | None = None,
    timestamp=None,
    secret: str = SMS_SECRET,
    body: bytes | None = None,
):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    data = (
        body
        if body is not None
        else json.dumps({"id": msg_id or uuid.uuid4().hex, "phone": phone, "text": text}, ensure_ascii=False).encode()
    )
    return client.post(
        f"/inbound/sms/{account.slug}/",
        data=data,
        content_type="application/json",
        headers={"X-Weibao-Timestamp": timestamp, "X-Weibao-Signature": crypto.sms_signature(timestamp, data, secret)},
    )
