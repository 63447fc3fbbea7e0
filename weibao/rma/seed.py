"""Demo data of vendor escalation and RMA: vendor support agreements, the vendor warranties of a few serials, an
escalation with questions (one answered by the vendor) and one solved with its root cause, and an RMA case at each
stage — registered, vendor visit, awaiting the fee, ready to ship, with the vendor (one over 30 days), in repair,
shipped back, received, returned with the fee still to collect, closed, cancelled, and a unit from stock back on the
shelf. Idempotent: nothing is added once demo cases exist."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

WAYBILLS = iter(f"SF{n:013d}" for n in range(1_000_000_000_001, 1_000_000_000_100))


def _agreements(actor) -> None:
    from weibao.assets.models import Vendor
    from weibao.contracts.models import BusinessCalendar
    from weibao.rma import services
    from weibao.rma.models import VendorAgreement

    five_by_eight = BusinessCalendar.objects.filter(name__icontains="5x8").first()
    for vendor in Vendor.objects.order_by("name"):
        if not VendorAgreement.objects.filter(vendor=vendor).exists():
            gold = vendor.offers_onsite_service
            services.agreement_save(
                actor=actor,
                vendor=vendor,
                name="金牌技术支持" if gold else "标准技术支持",
                response_hours=4 if gold else 8,
                onsite_hours=24 if gold else None,
                calendar=None if gold else five_by_eight,
                valid_from=datetime.date(timezone.localdate().year - 1, 1, 1),
            )


def _ship(case, actor):
    from weibao.rma import services

    return services.rma_ship_out(case=case, actor=actor, carrier="sf", waybill=next(WAYBILLS))


def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.assets.models import Device, Vendor
    from weibao.onsite.models import Replacement
    from weibao.rma import services
    from weibao.rma.models import RmaCase, VendorWarranty
    from weibao.workorders import services as wo_services
    from weibao.workorders.choices import Status as WOStatus
    from weibao.workorders.models import WorkOrder

    users = {u.username: u for u in User.objects.filter(username__in=["manager", "commercial", "vendor", "duty"])}
    if "manager" not in users:
        stdout.write("  rma: no demo users (seed accounts first)")
        return
    manager = users["manager"]
    commercial = users.get("commercial", manager)
    vendor_user = users.get("vendor")
    _agreements(manager)
    if RmaCase.objects.exists():
        stdout.write("  rma: demo cases present")
        return
    hik = Vendor.objects.filter(name="海康威视").first()
    devices = (
        list(
            Device.objects.filter(vendor=hik)
            .exclude(status__in=["retired", "faulty", "in_repair"])
            .exclude(serial_number="")
            .select_related("customer")
            .order_by("pk")[:14]
        )
        if hik
        else []
    )
    if len(devices) < 12:
        stdout.write("  rma: not enough demo devices (seed assets first)")
        return
    today = timezone.localdate()
    in_vendor_warranty = today + datetime.timedelta(days=400)
    out_of_vendor_warranty = today - datetime.timedelta(days=200)
    for i, d in enumerate(devices):
        VendorWarranty.objects.get_or_create(
            vendor=hik,
            serial_number=d.serial_number,
            defaults={
                "model": d.model,
                "starts_on": today - datetime.timedelta(days=3 * 365),
                "ends_on": in_vendor_warranty if i == 1 else out_of_vendor_warranty,
                "source": "海康威视服务网站查询",
            },
        )
    faults = [
        "图像花屏，重启无效",
        "无法上电",
        "红外灯不亮，夜间无图像",
        "网口无连接",
        "云台不转",
        "硬盘位报错",
        "画面偏色严重",
        "频繁掉线",
        "主板烧毁",
        "镜头进水",
        "录像丢失",
        "电源指示灯闪烁",
    ]

    def manual(i, **extra):
        d = devices[i]
        return services.rma_open(actor=commercial, source="manual", device=d, fault=faults[i % len(faults)], **extra)

    def fee(case, *, approve=True):
        if not case.customer_pays:  # inside our warranty: sent without a fee
            return services.rma_send_back(case=case, actor=commercial)
        f = services.rma_fee_quote(
            case=case,
            actor=commercial,
            repair=Decimal("680.00"),
            shipping_out="25.00",
            shipping_back="25.00",
            note="厂商报价维修费680元，往返运费50元",
        )
        if approve:
            services.rma_fee_answer(fee=f, actor=commercial, approve=True, name="王主任", reason="电话确认")
        case.refresh_from_db()
        return case

    with transaction.atomic():
        # 1. registered: the warranty check done, waiting for the commercial department.
        manual(0)
        # 2. vendor visit: in Hikvision's warranty, and Hikvision offers on-site service.
        services.rma_request_visit(case=manual(1), actor=commercial, note="已致电海康400，约定明日上门")
        # 3. awaiting the customer's approval of the fee: the unit swapped out in the on-site demo if there is one.
        swap = Replacement.objects.filter(rma_ref="").order_by("id").first()
        if swap is not None:
            case = services.rma_open(
                actor=commercial, source="replacement", replacement=swap, fault="摄像机电源模块损坏"
            )
        else:
            case = manual(2, human_caused=True)
        if case.customer_pays:
            services.rma_fee_quote(
                case=case,
                actor=commercial,
                repair="980.00",
                shipping_out="25.00",
                shipping_back="25.00",
                note="保修期外，厂商维修报价（含往返运费）",
            )
        # 4. ready to ship (fee approved by phone).
        fee(manual(3))
        # 5. with the vendor for more than 30 days (the ageing queue).
        old = _ship(fee(manual(4)), commercial)
        RmaCase.objects.filter(pk=old.pk).update(
            sent_to_vendor_at=timezone.now() - datetime.timedelta(days=38),
            created_at=timezone.now() - datetime.timedelta(days=45),
        )
        # 6. in repair at the vendor.
        repair_actor = vendor_user or commercial
        services.rma_vendor_received(
            case=_ship(fee(manual(5)), commercial), actor=repair_actor, vendor_rma_number="HIK-RMA-260118"
        )
        # 7. shipped back by the vendor.
        c = _ship(fee(manual(6)), commercial)
        services.rma_ship_back(
            case=c,
            actor=repair_actor,
            outcome="repaired",
            report="更换CMOS传感器板，老化测试24小时通过",
            carrier="sf",
            waybill=next(WAYBILLS),
        )
        # 8. received back, to be returned.
        c = _ship(fee(manual(7)), commercial)
        c = services.rma_ship_back(
            case=c,
            actor=commercial,
            outcome="repaired",
            report="更换网口模块",
            carrier="sf",
            waybill=next(WAYBILLS),
            vendor_cost="420.00",
        )
        services.rma_receive(case=c, actor=commercial, note="外观完好，通电测试正常")
        # 9. returned to the customer, fee still to collect.
        c = _ship(fee(manual(8)), commercial)
        c = services.rma_ship_back(
            case=c,
            actor=commercial,
            outcome="exchanged",
            report="主板不可修，厂商更换整机",
            carrier="sf",
            waybill=next(WAYBILLS),
            returned_serial=f"{devices[8].serial_number}R",
            vendor_cost="600.00",
        )
        c = services.rma_receive(case=c, actor=commercial)
        services.rma_return(case=c, actor=commercial, to="customer", note="已送回客户并安装")
        # 10. closed: fee collected.
        c = _ship(fee(manual(9, human_caused=True)), commercial)  # water damage: paid even in warranty
        c = services.rma_ship_back(
            case=c,
            actor=commercial,
            outcome="repaired",
            report="更换镜头组件",
            carrier="sf",
            waybill=next(WAYBILLS),
            vendor_cost="380.00",
        )
        c = services.rma_receive(case=c, actor=commercial)
        c = services.rma_return(case=c, actor=commercial, to="customer")
        c = services.rma_collect(
            case=c, actor=commercial, invoice_number="No.32001234", paid_on=today, invoiced_on=today
        )
        services.rma_close(case=c, actor=commercial, note="费用已收回，结案")
        # 11. cancelled: the customer refused the fee.
        c = manual(10, human_caused=True)
        if c.customer_pays:
            f = services.rma_fee_quote(
                case=c, actor=commercial, repair="1500.00", shipping_out="30.00", shipping_back="30.00"
            )
            services.rma_fee_answer(fee=f, actor=commercial, approve=False, name="李科长", reason="维修费高于新机价格")
        services.rma_cancel(case=c, actor=commercial, reason="客户拒绝维修费用，设备报废")
    _stock_case(manager, commercial, hik, stdout)
    _escalations(manager, vendor_user, hik, wo_services, WorkOrder, WOStatus, devices[11])
    stdout.write(f"  rma: {RmaCase.objects.count()} demo RMA cases, vendor agreements and escalations")


def _stock_case(manager, commercial, hik, stdout) -> None:
    """A faulty camera found on the head-office shelf: out of stock, repaired, back on the shelf."""
    from weibao.rma import services
    from weibao.spares import services as spares
    from weibao.spares.models import Part, StockUnit, Warehouse

    store = Warehouse.objects.filter(kind="head_office", is_active=True).order_by("pk").first()
    if store is None:
        stdout.write("  rma: no warehouse for the stock demo (seed spares first)")
        return
    part, _created = Part.objects.get_or_create(
        part_number="P-CAM-4MP",
        defaults={
            "name": "网络摄像机 400万",
            "model": "DS-2CD3T46WDV3-I3",
            "vendor": hik,
            "tracking": "serial",
            "unit": "台",
            "unit_cost": Decimal("800.00"),
            "price": Decimal("1280.00"),
        },
    )
    serial = "SPARE-RMA-0001"
    with transaction.atomic():
        if not StockUnit.objects.filter(part=part, serial=serial).exists():
            spares.receive(warehouse=store, part=part, actor=manager, serials=[serial], note="demo")
        case = services.rma_open(
            actor=manager,
            source="stock",
            part=part,
            from_warehouse=store,
            serial_number=serial,
            vendor=part.vendor or hik,
            fault="备件开箱检测无视频输出",
        )
        case = services.rma_send_back(case=case, actor=commercial)
        case = _ship(case, commercial)
        case = services.rma_ship_back(
            case=case,
            actor=commercial,
            outcome="repaired",
            report="更换视频编码板",
            carrier="sf",
            waybill=next(WAYBILLS),
            vendor_cost="0.00",
        )
        case = services.rma_receive(case=case, actor=commercial)
        services.rma_return(case=case, actor=commercial, to="stock", warehouse=store)


def _escalations(manager, vendor_user, hik, wo_services, WorkOrder, WOStatus, device) -> None:  # noqa: N803
    from weibao.rma import services

    # An order escalated to Hikvision: tracked with a case number, one question answered, one waiting.
    wo = wo_services.workorder_create(
        actor=manager,
        customer=device.customer,
        site=device.site,
        channel="phone",
        symptom="NVR 每天凌晨自动重启，录像中断约5分钟",
        severity="B",
        category="hardware",
        devices=[device],
        source_ref="demo:rma-escalation",
    )
    wo_services.workorder_acknowledge(workorder=wo, actor=manager)
    wo.refresh_from_db()
    esc = services.vendor_escalate(
        workorder=wo,
        actor=manager,
        vendor=hik,
        reason="疑似固件缺陷，远程排查无果",
        vendor_case_number="HIK-TS-2026-1187",
        vendor_engineer="陈工",
        vendor_engineer_phone="13857100000",
    )
    q = services.escalation_ask(
        escalation=esc, actor=manager, question="重启前日志出现 E102 看门狗超时，是否已知问题？"
    )
    if vendor_user is not None:
        services.escalation_answer(question=q, actor=vendor_user, answer="已知问题：V4.30 固件内存泄漏，请升级到 V4.32")
    services.escalation_ask(escalation=esc, actor=manager, question="升级是否需要停机？预计多长时间？")
    # Another escalation, solved by the vendor with the root cause recorded (the order resolved).
    wo2 = wo_services.workorder_create(
        actor=manager,
        customer=device.customer,
        site=device.site,
        channel="phone",
        symptom="门禁控制器与平台频繁断开",
        severity="C",
        category="hardware",
        source_ref="demo:rma-escalation-solved",
    )
    wo_services.workorder_acknowledge(workorder=wo2, actor=manager)
    wo2.refresh_from_db()
    esc2 = services.vendor_escalate(
        workorder=wo2, actor=manager, vendor=hik, reason="需厂商分析", vendor_case_number="HIK-TS-2026-1042"
    )
    services.escalation_solve(
        escalation=esc2,
        actor=manager,
        root_cause="控制器 DHCP 租约到期后未续约（固件缺陷）",
        solution="厂商提供补丁固件 V2.1.7，已升级并改为静态地址",
    )
    # Orders the work-order seed escalated without tracking: picked up, so the escalation list is not empty.
    for other in WorkOrder.objects.filter(status=WOStatus.ESCALATED).exclude(pk=wo.pk)[:5]:
        services.escalation_sync(workorder=other)


def scale(*, n: int, stdout) -> None:
    stdout.write("  rma: no scale data")
