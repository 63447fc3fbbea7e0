import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from weibao.customers.models import Customer
from weibao.customers.selectors import contact_find, customer_for_email
from weibao.customers.services import contact_create, customer_create, customer_update, site_create
from weibao.customers.tests.factories import ContactFactory, CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_customer_create_makes_customer_organisation(manager):
    customer = customer_create(actor=manager, code="C100", name=" 南京鼓楼医院 ", email_domains="@NJGL.cn, x.com")
    assert customer.organisation.kind == "customer"
    assert customer.organisation.name == "南京鼓楼医院"
    assert customer.email_domains == "njgl.cn,x.com"


def test_customer_create_rejects_duplicate_code(manager):
    customer_create(actor=manager, code="C100", name="甲")
    with pytest.raises(ValidationError):
        customer_create(actor=manager, code="C100", name="乙")
    assert Customer.objects.count() == 1


def test_customer_update_renames_organisation(manager):
    customer = CustomerFactory()
    customer_update(customer=customer, actor=manager, name="新名称")
    customer.organisation.refresh_from_db()
    assert customer.organisation.name == "新名称"


def test_site_defaults_and_denormalised_organisation(manager):
    customer = CustomerFactory()
    site = site_create(actor=manager, customer=customer, name="门诊楼")
    assert site.organisation_id == customer.organisation_id
    assert site.timezone == "Asia/Shanghai"
    assert site.region_tier == "city"


def test_contact_site_must_belong_to_customer(manager):
    other_site = SiteFactory()
    with pytest.raises(ValidationError):
        contact_create(actor=manager, customer=CustomerFactory(), name="张三", site=other_site)


def test_contact_find_by_phone_email_and_name():
    contact = ContactFactory(name="周建华", mobile="13905161234", phone="025-52271001", email="zhou@njfyy.cn")
    ContactFactory(name="别人")
    assert list(contact_find(query="13905161234")) == [contact]
    assert list(contact_find(query="52271001")) == [contact]
    assert list(contact_find(query="ZHOU@njfyy.cn")) == [contact]
    assert list(contact_find(query="建华")) == [contact]
    assert list(contact_find(query="")) == []


def test_customer_for_email_prefers_contact_then_domain():
    a = CustomerFactory(email_domains="example.com")
    b = CustomerFactory(email_domains="other.cn")
    ContactFactory(customer=b, email="boss@example.com")
    assert customer_for_email("Boss@Example.com") == b
    assert customer_for_email("someone@example.com") == a
    assert customer_for_email("someone@ample.com") is None
    assert customer_for_email("not-an-address") is None


def test_customer_list_for_staff_and_scoped_for_customer(
    client, manager, customer_a_user, customer_a_org, customer_b_org
):
    a, b = CustomerFactory(organisation=customer_a_org), CustomerFactory(organisation=customer_b_org)
    client.force_login(manager)
    response = client.get(reverse("customers:list"))
    assert a.name in response.text
    assert b.name in response.text
    client.force_login(customer_a_user)
    response = client.get(reverse("customers:list"))
    assert a.name in response.text
    assert b.name not in response.text


def test_customer_detail_other_organisation_is_404(client, customer_a_user, customer_a_org, customer_b_org):
    a, b = CustomerFactory(organisation=customer_a_org), CustomerFactory(organisation=customer_b_org)
    client.force_login(customer_a_user)
    assert client.get(reverse("customers:detail", args=[a.pk])).status_code == 200
    assert client.get(reverse("customers:detail", args=[b.pk])).status_code == 404
    site_b = SiteFactory(customer=b)
    assert client.get(reverse("customers:site_detail", args=[site_b.pk])).status_code == 404


def test_customer_user_cannot_edit(client, customer_a_user, customer_a_org):
    a = CustomerFactory(organisation=customer_a_org)
    client.force_login(customer_a_user)
    assert client.get(reverse("customers:edit", args=[a.pk])).status_code == 403
    assert client.post(reverse("customers:create"), {"code": "X", "name": "X"}).status_code == 403


