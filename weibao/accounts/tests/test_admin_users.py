"""Django's admin site keeps the app's own rules for accounts: the role fits the organisation's kind, only our own
staff have a branch, and the staff/superuser flags follow the role."""

import pytest
from django.urls import reverse

from weibao.accounts.models import User
from weibao.accounts.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _change_data(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
        "organisation": user.organisation_id,
        "role": user.role,
        "branch": user.branch_id or "",
        "is_dedicated": "on" if user.is_dedicated else "",
        "on_probation": "",
        "authority_level": user.authority_level,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def _add_data(organisation, role: str, username: str = "newbie") -> dict:
    return {
        "username": username,
        "name": "新人",
        "organisation": organisation.pk,
        "role": role,
        "password1": TEST_PASSWORD,
        "password2": TEST_PASSWORD,
    }


def test_admin_change_refuses_an_internal_role_in_a_customer_organisation(client, admin_user, customer_a_user):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[customer_a_user.pk])
    response = client.post(url, _change_data(customer_a_user, role="service_manager"))
    assert response.status_code == 200  # the form again, with the error
    assert "role" in response.context["adminform"].form.errors
    customer_a_user.refresh_from_db()
    assert customer_a_user.role == "customer_contact"


def test_admin_change_refuses_a_branch_for_a_customer_user(client, admin_user, customer_a_user, branch):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[customer_a_user.pk])
    response = client.post(url, _change_data(customer_a_user, branch=branch.pk))
    assert response.status_code == 200
    assert "branch" in response.context["adminform"].form.errors
    customer_a_user.refresh_from_db()
    assert customer_a_user.branch_id is None


def test_admin_change_that_fits_is_saved(client, admin_user, customer_a_user):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[customer_a_user.pk])
    response = client.post(url, _change_data(customer_a_user, name="新名字"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer_a_user.refresh_from_db()
    assert customer_a_user.name == "新名字"


def test_admin_add_refuses_a_role_of_another_organisation_kind(client, admin_user, customer_a_org, vendor_org, own_org):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_add")
    for organisation, role in (
        (customer_a_org, "admin"),
        (vendor_org, "customer_contact"),
        (own_org, "vendor_contact"),
    ):
        response = client.post(url, _add_data(organisation, role))
        assert response.status_code == 200
        assert "role" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="newbie").exists()
    response = client.post(url, _add_data(customer_a_org, "customer_contact"))
    assert response.status_code == 302
    assert User.objects.get(username="newbie").organisation == customer_a_org


def test_admin_flags_follow_the_role(client, admin_user, customer_a_user, manager):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[customer_a_user.pk])
    response = client.post(url, _change_data(customer_a_user, is_staff="on", is_superuser="on"))
    assert response.status_code == 302
    customer_a_user.refresh_from_db()
    assert (customer_a_user.is_staff, customer_a_user.is_superuser) == (False, False)  # never this site for them
    url = reverse("admin:accounts_user_change", args=[manager.pk])
    response = client.post(url, _change_data(manager, role="admin"))
    assert response.status_code == 302
    manager.refresh_from_db()
    assert (manager.is_staff, manager.is_superuser) == (True, True)
