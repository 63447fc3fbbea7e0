"""Servers on loopback (one set per test process) and the customers the corpus mail comes from."""

import shutil
import uuid

import pytest

from weibao.notifications.tests import servers


@pytest.fixture(scope="session")
def dovecot():
    if not shutil.which("dovecot") and not servers.Path(servers.DOVECOT).exists():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    server = servers.start_dovecot()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def smtp_server():
    server = servers.SmtpCapture()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def provider_server():
    server = servers.ProviderServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings, smtp_server):
    """Outgoing mail goes to the aiosmtpd on loopback."""
    settings.MAILERS = servers.smtp_mailer(smtp_server.port)
    settings.DEFAULT_FROM_EMAIL = "service@weibao.test"
    smtp_server.messages.clear()
    smtp_server.refuse.clear()
    smtp_server.greylist.clear()  # a test that greylists an address must not leave it greylisted for the next
    return smtp_server


@pytest.fixture
def providers(provider_server):
    provider_server.reset()
    return provider_server


@pytest.fixture
def imap_env(monkeypatch, settings, dovecot):
    monkeypatch.setenv("WEIBAO_TEST_IMAP_PASSWORD", servers.IMAP_PASSWORD)
    settings.WEIBAO_MAIL_CA_FILE = str(dovecot.cert)
    return dovecot


@pytest.fixture
def make_mailbox(imap_env, db):
    """A Mailbox row reading a fresh Dovecot folder that holds `messages`."""
    from weibao.notifications.tests.factories import MailboxFactory

    def make(messages: list[bytes], *, security: str = "plain", **kwargs):
        folder = imap_env.new_folder(f"t-{uuid.uuid4().hex[:12]}")
        imap_env.append(folder, messages)
        port = imap_env.imaps_port if security == "imaps" else imap_env.imap_port
        host = "localhost" if security != "plain" else "127.0.0.1"
        return MailboxFactory(folder=folder, security=security, port=port, host=host, **kwargs)

    return make


@pytest.fixture
def customer_a(customer_a_org):
    from weibao.customers.models import Contact
    from weibao.workorders.tests.factories import CustomerFactory, SiteFactory

    customer = CustomerFactory(organisation=customer_a_org, code="CA", email_domains="jia.example.cn")
    SiteFactory(customer=customer, name="甲公司总部")
    Contact.objects.create(
        customer=customer, organisation=customer_a_org, name="李四", email="lisi@jia.example.cn", mobile="13800000001"
    )
    return customer


@pytest.fixture
def customer_b(customer_b_org):
    from weibao.workorders.tests.factories import CustomerFactory, SiteFactory

    customer = CustomerFactory(organisation=customer_b_org, code="CB", email_domains="yi.example.cn, yi-group.cn")
    SiteFactory(customer=customer, name="乙公司总部")
    return customer


@pytest.fixture
def order_a(customer_a, duty_engineer):
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=customer_a.sites.first(), actor=duty_engineer, reporter_email="zhangsan@jia.example.cn")


@pytest.fixture
def our_mail_a(order_a):
    """A notice we sent about order A earlier (its Message-ID is what replies point at)."""
    from weibao.notifications.tests.factories import DeliveryFactory

    return DeliveryFactory(workorder=order_a, recipient="zhangsan@jia.example.cn", status="sent")


@pytest.fixture(scope="session")
def smtp_tls_server(dovecot):
    """aiosmtpd that requires STARTTLS, with the same self-signed certificate as the IMAPS tests."""
    server = servers.SmtpCapture(tls_cert=dovecot.cert)
    server.start()
    yield server
    server.stop()
