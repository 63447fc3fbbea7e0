"""Two customers, each with a site, a labelled device and a contact; the SMS provider stub on loopback."""

import datetime
import json
from urllib.parse import parse_qsl

import pytest

from weibao.notifications.tests.conftest import provider_server, providers  # noqa: F401  (fixtures)


@pytest.fixture
def customer_a(customer_a_org):
    from weibao.customers.tests.factories import CustomerFactory

    return CustomerFactory(organisation=customer_a_org, name="甲公司")


@pytest.fixture
def customer_b(customer_b_org):
    from weibao.customers.tests.factories import CustomerFactory

    return CustomerFactory(organisation=customer_b_org, name="乙公司")


@pytest.fixture
def contract_a(customer_a):
    from weibao.contracts.tests.factories import ContractFactory

    return ContractFactory(
        customer=customer_a,
        code="HT-QR-001",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2028, 12, 31),
    )


@pytest.fixture
def device_a(customer_a):
    from weibao.assets.tests.factories import DeviceFactory
    from weibao.customers.tests.factories import SiteFactory

    site = SiteFactory(customer=customer_a, name="门诊楼机房")
    return DeviceFactory(customer=customer_a, site=site, name="核心交换机", serial_number="SN-A-0001")


@pytest.fixture
def device_b(customer_b):
    from weibao.assets.tests.factories import DeviceFactory
    from weibao.customers.tests.factories import SiteFactory

    site = SiteFactory(customer=customer_b, name="乙方机房")
    return DeviceFactory(customer=customer_b, site=site, name="乙方录像机", serial_number="SN-B-0001")


@pytest.fixture
def contact_a(customer_a, device_a):
    from weibao.customers.tests.factories import ContactFactory

    return ContactFactory(customer=customer_a, name="周主任", mobile="139-5100-1234", site=device_a.site)


@pytest.fixture
def label_a(device_a, manager):
    from weibao.labels.services import labels_ensure

    return labels_ensure(devices=[device_a], actor=manager)[device_a.pk]


@pytest.fixture
def label_b(device_b, manager):
    from weibao.labels.services import labels_ensure

    return labels_ensure(devices=[device_b], actor=manager)[device_b.pk]


@pytest.fixture
def sms(settings, providers, monkeypatch):  # noqa: F811
    """The SMS provider configured against the loopback stub, with the scan-code template."""
    from weibao.notifications.models import SmsTemplate

    settings.WEIBAO_SMS_ENDPOINT = providers.url("/sms/")
    settings.WEIBAO_SMS_ACCESS_KEY_ID = "LTAI-test-id"
    settings.WEIBAO_SMS_SIGN_NAME = "维保服务"
    monkeypatch.setenv("WEIBAO_SMS_ACCESS_KEY_SECRET", "test-access-secret")
    providers.state.sms_secret = "test-access-secret"
    SmsTemplate.objects.create(notice="scan_code", template_code="SMS_SCAN_1")
    return providers


def sent_codes(providers) -> list[tuple[str, str]]:  # noqa: F811
    """(phone, code) of every SMS the stub accepted."""
    result = []
    for record in providers.state.requests:
        if record["ok"]:
            params = dict(parse_qsl(record["query"]))
            result.append((params["PhoneNumbers"], json.loads(params["TemplateParam"])["code"]))
    return result
