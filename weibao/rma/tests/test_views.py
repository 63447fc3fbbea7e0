import pytest
from django.urls import reverse
from django.utils import translation

from weibao.rma import services
from weibao.rma.choices import Status
from weibao.rma.models import RmaCase
from weibao.rma.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_queue_page_per_role(client, paying_case, commercial, customer_a_user, customer_b_user, vendor_user):
    url = reverse("rma:list")
    client.force_login(commercial)
    page = client.get(url + "?queue=all").content.decode()
    assert paying_case.number in page
    assert "rma-overdue" in page
    client.force_login(customer_a_user)
    assert paying_case.number in client.get(url + "?queue=all").content.decode()
    client.force_login(customer_b_user)
    assert paying_case.number not in client.get(url + "?queue=all").content.decode()
    client.force_login(vendor_user)
    assert paying_case.number not in client.get(url + "?queue=all").content.decode()  # not sent to it yet


def test_queue_page_lists_25_a_page_in_constant_queries(client, paying_case, commercial, django_assert_max_num_queries):
    for i in range(PAGE_SIZE):  # given 26 open cases
        copy = RmaCase.objects.get(pk=paying_case.pk)
        copy.pk, copy.number, copy.replacement = None, f"{paying_case.number}-{i}", None
        copy.save()
    client.force_login(commercial)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("rma:list")).content.decode()
    assert first.count('data-testid="rma-case"') == PAGE_SIZE
    assert "(26)" in first
    assert 'data-testid="rma-next"' in first
    second = client.get(reverse("rma:list"), {"queue": "open", "page": 2}).content.decode()
    assert second.count('data-testid="rma-case"') == 1


def test_collect_queue_count_matches_its_list(client, approved_case, commercial):
    from weibao.rma import selectors

    counts = selectors.rma_counts(user=commercial)
    assert counts["collect"] == len(selectors.rma_list(user=commercial, queue="collect"))


def test_case_page_scoping(
    client, shipped_case, commercial, customer_a_user, customer_b_user, vendor_user, other_vendor_user, assert_scoped
):
    url = reverse("rma:detail", args=[shipped_case.pk])
    services.rma_ship_back(
        case=shipped_case,
        actor=commercial,
        outcome="repaired",
        report="换主板",
        carrier="sf",
        waybill="SF2222222222222",
        vendor_cost="321.00",
    )
    client.force_login(commercial)
    assert "321.00" in client.get(url).content.decode()
    client.force_login(customer_a_user)
    page = client.get(url).content.decode()
    assert "SF1234567890123" in page
    assert "321.00" not in page  # our cost, not theirs
    client.force_login(vendor_user)
    page = client.get(url).content.decode()
    assert shipped_case.number in page
    assert "rma-fee" not in page  # the customer's fee is not the vendor's business
    for outsider in (customer_b_user, other_vendor_user):
        client.force_login(outsider)
        assert_scoped(url, client)
        assert_scoped(reverse("rma:action", args=[shipped_case.pk, "receive"]), client, method="post", data={})


