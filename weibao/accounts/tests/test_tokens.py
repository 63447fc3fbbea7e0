import hashlib

import pytest
from django.urls import reverse

from weibao.accounts.models import ApiToken
from weibao.accounts.services import token_create

pytestmark = pytest.mark.django_db


def test_token_page_shows_new_token_once_and_stores_only_its_hash(client, duty_engineer):
    client.force_login(duty_engineer)
    response = client.post(reverse("accounts:tokens"), {"name": "CMDB 同步"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["new_token"]["raw"]
    assert raw in response.text
    token = ApiToken.objects.get(user=duty_engineer)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.digest, token.prefix, token.name}
    assert raw not in client.get(reverse("accounts:tokens")).text  # shown once


def test_token_create_needs_a_name(client, duty_engineer):
    client.force_login(duty_engineer)
    response = client.post(reverse("accounts:tokens"), {"name": "  "})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_token_list_query_count(client, duty_engineer, django_assert_max_num_queries):
    for i in range(15):
        token_create(user=duty_engineer, name=f"t{i}")
    client.force_login(duty_engineer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("accounts:tokens")).status_code == 200


def test_token_works_for_api_and_revoked_token_is_401(api_client, client, duty_engineer):
    token, raw = token_create(user=duty_engineer, name="script")
    response = api_client.bearer(raw).get("/api/accounts/me")
    assert response.status_code == 200
    assert response.json()["username"] == duty_engineer.username
    client.force_login(duty_engineer)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    assert api_client.get("/api/accounts/me").status_code == 401


def test_garbage_and_missing_tokens_are_401(api_client):
    assert api_client.get("/api/accounts/me").status_code == 401
    assert api_client.bearer("wb_not-a-token").get("/api/accounts/me").status_code == 401
    assert api_client.bearer("other").get("/api/accounts/me").status_code == 401


def test_inactive_users_token_is_401(api_client, duty_engineer):
    _token, raw = token_create(user=duty_engineer, name="script")
    duty_engineer.is_active = False
    duty_engineer.save(update_fields=["is_active"])
    assert api_client.bearer(raw).get("/api/accounts/me").status_code == 401


def test_api_token_create_list_revoke(api_client, customer_a_user, django_assert_max_num_queries):
    _token, raw = token_create(user=customer_a_user, name="first")
    api_client.bearer(raw)
    created = api_client.post("/api/accounts/tokens", {"name": "second"}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("wb_")
    assert body["prefix"] == body["token"][:10]
    with django_assert_max_num_queries(4):
        listed = api_client.get("/api/accounts/tokens")
    assert [t["name"] for t in listed.json()] == ["second", "first"]
    assert "token" not in listed.json()[0]
    revoked = api_client.post(f"/api/accounts/tokens/{body['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert api_client.bearer(body["token"]).get("/api/accounts/me").status_code == 401


def test_api_token_create_invalid_input(api_client, duty_engineer):
    _token, raw = token_create(user=duty_engineer, name="first")
    api_client.bearer(raw)
    assert api_client.post("/api/accounts/tokens", {"name": ""}, content_type="application/json").status_code == 422
    assert api_client.post("/api/accounts/tokens", {}, content_type="application/json").status_code == 422
    too_long = api_client.post("/api/accounts/tokens", {"name": "x" * 101}, content_type="application/json")
    assert too_long.status_code == 422
    assert not ApiToken.objects.filter(name__startswith="xxx").exists()


def test_someone_elses_token_is_404_in_ui_and_api(client, api_client, customer_a_user, customer_b_user, assert_scoped):
    token_a, _raw = token_create(user=customer_a_user, name="A's")
    _token_b, raw_b = token_create(user=customer_b_user, name="B's")
    client.force_login(customer_b_user)
    assert_scoped(reverse("accounts:token_revoke", args=[token_a.pk]), client, method="post")
    assert_scoped(f"/api/accounts/tokens/{token_a.pk}/revoke", api_client.bearer(raw_b), method="post")
    token_a.refresh_from_db()
    assert token_a.is_active


def test_vendor_users_have_no_tokens(client, vendor_user):
    client.force_login(vendor_user)
    assert client.get(reverse("accounts:tokens")).status_code == 403
    assert client.get("/api/accounts/tokens").status_code == 403


def test_tokens_are_not_made_in_the_admin_site(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    response = client.post("/admin/accounts/apitoken/add/", {"user": admin_user.pk, "name": "x"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
