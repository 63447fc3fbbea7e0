import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from weibao.spares import sales, services
from weibao.spares.choices import MoveKind, SaleStatus
from weibao.spares.models import Move, Part, PartSale, Stock, StockImport, StockUnit

pytestmark = pytest.mark.django_db


def xlsx(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(
        "stock.xlsx", out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


HEADER = ["备件编号", "名称", "型号", "单位", "管理方式", "数量", "序列号", "单位成本", "售价", "最低库存"]


def test_store_pages_render_for_staff(client, manager, store, van, counted_part, order_a):
    services.receive(warehouse=store, part=counted_part, quantity=3, actor=manager)
    client.force_login(manager)
    for url in [
        reverse("spares:index"),
        reverse("spares:warehouse", args=[store.pk]),
        reverse("spares:part_list"),
        reverse("spares:part", args=[counted_part.pk]),
        reverse("spares:ledger"),
        reverse("spares:receive"),
        reverse("spares:transfer"),
        reverse("spares:write_off"),
        reverse("spares:repaired"),
        reverse("spares:import_start"),
        reverse("spares:sale_list"),
        reverse("spares:sale_new"),
        reverse("spares:order_parts", args=[order_a.pk]),
        reverse("spares:order_panel", args=[order_a.pk]),
        reverse("spares:warehouse_new"),
        reverse("spares:part_new"),
    ]:
        assert client.get(url).status_code == 200, url
    response = client.get(reverse("spares:warehouse", args=[store.pk]))
    assert "P-SFP-1G" in response.content.decode()


def test_engineer_issues_from_his_van_to_an_order(client, manager, field_engineer, van, counted_part, order_a):
    services.receive(warehouse=van, part=counted_part, quantity=2, actor=manager)
    client.force_login(field_engineer)
    page = client.get(reverse("spares:order_parts", args=[order_a.pk])).content.decode()
    assert van.name in page
    response = client.post(
        reverse("spares:order_issue", args=[order_a.pk]),
        {"issue-warehouse": van.pk, "issue-part": counted_part.pk, "issue-quantity": "1"},
    )
    assert response.status_code == 302
    move = Move.objects.get(kind=MoveKind.ISSUE)
    assert (move.workorder_id, move.warehouse_id, move.actor_id) == (order_a.pk, van.pk, field_engineer.pk)
    panel = client.get(reverse("spares:order_panel", args=[order_a.pk])).content.decode()
    assert "千兆光模块" in panel
    detail = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert reverse("spares:order_panel", args=[order_a.pk]) in detail
    ledger = client.get(reverse("spares:ledger") + f"?warehouse={van.pk}").content.decode()
    assert order_a.number in ledger


def test_issue_refused_with_field_errors(client, manager, field_engineer, van, store, counted_part, order_a):
    services.receive(warehouse=van, part=counted_part, quantity=1, actor=manager)
    client.force_login(field_engineer)
    url = reverse("spares:order_issue", args=[order_a.pk])
    response = client.post(url, {"issue-warehouse": van.pk, "issue-part": counted_part.pk, "issue-quantity": "-2"})
    assert response.status_code == 422
    assert "必须大于零" in response.content.decode() or "greater than zero" in response.content.decode()
    response = client.post(url, {"issue-warehouse": van.pk, "issue-part": counted_part.pk, "issue-quantity": "5"})
    assert response.status_code == 422
    assert Stock.objects.get(warehouse=van).on_hand == 1


def test_engineer_cannot_take_from_another_engineers_van(client, manager, make_user, van, counted_part, order_a):
    services.receive(warehouse=van, part=counted_part, quantity=1, actor=manager)
    other = make_user("field_engineer")
    client.force_login(other)
    response = client.post(
        reverse("spares:order_issue", args=[order_a.pk]),
        {"issue-warehouse": van.pk, "issue-part": counted_part.pk, "issue-quantity": "1"},
    )
    assert response.status_code == 422
    assert not Move.objects.filter(kind=MoveKind.ISSUE).exists()


def test_customer_and_vendor_see_nothing_of_the_store(client, customer_a_user, vendor_user, store, counted_part):
    for user in (customer_a_user, vendor_user):
        client.force_login(user)
        for url in [
            reverse("spares:index"),
            reverse("spares:warehouse", args=[store.pk]),
            reverse("spares:part_list"),
            reverse("spares:part", args=[counted_part.pk]),
            reverse("spares:ledger"),
            reverse("spares:ledger_export"),
            reverse("spares:sale_list"),
            reverse("spares:receive"),
            reverse("spares:warehouse_export", args=[store.pk]),
        ]:
            assert client.get(url).status_code == 404, (user.role, url)


def test_customer_sees_parts_on_own_order_only(client, manager, store, counted_part, order_a, order_b, customer_a_user):
    services.receive(warehouse=store, part=counted_part, quantity=5, actor=manager)
    services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=2, actor=manager)
    client.force_login(customer_a_user)
    page = client.get(reverse("spares:order_parts", args=[order_a.pk])).content.decode()
    assert "千兆光模块" in page
    assert store.name not in page  # not the warehouse, not costs
    assert "120.00" not in page
    assert client.get(reverse("spares:order_parts", args=[order_b.pk])).status_code == 404
    assert client.get(reverse("spares:order_panel", args=[order_b.pk])).status_code == 404
    response = client.post(
        reverse("spares:order_issue", args=[order_a.pk]),
        {"issue-warehouse": store.pk, "issue-part": counted_part.pk, "issue-quantity": "1"},
    )
    assert response.status_code == 404


def test_import_all_or_nothing_with_row_errors(client, manager, store, serial_part):
    services.receive(warehouse=store, part=serial_part, serials=["EXIST-1"], actor=manager)
    client.force_login(manager)
    bad = xlsx(
        [
            HEADER,
            ["P-NEW-1", "交换机电源", "PWR-150", "个", "计数", 4, "", 90, 150, 2],
            ["P-NEW-2", "", "", "", "计数", 1, "", "", "", ""],
            ["P-NEW-3", "光纤跳线", "", "条", "计数", -3, "", "", "", ""],
            ["P-CAM-4MP", "", "", "", "序列号", 2, "S-9; S-9", "", "", ""],
            ["P-CAM-4MP", "", "", "", "序列号", "", "EXIST-1", "", "", ""],
            ["P-NEW-4", "模块", "", "", "按重量", 1, "", "", "", ""],
        ]
    )
    response = client.post(reverse("spares:import_start"), {"warehouse": store.pk, "file": bad})
    job = StockImport.objects.get()
    assert response.status_code == 302
    assert job.status == "invalid"
    by_row = {(e["row"], e["column"]) for e in job.errors}
    assert (3, "名称") in by_row  # a new part without a name
    assert (4, "数量") in by_row  # negative quantity
    assert (5, "序列号") in by_row  # duplicate serial in one receipt
    assert (6, "序列号") in by_row  # serial already in the store
    assert (7, "管理方式") in by_row  # unknown tracking
    assert not Part.objects.filter(part_number="P-NEW-1").exists()
    page = client.get(reverse("spares:import_detail", args=[job.pk])).content.decode()
    assert "S-9" in page

    good = xlsx(
        [
            HEADER,
            ["P-NEW-1", "交换机电源", "PWR-150", "个", "计数", 4, "", 90, 150, 2],
            ["P-CAM-4MP", "", "", "", "序列号", 2, "S-1\nS-2", "", "", ""],
        ]
    )
    client.post(reverse("spares:import_start"), {"warehouse": store.pk, "file": good})
    job = StockImport.objects.order_by("-id").first()
    assert job.status == "valid", job.errors
    client.post(reverse("spares:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done"
    assert services.available(store, Part.objects.get(part_number="P-NEW-1")) == 4
    assert services.available(store, serial_part) == 3
    assert Move.objects.filter(kind=MoveKind.IMPORT).count() == 2


def test_exports_are_excel(client, manager, store, counted_part):
    services.receive(warehouse=store, part=counted_part, quantity=3, actor=manager)
    client.force_login(manager)
    for url in (
        reverse("spares:warehouse_export", args=[store.pk]),
        reverse("spares:ledger_export"),
        reverse("spares:import_template"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert response.content[:2] == b"PK"


def test_transfer_through_the_pages(client, manager, field_engineer, store, van, counted_part):
    services.receive(warehouse=store, part=counted_part, quantity=4, actor=manager)
    client.force_login(manager)
    response = client.post(
        reverse("spares:transfer"),
        {"warehouse": store.pk, "to_warehouse": van.pk, "part": counted_part.pk, "quantity": "3"},
    )
    assert response.status_code == 302
    assert services.available(van, counted_part) == 0
    client.force_login(field_engineer)
    page = client.get(reverse("spares:warehouse", args=[van.pk])).content.decode()
    assert "DB" in page
    transfer = services.Transfer.objects.get()
    client.post(reverse("spares:transfer_receive", args=[transfer.pk]), {"version": transfer.version})
    assert services.available(van, counted_part) == 3
    second = client.post(reverse("spares:transfer_receive", args=[transfer.pk]), {"version": transfer.version})
    assert second.status_code == 409


def test_sale_flow_through_the_pages(client, manager, store, serial_part, counted_part, customer_a_org):
    services.receive(warehouse=store, part=serial_part, serials=["A1", "A2"], actor=manager)
    services.receive(warehouse=store, part=counted_part, quantity=10, actor=manager)
    client.force_login(manager)
    response = client.post(
        reverse("spares:sale_new"),
        {
            "customer": customer_a_org.pk,
            "warehouse": store.pk,
            "tax_rate": "0.13",
            "contact_name": "王主任",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-0-part": serial_part.pk,
            "lines-0-quantity": "1",
            "lines-1-part": counted_part.pk,
            "lines-1-quantity": "2",
            "lines-1-unit_price": "250",
        },
    )
    assert response.status_code == 302
    sale = PartSale.objects.get()
    assert str(sale.total) == "2011.40"
    client.post(reverse("spares:sale_approve", args=[sale.pk]), {"approved_by_name": "王主任", "version": sale.version})
    sale.refresh_from_db()
    line = sale.lines.get(part=serial_part)
    response = client.post(
        reverse("spares:sale_issue", args=[sale.pk]), {f"serials_{line.pk}": "NOPE", "version": sale.version}
    )
    assert response.status_code == 422
    assert "NOPE" in response.content.decode()
    assert services.available(store, counted_part) == 10  # nothing half-issued
    client.post(reverse("spares:sale_issue", args=[sale.pk]), {f"serials_{line.pk}": "A2", "version": sale.version})
    sale.refresh_from_db()
    assert sale.status == SaleStatus.ISSUED
    assert StockUnit.objects.get(serial="A2").sale_id == sale.pk
    response = client.post(
        reverse("spares:sale_invoice", args=[sale.pk]), {"invoice_number": "x", "version": sale.version}
    )
    assert response.status_code == 422
    client.post(
        reverse("spares:sale_invoice", args=[sale.pk]),
        {"invoice_number": "24320000000012345678", "version": sale.version},
    )
    sale.refresh_from_db()
    assert sale.status == SaleStatus.INVOICED


def test_sale_status_moves_refused_out_of_order(manager, store, counted_part, customer_a_org):
    sale = sales.sale_quote(
        customer=customer_a_org, warehouse=store, lines=[{"part": counted_part, "quantity": 1}], actor=manager
    )
    from weibao.core.exceptions import TransitionNotAllowed

    with pytest.raises(TransitionNotAllowed):
        sales.sale_invoice(sale=sale, actor=manager, invoice_number="12345678")
    with pytest.raises(TransitionNotAllowed):
        sales.sale_issue(sale=sale, actor=manager)


def test_stock_page_and_ledger_queries_do_not_grow_with_rows(client, manager, store, django_assert_max_num_queries):
    from decimal import Decimal

    for n in range(30):
        part = Part.objects.create(part_number=f"Q-{n:03d}", name=f"件{n}", unit_cost=Decimal("1"), min_level=2)
        services.receive(warehouse=store, part=part, quantity=1 + n % 3, actor=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("spares:warehouse", args=[store.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("spares:ledger")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("spares:index")).status_code == 200
