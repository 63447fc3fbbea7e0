"""A send interrupted by a dead worker: before the hand-over it is retried, after it the channel decides — e-mail
and SMS become unconfirmed (never re-sent by themselves), robots are sent again. Staff may re-send unconfirmed."""

import datetime as dt

import pytest
from django.utils import timezone

from weibao.core.models import WorkerLease
from weibao.notifications.models import Delivery
from weibao.notifications.services import (
    deliveries_queue_due,
    deliveries_settle_abandoned,
    delivery_retry,
    delivery_send,
)
from weibao.notifications.tests import servers
from weibao.notifications.tests.factories import DeliveryFactory, RobotWebhookFactory

pytestmark = pytest.mark.django_db


def _sending(worker="dead-worker", handed_over=True, **kwargs):
    now = timezone.now()
    return DeliveryFactory(
        status="sending",
        attempts=1,
        sending_by=worker,
        next_try_at=now,
        handed_over_at=now if handed_over else None,
        **kwargs,
    )


def test_dead_workers_sends_are_settled_per_channel_and_hand_over():
    WorkerLease.objects.create(worker_id="live-worker", expires_at=timezone.now() + dt.timedelta(minutes=1))
    WorkerLease.objects.create(worker_id="dead-worker", expires_at=timezone.now() - dt.timedelta(seconds=1))
    robot = RobotWebhookFactory()
    not_yet = _sending(handed_over=False)
    mail = _sending()
    sms = _sending(channel="sms", recipient="13800000001")
    card = _sending(channel="wecom", recipient=robot.recipient_key, robot=robot)
    alive = _sending(worker="live-worker")

    assert deliveries_settle_abandoned() == 4
    status = dict(Delivery.objects.values_list("pk", "status"))
    assert status[not_yet.pk] == "retrying"  # never reached the provider: sent again
    assert status[mail.pk] == status[sms.pk] == "unconfirmed"  # may have arrived: not sent twice
    assert status[card.pk] == "retrying"  # a robot card may come twice
    assert status[alive.pk] == "sending"  # its worker still lives
    assert "可能已经送达" in Delivery.objects.get(pk=mail.pk).reason  # the reason, in the default language


def test_the_sweep_leaves_unconfirmed_alone_and_staff_can_send_again(smtp, admin_user):
    mail = _sending()
    deliveries_queue_due()  # the every-minute sweep (no lease "dead-worker" at all: dead)
    mail.refresh_from_db()
    assert mail.status == "unconfirmed"
    assert deliveries_queue_due() == 0
    assert smtp.messages == []

    delivery_retry(delivery=mail, actor=admin_user)
    assert delivery_send(delivery_id=mail.pk) == "sent"
    [message] = smtp.messages
    assert message["message"]["Message-ID"] == mail.message_id  # the idempotency key travels with every attempt


def test_sending_from_a_process_without_lease_is_settled_only_when_stale():
    recent = _sending(worker="")
    Delivery.objects.filter(pk=recent.pk).update(updated_at=timezone.now())
    deliveries_queue_due()
    assert Delivery.objects.get(pk=recent.pk).status == "sending"
    deliveries_queue_due(now=timezone.now() + dt.timedelta(minutes=11))
    assert Delivery.objects.get(pk=recent.pk).status == "unconfirmed"


def test_hand_over_is_recorded_after_connecting_and_only_then(settings, smtp):
    delivery = DeliveryFactory(status="pending", next_try_at=timezone.now())
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert delivery.handed_over_at is not None

    settings.MAILERS = servers.smtp_mailer(servers.free_port())  # nobody listens: the connection fails
    down = DeliveryFactory(status="pending", next_try_at=timezone.now())
    assert delivery_send(delivery_id=down.pk) == "retrying"
    down.refresh_from_db()
    assert down.handed_over_at is None  # never handed over: a retry cannot duplicate it
