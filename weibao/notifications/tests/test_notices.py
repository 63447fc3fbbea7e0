"""Work-order events become notices: recipients, languages, channels, threading, preferences, quiet hours,
retries — sent to aiosmtpd and the loopback robot server."""

import datetime as dt
from email.utils import make_msgid

import pytest
from django.utils import timezone

from weibao.notifications.intake import mailbox_poll
from weibao.notifications.models import Delivery, NotificationPreference, SmsTemplate
from weibao.notifications.services import deliveries_due, delivery_retry, delivery_send, quiet_until
from weibao.notifications.tests.factories import RobotWebhookFactory
from weibao.notifications.tests.servers import free_port, smtp_mailer

pytestmark = pytest.mark.django_db


def _acknowledge(order, actor, capture):
    from weibao.workorders.services import workorder_acknowledge

    with capture(execute=True):
        workorder_acknowledge(workorder=order, actor=actor)


def test_acknowledgement_reaches_everyone_in_their_language(
    order_a, customer_a_user, duty_engineer, smtp, django_capture_on_commit_callbacks
):
    customer_a_user.language = "en"
    customer_a_user.save(update_fields=["language"])
    NotificationPreference.objects.create(user=customer_a_user)  # follows all of the organisation's orders

    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)

    by_rcpt = {m["to"][0]: m["message"] for m in smtp.messages}
    assert set(by_rcpt) == {customer_a_user.email, "zhangsan@jia.example.cn"}
    english, chinese = by_rcpt[customer_a_user.email], by_rcpt["zhangsan@jia.example.cn"]
    assert str(english["Subject"]) == f"[{order_a.number}] Your report has been acknowledged"
    from weibao.notifications.mailparse import parse_mail

    parsed = parse_mail(smtp.messages[[m["to"][0] for m in smtp.messages].index("zhangsan@jia.example.cn")]["raw"])
    assert parsed.subject == f"[{order_a.number}] 您的报修已受理"
    assert parsed.html  # HTML part
    assert order_a.number in parsed.text  # and the plain-text part
    assert chinese["Auto-Submitted"] == "auto-generated"
    # both mails join one thread: the second References the first
    first, second = Delivery.objects.filter(workorder=order_a, channel="email").order_by("pk")
    assert first.payload["references"] == []
    assert second.payload["references"] == [first.message_id]
    assert {first.status, second.status} == {"sent"}


def test_reply_to_a_notice_comes_back_into_the_order(
    order_a, customer_a, duty_engineer, smtp, make_mailbox, django_capture_on_commit_callbacks
):
    from weibao.workorders.models import WorkOrderEvent

    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)
    notice = next(m["message"] for m in smtp.messages if m["to"] == ["zhangsan@jia.example.cn"])
    reply = (
        f"From: zhangsan@jia.example.cn\r\nTo: service@weibao.test\r\nSubject: Re: thanks\r\n"
        f"Message-ID: {make_msgid()}\r\nIn-Reply-To: {notice['Message-ID']}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nok, see you tomorrow\r\n"
    ).encode()
    mailbox = make_mailbox([reply])

    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll(mailbox=mailbox)

    comment = WorkOrderEvent.objects.get(workorder=order_a, kind="comment")
    assert "ok, see you tomorrow" in comment.body


