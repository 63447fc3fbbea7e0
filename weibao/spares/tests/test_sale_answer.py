"""Parts sales (配件销售): the customer answers the quote in the portal, through the API or the one-time link —
the same answer rule as the on-site quote and the RMA fee (core.approvals)."""

import pytest
from django.urls import reverse

from weibao.core.exceptions import TransitionNotAllowed
from weibao.spares import sales
from weibao.spares.choices import SaleStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(store, counted_part, customer_a_org, manager):
    return sales.sale_quote(
        customer=customer_a_org, warehouse=store, actor=manager, lines=[{"part": counted_part, "quantity": 2}]
    )


def test_customer_approves_in_the_portal_and_the_other_customer_gets_404(
    client, sale, customer_a_user, customer_b_user, assert_scoped
):
    client.force_login(customer_a_user)
    page = client.get(reverse("spares:sale", args=[sale.pk]))
    assert page.status_code == 200
    assert "answer-form" in page.content.decode()
    assert "link-form" not in page.content.decode()  # staff-only controls are not shown
    r = client.post(reverse("spares:sale_answer", args=[sale.pk]), {"answer": "approve", "version": sale.version})
    assert r.status_code == 302
    sale.refresh_from_db()
    assert (sale.status, sale.answered_via, sale.answer_name) == (SaleStatus.APPROVED, "portal", customer_a_user.name)
    client.force_login(customer_b_user)
    assert_scoped(reverse("spares:sale", args=[sale.pk]), client)
    assert client.post(reverse("spares:sale_answer", args=[sale.pk]), {"answer": "refuse"}).status_code == 404


def test_customer_refuses_through_the_api_once(client, sale, customer_a_user, customer_b_user):
    client.force_login(customer_b_user)
    url = f"/api/spares/sales/{sale.pk}/answer"
    assert client.post(url, {"approve": False}, content_type="application/json").status_code == 404
    client.force_login(customer_a_user)
    r = client.post(url, {"approve": False, "reason": "太贵"}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == SaleStatus.CANCELLED
    assert r.json()["answered_via"] == "portal"
    again = client.post(url, {"approve": False}, content_type="application/json")
    assert again.status_code == 200  # the same answer twice: nothing changes
    assert client.post(url, {"approve": True}, content_type="application/json").status_code == 409
    sale.refresh_from_db()
    assert sale.cancel_reason == "太贵"


def test_staff_record_a_phone_answer_with_the_name(sale, manager):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        sales.sale_answer(sale=sale, actor=manager, approve=True, name="")
    assert "name" in exc.value.message_dict
    sale = sales.sale_answer(sale=sale, actor=manager, approve=True, name="王主任")
    assert (sale.answered_via, sale.answer_name, sale.answered_by_id) == ("phone", "王主任", manager.pk)


def test_one_time_link_answers_once(client, sale, manager):
    tokens = sales.sale_link_create(sale=sale, actor=manager, channel="email", sent_to="wang@a.cn")
    url = reverse("spares:sale_link_answer", args=[tokens["approve"]])
    page = client.get(url)
    assert page.status_code == 200
    assert "千兆光模块" in page.content.decode()
    assert client.post(url, {"name": ""}).status_code == 422
    r = client.post(url, {"name": "王主任"})
    assert r.status_code == 200
    assert "sale-link-done" in r.content.decode()
    sale.refresh_from_db()
    assert (sale.status, sale.answered_via, sale.answer_name) == (SaleStatus.APPROVED, "link", "王主任")
    assert client.post(reverse("spares:sale_link_answer", args=[tokens["refuse"]]), {"name": "x"}).status_code == 410
    assert client.get(reverse("spares:sale_link_answer", args=["forged"])).status_code == 410
    with pytest.raises(TransitionNotAllowed):
        sales.sale_link_create(sale=sale, actor=manager, channel="email", sent_to="wang@a.cn")


def test_link_needs_a_fitting_address(sale, manager):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        sales.sale_link_create(sale=sale, actor=manager, channel="email", sent_to="not-an-address")
    assert "sent_to" in exc.value.message_dict
