"""Reading each provider's callback: check the signature and the replay window, decrypt, and turn the message into
an `Incoming` — or raise CallbackRefused with the reason. URL checks (WeCom GET, Feishu challenge, DingTalk
check_url) return the answer the provider expects. No database writes here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree
from django.http import HttpRequest

from weibao.inbound import crypto
from weibao.inbound.crypto import CallbackRefused
from weibao.inbound.models import InboundAccount
from weibao.inbound.services import Incoming, check_timestamp

MAX_BODY = 64 * 1024  # a chat message is small; anything bigger is refused before parsing
DINGTALK_ROBOT_WINDOW = 3600  # DingTalk's documented check: the robot timestamp within one hour


@dataclass
class Handshake:
    """An answer for the provider with no message behind it (URL verification, an event we do not handle)."""

    body: Any  # str for text/plain, dict for JSON


def _body(request: HttpRequest) -> bytes:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        raise CallbackRefused("too_large", f"{length} bytes", status=413)
    body = request.body
    if len(body) > MAX_BODY:
        raise CallbackRefused("too_large", f"{len(body)} bytes", status=413)
    return body


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CallbackRefused("malformed", "body is not JSON") from exc
    if not isinstance(data, dict):
        raise CallbackRefused("malformed", "body is not a JSON object")
    return data


def _xml(data: bytes) -> dict[str, str]:
    try:
        root = ElementTree.fromstring(data)
    except Exception as exc:  # defusedxml raises ParseError and its own refusals (entities, DTDs)
        raise CallbackRefused("malformed", f"XML: {type(exc).__name__}") from exc
    return {child.tag: (child.text or "") for child in root}


def _sha1_check(account: InboundAccount, *, signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
    if not (signature and timestamp and nonce and encrypted):
        raise CallbackRefused("malformed", "signature, timestamp, nonce or encrypted text missing")
    if not crypto.same(crypto.sha1_signature(account.token, timestamp, nonce, encrypted), signature):
        raise CallbackRefused("bad_signature", "msg_signature does not check", status=403)


# --- WeCom --------------------------------------------------------------------------------------------------------


def wecom(request: HttpRequest, account: InboundAccount) -> Incoming | Handshake:
    params = request.GET
    signature, timestamp, nonce = params.get("msg_signature", ""), params.get("timestamp", ""), params.get("nonce", "")
    if request.method == "GET":  # URL verification: answer the decrypted echostr
        echostr = params.get("echostr", "")
        _sha1_check(account, signature=signature, timestamp=timestamp, nonce=nonce, encrypted=echostr)
        check_timestamp(timestamp)
        plain = crypto.wecom_decrypt(echostr, encoding_aes_key=account.aes_key, receive_id=account.corp_id)
        return Handshake(plain.decode("utf-8", errors="replace"))
    envelope = _xml(_body(request))
    encrypted = envelope.get("Encrypt", "")
    _sha1_check(account, signature=signature, timestamp=timestamp, nonce=nonce, encrypted=encrypted)
    check_timestamp(timestamp)
    message = _xml(crypto.wecom_decrypt(encrypted, encoding_aes_key=account.aes_key, receive_id=account.corp_id))
    kind = message.get("MsgType", "")
    if kind == "event" or not message.get("FromUserName"):
        return Handshake("")  # subscribe, enter_agent…: nothing to register
    key = message.get("MsgId") or f"{message.get('FromUserName')}:{message.get('CreateTime')}:{nonce}"
    text = message.get("Content", "") if kind == "text" else f"[{kind}]"
    return Incoming(
        message_key=key,
        text=text,
        sender_id=message["FromUserName"],
        data={"msg_type": kind, "agent_id": message.get("AgentID", "")},
    )


# --- DingTalk -----------------------------------------------------------------------------------------------------


def dingtalk(request: HttpRequest, account: InboundAccount) -> Incoming | Handshake:
    body = _body(request)
    data = _json(body)
    if "encrypt" in data:
        return _dingtalk_event(request, account, data)
    # Robot outgoing callback (机器人接收消息): headers timestamp (ms) and sign.
    timestamp, sign = request.headers.get("timestamp", ""), request.headers.get("sign", "")
    if not (timestamp and sign):
        raise CallbackRefused("bad_signature", "timestamp or sign header missing", status=403)
    if not crypto.same(crypto.dingtalk_robot_sign(timestamp, account.app_secret), sign):
        raise CallbackRefused("bad_signature", "sign does not check", status=403)
    check_timestamp(timestamp, window=DINGTALK_ROBOT_WINDOW)
    key = data.get("msgId")
    if not isinstance(key, str) or not key:
        raise CallbackRefused("malformed", "msgId missing")
    kind = data.get("msgtype", "")
    text = (data.get("text") or {}).get("content", "") if kind == "text" else f"[{kind}]"
    if not isinstance(text, str):
        raise CallbackRefused("malformed", "text.content is not a string")
    sender = data.get("senderStaffId") or data.get("senderId") or ""
    return Incoming(
        message_key=key,
        text=text.strip(),
        sender_id=str(sender)[:100],
        sender_name=str(data.get("senderNick", ""))[:100],
        reply_route={"session_webhook": str(data.get("sessionWebhook", ""))[:500]},
        data={"msg_type": kind, "conversation": str(data.get("conversationId", ""))[:100]},
    )


def _dingtalk_event(request: HttpRequest, account: InboundAccount, data: dict) -> Handshake:
    """Event subscription (HTTP push): the WeCom scheme keyed with the app key; we answer an encrypted "success"."""
    params = request.GET
    signature = params.get("msg_signature") or params.get("signature", "")
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    encrypted = data.get("encrypt")
    if not isinstance(encrypted, str):
        raise CallbackRefused("malformed", "encrypt is not a string")
    _sha1_check(account, signature=signature, timestamp=timestamp, nonce=nonce, encrypted=encrypted)
    check_timestamp(timestamp)
    event = _json(crypto.wecom_decrypt(encrypted, encoding_aes_key=account.aes_key, receive_id=account.corp_id))
    if not event.get("EventType"):
        raise CallbackRefused("malformed", "EventType missing")
    # check_url and the other events (contacts, approvals…) carry no customer message: acknowledged, not stored.
    return Handshake(dingtalk_success(account, timestamp=timestamp, nonce=nonce))


def dingtalk_success(account: InboundAccount, *, timestamp: str, nonce: str) -> dict:
    encrypted = crypto.wecom_encrypt(b"success", encoding_aes_key=account.aes_key, receive_id=account.corp_id)
    return {
        "msg_signature": crypto.sha1_signature(account.token, timestamp, nonce, encrypted),
        "timeStamp": timestamp,
        "nonce": nonce,
        "encrypt": encrypted,
    }


# --- Feishu -------------------------------------------------------------------------------------------------------


def feishu(request: HttpRequest, account: InboundAccount) -> Incoming | Handshake:
    body = _body(request)
    data = _json(body)
    timestamp = request.headers.get("X-Lark-Request-Timestamp", "")
    nonce = request.headers.get("X-Lark-Request-Nonce", "")
    signature = request.headers.get("X-Lark-Signature", "")
    signed = False
    if "encrypt" in data:
        if not account.aes_key:
            raise CallbackRefused("bad_config", "encrypted event but no Encrypt Key configured")
        if signature:
            expected = crypto.feishu_signature(timestamp, nonce, account.aes_key, body)
            if not crypto.same(expected, signature):
                raise CallbackRefused("bad_signature", "X-Lark-Signature does not check", status=403)
            signed = True
        encrypted = data["encrypt"]
        if not isinstance(encrypted, str):
            raise CallbackRefused("malformed", "encrypt is not a string")
        data = _json(crypto.feishu_decrypt(encrypted, encrypt_key=account.aes_key))
    elif account.aes_key:
        raise CallbackRefused("bad_signature", "plain event although an Encrypt Key is configured", status=403)
    header = data.get("header") if isinstance(data.get("header"), dict) else {}
    token = header.get("token") or data.get("token", "")
    if not account.token or not crypto.same(str(token), account.token):
        raise CallbackRefused("bad_signature", "verification token does not check", status=403)
    if data.get("type") == "url_verification":
        return Handshake({"challenge": data.get("challenge", "")})
    if account.aes_key and not signed:
        raise CallbackRefused("bad_signature", "X-Lark-Signature missing", status=403)
    check_timestamp(timestamp or header.get("create_time"))
    if header.get("event_type") != "im.message.receive_v1":
        return Handshake({})
    event = data.get("event") if isinstance(data.get("event"), dict) else {}
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    sender = ((event.get("sender") or {}).get("sender_id") or {}) if isinstance(event.get("sender"), dict) else {}
    key = message.get("message_id") or header.get("event_id")
    if not isinstance(key, str) or not key or not isinstance(sender, dict):
        raise CallbackRefused("malformed", "message_id or sender missing")
    kind = message.get("message_type", "")
    text = f"[{kind}]"
    if kind == "text":
        try:
            text = json.loads(message.get("content") or "{}").get("text", "")
        except (json.JSONDecodeError, AttributeError) as exc:
            raise CallbackRefused("malformed", "message content is not JSON") from exc
    return Incoming(
        message_key=key,
        text=str(text).strip(),
        sender_id=str(sender.get("open_id", ""))[:100],
        quoted_key=str(message.get("parent_id", "")),
        data={
            "msg_type": kind,
            "chat": str(message.get("chat_id", ""))[:100],
            "event_id": str(header.get("event_id", ""))[:100],
        },
    )


# --- SMS gateway --------------------------------------------------------------------------------------------------


def sms(request: HttpRequest, account: InboundAccount) -> Incoming:
    """Our documented relay format (docs/inbound.md): POST JSON {"id", "phone", "text"} with headers
    X-Weibao-Timestamp (seconds) and X-Weibao-Signature = hex HMAC-SHA256(secret, "<timestamp>." + body)."""
    body = _body(request)
    timestamp = request.headers.get("X-Weibao-Timestamp", "")
    signature = request.headers.get("X-Weibao-Signature", "")
    secret = account.app_secret
    if not secret:
        raise CallbackRefused("bad_config", "no signing secret configured")
    if not (timestamp and signature) or not timestamp.isdigit():
        raise CallbackRefused("bad_signature", "timestamp or signature header missing", status=403)
    if not crypto.same(crypto.sms_signature(timestamp, body, secret), signature):
        raise CallbackRefused("bad_signature", "signature does not check", status=403)
    check_timestamp(timestamp)
    data = _json(body)
    key, phone, text = data.get("id"), data.get("phone"), data.get("text")
    if not all(isinstance(v, str) and v for v in (key, phone)) or not isinstance(text, str):
        raise CallbackRefused("malformed", "id, phone and text are required strings")
    return Incoming(message_key=key, text=text.strip(), mobile=phone.strip()[:32])


READERS = {"wecom": wecom, "dingtalk": dingtalk, "feishu": feishu, "sms": sms}
