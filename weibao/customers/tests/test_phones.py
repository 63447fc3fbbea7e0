"""Contacts' phone numbers (issue 18 §11): checked by the form, the API and the service, stored canonical, found in
any shape; old numbers normalised by the data migration or listed as "to fix"."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from weibao.core.phones import INVALID, phone_fields, to_fix_q
from weibao.customers.models import Contact
from weibao.customers.selectors import contact_find
from weibao.customers.services import contact_create
from weibao.customers.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_contact_form_stores_the_canonical_form_and_refuses_a_bad_number(client, manager, customer_a):
    client.force_login(manager)
    url = reverse("customers:contact_create", args=[customer_a.pk])
    response = client.post(url, {"name": "李四", "mobile": "+86 138-0013-8000", "phone": "(025) 5227 1001 转 8"})
    assert response.status_code == 302
    contact = customer_a.contacts.get()
    assert (contact.mobile, contact.phone) == ("13800138000", "025-52271001-8")
    response = client.post(url, {"name": "王五", "mobile": "1380013800"})  # a digit short
    assert response.status_code == 200  # the form again, with the message
    assert str(INVALID) in response.content.decode()
    assert customer_a.contacts.count() == 1


def test_api_normalises_and_answers_422_naming_the_field(client, manager, customer_a):
    client.force_login(manager)
    url = f"/api/customers/{customer_a.pk}/contacts"
    response = client.post(url, {"name": "李四", "mobile": "0086 138 0013 8000"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["mobile"] == "13800138000"
    response = client.post(url, {"name": "王五", "phone": "5227 1001"}, content_type="application/json")
    assert response.status_code == 422
    [issue] = response.json()["detail"]
    assert issue["loc"][-1] == "phone"
    assert str(INVALID) in issue["msg"]
    contact = customer_a.contacts.get()
    response = client.patch(
        f"/api/customers/contacts/{contact.pk}", {"phone": "+86 10 6552 1234"}, content_type="application/json"
    )
    assert response.json()["phone"] == "010-65521234"
    response = client.patch(f"/api/customers/contacts/{contact.pk}", {"mobile": "138"}, content_type="application/json")
    assert response.status_code == 422


def test_service_normalises_and_refuses(manager, customer_a):
    contact = contact_create(actor=manager, customer=customer_a, name="李四", mobile="138 0013 8000")
    assert contact.mobile == "13800138000"
    with pytest.raises(Exception) as exc:  # noqa: PT011 - ValidationError, checked below
        contact_create(actor=manager, customer=customer_a, name="王五", phone="call the front desk")
    assert exc.value.message_dict == {"phone": [str(INVALID)]}


def test_the_orm_stores_and_looks_up_the_canonical_form(customer_a):
    contact = ContactFactory(customer=customer_a, mobile="")
    Contact.objects.filter(pk=contact.pk).update(mobile="+86 138-0013-8000")
    contact.refresh_from_db()
    assert contact.mobile == "13800138000"
    assert list(Contact.objects.filter(mobile="0086 138 0013 8000")) == [contact]


def test_contact_is_found_by_any_shape_of_its_number(customer_a):
    mobile = ContactFactory(customer=customer_a, mobile="13800138000", phone="")
    landline = ContactFactory(customer=customer_a, mobile="", phone="025-52271001-8")
    for query in ("13800138000", "+86 138-0013-8000", "0086 13800138000", "8000"):
        assert list(contact_find(query=query)) == [mobile], query
    for query in ("025-52271001", "(025) 5227 1001", "+86 25 5227 1001", "52271001", "1001"):
        assert list(contact_find(query=query)) == [landline], query


def test_migration_normalises_what_parses_and_leaves_the_rest_to_fix(customer_a):
    customer = CustomerFactory()
    shapes = {
        "+86 139-0049-7829": "13900497829",
        "010 6552 1234 转 8001": "010-65521234-8001",
        "13800138000": "13800138000",
        "前台转": "前台转",  # no number: kept as it was, flagged
    }
    contacts = {raw: ContactFactory(customer=customer, mobile="", phone="") for raw in shapes}
    for raw, contact in contacts.items():  # stored before the rule, in SQL: the ORM would store the canonical form
        with connection.cursor() as cursor:
            cursor.execute("UPDATE customers_contact SET phone = %s WHERE id = %s", [raw, contact.pk])
    migration = importlib.import_module("weibao.customers.migrations.0006_phones_normalised")
    migration.normalise(apps, None)
    for raw, contact in contacts.items():
        contact.refresh_from_db()
        assert contact.phone == shapes[raw]
    to_fix = Contact.objects.filter(to_fix_q(phone_fields(Contact)))
    assert list(to_fix) == [contacts["前台转"]]


def test_admin_filter_and_command_list_the_numbers_to_fix(admin_client, customer_a):
    good = ContactFactory(customer=customer_a, name="好号码", mobile="13800138000")
    bad = ContactFactory(customer=customer_a, name="坏号码", mobile="")
    Contact.objects.filter(pk=bad.pk).update(mobile="138-0013")
    page = admin_client.get("/admin/customers/contact/", {"phone_to_fix": "yes"}).content.decode()
    assert bad.name in page
    assert good.name not in page
    out = io.StringIO()
    call_command("phones_to_fix", "--show", "5", stdout=out)
    assert "customers.Contact (mobile, phone): 1" in out.getvalue()
    assert "138-0013" in out.getvalue()
