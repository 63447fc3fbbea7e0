"""Signatures and request formats of the robots and the SMS provider, checked against the providers' documented
examples and against an HTTP server on loopback that verifies every request independently."""

import json
from urllib.parse import unquote_plus

import pytest

from weibao.notifications.channels.dingtalk import dingtalk_payload, dingtalk_sign, dingtalk_url
from weibao.notifications.channels.feishu import feishu_card, feishu_sign, feishu_signed
from weibao.notifications.channels.sms import (
    AliyunSmsProvider,
    aliyun_signature,
    aliyun_signed_query,
    aliyun_string_to_sign,
)
from weibao.notifications.models import Delivery
from weibao.notifications.services import delivery_send
from weibao.notifications.tests import servers
from weibao.notifications.tests.factories import RobotWebhookFactory

# Alibaba Cloud's documented SendSms signature example (AccessKeyId "testId", AccessKeySecret "testSecret").
ALIYUN_DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
ALIYUN_DOC_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="
ALIYUN_DOC_QUERY = (
    "Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123"
    "&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
    "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
    "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
    "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
    "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
)


def test_aliyun_signature_matches_the_documented_example():
    assert aliyun_string_to_sign(ALIYUN_DOC_PARAMS).startswith("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms")
    assert aliyun_signature(ALIYUN_DOC_PARAMS, "testSecret") == ALIYUN_DOC_SIGNATURE
    assert aliyun_signed_query(ALIYUN_DOC_PARAMS, "testSecret") == ALIYUN_DOC_QUERY


def test_aliyun_percent_encoding_of_space_star_tilde():
    params = {"A": "a b*c~d", "B": "+/="}
    assert aliyun_string_to_sign(params) == "GET&%2F&A%3Da%2520b%252Ac~d%26B%3D%252B%252F%253D"


def test_dingtalk_sign_and_url():
    ts, secret = "1577262236757", "SEC0123456789abcdef"
    sign = dingtalk_sign(ts, secret)
    assert unquote_plus(sign) == servers.dingtalk_expected_sign(ts, secret)
    assert "+" not in sign
    assert "/" not in sign  # URL-encoded
    url = dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, int(ts))
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp={ts}&sign={sign}"
    assert dingtalk_url("https://x/robot/send?access_token=abc", "") == "https://x/robot/send?access_token=abc"


def test_feishu_sign_uses_the_string_as_key_over_an_empty_message():
    ts, secret = "1599360473", "demo-secret"
    assert feishu_sign(ts, secret) == servers.feishu_expected_sign(ts, secret)
    body = feishu_signed(feishu_card(title="t", markdown="m", severity="A"), secret, int(ts))
    assert body["timestamp"] == ts
    assert body["sign"] == feishu_sign(ts, secret)
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["template"] == "red"


def test_dingtalk_payload_mentions_need_numbers_in_text():
    payload = dingtalk_payload(title="A 类故障", markdown="**x**", at_mobiles=["13800000000"])
    assert payload["at"] == {"atMobiles": ["13800000000"], "isAtAll": False}
    assert "@13800000000" in payload["markdown"]["text"]


# --- against the loopback provider server --------------------------------------------------------------------


