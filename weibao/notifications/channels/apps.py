"""Replies to one person through an enterprise IM *application* (not a group robot): the answer to a customer who
wrote to our WeCom / DingTalk / Feishu application (weibao/inbound). Same outbox, retries and log as the robots.

- WeCom: GET /cgi-bin/gettoken?corpid=&corpsecret= (token cached below its 7200 s life), then POST
  /cgi-bin/message/send?access_token= {"touser", "msgtype": "text", "agentid", "text": {"content"}}.
- DingTalk: the robot callback carries a `sessionWebhook` for the conversation: POST {"msgtype": "text", "text":
  {"content"}} to it (only to the DingTalk API host, never to another address a callback names).
- Feishu: POST /open-apis/auth/v3/tenant_access_token/internal {"app_id", "app_secret"}, then POST
  /open-apis/im/v1/messages?receive_id_type=open_id with `Authorization: Bearer <token>`.
The application's credentials come from `base.app_credentials(payload["app"])`; they never enter the payload."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

from django.core.cache import cache

from weibao.notifications.channels.base import PermanentError, TransientError, app_credentials, http_request
from weibao.notifications.channels.wecom import check_errcode

WECOM_API = "https://qyapi.weixin.qq.com"
DINGTALK_API = "https://oapi.dingtalk.com"
FEISHU_API = "https://open.feishu.cn"
# WeCom 40014/42001 and Feishu 99991661/99991663: the access token is invalid or expired — fetch a new one.
WECOM_TOKEN_ERRORS = {40014, 42001}
FEISHU_TOKEN_ERRORS = {99991661, 99991663}
WECOM_RETRYABLE = {45009, -1}
FEISHU_RETRYABLE = {9499, 11232, 230020}


def _cached_token(account_id: int, fetch: Callable[[], tuple[str, int]]) -> str:
    key = f"inbound:im-token:{account_id}"
    token = cache.get(key)
    if not token:
        token, expires_in = fetch()
        cache.set(key, token, max(60, int(expires_in) - 300))
    return token


def _forget_token(account_id: int) -> None:
    cache.delete(f"inbound:im-token:{account_id}")


def wecom_app_send(delivery, *, on_handover=lambda: None) -> str:
    account_id = delivery.payload["app"]
    creds = app_credentials(account_id)
    base = (creds.get("api_base") or WECOM_API).rstrip("/")

    def fetch() -> tuple[str, int]:
        url = f"{base}/cgi-bin/gettoken?corpid={quote(creds['corp_id'])}&corpsecret={quote(creds['secret'])}"
        _status, answer = http_request(url, method="GET")
        check_errcode(answer, WECOM_RETRYABLE)
        return answer["access_token"], answer.get("expires_in", 7200)

    token = _cached_token(account_id, fetch)
    try:
        agent_id = int(creds.get("agent_id") or 0)
    except ValueError as exc:
        raise PermanentError("the WeCom agent id is not a number") from exc
    request = {
        "touser": delivery.payload["to"],
        "msgtype": "text",
        "agentid": agent_id,
        "text": {"content": delivery.body_text},
    }
    on_handover()
    _status, answer = http_request(f"{base}/cgi-bin/message/send?access_token={quote(token)}", payload=request)
    if answer.get("errcode") in WECOM_TOKEN_ERRORS:
        _forget_token(account_id)
        raise TransientError(f"errcode {answer.get('errcode')}: access token expired")
    check_errcode(answer, WECOM_RETRYABLE)
    return str(answer.get("msgid", ""))


def dingtalk_app_send(delivery, *, on_handover=lambda: None) -> str:
    creds = app_credentials(delivery.payload["app"])
    webhook = delivery.payload.get("session_webhook", "")
    allowed = (creds.get("api_base") or DINGTALK_API).rstrip("/") + "/"
    if not webhook.startswith(allowed):
        raise PermanentError("no DingTalk conversation to answer in (session webhook missing or foreign)")
    on_handover()
    _status, answer = http_request(webhook, payload={"msgtype": "text", "text": {"content": delivery.body_text}})
    check_errcode(answer, {130101, -1})
    return ""


def feishu_app_send(delivery, *, on_handover=lambda: None) -> str:
    account_id = delivery.payload["app"]
    creds = app_credentials(account_id)
    base = (creds.get("api_base") or FEISHU_API).rstrip("/")

    def fetch() -> tuple[str, int]:
        _status, answer = http_request(
            f"{base}/open-apis/auth/v3/tenant_access_token/internal",
            payload={"app_id": creds["corp_id"], "app_secret": creds["secret"]},
        )
        if answer.get("code") != 0:
            raise PermanentError(f"code {answer.get('code')}: {answer.get('msg', '')}")
        return answer["tenant_access_token"], answer.get("expire", 7200)

    token = _cached_token(account_id, fetch)
    request = {
        "receive_id": delivery.payload["to"],
        "msg_type": "text",
        "content": json.dumps({"text": delivery.body_text}, ensure_ascii=False),
    }
    on_handover()
    _status, answer = http_request(
        f"{base}/open-apis/im/v1/messages?receive_id_type=open_id",
        payload=request,
        headers={"Authorization": f"Bearer {token}"},
    )
    code = answer.get("code")
    if code == 0:
        return str((answer.get("data") or {}).get("message_id", ""))
    if code in FEISHU_TOKEN_ERRORS:
        _forget_token(account_id)
        raise TransientError(f"code {code}: access token expired")
    reason = f"code {code}: {answer.get('msg', '')}"
    if code in FEISHU_RETRYABLE:
        raise TransientError(reason)
    raise PermanentError(reason)
