import pytest
from django.urls import reverse

from weibao.accounts.models import Skill, User
from weibao.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
GOOD = "Qz7!river-lamp"


def _data(organisation, role, **extra):
    data = {
        "username": "wangfang",
        "name": "王芳",
        "organisation": organisation.pk,
        "role": role,
        "authority_level": "staff",
        "password1": GOOD,
        "password2": GOOD,
        "phone": "13900001111",
    }
    data.update(extra)
    return data


def test_user_list_filters_and_counts_queries(
    client, admin_user, customer_a_user, vendor_user, duty_engineer, django_assert_max_num_queries
):
    client.force_login(admin_user)
    UserFactory.create_batch(20, organisation=customer_a_user.organisation, role="customer_contact")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    assert vendor_user.username in response.text
    response = client.get(reverse("accounts:user_list"), {"kind": "vendor"})
    assert vendor_user.username in response.text
    assert duty_engineer.username not in response.text
    response = client.get(reverse("accounts:user_list"), {"q": duty_engineer.name}, HTTP_HX_REQUEST="true")
    assert duty_engineer.username in response.text
    assert "<html" not in response.text  # htmx gets the rows fragment only


def test_user_list_pages_fifty_accounts_at_a_time_keeping_the_filters(client, admin_user, customer_a_user):
    client.force_login(admin_user)
    UserFactory.create_batch(60, organisation=customer_a_user.organisation, role="customer_contact")
    first = client.get(reverse("accounts:user_list"), {"kind": "customer"})
    assert first.status_code == 200
    assert first.text.count('data-testid="user-row"') == 50
    assert "kind=customer&amp;page=2" in first.text  # the next page keeps the filter
    second = client.get(reverse("accounts:user_list"), {"kind": "customer", "page": 2}, HTTP_HX_REQUEST="true")
    shown = second.text.count('data-testid="user-row"')
    assert shown == first.context["total"] - 50
    assert shown > 0
    assert "<html" not in second.text


def test_create_staff_user_with_staff_fields(client, admin_user, own_org, branch):
    skill = Skill.objects.create(code="cctv", name="视频监控")
    client.force_login(admin_user)
    data = _data(
        own_org,
        "field_engineer",
        branch=branch.pk,
        skills=[skill.pk],
        on_probation="on",
        authority_level="department_manager",
    )
    response = client.post(reverse("accounts:user_create"), data)
    assert response.status_code == 302, response.text
    user = User.objects.get(username="wangfang")
    assert (user.branch, user.on_probation, user.is_dedicated, user.authority_level) == (
        branch,
        True,
        False,
        "department_manager",
    )
    assert list(user.skills.all()) == [skill]
    assert user.check_password(GOOD)
    assert not user.is_staff


def test_administrators_get_the_admin_site(client, admin_user, own_org, field_engineer):
    client.force_login(admin_user)
    client.post(reverse("accounts:user_create"), _data(own_org, "admin"))
    assert User.objects.get(username="wangfang").is_superuser
    data = _data(own_org, "admin", password1="", password2="")
    client.post(reverse("accounts:user_edit", args=[field_engineer.pk]), data)
    field_engineer.refresh_from_db()
    assert (field_engineer.is_staff, field_engineer.is_superuser) == (True, True)
    client.post(reverse("accounts:user_edit", args=[field_engineer.pk]), {**data, "role": "field_engineer"})
    field_engineer.refresh_from_db()
    assert (field_engineer.is_staff, field_engineer.is_superuser) == (False, False)


def test_create_customer_contact(client, admin_user, customer_a_org):
    client.force_login(admin_user)
    response = client.post(reverse("accounts:user_create"), _data(customer_a_org, "customer_contact"))
    assert response.status_code == 302
    assert User.objects.get(username="wangfang").organisation == customer_a_org


def test_role_must_fit_organisation_kind(client, admin_user, customer_a_org):
    client.force_login(admin_user)
    response = client.post(reverse("accounts:user_create"), _data(customer_a_org, "duty_engineer"))
    assert response.status_code == 200
    assert "该角色与组织类型不符" in response.text
    assert not User.objects.filter(username="wangfang").exists()


def test_password_mismatch(client, admin_user, own_org):
    client.force_login(admin_user)
    response = client.post(reverse("accounts:user_create"), _data(own_org, "field_engineer", password2="other"))
    assert "两次输入的密码不一致" in response.text


