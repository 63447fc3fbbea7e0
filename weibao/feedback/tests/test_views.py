"""The feedback pages: render, scoped (another customer and a vendor → 404), errors back on the form, query counts
that do not grow with the rows."""

import pytest
from django.urls import reverse

from weibao.feedback import services
from weibao.feedback.models import Callback, CallbackAttempt, Complaint
from weibao.feedback.views import QUEUE_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def callback_a(order_a):
    services.callbacks_select()
    return Callback.objects.get(order=order_a)


@pytest.fixture
def complaint_a(order_a, manager):
    return services.complaint_register(
        actor=manager,
        customer=order_a.organisation,
        order=order_a,
        source="phone",
        category="late",
        complainant_name="王经理",
        description="工程师迟到三小时",
    )


def test_queue_shows_tap_to_call(client, manager, callback_a):
    client.force_login(manager)
    r = client.get(reverse("feedback:callbacks"))
    assert r.status_code == 200
    assert 'href="tel:13800000001"' in r.content.decode()


def test_queue_pages_by_25_with_the_tab_count(client, manager, callback_a, django_assert_max_num_queries):
    for _ in range(QUEUE_PAGE):  # given 26 due callbacks (copies without an order: no one-per-order clash)
        copy = Callback.objects.get(pk=callback_a.pk)
        copy.pk, copy.order = None, None
        copy.save()
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("feedback:callbacks")).content.decode()
    assert first.count('data-testid="record-') == QUEUE_PAGE
    assert "(26)" in first
    assert 'data-testid="queue-next"' in first
    second = client.get(reverse("feedback:callbacks"), {"view": "due", "page": 2}).content.decode()
    assert second.count('data-testid="record-') == 1
    assert 'data-testid="queue-next"' not in second


def test_queue_query_count_does_not_grow(client, manager, close_order, site_a, django_assert_max_num_queries):
    for _ in range(3):
        close_order(site_a, severity="A")
    services.callbacks_select()
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        client.get(reverse("feedback:callbacks"))
    for _ in range(3):
        close_order(site_a, severity="A")
    services.callbacks_select()
    with django_assert_max_num_queries(12):
        r = client.get(reverse("feedback:callbacks"))
    assert r.content.decode().count('data-testid="record-') == 6


def test_queue_cards_show_a_call_and_a_rename_at_once_after_they_were_cached(
    client, manager, callback_a, field_engineer
):
    client.force_login(manager)
    url = reverse("feedback:callbacks")
    assert "13800000001" in client.get(url).content.decode()
    Callback.objects.filter(pk=callback_a.pk).update(contact_phone="13911112222")  # no save(): the digest sees it
    callback_a.order.title = "改过的工单标题"
    callback_a.order.save(update_fields=["title"])
    body = client.get(url).content.decode()
    assert "13911112222" in body
    assert "13800000001" not in body
    assert "改过的工单标题" in body


def test_record_result_and_errors(client, manager, callback_a):
    client.force_login(manager)
    url = reverse("feedback:callback", args=[callback_a.pk])
    r = client.post(url, {"version": 1, "outcome": "reached"})
    assert r.status_code == 422
    assert 'data-error-for="satisfaction"' in r.content.decode()
    r = client.post(url, {"version": 1, "satisfaction": "4"})
    assert r.status_code == 422
    assert 'data-error-for="outcome"' in r.content.decode()
    assert not CallbackAttempt.objects.exists()
    r = client.post(url, {"version": 1, "outcome": "reached", "satisfaction": "4", "remark": "挺好"})
    assert r.status_code == 302
    callback_a.refresh_from_db()
    assert (callback_a.status, callback_a.satisfaction) == ("done", 4)
    r = client.post(url, {"version": 1, "outcome": "reached", "satisfaction": "4"})
    assert r.status_code in (409, 200)


def test_pages_scoped(
    client, callback_a, complaint_a, customer_a, customer_a_user, customer_b_user, vendor_user, assert_scoped
):
    for user in (customer_b_user, vendor_user):
        client.force_login(user)
        assert_scoped(reverse("feedback:callback", args=[callback_a.pk]), client)
        assert_scoped(reverse("feedback:complaint", args=[complaint_a.pk]), client)
        assert_scoped(reverse("feedback:archive", args=[customer_a.pk]), client)
        assert_scoped(
            reverse("feedback:complaint_step", args=[complaint_a.pk, "accept"]),
            client,
            method="post",
            data={"text": ""},
        )
    client.force_login(customer_a_user)
    r = client.get(reverse("feedback:archive", args=[customer_a.pk]))
    assert r.status_code == 200
    assert complaint_a.number in r.content.decode()
    assert client.get(reverse("feedback:archives")).url == reverse("feedback:archive", args=[customer_a.pk])
    r = client.get(reverse("feedback:complaint", args=[complaint_a.pk]))
    assert r.status_code == 200
    assert "工程师迟到三小时" in r.content.decode()


def test_engineer_sees_a_stub_and_answers(client, complaint_a, field_engineer, duty_engineer, manager):
    services.complaint_note(complaint=complaint_a, actor=manager, text="内部备注XYZ")
    client.force_login(field_engineer)
    url = reverse("feedback:complaint", args=[complaint_a.pk])
    page = client.get(url).content.decode()
    assert "工程师迟到三小时" not in page
    assert "内部备注XYZ" not in page
    assert "王经理" not in page
    r = client.post(reverse("feedback:complaint_step", args=[complaint_a.pk, "statement"]), {"text": "路上堵车"})
    assert r.status_code == 302
    assert "路上堵车" in client.get(url).content.decode()
    client.force_login(duty_engineer)
    assert client.get(url).status_code == 404  # only managers see complaints about engineers


