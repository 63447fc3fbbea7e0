"""Issue 23 with a real IMAP server (Dovecot on loopback) and real SMTP: replies to an observing order never reopen
it by themselves; the resolution notice carries the two signed answer links; the SMS says "reply 1 / 2"."""

import re
from email import message_from_bytes, policy
from email.utils import make_msgid

import pytest

from weibao.notifications.intake import mailbox_poll
from weibao.notifications.models import Delivery, InboundMessage, NotificationPreference, SmsTemplate

pytestmark = pytest.mark.django_db


def _resolve(order, engineer, capture):
    from weibao.workorders.services import workorder_acknowledge, workorder_resolve

    with capture(execute=True):
        workorder_acknowledge(workorder=order, actor=engineer)
        workorder_resolve(workorder=order, actor=engineer, resolution="更换交换机电源模块后恢复")
    order.refresh_from_db()


def _reply(notice, sender: str, subject: str, body: str, extra: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: service@weibao.test\r\nSubject: {subject}\r\nMessage-ID: {make_msgid()}\r\n"
        f"In-Reply-To: {notice['Message-ID']}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_thanks_out_of_office_and_still_broken_replies_never_reopen(
    order_a, customer_a, duty_engineer, smtp, make_mailbox, django_capture_on_commit_callbacks
):
    from weibao.workorders.choices import Status
    from weibao.workorders.models import ObservationReply, Reopen, WorkOrderEvent
    from weibao.workorders.services import observation_close_due, workorder_reply_decide

    _resolve(order_a, duty_engineer, django_capture_on_commit_callbacks)
    notice = smtp.messages[-1]["message"]  # the resolution notice to the reporter, through real SMTP
    subject = f"Re: [{order_a.number}] resolved"
    thanks = _reply(notice, "zhangsan@jia.example.cn", subject, "谢谢，现在已经正常了，可以结单。")
    # An out-of-office answer whose client sets no Auto-Submitted header: known by its subject alone.
    away = _reply(notice, "lisi@jia.example.cn", f"自动回复: {subject}", "我正在休假，12月10日返回。")
    # And one that does say so in its headers.
    away_headers = _reply(
        notice, "lisi@jia.example.cn", subject, "I am out of the office.", extra="Auto-Submitted: auto-replied\r\n"
    )
    broken = _reply(notice, "zhangsan@jia.example.cn", subject, "还是不行，下午又断网了。")

    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(mailbox=make_mailbox([thanks, away, away_headers, broken]), workers=1)

    assert result.statuses == {"commented": 2, "ignored": 2}
    order_a.refresh_from_db()
    assert order_a.status == Status.RESOLVED  # none reopened it by itself
    assert order_a.observation_reply_pending  # the flag is up
    assert not WorkOrderEvent.objects.filter(workorder=order_a, kind__in=["reopened", "customer_rejected"]).exists()
    replies = list(ObservationReply.objects.filter(workorder=order_a).order_by("pk"))
    assert [(r.sender, r.suspected_recurrence, r.channel) for r in replies] == [
        ("zhangsan@jia.example.cn", False, "email"),  # the thank-you raises the flag, not pre-marked
        ("zhangsan@jia.example.cn", True, "email"),  # "still broken" is pre-marked for the desk
    ]
    assert "可以结单" in replies[0].text
    assert "又断网了" in replies[1].text
    ignored = InboundMessage.objects.filter(status="ignored").values_list("reason", flat=True)
    assert all(reason.startswith("Automatic mail") or "自动" in reason for reason in ignored)

    # The observation period passes: the open flag keeps the order from closing until the desk decides.
    from django.utils import timezone

    assert observation_close_due(now=order_a.observation_ends_at + timezone.timedelta(minutes=1)) == 0

    workorder_reply_decide(
        workorder=order_a,
        actor=duty_engineer,
        decision="reopened",
        reason_code="recurred",
        reason="客户回复：下午又断网",
    )
    order_a.refresh_from_db()
    assert (order_a.status, order_a.observation_reply_pending) == (Status.REOPENED, False)
    reopen = Reopen.objects.get(workorder=order_a)
    assert (reopen.source, reopen.reason_code, reopen.reason, reopen.actor) == (
        "desk_reply",
        "recurred",
        "客户回复：下午又断网",
        duty_engineer,
    )
    assert set(ObservationReply.objects.values_list("decision", flat=True)) == {"reopened"}


