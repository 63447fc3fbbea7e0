"""Demo data of the on-site visit: a small spare-part price list and one out-of-warranty order that went through
the whole visit (cause confirmed, quote approved through the one-time link, a camera replaced with the customer's
signature, the service form signed), so a newcomer sees it at once. Idempotent."""

from __future__ import annotations

import io
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

DEMO_REF = "demo:onsite"
PRICE_LIST = [
    ("DS-2CD3T46WDV3-I3", "海康威视 400万 网络筒型摄像机", "台", "1280.00"),
    ("DS-7932N-R4", "海康威视 32路 网络硬盘录像机", "台", "5600.00"),
    ("S5720-28X-SI-AC", "华为 28口 千兆接入交换机", "台", "3980.00"),
    ("ST4000VX015", "希捷 4TB 监控硬盘", "块", "760.00"),
    ("UPS-3KVA", "在线式 UPS 3kVA", "台", "4200.00"),
]


def demo_signature(seed: int) -> bytes:
    """A handwriting-like stroke for demo signatures."""
    import math

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + x, 60 + 30 * math.sin(x / (9 + seed)) * math.cos(x / 37)) for x in range(0, 320, 3)]
    draw.line(points, fill=(20, 20, 60, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _price_list() -> None:
    from weibao.onsite.models import SparePart

    for model, name, unit, price in PRICE_LIST:
        SparePart.objects.get_or_create(
            model=model, defaults={"name": name, "unit": unit, "unit_price": Decimal(price)}
        )


def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.assets.models import Device
    from weibao.customers.models import Customer
    from weibao.onsite import services
    from weibao.onsite.models import SparePart
    from weibao.workorders import services as wo_services
    from weibao.workorders.models import WorkOrder

    _price_list()
    if WorkOrder.objects.filter(source_ref=DEMO_REF).exists():
        stdout.write("  onsite: demo visit present")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["manager", "field", "duty"])}
    customer = Customer.objects.filter(code="C001").first()
    if customer is None or "manager" not in users:
        stdout.write("  onsite: no demo customers or users (seed accounts and customers first)")
        return
    manager, engineer = users["manager"], users.get("field") or users.get("duty")
    today = timezone.localdate()
    devices = Device.objects.filter(customer=customer).exclude(status__in=["retired", "faulty"]).order_by("pk")
    device = devices.filter(warranty_end__lt=today).first() or devices.first()
    if device is None:
        stdout.write("  onsite: the demo customer has no devices")
        return
    part = SparePart.objects.filter(model=device.model).first() or SparePart.objects.get(model=PRICE_LIST[0][0])
    with transaction.atomic():
        wo = wo_services.workorder_create(
            actor=manager,
            customer=customer,
            site=device.site,
            channel="phone",
            source_ref=DEMO_REF,
            symptom="3号楼大厅摄像机无图像，录像中断",
            severity="B",
            category="hardware",
            devices=[device],
            reporter_name="王主任",
            reporter_phone="13800001234",
        )
        if wo.in_warranty is not False:
            # The demo shows a paid visit: this unit's warranty ran out (recorded as a triage edit).
            wo_services.workorder_update(
                workorder=wo, actor=manager, expected_version=wo.version, service_type="paid", chargeable=True
            )
        wo_services.workorder_dispatch(workorder=wo, actor=manager, engineer=engineer)
        wo_services.workorder_arrive(workorder=wo, actor=engineer)
        services.site_confirm(
            workorder=wo,
            actor=engineer,
            confirmed_by_name="王主任",
            confirmed_by_phone="13800001234",
            symptom="3号楼大厅摄像机无图像，现场确认摄像机无法上电",
            cause="system",
            note="摄像机电源模块损坏（系统本身故障）",
        )
        quote = services.quote_create(
            workorder=wo,
            actor=engineer,
            note="保修期外，更换摄像机",
            lines=[
                {"kind": "part", "spare_part": part, "device": device, "quantity": "1"},
                {
                    "kind": "labour",
                    "labour_basis": "visit",
                    "quantity": "1",
                    "unit_price": None if wo.contract_id else "300.00",
                },
                {"kind": "transport", "quantity": "1", "unit_price": None if wo.contract_id else "80.00"},
            ],
        )
        _link, token = services.approval_link_create(quote=quote, actor=engineer, channel="sms", sent_to="13800001234")
    services.quote_answer_by_link(token=token, approve=True, name="王主任")
    wo.refresh_from_db()
    with transaction.atomic():
        services.replacement_record(
            workorder=wo,
            actor=engineer,
            old_device=device,
            new_serial=f"DEMO{timezone.now():%y%m%d%H%M%S}",
            new_model=part.model,
            signer_name="王主任",
            signature=demo_signature(1),
            note="旧摄像机已拆回，待返修",
        )
        wo.refresh_from_db()
        services.service_form_save(
            workorder=wo,
            actor=engineer,
            data={
                "inspection": "检查供电与网线正常，摄像机无法上电，判定电源模块损坏",
                "cause": "system",
                "cause_detail": "摄像机电源模块损坏",
                "work_done": "更换同型号摄像机，调整角度，录像恢复",
                "solved": True,
                "customer_contact_name": "王主任",
                "customer_contact_phone": "13800001234",
                "engineer_name": engineer.name or engineer.username,
                "engineer_phone": engineer.phone or "13900005678",
                "satisfaction": 5,
                "customer_remark": "响应及时，处理专业",
            },
        )
        wo.refresh_from_db()
        services.service_form_sign(
            workorder=wo,
            actor=engineer,
            customer_name="王主任",
            customer_signature=demo_signature(2),
            engineer_signature=demo_signature(3),
        )
    stdout.write(f"  onsite: demo visit {wo.number} (quote, replacement, signed service form)")


def scale(*, n: int, stdout) -> None:
    _price_list()
