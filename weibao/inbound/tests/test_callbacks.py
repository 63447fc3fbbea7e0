"""Issue 17 acceptance, per IM provider: a signed/encrypted callback from a known contact opens an order; a bad
signature, a replayed message and a malformed body are refused with a logged reason and nothing stored; the same
message delivered twice makes one order."""

import json
import logging
import time

import pytest

from weibao.inbound import crypto
from weibao.inbound.models import InboundReceipt, InboundRejection
from weibao.inbound.tests import helpers
from weibao.notifications.models import Delivery
from weibao.workorders.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

OLD = int(time.time()) - 2 * 3600  # outside every replay window (DingTalk's is one hour)


def send(provider, client, accounts, contact, text, *, msg_id=None, bad=None):
    """One callback of `provider` from `contact`; `bad` in {"signature", "replay", "malformed"} spoils it."""
    account = accounts[provider]
    if provider == "wecom":
        kwargs = {"token": "wrong"} if bad == "signature" else {"timestamp": OLD} if bad == "replay" else {}
        if bad == "malformed":
            kwargs["body"] = b"<xml><Encrypt>not base64 at all!</Encrypt>"
        return helpers.wecom_post(client, account, user=contact.wecom_userid, text=text, msg_id=msg_id, **kwargs)
    if provider == "dingtalk":
        kwargs = {"secret": "wrong"} if bad == "signature" else {"timestamp_ms": OLD * 1000} if bad == "replay" else {}
        if bad == "malformed":
            kwargs["body"] = b'{"msgtype": "text", "text": '
        return helpers.dingtalk_post(client, account, user=contact.dingtalk_userid, text=text, msg_id=msg_id, **kwargs)
    if provider == "feishu":
        payload = helpers.feishu_event(open_id=contact.feishu_open_id, text=text, message_id=msg_id)
        kwargs = {}
        if bad == "signature":
            kwargs["encrypt_key"] = "wrong"
        elif bad == "replay":
            kwargs["timestamp"] = OLD
        elif bad == "malformed":
            kwargs["body"] = b'{"encrypt": 12}'
            return helpers.feishu_post(client, account, payload, **kwargs)
        return helpers.feishu_post(client, account, payload, **kwargs)
    kwargs = {"secret": "wrong"} if bad == "signature" else {"timestamp": OLD} if bad == "replay" else {}
    if bad == "malformed":
        kwargs["body"] = b"[1, 2]"
    return helpers.sms_post(client, account, phone="13900497829", text=text, msg_id=msg_id, **kwargs)


