import pytest

from weibao.accounts.services import token_create
from weibao.spares import services
from weibao.spares.models import Move, Stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(api_client):
    def login(user):
        _token, raw = token_create(user=user, name="test")
        return api_client.bearer(raw)

    return login


def test_issue_and_order_parts(as_user, manager, field_engineer, van, counted_part, order_a):
    services.receive(warehouse=van, part=counted_part, quantity=3, actor=manager)
    client = as_user(field_engineer)
    url = f"/api/spares/work-orders/{order_a.pk}/issue"
    response = client.post(
        url, {"warehouse_id": van.pk, "part_id": counted_part.pk, "quantity": 2}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["on_hand_after"] == 1
    response = client.get(f"/api/spares/work-orders/{order_a.pk}/parts")
    assert response.json()["parts"][0]["issued"] == 2
    ledger = client.get(f"/api/spares/ledger?warehouse_id={van.pk}").json()
    assert [m["kind"] for m in ledger] == ["issue", "receive"]


def test_bad_input_is_422_with_fields(as_user, manager, store, van, counted_part, serial_part, order_a):
    services.receive(warehouse=store, part=serial_part, serials=["S1"], actor=manager)
    client = as_user(manager)
    cases = [
        (
            "/api/spares/moves/receive",
            {"warehouse_id": store.pk, "part_id": counted_part.pk, "quantity": -1},
            "quantity",
        ),
        (
            "/api/spares/moves/receive",
            {"warehouse_id": store.pk, "part_id": serial_part.pk, "serials": ["A", "A"]},
            "serials",
        ),
        (
            "/api/spares/moves/receive",
            {"warehouse_id": store.pk, "part_id": serial_part.pk, "serials": ["S1"]},
            "serials",
        ),
        (
            f"/api/spares/work-orders/{order_a.pk}/issue",
            {"warehouse_id": store.pk, "part_id": serial_part.pk, "serials": ["GHOST"]},
            "serials",
        ),
        (
            f"/api/spares/work-orders/{order_a.pk}/issue",
            {"warehouse_id": store.pk, "part_id": counted_part.pk, "quantity": 1},
            "quantity",
        ),
        (
            "/api/spares/transfers",
            {"warehouse_id": store.pk, "to_warehouse_id": store.pk, "part_id": serial_part.pk, "serials": ["S1"]},
            "to_warehouse",
        ),
    ]
    for url, body, field in cases:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 422, (url, body, response.content)
        assert field in response.json()["detail"], (url, response.json())
    assert Move.objects.count() == 1


def test_store_is_404_for_customers_and_vendors(
    as_user, customer_a_user, vendor_user, store, counted_part, order_a, order_b, manager
):
    services.receive(warehouse=store, part=counted_part, quantity=3, actor=manager)
    services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=1, actor=manager)
    for user in (customer_a_user, vendor_user):
        client = as_user(user)
        for url in [
            "/api/spares/warehouses",
            f"/api/spares/warehouses/{store.pk}/stock",
            "/api/spares/parts",
            f"/api/spares/parts/{counted_part.pk}",
            "/api/spares/ledger",
            "/api/spares/alerts",
            "/api/spares/sales",
            "/api/spares/transfers",
            f"/api/spares/work-orders/{order_b.pk}/parts",
        ]:
            assert client.get(url).status_code == 404, (user.role, url)
        response = client.post(
            f"/api/spares/work-orders/{order_a.pk}/issue",
            {"warehouse_id": store.pk, "part_id": counted_part.pk, "quantity": 1},
            content_type="application/json",
        )
        assert response.status_code == 404
    customer = as_user(customer_a_user)
    parts = customer.get(f"/api/spares/work-orders/{order_a.pk}/parts").json()
    assert parts["parts"][0]["issued"] == 1
    assert Stock.objects.get().on_hand == 2


def test_transfer_receive_twice_is_409(as_user, manager, store, van, counted_part):
    services.receive(warehouse=store, part=counted_part, quantity=3, actor=manager)
    client = as_user(manager)
    response = client.post(
        "/api/spares/transfers",
        {"warehouse_id": store.pk, "to_warehouse_id": van.pk, "part_id": counted_part.pk, "quantity": 2},
        content_type="application/json",
    )
    assert response.status_code == 201
    tr = response.json()
    url = f"/api/spares/transfers/{tr['id']}/receive"
    stale = client.post(url, {"expected_version": tr["version"] + 5}, content_type="application/json")
    assert stale.status_code == 409
    ok = client.post(url, {"expected_version": tr["version"]}, content_type="application/json")
    assert ok.status_code == 200
    again = client.post(url, {}, content_type="application/json")
    assert again.status_code == 409
    stock = client.get(f"/api/spares/warehouses/{van.pk}/stock").json()
    assert stock[0]["available"] == 2


def test_sale_api_flow(as_user, manager, store, counted_part, customer_a_org):
    services.receive(warehouse=store, part=counted_part, quantity=3, actor=manager)
    client = as_user(manager)
    response = client.post(
        "/api/spares/sales",
        {
            "customer_id": customer_a_org.pk,
            "warehouse_id": store.pk,
            "lines": [{"part_id": counted_part.pk, "quantity": 2}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    sale = response.json()
    assert sale["total"] == "587.60"
    early = client.post(f"/api/spares/sales/{sale['id']}/issue", {}, content_type="application/json")
    assert early.status_code == 409
    client.post(
        f"/api/spares/sales/{sale['id']}/approve", {"approved_by_name": "王主任"}, content_type="application/json"
    )
    issued = client.post(f"/api/spares/sales/{sale['id']}/issue", {}, content_type="application/json").json()
    assert issued["status"] == "issued"
    assert services.available(store, counted_part) == 1


def test_part_patch_with_expected_version(as_user, manager, counted_part):
    client = as_user(manager)
    url = f"/api/spares/parts/{counted_part.pk}"
    ok = client.patch(
        url, {"expected_version": counted_part.version, "price": "300.00"}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert ok.json()["price"] == "300.00"
    stale = client.patch(url, {"expected_version": counted_part.version, "price": "1"}, content_type="application/json")
    assert stale.status_code == 409


def test_openapi_lists_spares(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/spares/work-orders/{workorder_id}/issue" in schema["paths"]