def test_create_customer_site_contact_through_ui(client, manager):
    client.force_login(manager)
    response = client.post(reverse("customers:create"), {"code": "C900", "name": "<script>alert(1)</script>医院"})
    customer = Customer.objects.get(code="C900")
    assert response.status_code == 302
    page = client.get(reverse("customers:detail", args=[customer.pk])).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    response = client.post(
        reverse("customers:site_create", args=[customer.pk]),
        {"name": "门诊楼", "region_tier": "county", "timezone": "Asia/Shanghai"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("customers:contact_create", args=[customer.pk]), {"name": "李四", "mobile": "13800000000"}
    )
    assert response.status_code == 302
    assert customer.contacts.get().name == "李四"


def test_create_customer_invalid_input_shows_errors(client, manager):
    client.force_login(manager)
    response = client.post(reverse("customers:create"), {"code": "", "name": ""})
    assert response.status_code == 200
    assert Customer.objects.count() == 0


def test_customer_list_query_count(client, manager, django_assert_max_num_queries):
    for _ in range(20):
        CustomerFactory()
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        client.get(reverse("customers:list"))


def test_api_customers_scoped(client, customer_a_user, customer_a_org, customer_b_org, manager):
    a, b = CustomerFactory(organisation=customer_a_org), CustomerFactory(organisation=customer_b_org)
    client.force_login(customer_a_user)
    assert [c["id"] for c in client.get("/api/customers/").json()] == [a.pk]
    assert client.get(f"/api/customers/{b.pk}").status_code == 404
    assert client.get(f"/api/customers/{b.pk}/sites").status_code == 404
    assert (
        client.post("/api/customers/", {"code": "Z", "name": "Z"}, content_type="application/json").status_code == 403
    )
    client.force_login(manager)
    response = client.post("/api/customers/", {"code": "Z1", "name": "新客户"}, content_type="application/json")
    assert response.status_code == 201
    cid = response.json()["id"]
    response = client.post(
        f"/api/customers/{cid}/sites", {"name": "主楼", "region_tier": "remote"}, content_type="application/json"
    )
    assert response.status_code == 201
    response = client.post(
        f"/api/customers/{cid}/sites", {"name": "主楼", "region_tier": "nowhere"}, content_type="application/json"
    )
    assert response.status_code == 422


def test_api_update_site_and_contact_and_find(client, manager, customer_a_user, customer_b_org):
    site = SiteFactory(customer=CustomerFactory(organisation=customer_b_org))
    contact = ContactFactory(customer=site.customer, mobile="13912345678")
    client.force_login(manager)
    response = client.patch(
        f"/api/customers/sites/{site.pk}", {"region_tier": "county"}, content_type="application/json"
    )
    assert response.json()["region_tier"] == "county"
    response = client.patch(
        f"/api/customers/contacts/{contact.pk}", {"site_id": site.pk, "role": "科长"}, content_type="application/json"
    )
    assert response.json()["site_id"] == site.pk
    other_site = SiteFactory()
    response = client.patch(
        f"/api/customers/contacts/{contact.pk}", {"site_id": other_site.pk}, content_type="application/json"
    )
    assert response.status_code == 404
    assert [c["id"] for c in client.get("/api/customers/contacts?q=13912345678").json()] == [contact.pk]
    client.force_login(customer_a_user)
    assert client.get("/api/customers/contacts?q=13912345678").json() == []
    assert (
        client.patch(f"/api/customers/sites/{site.pk}", {"name": "x"}, content_type="application/json").status_code
        == 403
    )


def test_customer_export_is_scoped_and_formula_safe(client, manager, customer_a_user, customer_a_org, customer_b_org):
    import io

    from openpyxl import load_workbook

    CustomerFactory(organisation=customer_a_org, code="A1", name='=HYPERLINK("http://x")')
    CustomerFactory(organisation=customer_b_org, code="B1")
    client.force_login(manager)
    ws = load_workbook(io.BytesIO(client.get(reverse("customers:export")).content)).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == ["A1", "B1"]
    assert '\'=HYPERLINK("http://x")' in [r[1] for r in rows]
    client.force_login(customer_a_user)
    ws = load_workbook(io.BytesIO(client.get(reverse("customers:export")).content)).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["A1"]


def test_edit_site_and_contact_views(client, manager, customer_a_user, customer_b_org):
    customer = CustomerFactory(organisation=customer_b_org)
    site = SiteFactory(customer=customer)
    contact = ContactFactory(customer=customer)
    client.force_login(manager)
    response = client.post(
        reverse("customers:site_edit", args=[site.pk]),
        {"name": "新名称", "region_tier": "remote", "timezone": "Asia/Urumqi"},
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.region_tier) == ("新名称", "remote")
    response = client.post(reverse("customers:contact_edit", args=[contact.pk]), {"name": "", "email": "not-an-email"})
    assert response.status_code == 200
    response = client.post(reverse("customers:contact_edit", args=[contact.pk]), {"name": "王五", "site": site.pk})
    assert response.status_code == 302
    client.force_login(customer_a_user)
    assert client.get(reverse("customers:site_detail", args=[site.pk])).status_code == 404


def test_api_patch_refuses_null_for_text_fields_but_clears_links(client, manager):
    contact = ContactFactory(role="科长")
    site = SiteFactory(customer=contact.customer)
    contact.site = site
    contact.save()
    client.force_login(manager)
    for url, field in (
        (f"/api/customers/{contact.customer_id}", "industry"),
        (f"/api/customers/{contact.customer_id}", "name"),
        (f"/api/customers/sites/{site.pk}", "address"),
        (f"/api/customers/contacts/{contact.pk}", "role"),
        (f"/api/customers/contacts/{contact.pk}", "is_primary"),
    ):
        assert client.patch(url, {field: None}, content_type="application/json").status_code == 422, (url, field)
    response = client.patch(f"/api/customers/contacts/{contact.pk}", {"site_id": None}, content_type="application/json")
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.site_id is None
    assert contact.role == "科长"


def test_site_time_zone_must_exist(client, manager):
    site = SiteFactory()
    with pytest.raises(ValidationError) as exc:
        site_create(actor=manager, customer=site.customer, name="分院", timezone="Asia/Nowhere")
    assert "timezone" in exc.value.message_dict
    client.force_login(manager)
    url = f"/api/customers/sites/{site.pk}"
    assert client.patch(url, {"timezone": "Mars/Olympus"}, content_type="application/json").status_code == 422
    assert client.patch(url, {"timezone": "Asia/Urumqi"}, content_type="application/json").status_code == 200
    site.refresh_from_db()
    assert site.timezone == "Asia/Urumqi"