def test_edit_user_changes_fields_and_password(client, admin_user, field_engineer, branch):
    client.force_login(admin_user)
    url = reverse("accounts:user_edit", args=[field_engineer.pk])
    assert client.get(url).status_code == 200
    data = _data(
        field_engineer.organisation,
        "duty_engineer",
        username="ignored",
        name="新名字",
        branch=branch.pk,
        password1="",
        password2="",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.text
    field_engineer.refresh_from_db()
    assert field_engineer.username != "ignored"  # the username is fixed once created
    assert (field_engineer.name, field_engineer.role) == ("新名字", "duty_engineer")
    client.post(url, {**data, "password1": GOOD, "password2": GOOD})
    field_engineer.refresh_from_db()
    assert field_engineer.check_password(GOOD)


def test_deactivate_and_reactivate(client, admin_user, field_engineer):
    client.force_login(admin_user)
    url = reverse("accounts:user_set_active", args=[field_engineer.pk])
    client.post(url, {"active": "0"})
    field_engineer.refresh_from_db()
    assert not field_engineer.is_active
    other = type(client)()
    other.force_login(field_engineer)
    assert other.get(reverse("core:home")).status_code == 302  # an inactive user's session no longer works
    client.post(url, {"active": "1"})
    field_engineer.refresh_from_db()
    assert field_engineer.is_active


def test_administrator_cannot_deactivate_self(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("accounts:user_set_active", args=[admin_user.pk]), {"active": "0"}, follow=True)
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert "不能停用自己的账户" in response.text


@pytest.mark.parametrize("who", ["manager", "duty_engineer", "customer_a_user", "vendor_user"])
def test_user_management_is_for_administrators_only(client, request, who, field_engineer):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.get(reverse("accounts:user_edit", args=[field_engineer.pk])).status_code == 403


def test_edit_unknown_user_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("accounts:user_edit", args=[999999])).status_code == 404


def test_profile_updates_language_and_phone(client, customer_a_user):
    client.force_login(customer_a_user)
    response = client.post(
        reverse("accounts:profile"), {"email": "a@example.com", "phone": "13800000000", "language": "en"}
    )
    assert response.status_code == 302
    customer_a_user.refresh_from_db()
    assert (customer_a_user.phone, customer_a_user.language) == ("13800000000", "en")
    assert "My profile" in client.get(reverse("accounts:profile")).text


def test_profile_invalid_email(client, duty_engineer):
    client.force_login(duty_engineer)
    response = client.post(reverse("accounts:profile"), {"email": "not-an-email", "phone": "", "language": ""})
    assert response.status_code == 200
    assert "errorlist" in response.text


def test_login_audit_page(client, admin_user, duty_engineer):
    from weibao.accounts.tests.factories import TEST_PASSWORD

    client.post(reverse("accounts:login"), {"username": duty_engineer.username, "password": TEST_PASSWORD})
    client.force_login(admin_user)
    response = client.get(reverse("accounts:login_events"), {"username": duty_engineer.username})
    assert response.status_code == 200
    assert duty_engineer.username in response.text


def test_edit_with_refused_password_saves_nothing(client, admin_user, field_engineer):
    client.force_login(admin_user)
    url = reverse("accounts:user_edit", args=[field_engineer.pk])
    data = _data(field_engineer.organisation, "field_engineer", name="新名字", password1="123", password2="123")
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the password error
    field_engineer.refresh_from_db()
    assert field_engineer.name != "新名字"
    assert not field_engineer.check_password("123")


def test_user_rows_show_an_edit_at_once_after_they_were_cached(client, admin_user, field_engineer):
    client.force_login(admin_user)
    url = reverse("accounts:user_list")
    assert field_engineer.username in client.get(url).text
    User.objects.filter(pk=field_engineer.pk).update(name="改名的工程师", is_active=False)  # no save() signals
    page = client.get(url).text
    assert "改名的工程师" in page
    assert (
        f'formaction="{url}{field_engineer.pk}/active/" class="btn-secondary" name="active"\n        value="1"' in page
    )
    assert f'formaction="{url}{admin_user.pk}/active/"' not in page  # never one's own (de)activate button