def _robot_delivery(robot, title="【A】WB-2026-000001", markdown="**工单**: WB-2026-000001"):
    from weibao.notifications.services import robot_request

    return Delivery.objects.create(
        notice="sla_breach",
        channel=robot.kind,
        recipient=robot.recipient_key,
        robot=robot,
        payload={"request": robot_request(robot.kind, title=title, markdown=markdown, severity="A")},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_robot_requests_pass_the_provider_checks(kind, providers, monkeypatch):
    path = f"/{kind}/robot1"
    monkeypatch.setenv("WEIBAO_TEST_ROBOT_SECRET", "SECa1b2c3")
    providers.state.secrets[path] = "SECa1b2c3" if kind != "wecom" else ""
    robot = RobotWebhookFactory(
        kind=kind,
        url=providers.url(path) + ("?access_token=t" if kind == "dingtalk" else ""),
        secret_env="WEIBAO_TEST_ROBOT_SECRET" if kind != "wecom" else "",
    )
    delivery = _robot_delivery(robot)

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    [request] = providers.state.requests
    assert request["ok"] is True
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(request["raw"])
    text = json.dumps(body, ensure_ascii=False)
    assert "WB-2026-000001" in text


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
def test_wrong_robot_secret_fails_for_good_with_the_reason(kind, providers):
    path = f"/{kind}/robot2"
    providers.state.secrets[path] = "the-right-secret"
    robot = RobotWebhookFactory(kind=kind, url=providers.url(path), secret="a-wrong-secret")
    delivery = _robot_delivery(robot)

    assert delivery_send(delivery_id=delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert "sign" in delivery.reason
    assert delivery.attempts == 1


@pytest.mark.django_db
def test_robot_rate_limit_answer_is_retried(providers):
    path = "/wecom/busy"
    providers.state.answers[path] = [{"errcode": 45009, "errmsg": "api freq out of limit"}]
    robot = RobotWebhookFactory(kind="wecom", url=providers.url(path))
    delivery = _robot_delivery(robot)

    assert delivery_send(delivery_id=delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert "45009" in delivery.reason
    assert delivery.next_try_at is not None
    assert delivery_send(delivery_id=delivery.pk, now=delivery.next_try_at) == "sent"


@pytest.fixture
def sms_settings(settings, providers, monkeypatch):
    settings.WEIBAO_SMS_ENDPOINT = providers.url("/sms/")
    settings.WEIBAO_SMS_ACCESS_KEY_ID = "LTAI-test-id"
    settings.WEIBAO_SMS_SIGN_NAME = "维保服务"
    settings.WEIBAO_SMS_PER_HOUR = 2
    monkeypatch.setenv("WEIBAO_SMS_ACCESS_KEY_SECRET", "test-access-secret")
    providers.state.sms_secret = "test-access-secret"
    return settings


@pytest.mark.django_db
def test_sms_request_is_signed_like_alibaba_documents(sms_settings, providers):
    delivery = Delivery.objects.create(
        notice="dispatched",
        channel="sms",
        recipient="13800000001",
        payload={
            "template_code": "SMS_900001",
            "sign_name": "",
            "params": {"number": "WB-2026-000001", "site": "甲公司总部"},
        },
    )

    assert delivery_send(delivery_id=delivery.pk) == "sent"

    [request] = providers.state.requests
    params = dict(request["pairs"])
    assert request["ok"] is True
    assert params["PhoneNumbers"] == "13800000001"
    assert params["SignName"] == "维保服务"
    assert json.loads(params["TemplateParam"]) == {"number": "WB-2026-000001", "site": "甲公司总部"}
    assert params["OutId"] == str(delivery.pk)
    assert request["query"].startswith("Signature=")
    assert "+" not in request["query"]  # spaces and plus signs are percent-encoded per RFC 3986


@pytest.mark.django_db
def test_sms_wrong_secret_is_refused_by_the_provider(sms_settings, providers):
    providers.state.sms_secret = "another-secret"
    delivery = Delivery.objects.create(
        notice="dispatched",
        channel="sms",
        recipient="13800000001",
        payload={"template_code": "SMS_900001", "params": {}},
    )
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "SignatureDoesNotMatch" in delivery.reason


@pytest.mark.django_db
def test_sms_rate_limit_per_recipient(sms_settings, providers):
    from django.utils import timezone

    now = timezone.now()
    for minutes in (50, 10):
        Delivery.objects.create(
            notice="dispatched",
            channel="sms",
            recipient="13800000002",
            status="sent",
            sent_at=now - timezone.timedelta(minutes=minutes),
        )
    delivery = Delivery.objects.create(
        notice="dispatched",
        channel="sms",
        recipient="13800000002",
        payload={"template_code": "SMS_900001", "params": {}},
    )

    assert delivery_send(delivery_id=delivery.pk, now=now) == "retrying"

    delivery.refresh_from_db()
    assert providers.state.requests == []
    assert delivery.attempts == 0  # a rate limit does not use up the attempts
    assert abs((delivery.next_try_at - (now + timezone.timedelta(minutes=10))).total_seconds()) < 2
    # an hour later the earlier messages no longer count
    Delivery.objects.filter(recipient="13800000002", status="sent").update(sent_at=now - timezone.timedelta(hours=2))
    assert delivery_send(delivery_id=delivery.pk, now=delivery.next_try_at) == "sent"


@pytest.mark.django_db
def test_sms_being_sent_counts_against_the_limit(sms_settings, providers):
    """A slot is taken when the check passes, not when the provider has answered: a parallel worker's SMS that is
    on its way counts, and a failed attempt gives its slot back."""
    from django.utils import timezone

    sms_settings.WEIBAO_SMS_PER_HOUR = 1
    on_its_way = Delivery.objects.create(
        notice="dispatched", channel="sms", recipient="13800000003", status="sending", sent_at=timezone.now()
    )
    delivery = Delivery.objects.create(
        notice="dispatched",
        channel="sms",
        recipient="13800000003",
        payload={"template_code": "SMS_900001", "params": {}},
    )

    assert delivery_send(delivery_id=delivery.pk) == "retrying"
    assert providers.state.requests == []

    Delivery.objects.filter(pk=on_its_way.pk).update(status="retrying", sent_at=None)  # that attempt failed
    assert delivery_send(delivery_id=delivery.pk, now=Delivery.objects.get(pk=delivery.pk).next_try_at) == "sent"


@pytest.mark.django_db
def test_failed_sms_attempt_gives_its_slot_back(sms_settings, providers):
    sms_settings.WEIBAO_SMS_PER_HOUR = 1
    providers.state.fail_next["/sms/"] = [503]
    first = Delivery.objects.create(
        notice="dispatched",
        channel="sms",
        recipient="13800000004",
        payload={"template_code": "SMS_900001", "params": {}},
    )
    second = Delivery.objects.create(
        notice="dispatched",
        channel="sms",
        recipient="13800000004",
        payload={"template_code": "SMS_900001", "params": {}},
    )

    assert delivery_send(delivery_id=first.pk) == "retrying"  # the provider was down
    first.refresh_from_db()
    assert first.sent_at is None
    assert delivery_send(delivery_id=second.pk) == "sent"  # the failed attempt took no slot


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_never_exceed_the_hourly_sms_limit(sms_settings, providers):
    """Two workers send to one number at the same moment while the provider is slow; the limit is 1. Each worker
    has its own database connection (thread): exactly one SMS goes out, the other is retried later."""
    import threading

    from django.db import connection

    sms_settings.WEIBAO_SMS_PER_HOUR = 1
    providers.state.delay["/sms/"] = 0.5  # both checks would pass before either send finished
    ids = [
        Delivery.objects.create(
            notice="dispatched",
            channel="sms",
            recipient="13800000005",
            payload={"template_code": "SMS_900001", "params": {}},
        ).pk
        for _ in range(2)
    ]
    barrier, results = threading.Barrier(2), {}

    def worker(pk: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[pk] = delivery_send(delivery_id=pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(results.values()) == ["retrying", "sent"]
    assert len([r for r in providers.state.requests if r["path"] == "/sms/"]) == 1
    assert Delivery.objects.filter(recipient="13800000005", status="sent").count() == 1


def test_aliyun_provider_request_params_are_complete(settings):
    settings.WEIBAO_SMS_ACCESS_KEY_ID = "id"
    settings.WEIBAO_SMS_SIGN_NAME = "维保"
    params = AliyunSmsProvider().request_params(
        phone="1", template_code="SMS_1", sign_name="", params={"a": "b"}, out_id="9", nonce="n"
    )
    assert params["SignatureMethod"] == "HMAC-SHA1"
    assert params["Version"] == "2017-05-25"
    assert params["TemplateParam"] == '{"a":"b"}'
    assert params["Timestamp"].endswith("Z")


def test_imap_uses_the_channels_tls_policy():
    """One TLS context (system CAs plus WEIBAO_MAIL_CA_FILE) for IMAP, robots and SMS: no second copy to drift."""
    from weibao.notifications import imap
    from weibao.notifications.channels import base

    assert imap.ssl_context is base.ssl_context