def test_complaint_workflow_pages(client, manager, customer_a_user, complaint_a):
    client.force_login(manager)
    step = lambda name, **data: client.post(  # noqa: E731
        reverse("feedback:complaint_step", args=[complaint_a.pk, name]), data
    )
    r = step("answer", text="x", version=1)
    assert r.status_code == 409
    assert step("investigate", text="", version=1).status_code == 302
    r = step("answer", text="", version=2)
    assert r.status_code == 422
    assert 'data-error-for="text"' in r.content.decode()
    assert step("answer", text="已核实并处理", version=2).status_code == 302
    client.force_login(customer_a_user)
    page = client.get(reverse("feedback:complaint", args=[complaint_a.pk])).content.decode()
    assert "已核实并处理" in page
    assert 'data-testid="step-accept"' in page
    assert step("accept", text="", version=3).status_code == 302
    assert Complaint.objects.get().status == "closed"


def test_register_complaint_page(client, manager, customer_a, order_a):
    client.force_login(manager)
    url = reverse("feedback:complaint_new")
    assert client.get(url + f"?order={order_a.pk}").status_code == 200
    r = client.post(
        url,
        {
            "customer": customer_a.pk,
            "order_number": "WB-1900-000000",
            "source": "phone",
            "category": "late",
            "severity": "minor",
            "complainant_name": "王",
            "description": "迟到",
        },
    )
    assert r.status_code == 422
    assert 'data-error-for="order_number"' in r.content.decode()
    r = client.post(
        url,
        {
            "customer": customer_a.pk,
            "order_number": order_a.number,
            "source": "phone",
            "category": "late",
            "severity": "minor",
            "complainant_name": "王",
            "description": "迟到",
        },
    )
    assert r.status_code == 302
    assert Complaint.objects.get().order == order_a


def test_satisfaction_page(client, manager, field_engineer, close_order, site_a):
    close_order(site_a, severity="C", rating=5)
    client.force_login(manager)
    r = client.get(reverse("feedback:satisfaction") + "?by=engineer")
    assert r.status_code == 200
    assert field_engineer.name in r.content.decode()
    r = client.get(reverse("feedback:satisfaction") + "?by=engineer&start=2026-05-01&end=2026-04-01")
    assert r.status_code == 422
    r = client.get(reverse("feedback:satisfaction") + "?by=month&start=2020-01-01&end=2020-01-31")
    assert 'data-testid="no-data"' in r.content.decode()
    client.force_login(field_engineer)
    assert client.get(reverse("feedback:satisfaction")).status_code == 403


def test_policy_page(client, manager):
    client.force_login(manager)
    url = reverse("feedback:policy")
    assert client.get(url).status_code == 200
    data = dict.fromkeys(services.POLICY_FIELDS, 8) | {
        "sample_percent_cd": 150,
        "max_attempts": 3,
        "low_rating_max": 2,
        "version": 1,
    }
    r = client.post(url, data)
    assert r.status_code == 422
    data["sample_percent_cd"] = 30
    assert client.post(url, data).status_code == 302
    assert services.policy_get().sample_percent_cd == 30


def test_menu_entries(client, manager, customer_a_user, vendor_user):
    client.force_login(manager)
    page = client.get(reverse("feedback:complaints")).content.decode()
    assert reverse("feedback:callbacks") in page
    client.force_login(customer_a_user)
    page = client.get(reverse("feedback:complaints")).content.decode()
    assert reverse("feedback:callbacks") not in page
    assert reverse("feedback:archives") in page


def test_archive_and_complaint_list_queries_do_not_grow(
    client, manager, close_order, site_a, customer_a, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            order = close_order(site_a, severity="A", rating=4)
            services.complaint_register(
                actor=manager,
                customer=order.organisation,
                order=order,
                source="phone",
                category="late",
                complainant_name="王",
                description="迟到",
            )
        services.callbacks_select()

    add(1)
    client.force_login(manager)
    urls = [
        reverse("feedback:archive", args=[customer_a.pk]),
        reverse("feedback:complaints"),
        reverse("feedback:callbacks") + "?view=done",
        reverse("feedback:satisfaction") + "?by=order",
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(40) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    add(3)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_complaint_about_another_customers_order_is_refused_on_the_field(client, manager, customer_b, order_a):
    client.force_login(manager)
    r = client.post(
        reverse("feedback:complaint_new"),
        {
            "customer": customer_b.pk,
            "order_number": order_a.number,
            "source": "phone",
            "category": "late",
            "severity": "minor",
            "complainant_name": "王",
            "description": "迟到",
        },
    )
    assert r.status_code == 422
    assert 'data-error-for="order_number"' in r.content.decode()
    assert not Complaint.objects.exists()


def test_home_panel(client, manager, callback_a, complaint_a, field_engineer):
    client.force_login(manager)
    assert reverse("feedback:panel") in client.get("/").content.decode()
    page = client.get(reverse("feedback:panel")).content.decode()
    assert 'data-testid="feedback-panel"' in page
    client.force_login(field_engineer)
    assert client.get(reverse("feedback:panel")).status_code == 403


def test_order_page_links_to_a_prefilled_complaint(client, duty_engineer, customer_a_user, vendor_user, order_a):
    """The duty desk (and the customer) register a complaint from the order itself; a vendor gets no link."""
    for user in (duty_engineer, customer_a_user):
        client.force_login(user)
        body = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
        link = f"{reverse('feedback:complaint_new')}?order={order_a.pk}"
        assert link in body
        form = client.get(link).content.decode()
        assert order_a.number in form
    client.force_login(vendor_user)
    response = client.get(reverse("workorders:detail", args=[order_a.pk]))
    assert reverse("feedback:complaint_new") not in response.content.decode()