def test_dispatch_tells_engineer_by_sms_and_robots_by_rule(
    order_a, manager, field_engineer, smtp, providers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from weibao.workorders.services import workorder_dispatch

    settings.WEIBAO_SMS_ENDPOINT = providers.url("/sms/")
    settings.WEIBAO_SMS_ACCESS_KEY_ID = "id"
    settings.WEIBAO_SMS_SIGN_NAME = "维保服务"
    monkeypatch.setenv("WEIBAO_SMS_ACCESS_KEY_SECRET", "s3cret")
    providers.state.sms_secret = "s3cret"
    SmsTemplate.objects.create(notice="dispatched", template_code="SMS_100001")
    field_engineer.phone = "13900000009"
    field_engineer.save(update_fields=["phone"])
    NotificationPreference.objects.create(user=field_engineer, channels=["email", "sms"])
    branch_robot = RobotWebhookFactory(
        kind="wecom", url=providers.url("/wecom/branch"), branch=order_a.branch, event_kinds=["dispatched"]
    )
    RobotWebhookFactory(kind="wecom", url=providers.url("/wecom/only-a"), min_severity="A")  # order is B
    RobotWebhookFactory(kind="wecom", url=providers.url("/wecom/other-kinds"), event_kinds=["sla_breach"])

    with django_capture_on_commit_callbacks(execute=True):
        workorder_dispatch(workorder=order_a, actor=manager, engineer=field_engineer)

    sent = Delivery.objects.filter(workorder=order_a, status="sent")
    assert set(sent.values_list("channel", "recipient")) >= {
        ("sms", "13900000009"),
        ("email", field_engineer.email),
        ("wecom", branch_robot.recipient_key),
    }
    assert [r["path"] for r in providers.state.requests if r["path"].startswith("/wecom")] == ["/wecom/branch"]
    sms = next(r for r in providers.state.requests if r["path"] == "/sms/")
    assert sms["ok"] is True
    assert dict(sms["pairs"])["TemplateCode"] == "SMS_100001"


def test_unreachable_webhook_is_retried_with_backoff_then_failed(
    order_a, duty_engineer, settings, django_capture_on_commit_callbacks
):
    settings.WEIBAO_DELIVERY_MAX_ATTEMPTS = 3
    RobotWebhookFactory(kind="dingtalk", url=f"http://127.0.0.1:{free_port()}/robot/send?access_token=x")

    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(workorder=order_a, channel="dingtalk")
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert "cannot reach" in delivery.reason
    first_wait = delivery.next_try_at - delivery.updated_at
    assert dt.timedelta(seconds=55) < first_wait < dt.timedelta(seconds=65)
    assert deliveries_due(now=timezone.now()) == []
    later = delivery.next_try_at + dt.timedelta(seconds=1)
    assert delivery.pk in deliveries_due(now=later)
    delivery_send(delivery_id=delivery.pk, now=later)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_try_at - later == dt.timedelta(seconds=120)  # doubled
    delivery_send(delivery_id=delivery.pk, now=delivery.next_try_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_try_at) == ("failed", 3, None)
    assert len(delivery.history) == 3
    assert all(not h["ok"] for h in delivery.history)


def test_webhook_back_after_an_outage_gets_the_notice(
    order_a, duty_engineer, providers, django_capture_on_commit_callbacks
):
    providers.state.fail_next["/feishu/ops"] = [503, 502]
    RobotWebhookFactory(kind="feishu", url=providers.url("/feishu/ops"))

    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(workorder=order_a, channel="feishu")
    while delivery.status == "retrying":
        delivery_send(delivery_id=delivery.pk, now=delivery.next_try_at)
        delivery.refresh_from_db()

    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert providers.state.requests[-1]["ok"] is True


def test_refused_recipient_fails_for_good_and_staff_can_retry(
    order_a, duty_engineer, manager, smtp, django_capture_on_commit_callbacks
):
    smtp.refuse.add("zhangsan@jia.example.cn")
    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(workorder=order_a, recipient="zhangsan@jia.example.cn")
    assert delivery.status == "failed"
    assert "refused" in delivery.reason

    smtp.refuse.clear()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(delivery=delivery, actor=manager)
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_greylisted_recipient_is_retried_not_failed(order_a, duty_engineer, smtp, django_capture_on_commit_callbacks):
    smtp.greylist.add("zhangsan@jia.example.cn")
    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(workorder=order_a, recipient="zhangsan@jia.example.cn")
    assert delivery.status == "retrying"
    assert "450" in delivery.reason
    assert delivery.next_try_at is not None


def test_same_event_twice_creates_no_second_delivery(order_a, duty_engineer, smtp, django_capture_on_commit_callbacks):
    from weibao.notifications.services import deliveries_for_event
    from weibao.workorders.models import WorkOrderEvent

    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)
    event = WorkOrderEvent.objects.get(workorder=order_a, kind="acknowledged")
    count = Delivery.objects.count()
    assert deliveries_for_event(event_id=event.pk) == []
    assert Delivery.objects.count() == count


def test_customer_colleagues_without_preferences_are_not_flooded(
    order_a, duty_engineer, customer_a_user, smtp, django_capture_on_commit_callbacks
):
    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)
    assert not Delivery.objects.filter(recipient_user=customer_a_user).exists()
    assert Delivery.objects.filter(recipient="zhangsan@jia.example.cn").exists()  # the reporter is told


def test_preferences_filter_notices(order_a, duty_engineer, customer_a_user, smtp, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=customer_a_user, notices=["resolved"])
    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)
    assert not Delivery.objects.filter(recipient_user=customer_a_user).exists()