def test_resolution_notice_carries_two_links_and_sms_offers_1_and_2(
    order_a,
    customer_a_user,
    duty_engineer,
    smtp,
    providers,
    settings,
    monkeypatch,
    client,
    django_capture_on_commit_callbacks,
):
    from weibao.core.models import ActionLink
    from weibao.workorders.choices import Status
    from weibao.workorders.models import Reopen
    from weibao.workorders.services import observation_sms_answer

    settings.WEIBAO_SMS_ENDPOINT = providers.url("/sms/")
    settings.WEIBAO_SMS_ACCESS_KEY_ID = "id"
    settings.WEIBAO_SMS_SIGN_NAME = "维保服务"
    monkeypatch.setenv("WEIBAO_SMS_ACCESS_KEY_SECRET", "s3cret")
    providers.state.sms_secret = "s3cret"
    SmsTemplate.objects.create(notice="resolved", template_code="SMS_100002")
    customer_a_user.phone = "13800000077"
    customer_a_user.language = "zh-hans"
    customer_a_user.save(update_fields=["phone", "language"])
    NotificationPreference.objects.create(user=customer_a_user, channels=["email", "sms"])
    order_a.reported_by = customer_a_user
    order_a.save(update_fields=["reported_by"])

    _resolve(order_a, duty_engineer, django_capture_on_commit_callbacks)

    reporter = [m for m in smtp.messages if m["to"] == ["zhangsan@jia.example.cn"]][-1]  # the resolution notice
    body = message_from_bytes(reporter["raw"], policy=policy.default).get_body(("plain",)).get_content()
    assert "已解决，可以结单" in body
    assert "问题仍在，重新处理" in body
    urls = re.findall(r"https?://\S+/work-orders/answer/\S+/", body)
    assert len(urls) == 2
    # One link row per recipient and channel (the reporter's mail, the user's mail, the user's SMS).
    assert set(ActionLink.objects.values_list("recipient", "channel")) == {
        ("zhangsan@jia.example.cn", "email"),
        (customer_a_user.email.lower(), "email"),
        ("13800000077", "sms"),
    }
    sms = Delivery.objects.get(workorder=order_a, channel="sms", notice="resolved")
    assert "回复1" in sms.body_text
    assert "回复2" in sms.body_text

    # The customer texts back "1": confirmed through the SMS link, nothing reopens.
    assert observation_sms_answer(phone="13800000077", text="1") == "fixed"
    order_a.refresh_from_db()
    assert order_a.status == Status.OBSERVING
    assert not Reopen.objects.exists()
    # The e-mail link of the reporter still works (its own row): "still broken" reopens with source customer link.
    fixed_url, not_fixed_url = urls  # in the order of the mail: "已解决" first
    response = client.post("/work-orders/answer/" + not_fixed_url.split("/answer/")[1])
    assert response.status_code == 200
    order_a.refresh_from_db()
    assert order_a.status == Status.REOPENED
    assert Reopen.objects.get().source == "customer_link"


def test_customer_robot_card_carries_the_links_our_branch_robot_does_not(
    order_a, duty_engineer, smtp, providers, django_capture_on_commit_callbacks
):
    from weibao.notifications.tests.factories import RobotWebhookFactory

    theirs = RobotWebhookFactory(
        kind="feishu", url=providers.url("/feishu/theirs"), customer=order_a.customer, event_kinds=["resolved"]
    )
    ours = RobotWebhookFactory(
        kind="wecom", url=providers.url("/wecom/ours"), branch=order_a.branch, event_kinds=["resolved"]
    )

    _resolve(order_a, duty_engineer, django_capture_on_commit_callbacks)

    their_card = Delivery.objects.get(robot=theirs, notice="resolved").body_text
    our_card = Delivery.objects.get(robot=ours, notice="resolved").body_text
    assert their_card.count("/work-orders/answer/") == 2
    assert "已解决，可以结单" in their_card
    assert "/work-orders/answer/" not in our_card
