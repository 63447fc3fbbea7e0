"""Factories for the channels app."""

import factory

from weibao.notifications.models import Delivery, Mailbox, RobotWebhook


class MailboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mailbox

    name = factory.Sequence(lambda n: f"售后邮箱{n}")
    host = "127.0.0.1"
    port = 143
    security = "plain"
    username = "service"
    password_env = "WEIBAO_TEST_IMAP_PASSWORD"
    folder = "INBOX"


class RobotWebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RobotWebhook

    name = factory.Sequence(lambda n: f"值班群{n}")
    kind = "wecom"
    url = "http://127.0.0.1:9/wecom/"


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    notice = "acknowledged"
    channel = "email"
    recipient = factory.Sequence(lambda n: f"person{n}@jia.example.cn")
    subject = "[WB] test"
    body_text = "test"
    message_id = factory.Sequence(lambda n: f"<test.{n}@weibao.test>")
