"""Demo data of the spare-parts store: the head-office and Suzhou stores, two engineers' vans, a small parts list
with initial stock, a part below its minimum (a low-stock alert for the branch manager), a transfer on its way to a
van, a part issued from a van to the demo on-site order, and a parts sale through to its invoice. Idempotent."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

PARTS = [
    # part number, name, model, unit, tracking, min level, unit cost, price
    ("P-SFP-1G", "千兆单模光模块", "SFP-GE-LX-SM1310", "个", "counted", 10, "120.00", "260.00"),
    ("P-CAM-4MP", "400万网络筒型摄像机", "DS-2CD3T46WDV3-I3", "台", "serial", 2, "760.00", "1280.00"),
    ("P-HDD-4T", "4TB 监控硬盘", "ST4000VX015", "块", "serial", 4, "480.00", "760.00"),
    ("P-PSU-150", "交换机电源模块 150W", "PAC150S12-R", "个", "counted", 3, "420.00", "880.00"),
    ("P-PATCH-3M", "六类网络跳线 3米", "CAT6-3M", "条", "counted", 50, "6.50", "15.00"),
    ("P-CARD-RDR", "门禁读卡器", "DS-K1108M", "个", "counted", 2, "150.00", "320.00"),
]
DEMO_NOTE = "demo:spares"


def demo(*, stdout) -> None:
    from weibao.accounts.models import Branch, Organisation, User
    from weibao.spares import sales, services
    from weibao.spares.models import Part, Warehouse
    from weibao.workorders.models import WorkOrder

    if Warehouse.objects.filter(code="hq-store").exists():
        stdout.write("  spares: demo store present")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["manager", "field", "field2", "clerk"])}
    hq = Branch.objects.filter(is_head_office=True).first()
    sz = Branch.objects.filter(code="sz").first() or hq
    if hq is None or "manager" not in users or "field" not in users:
        stdout.write("  spares: no demo branches or users (seed accounts first)")
        return
    manager, field = users["manager"], users["field"]
    with transaction.atomic():
        store = services.warehouse_create(
            actor=manager, code="hq-store", name="总部备件库", kind="head_office", branch=hq
        )
        sz_store = services.warehouse_create(
            actor=manager, code="sz-store", name="苏州分公司备件库", kind="branch", branch=sz
        )
        van = services.warehouse_create(
            actor=manager, code="van-zhangwei", name="张伟车载库", kind="van", branch=hq, owner=field
        )
        if "field2" in users:
            services.warehouse_create(
                actor=manager, code="van-liuyang", name="刘洋车载库", kind="van", branch=sz, owner=users["field2"]
            )
        parts = {}
        for number, name, model, unit, tracking, level, cost, price in PARTS:
            parts[number] = Part.objects.filter(part_number=number).first() or services.part_create(
                actor=manager,
                part_number=number,
                name=name,
                model=model,
                unit=unit,
                tracking=tracking,
                min_level=level,
                unit_cost=Decimal(cost),
                price=Decimal(price),
            )
        receive = services.receive
        receive(warehouse=store, part=parts["P-SFP-1G"], quantity=30, actor=manager, reference="PO-2026-118")
        receive(
            warehouse=store,
            part=parts["P-CAM-4MP"],
            serials=[f"DS3T46-{n:04d}" for n in range(1, 6)],
            actor=manager,
            reference="PO-2026-121",
        )
        receive(warehouse=store, part=parts["P-HDD-4T"], serials=[f"ZW60{n:04d}" for n in range(1, 9)], actor=manager)
        # Below the minimum of 3: opens the low-stock alert for the head office's service manager.
        receive(warehouse=store, part=parts["P-PSU-150"], quantity=1, actor=manager, reference="PO-2026-122")
        receive(warehouse=store, part=parts["P-PATCH-3M"], quantity=200, actor=manager)
        receive(warehouse=sz_store, part=parts["P-CARD-RDR"], quantity=6, actor=manager)
        receive(warehouse=sz_store, part=parts["P-SFP-1G"], quantity=12, actor=manager)
        # The van carries a few of everything; one more box is on its way (in transit: counted nowhere yet).
        tr = services.transfer_send(
            from_warehouse=store, to_warehouse=van, part=parts["P-SFP-1G"], quantity=4, actor=manager, note="车载库补货"
        )
        services.transfer_receive(transfer=tr, actor=field)
        tr = services.transfer_send(
            from_warehouse=store,
            to_warehouse=van,
            part=parts["P-CAM-4MP"],
            serials=["DS3T46-0001", "DS3T46-0002"],
            actor=manager,
        )
        services.transfer_receive(transfer=tr, actor=field)
        services.transfer_send(
            from_warehouse=store,
            to_warehouse=van,
            part=parts["P-PATCH-3M"],
            quantity=20,
            actor=manager,
            note="在途：明早到车",
        )
    order = WorkOrder.objects.filter(source_ref="demo:onsite").first()
    if order is not None and order.is_open:
        with transaction.atomic():
            services.issue_to_order(
                warehouse=van,
                part=parts["P-CAM-4MP"],
                workorder=order,
                serials=["DS3T46-0001"],
                actor=field,
                note="更换故障摄像机",
            )
            services.issue_to_order(warehouse=van, part=parts["P-SFP-1G"], workorder=order, quantity=1, actor=field)
    customer = Organisation.objects.filter(kind="customer").order_by("pk").first()
    if customer is not None:
        with transaction.atomic():
            sale = sales.sale_quote(
                customer=customer,
                warehouse=store,
                actor=manager,
                contact_name="王主任",
                lines=[{"part": parts["P-HDD-4T"], "quantity": 2}, {"part": parts["P-PATCH-3M"], "quantity": 20}],
                note="客户自行更换录像机硬盘",
            )
            sale = sales.sale_approve(sale=sale, actor=manager, approved_by_name="王主任")
            line = sale.lines.get(part=parts["P-HDD-4T"])
            sale = sales.sale_issue(sale=sale, actor=manager, serials={line.pk: ["ZW600007", "ZW600008"]})
            sales.sale_invoice(sale=sale, actor=manager, invoice_number="24322000000000123456")
            sales.sale_quote(
                customer=customer,
                warehouse=store,
                actor=manager,
                contact_name="王主任",
                lines=[{"part": parts["P-SFP-1G"], "quantity": 4}],
            )
    stdout.write("  spares: demo store (2 stores, 2 vans, low-stock alert, transfer in transit, parts sales)")


def scale(*, n: int, stdout) -> None:
    # The ledger benchmark builds its own million rows (bench/spares_bench.py); nothing here at work-order scale.
    stdout.write("  spares: nothing to scale (see bench/spares_bench.py)")