PROVIDERS = ["wecom", "dingtalk", "feishu", "sms"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_known_contact_opens_an_order(provider, client, accounts, contact):
    response = send(provider, client, accounts, contact, "三楼机房交换机端口全部不亮，财务系统无法访问")

    assert response.status_code == 200
    order = WorkOrder.objects.get()
    assert (order.customer, order.site, order.contact) == (contact.customer, contact.site, contact)
    assert order.channel == ("sms" if provider == "sms" else "chat")
    assert "交换机" in order.symptom
    receipt = InboundReceipt.objects.get()
    assert (receipt.status, receipt.workorder, receipt.contact) == ("order_created", order, contact)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_same_message_twice_makes_one_order(provider, client, accounts, contact):
    first = send(provider, client, accounts, contact, "监控画面全黑", msg_id="same-id-1")
    again = send(provider, client, accounts, contact, "监控画面全黑", msg_id="same-id-1")

    assert (first.status_code, again.status_code) == (200, 200)  # a 200 again, or the provider keeps retrying
    assert WorkOrder.objects.count() == 1
    assert InboundReceipt.objects.count() == 1


@pytest.mark.parametrize("bad", ["signature", "replay", "malformed"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_refused_with_a_logged_reason_and_nothing_stored(provider, bad, client, accounts, contact, caplog):
    with caplog.at_level(logging.WARNING, logger="weibao.inbound.services"):
        response = send(provider, client, accounts, contact, "门禁主机离线", bad=bad)

    assert 400 <= response.status_code < 500
    expected = {"signature": "bad_signature", "replay": "replay", "malformed": "malformed"}[bad]
    rejection = InboundRejection.objects.get()
    assert (rejection.provider, rejection.reason) == (provider, expected)
    assert response.json() == {"error": expected}
    assert f"refused ({expected})" in caplog.text
    # the secrets never reach the log
    for secret in (
        helpers.TOKEN,
        helpers.WECOM_KEY,
        helpers.DINGTALK_SECRET,
        helpers.FEISHU_ENCRYPT_KEY,
        helpers.SMS_SECRET,
    ):
        assert secret not in caplog.text
    assert not InboundReceipt.objects.exists()
    assert not WorkOrder.objects.exists()


def test_unknown_account_is_404(client, accounts, contact):
    accounts["wecom"].enabled = False
    accounts["wecom"].save()
    response = helpers.wecom_post(client, accounts["wecom"], user="wangjg", text="x")
    assert response.status_code == 404
    assert InboundRejection.objects.get().reason == "unknown_account"


@pytest.mark.parametrize("provider", ["wecom", "dingtalk", "feishu"])
def test_unknown_sender_goes_to_triage(provider, client, accounts, contact):
    contact.wecom_userid = contact.dingtalk_userid = contact.feishu_open_id = ""
    contact.save()

    assert (
        send(
            provider,
            client,
            accounts,
            contact.__class__(wecom_userid="nobody", dingtalk_userid="nobody", feishu_open_id="ou_nobody"),
            "有人吗",
        ).status_code
        == 200
    )

    receipt = InboundReceipt.objects.get()
    assert receipt.status == "triage"
    assert receipt.contact is None
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_message_naming_an_open_order_comments_on_it(provider, client, accounts, contact):
    send(provider, client, accounts, contact, "会议室投影仪无信号")
    order = WorkOrder.objects.get()

    send(provider, client, accounts, contact, f"关于 {order.number}：换了线还是不行")

    assert WorkOrder.objects.count() == 1
    comment = WorkOrderEvent.objects.get(workorder=order, kind="comment")
    assert "换了线还是不行" in comment.body
    assert contact.name in comment.body
    assert InboundReceipt.objects.order_by("-pk").first().status == "commented"


def test_another_customers_order_number_goes_to_triage(client, accounts, contact, other_contact):
    send("wecom", client, accounts, other_contact, "打印机卡纸")
    foreign = WorkOrder.objects.get()

    send("wecom", client, accounts, contact, f"{foreign.number} 怎么样了")

    assert WorkOrder.objects.count() == 1
    receipt = InboundReceipt.objects.order_by("-pk").first()
    assert receipt.status == "triage"
    assert foreign.number in receipt.reason
    assert not WorkOrderEvent.objects.filter(workorder=foreign, kind="comment").exists()


def test_feishu_reply_quoting_an_earlier_message_comments(client, accounts, contact):
    first = helpers.feishu_event(open_id=contact.feishu_open_id, text="无线AP掉线", message_id="om_first")
    helpers.feishu_post(client, accounts["feishu"], first)
    order = WorkOrder.objects.get()

    reply = helpers.feishu_event(open_id=contact.feishu_open_id, text="现在又掉了", parent_id="om_first")
    helpers.feishu_post(client, accounts["feishu"], reply)

    assert WorkOrder.objects.count() == 1
    assert WorkOrderEvent.objects.filter(workorder=order, kind="comment", body__contains="现在又掉了").exists()


def test_contact_found_by_mobile_when_no_im_id(client, accounts, contact):
    contact.wecom_userid = ""
    contact.save()
    response = helpers.sms_post(client, accounts["sms"], phone="+8613900497829", text="大屏黑屏")
    assert response.status_code == 200
    assert WorkOrder.objects.get().contact == contact


def test_im_reply_goes_back_through_the_same_channel(client, accounts, contact):
    send("wecom", client, accounts, contact, "电话交换机无拨号音")
    order = WorkOrder.objects.get()

    reply = Delivery.objects.get(channel="wecom", recipient="wecom:wangjg")
    assert reply.workorder == order
    assert order.number in reply.body_text
    assert reply.payload == {"app": accounts["wecom"].pk, "to": "wangjg", "session_webhook": ""}
    assert reply.robot is None


def test_dingtalk_reply_uses_the_session_webhook(client, accounts, contact):
    send("dingtalk", client, accounts, contact, "门禁刷卡无反应")
    reply = Delivery.objects.get(channel="dingtalk")
    assert reply.payload["session_webhook"].startswith("https://oapi.dingtalk.com/")


# --- URL verification ----------------------------------------------------------------------------------------------


def test_wecom_url_verification_with_the_documented_sample(client, accounts, settings):
    """WeCom's documentation sample: token QDG6eK, corp wx5823bf96d3bd56c7, its EncodingAESKey and echostr."""
    settings.WEIBAO_INBOUND_REPLAY_SECONDS = 10**10  # the sample's timestamp is from 2014
    echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    response = client.get(
        f"/inbound/wecom/{accounts['wecom'].slug}/",
        {
            "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
            "timestamp": "1409659589",
            "nonce": "263014780",
            "echostr": echostr,
        },
    )

    assert response.status_code == 200
    assert response.content == b"1616140317555161061"


def test_wecom_url_verification_refuses_a_bad_signature(client, accounts):
    response = client.get(
        f"/inbound/wecom/{accounts['wecom'].slug}/",
        {"msg_signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "1", "echostr": "abc"},
    )
    assert response.status_code == 403
    assert InboundRejection.objects.get().reason == "bad_signature"


def test_feishu_url_verification_answers_the_challenge(client, accounts):
    payload = {"challenge": "ajls384kdjx98XX", "token": helpers.FEISHU_TOKEN, "type": "url_verification"}
    response = helpers.feishu_post(client, accounts["feishu"], payload, signed=False)
    assert response.status_code == 200
    assert response.json() == {"challenge": "ajls384kdjx98XX"}


def test_feishu_url_verification_with_a_wrong_token_is_refused(client, accounts):
    payload = {"challenge": "x", "token": "forged", "type": "url_verification"}
    assert helpers.feishu_post(client, accounts["feishu"], payload, signed=False).status_code == 403


def test_feishu_event_without_signature_is_refused(client, accounts, contact):
    payload = helpers.feishu_event(open_id=contact.feishu_open_id, text="x")
    assert helpers.feishu_post(client, accounts["feishu"], payload, signed=False).status_code == 403
    assert not InboundReceipt.objects.exists()


def test_dingtalk_event_subscription_check_url(client, accounts):
    account = accounts["dingtalk"]
    timestamp, nonce = str(int(time.time() * 1000)), "nonce123"
    encrypted = crypto.wecom_encrypt(
        b'{"EventType": "check_url"}', encoding_aes_key=account.aes_key, receive_id=account.corp_id
    )
    signature = crypto.sha1_signature(account.token, timestamp, nonce, encrypted)
    response = client.post(
        f"/inbound/dingtalk/{account.slug}/?msg_signature={signature}&timestamp={timestamp}&nonce={nonce}",
        data=json.dumps({"encrypt": encrypted}),
        content_type="application/json",
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["msg_signature"] == crypto.sha1_signature(
        account.token, answer["timeStamp"], answer["nonce"], answer["encrypt"]
    )
    plain = crypto.wecom_decrypt(answer["encrypt"], encoding_aes_key=account.aes_key, receive_id=account.corp_id)
    assert plain == b"success"


def test_wecom_message_for_another_corp_is_refused(client, accounts, contact):
    accounts["wecom"].corp_id = "ww_other_corp"
    accounts["wecom"].save()
    response = helpers.wecom_post(client, accounts["wecom"], user="wangjg", text="x")
    assert response.status_code == 400
    assert InboundRejection.objects.get().reason == "bad_crypto"


def test_wecom_xml_entities_are_refused(client, accounts):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
    response = helpers.wecom_post(client, accounts["wecom"], user="u", text="x", body=bomb)
    assert response.status_code == 400
    assert InboundRejection.objects.get().reason == "malformed"


def test_callbacks_need_no_csrf_token(accounts, contact):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert send("wecom", strict, accounts, contact, "网络中断").status_code == 200
