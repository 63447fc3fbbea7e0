"""The platform's authorisation layer: role permissions plus organisation scoping, checked with two customers."""

import pytest
from django.http import Http404
from django.urls import reverse

from weibao.accounts.models import ApiToken, Organisation, User
from weibao.accounts.permissions import PERMISSIONS, has_perm, require
from weibao.accounts.scoping import get_for_user, scope_queryset

pytestmark = pytest.mark.django_db


def test_staff_see_every_organisation(duty_engineer, customer_a_user, customer_b_user):
    assert set(scope_queryset(User.objects.all(), duty_engineer)) >= {customer_a_user, customer_b_user}


def test_model_without_scope_is_invisible_to_customers_and_vendors(customer_a_user, vendor_user):
    for outsider in (customer_a_user, vendor_user):
        assert not scope_queryset(User.objects.all(), outsider).exists()
        assert not scope_queryset(ApiToken.objects.all(), outsider).exists()


def test_customer_scope_limits_to_own_organisation(monkeypatch, customer_a_user, customer_b_user):
    # Organisation has no scope of its own; give it one for the test, as a domain model declares it.
    monkeypatch.setattr(Organisation, "CUSTOMER_SCOPE", "pk", raising=False)
    visible = scope_queryset(Organisation.objects.all(), customer_a_user)
    assert list(visible) == [customer_a_user.organisation]
    assert get_for_user(Organisation.objects.all(), customer_a_user, pk=customer_a_user.organisation_id)
    with pytest.raises(Http404):
        get_for_user(Organisation.objects.all(), customer_a_user, pk=customer_b_user.organisation_id)
    with pytest.raises(Http404):
        get_for_user(Organisation.objects.all(), customer_a_user, pk="not-a-number")


def test_vendor_sees_only_what_points_to_it(monkeypatch, vendor_user, customer_a_user, make_user):
    # A to-many style lookup ("__"): rows whose path leads to the vendor's organisation, without duplicates.
    monkeypatch.setattr(User, "VENDOR_SCOPE", "organisation__id", raising=False)
    colleague = make_user("vendor_contact", vendor_user.organisation)
    visible = set(scope_queryset(User.objects.all(), vendor_user))
    assert visible == {vendor_user, colleague}
    assert customer_a_user not in visible
    # Customers still see nothing: the model declares no CUSTOMER_SCOPE.
    assert not scope_queryset(User.objects.all(), customer_a_user).exists()


def test_inactive_and_anonymous_users_see_nothing(duty_engineer):
    from django.contrib.auth.models import AnonymousUser

    assert not scope_queryset(User.objects.all(), AnonymousUser()).exists()
    duty_engineer.is_active = False
    assert not scope_queryset(User.objects.all(), duty_engineer).exists()
    assert not has_perm(duty_engineer, "workorders.view")


def test_permission_table_refuses_unknown_names(duty_engineer):
    with pytest.raises(KeyError):
        has_perm(duty_engineer, "no.such.permission")


def test_every_permission_names_known_roles():
    from weibao.accounts.choices import Role

    for perm, roles in PERMISSIONS.items():
        assert roles <= set(Role.values), perm


def test_require_raises_403_in_views_and_api(client, customer_a_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        require(customer_a_user, "users.manage")
    client.force_login(customer_a_user)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("core:system_status")).status_code == 403


def test_assert_scoped_helper_fails_when_not_404(client, duty_engineer, assert_scoped):
    client.force_login(duty_engineer)
    with pytest.raises(AssertionError):
        assert_scoped(reverse("core:home"), client)
