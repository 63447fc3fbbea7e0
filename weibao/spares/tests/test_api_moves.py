"""Issue 14 point 5: every move of the store through the API — receive, reserve, issue, return, transfer,
write-off — with the stock per warehouse and the ledger, clear 4xx answers and nothing half-stored; and the part
picker's search (htmx) instead of listing every part."""

import pytest
from django.urls import reverse

from weibao.spares.models import Move, Part, Stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(api_client):
    from weibao.accounts.services import token_create

    def login(user):
        return api_client.bearer(token_create(user=user, name="test")[1])

    return login


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_every_move_through_the_api_and_the_ledger_equals_the_stock(
    as_user, manager, store, van, counted_part, order_a
):
    client = as_user(manager)
    base = {"warehouse_id": store.pk, "part_id": counted_part.pk}
    order = f"/api/spares/work-orders/{order_a.pk}"
    assert _post(client, "/api/spares/moves/receive", {**base, "quantity": 10}).status_code == 201
    assert _post(client, f"{order}/reserve", {**base, "quantity": 3}).status_code == 201
    assert _post(client, f"{order}/issue", {**base, "quantity": 2}).status_code == 201
    assert _post(client, f"{order}/return", {**base, "quantity": 1}).status_code == 201
    assert _post(client, f"{order}/release", {**base, "quantity": 1}).status_code == 201
    assert _post(client, "/api/spares/transfers", {**base, "to_warehouse_id": van.pk, "quantity": 4}).status_code == 201
    assert _post(client, "/api/spares/moves/write-off", {**base, "quantity": 1, "reason": "损坏"}).status_code == 201
    (row,) = client.get(f"/api/spares/warehouses/{store.pk}/stock").json()
    assert (row["on_hand"], row["reserved"], row["available"]) == (4, 0, 4)  # 10 − 2 + 1 − 4 (in transit) − 1
    van_rows = client.get(f"/api/spares/warehouses/{van.pk}/stock").json()
    assert sum(r["available"] for r in van_rows) == 0  # in transit: counted in neither warehouse
    kinds = [m["kind"] for m in client.get(f"/api/spares/ledger?warehouse_id={store.pk}").json()]
    assert len(kinds) == 7
    s = Stock.objects.get(warehouse=store, part=counted_part)
    assert (
        sum(Move.objects.filter(warehouse=store, part=counted_part).values_list("on_hand_delta", flat=True))
        == s.on_hand
    )


def test_refusals_are_clear_4xx_and_store_nothing(
    as_user, manager, store, van, counted_part, serial_part, order_a, order_b, customer_a_user
):
    client = as_user(manager)
    _post(client, "/api/spares/moves/receive", {"warehouse_id": store.pk, "part_id": counted_part.pk, "quantity": 2})
    _post(client, "/api/spares/moves/receive", {"warehouse_id": store.pk, "part_id": serial_part.pk, "serials": ["S1"]})
    moves = Move.objects.count()
    base = {"warehouse_id": store.pk, "part_id": counted_part.pk}
    order = f"/api/spares/work-orders/{order_a.pk}"
    cases = [
        (f"{order}/reserve", {**base, "quantity": 3}, "quantity"),  # more than available
        (f"{order}/issue", {**base, "quantity": 3}, "quantity"),  # below zero
        (f"{order}/return", {**base, "quantity": 1}, "quantity"),  # the order holds none
        ("/api/spares/moves/write-off", {**base, "quantity": 5, "reason": "丢失"}, "quantity"),
        ("/api/spares/moves/write-off", {**base, "quantity": 1, "reason": ""}, "reason"),
        ("/api/spares/transfers", {**base, "to_warehouse_id": van.pk, "quantity": 9}, "quantity"),
        ("/api/spares/moves/receive", {**base, "quantity": "1.5"}, "quantity"),
        (f"{order}/issue", {"warehouse_id": store.pk, "part_id": serial_part.pk, "serials": ["NOPE"]}, "serials"),
    ]
    for url, body, field in cases:
        response = _post(client, url, body)
        assert response.status_code == 422, (url, body, response.content)
        assert field in response.json()["detail"], (url, response.json())
    assert _post(client, "/api/spares/work-orders/999999/issue", {**base, "quantity": 1}).status_code == 404
    assert Move.objects.count() == moves  # nothing half-stored
    customer = as_user(customer_a_user)
    assert customer.get(f"/api/spares/work-orders/{order_b.pk}/parts").status_code == 404


def test_every_move_is_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in [
        "/api/spares/warehouses/{warehouse_id}/stock",
        "/api/spares/ledger",
        "/api/spares/moves/receive",
        "/api/spares/moves/write-off",
        "/api/spares/transfers",
        "/api/spares/transfers/{transfer_id}/receive",
        "/api/spares/work-orders/{workorder_id}/reserve",
        "/api/spares/work-orders/{workorder_id}/issue",
        "/api/spares/work-orders/{workorder_id}/return",
        "/api/spares/sales/{sale_id}/answer",
    ]:
        assert path in paths, path


def test_part_picker_searches_instead_of_listing_every_part(client, manager, customer_a_user, counted_part):
    for i in range(40):
        Part.objects.create(part_number=f"P-X-{i:03d}", name=f"配件{i}", tracking="counted")
    client.force_login(manager)
    page = client.get(reverse("spares:sale_new")).content.decode()
    assert "P-X-039" not in page  # the catalogue is not listed
    assert reverse("spares:part_search") in page
    options = client.get(reverse("spares:part_search"), {"q": "SFP"}).content.decode()
    assert f'value="{counted_part.pk}"' in options
    assert "P-X-001" not in options
    assert client.get(reverse("spares:part_search"), {"q": "P-X"}).content.decode().count('<option value="') == 21
    client.force_login(customer_a_user)
    assert client.get(reverse("spares:part_search"), {"q": "SFP"}).status_code == 404