def test_register_from_a_replacement_and_walk_the_fee_gate_in_the_ui(
    client, replacement_a, commercial, customer_a_user
):
    client.force_login(commercial)
    r = client.get(reverse("rma:create") + f"?replacement={replacement_a.pk}")
    assert r.status_code == 200
    r = client.post(reverse("rma:create"), {"source": "replacement", "replacement": replacement_a.pk, "fault": ""})
    assert r.status_code == 422
    r = client.post(
        reverse("rma:create"), {"source": "replacement", "replacement": replacement_a.pk, "fault": "图像花屏"}
    )
    case = RmaCase.objects.get()
    assert r.status_code == 302
    act = lambda name: reverse("rma:action", args=[case.pk, name])  # noqa: E731
    r = client.post(act("ship_out"), {"carrier": "sf", "waybill": "SF1234567890123", "version": case.version})
    assert r.status_code == 404 or r.status_code == 409 or r.status_code == 422
    r = client.post(act("fee_quote"), {"repair": "800", "shipping_out": "20", "shipping_back": "20"})
    assert r.status_code == 302
    client.force_login(customer_a_user)
    page = client.get(reverse("rma:detail", args=[case.pk])).content.decode()
    assert "949.20" in page
    r = client.post(act("fee_answer"), {"approve": "yes"})
    assert r.status_code == 302
    client.force_login(commercial)
    r = client.post(act("ship_out"), {"carrier": "sf", "waybill": "YT1234567890123"})
    assert r.status_code == 422
    assert "waybill" in r.content.decode()
    r = client.post(act("ship_out"), {"carrier": "sf", "waybill": "SF1234567890123"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.SHIPPED_OUT


def test_order_panel_offers_the_replaced_unit_for_repair(
    client, replacement_a, commercial, customer_a_user, customer_b_user, assert_scoped
):
    url = reverse("rma:order_panel", args=[replacement_a.workorder_id])
    client.force_login(commercial)
    page = client.get(url).content.decode()
    assert "rma-from-replacement" in page
    client.force_login(customer_a_user)
    assert "rma-from-replacement" not in client.get(url).content.decode()
    client.force_login(customer_b_user)
    assert_scoped(url, client)


def test_escalation_pages(client, order_a, order_b, manager, vendor, vendor_user, other_vendor_user, assert_scoped):
    from weibao.workorders import services as wo

    wo.workorder_acknowledge(workorder=order_a, actor=manager)
    order_a.refresh_from_db()
    client.force_login(manager)
    r = client.post(
        reverse("rma:escalate", args=[order_a.pk]),
        {"vendor": vendor.pk, "reason": "固件", "vendor_case_number": "HK-5", "version": order_a.version},
    )
    assert r.status_code == 302
    esc = order_a.vendor_escalations.get()
    url = reverse("rma:escalation_detail", args=[esc.pk])
    r = client.post(reverse("rma:escalation_action", args=[esc.pk, "ask"]), {"question": "E102？"})
    assert r.status_code == 302
    r = client.post(reverse("rma:escalation_action", args=[esc.pk, "solve"]), {"root_cause": "", "solution": "x"})
    assert r.status_code == 422
    client.force_login(vendor_user)
    page = client.get(url).content.decode()
    assert "E102" in page
    assert "HK-5" in page
    q = esc.questions.get()
    r = client.post(reverse("rma:escalation_action", args=[esc.pk, "answer"]), {"question": q.pk, "answer": "过温"})
    assert r.status_code == 302
    assert "过温" in client.get(url).content.decode()
    assert client.get(reverse("workorders:detail", args=[order_b.pk])).status_code == 404
    client.force_login(other_vendor_user)
    assert_scoped(url, client)
    assert_scoped(reverse("rma:order_panel", args=[order_a.pk]), client)
    client.force_login(manager)
    r = client.post(
        reverse("rma:escalation_action", args=[esc.pk, "solve"]), {"root_cause": "固件内存泄漏", "solution": "升级"}
    )
    assert r.status_code == 302
    order_a.refresh_from_db()
    assert order_a.status == "resolved"


def test_agreements_page(client, commercial, vendor, customer_a_user):
    client.force_login(commercial)
    r = client.post(
        reverse("rma:agreements"),
        {"vendor": vendor.pk, "name": "金牌", "response_hours": "4", "valid_from": "2026-01-01"},
    )
    assert r.status_code == 302
    assert "金牌" in client.get(reverse("rma:agreements")).content.decode()
    client.force_login(customer_a_user)
    assert client.get(reverse("rma:agreements")).status_code == 403


def test_public_fee_link_refuses_a_bad_token(client):
    assert client.get(reverse("rma:fee_link", args=["nonsense"])).status_code == 410


def test_order_panel_get_writes_nothing_and_tracking_starts_on_post(client, order_a, manager, vendor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weibao.workorders import services as wo

    wo.workorder_acknowledge(workorder=order_a, actor=manager)
    wo.workorder_escalate(workorder=order_a, actor=manager, vendor=vendor, reason="固件")
    client.force_login(manager)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("rma:order_panel", args=[order_a.pk])).content.decode()
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and "django_session" not in q["sql"]
    ]
    assert writes == []
    assert "rma-track" in page
    assert not order_a.vendor_escalations.exists()
    assert client.get(reverse("rma:escalation_track", args=[order_a.pk])).status_code == 405
    r = client.post(reverse("rma:escalation_track", args=[order_a.pk]))
    esc = order_a.vendor_escalations.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("rma:escalation_detail", args=[esc.pk])
    assert "rma-track" not in client.get(reverse("rma:order_panel", args=[order_a.pk])).content.decode()
