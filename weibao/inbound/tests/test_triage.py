"""The triage list of received IM/SMS messages: staff say whose an unknown sender's message is."""

import pytest
from django.urls import reverse

from weibao.inbound.models import InboundReceipt
from weibao.inbound.tests import helpers
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def triaged(client, accounts, contact):
    helpers.sms_post(client, accounts["sms"], phone="13700000001", text="三号楼门禁坏了")
    return InboundReceipt.objects.get()


def test_staff_open_an_order_from_a_triaged_message(client, triaged, contact, duty_engineer):
    client.force_login(duty_engineer)
    assert "三号楼门禁坏了" in client.get(reverse("inbound:list")).content.decode()

    response = client.post(
        reverse("inbound:detail", args=[triaged.pk]), {"customer": contact.customer.pk, "site": contact.site.pk}
    )

    assert response.status_code == 302
    triaged.refresh_from_db()
    order = WorkOrder.objects.get()
    assert triaged.status == "order_created"
    assert triaged.workorder == order
    assert (order.customer, order.site, order.channel) == (contact.customer, contact.site, "sms")
    assert order.reporter_phone == "13700000001"


def test_a_site_of_another_customer_is_refused(client, triaged, contact, other_contact, duty_engineer):
    client.force_login(duty_engineer)
    response = client.post(
        reverse("inbound:detail", args=[triaged.pk]), {"customer": contact.customer.pk, "site": other_contact.site.pk}
    )
    assert response.status_code == 200
    assert not WorkOrder.objects.exists()


def test_set_aside(client, triaged, duty_engineer):
    client.force_login(duty_engineer)
    client.post(reverse("inbound:set_aside", args=[triaged.pk]), {"note": "打错了"})
    triaged.refresh_from_db()
    assert (triaged.status, triaged.reason) == ("ignored", "打错了")


def test_customers_never_see_the_list(client, triaged, customer_a_user):
    client.force_login(customer_a_user)
    assert client.get(reverse("inbound:list")).status_code == 403
    assert client.get(reverse("inbound:detail", args=[triaged.pk])).status_code == 403


def test_list_queries_do_not_grow_with_rows(client, accounts, contact, duty_engineer, django_assert_max_num_queries):
    for n in range(30):
        helpers.sms_post(client, accounts["sms"], phone=f"1370000{n:04d}", text=f"报修{n}")
    client.force_login(duty_engineer)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("inbound:list")).status_code == 200