def test_quiet_hours_hold_all_but_a_class(
    order_a, customer_a_user, duty_engineer, smtp, django_capture_on_commit_callbacks
):
    from weibao.notifications.services import deliveries_for_event
    from weibao.workorders.models import WorkOrderEvent

    NotificationPreference.objects.create(user=customer_a_user, quiet_start=dt.time(0, 0), quiet_end=dt.time(23, 59))
    _acknowledge(order_a, duty_engineer, django_capture_on_commit_callbacks)
    held = Delivery.objects.get(recipient_user=customer_a_user)
    assert held.status == "pending"
    assert held.next_try_at > timezone.now()
    assert "quiet" in held.reason.lower() or "免打扰" in held.reason

    # an A-class order is not held
    type(order_a).objects.filter(pk=order_a.pk).update(severity="A")
    event = WorkOrderEvent.objects.get(workorder=order_a, kind="acknowledged")
    Delivery.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_for_event(event_id=event.pk)
    assert Delivery.objects.get(recipient_user=customer_a_user).status == "sent"


def test_quiet_window_over_midnight():
    tz = timezone.get_current_timezone()
    quiet = (dt.time(22, 0), dt.time(7, 0))
    at_night = dt.datetime(2026, 11, 25, 23, 30, tzinfo=tz)
    assert quiet_until(quiet, at_night) == dt.datetime(2026, 11, 26, 7, 0, tzinfo=tz)
    assert quiet_until(quiet, dt.datetime(2026, 11, 26, 6, 0, tzinfo=tz)) == dt.datetime(2026, 11, 26, 7, 0, tzinfo=tz)
    assert quiet_until(quiet, dt.datetime(2026, 11, 26, 12, 0, tzinfo=tz)) is None
    assert quiet_until(None, at_night) is None


def test_smtp_with_starttls(settings, monkeypatch, smtp_tls_server, dovecot, order_a):
    from weibao.notifications.tests.factories import DeliveryFactory

    smtp_tls_server.messages.clear()
    plain = DeliveryFactory(workorder=order_a, status="pending", body_html="<p>x</p>")
    settings.MAILERS = smtp_mailer(smtp_tls_server.port, host="localhost")
    assert delivery_send(delivery_id=plain.pk) == "retrying"  # the server insists on TLS: retried, not lost
    plain.refresh_from_db()
    assert "530" in plain.reason or "STARTTLS" in plain.reason

    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))  # trust the self-signed certificate
    settings.MAILERS = smtp_mailer(smtp_tls_server.port, host="localhost", use_tls=True)
    assert delivery_send(delivery_id=plain.pk, now=plain.next_try_at) == "sent"
    [message] = smtp_tls_server.messages
    assert message["message"]["Message-ID"] == plain.message_id


@pytest.mark.parametrize("sender", ["zhangsan@jia.example.cn", "lisi@jia.example.cn"])
def test_reply_during_observation_raises_the_flag_even_without_a_login(
    sender, order_a, customer_a, duty_engineer, manager, smtp, make_mailbox, django_capture_on_commit_callbacks
):
    # The reporter (no account) and a customer contact (no account) are heard like a customer user would be: their
    # reply during observation raises the flag for the desk — it no longer reopens by itself (issue 23).
    from weibao.workorders.choices import Status
    from weibao.workorders.models import WorkOrderEvent
    from weibao.workorders.services import workorder_acknowledge, workorder_resolve

    with django_capture_on_commit_callbacks(execute=True):
        workorder_acknowledge(workorder=order_a, actor=duty_engineer)
        workorder_resolve(workorder=order_a, actor=duty_engineer, resolution="重启交换机后恢复")
    order_a.refresh_from_db()
    assert order_a.status in (Status.RESOLVED, Status.OBSERVING)
    resolved = smtp.messages[-1]["message"]  # the resolution notice to the reporter
    assert order_a.number in str(resolved["Subject"])
    reply = (
        f"From: {sender}\r\nTo: service@weibao.test\r\nSubject: Re: [{order_a.number}] resolved\r\n"
        f"Message-ID: {make_msgid()}\r\nIn-Reply-To: {resolved['Message-ID']}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n又断网了，还是不行\r\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll(mailbox=make_mailbox([reply]))
    order_a.refresh_from_db()
    assert order_a.status in (Status.RESOLVED, Status.OBSERVING)
    assert order_a.observation_reply_pending
    comment = WorkOrderEvent.objects.get(workorder=order_a, kind="comment")
    assert "又断网了" in comment.body
    assert sender in comment.body  # filed under the system account, naming the sender
    assert not WorkOrderEvent.objects.filter(workorder=order_a, kind="reopened").exists()
