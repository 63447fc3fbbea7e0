import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_requires_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_home_shows_role_navigation(client, duty_engineer):
    client.force_login(duty_engineer)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert duty_engineer.name in response.text


def test_scoping_hides_other_customers_users(customer_a_user, customer_b_user):
    from weibao.accounts.models import User
    from weibao.accounts.scoping import scope_queryset

    # User has no CUSTOMER_SCOPE: customer users see no user rows at all through the scoping layer.
    assert not scope_queryset(User.objects.all(), customer_a_user).exists()


def test_home_loads_panels_the_user_may_see(client, manager, customer_a_user):
    client.force_login(manager)
    page = client.get(reverse("core:home")).text
    # A service manager edits calendars and sees work orders: both panels, each fetched by htmx.
    assert f'hx-get="{reverse("contracts:holiday_panel")}"' in page
    assert f'hx-get="{reverse("workorders:dashboard")}"' in page
    assert "echarts" in page

    client.force_login(customer_a_user)
    page = client.get(reverse("core:home")).text
    assert reverse("contracts:holiday_panel") not in page
    assert f'hx-get="{reverse("workorders:dashboard")}"' in page


def test_dashboard_panel_fragment_renders_for_htmx(client, manager):
    client.force_login(manager)
    response = client.get(reverse("workorders:dashboard"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
