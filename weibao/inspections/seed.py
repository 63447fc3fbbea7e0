"""Demo data of inspections: two checklists and, on the hospital's gold contract, a monthly network inspection
plan generated from six months ago, so the demo shows done (signed, with an out-of-limit reading turned into a
work order), missed and due visits. `scale`: a quarterly plan per scaled contract, visits a year ahead. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

NETWORK_ITEMS = [
    {"kind": "yes_no", "text": "核心交换机堆叠状态正常、无告警灯"},
    {"kind": "reading", "text": "核心交换机 CPU 占用率", "unit": "%", "min_value": "0", "max_value": "70"},
    {"kind": "reading", "text": "中心机房温度", "unit": "℃", "min_value": "18", "max_value": "27"},
    {"kind": "reading", "text": "UPS 后备时间", "unit": "分钟", "min_value": "30"},
    {"kind": "text", "text": "日志告警摘要"},
    {"kind": "photo", "text": "机柜正面照片"},
]
CCTV_ITEMS = [
    {"kind": "yes_no", "text": "所有摄像机画面在线"},
    {"kind": "reading", "text": "录像保存天数", "unit": "天", "min_value": "30"},
    {"kind": "reading", "text": "硬盘故障数", "unit": "块", "max_value": "0"},
    {"kind": "text", "text": "画面异常点位"},
]
PLAN_NAME = "核心网络月度巡检"


def _stroke(seed: int) -> bytes:
    """A handwriting-like stroke (demo signature, demo cabinet photo)."""
    import io
    import math

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    points = [(20 + x, 60 + 30 * math.sin(x / (9 + seed)) * math.cos(x / 37)) for x in range(0, 320, 3)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 60, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _templates(manager):
    from weibao.inspections.models import ChecklistTemplate
    from weibao.inspections.services import template_create

    made = {}
    for name, kind, items in (
        ("网络系统月度巡检表", "network", NETWORK_ITEMS),
        ("视频监控季度巡检表", "surveillance", CCTV_ITEMS),
    ):
        made[kind] = ChecklistTemplate.objects.filter(name=name).first() or template_create(
            actor=manager, name=name, subsystem_kind=kind, items=items
        )
    return made


@transaction.atomic
def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.contracts.models import Contract
    from weibao.inspections import services
    from weibao.inspections.choices import VisitStatus
    from weibao.inspections.models import InspectionPlan

    manager = User.objects.filter(username="manager").first()
    field = User.objects.filter(username="field").first()
    contract = Contract.objects.filter(code="HT-DEMO-001").select_related("customer").first()
    if manager is None or field is None or contract is None:
        stdout.write("  inspections: skipped (needs the accounts, customers and contracts demo data)")
        return
    templates = _templates(manager)
    if InspectionPlan.objects.filter(contract=contract, name=PLAN_NAME).exists():
        stdout.write("  inspections: demo plan exists")
        return
    today = timezone.localdate()
    start = max(contract.start_date, today - dt.timedelta(days=180))
    site = contract.customer.sites.order_by("pk").first()
    from weibao.assets.models import Subsystem

    subsystem = Subsystem.objects.filter(project__customer=contract.customer, kind="network").first()
    plan = services.plan_create(
        actor=manager,
        contract=contract,
        site=site,
        subsystem=subsystem,
        template=templates["network"],
        name=PLAN_NAME,
        frequency="monthly",
        starts_on=start,
        engineer=field,
        window_start=dt.time(9),
        window_end=dt.time(12),
        today=start,
    )
    past = list(plan.visits.filter(scheduled_on__lt=today).order_by("scheduled_on"))
    signature = "data:image/png;base64," + __import__("base64").b64encode(_stroke(3)).decode()
    # The older past visits were done and signed; the latest past one was missed; the rest are due.
    for i, visit in enumerate(past[:-1]):
        services.visit_start(visit=visit, actor=field)
        answers = {a.text: a for a in visit.answers.all()}
        values = {
            "核心交换机堆叠状态正常、无告警灯": "yes",
            "核心交换机 CPU 占用率": "35",
            "中心机房温度": "23",
            "UPS 后备时间": "45",
            "日志告警摘要": "无严重告警",
        }
        data = {answers[k].pk: {"value": v} for k, v in values.items()}
        if i == len(past) - 2:  # the latest done visit: a hot server room
            data[answers["中心机房温度"].pk] = {
                "value": "30.5",
                "risk": "high",
                "finding": "精密空调制冷不足，机房温度超标",
            }
        services.visit_record_answers(visit=visit, actor=field, answers=data)
        photo = answers["机柜正面照片"]
        photo.photo.save(
            "cabinet.png",
            __import__("django.core.files.base", fromlist=["ContentFile"]).ContentFile(_stroke(i)),
            save=False,
        )
        photo.answered = True
        photo.save()
        if i == len(past) - 2:
            services.finding_to_workorder(answer=answers["中心机房温度"], actor=field)
        services.visit_complete(
            visit=visit, actor=field, risk_analysis="设备运行总体正常。", recommendations="保持每月巡检。"
        )
        services.visit_sign(visit=visit, actor=field, customer_name="周主任", customer_signature=signature)
    missed = services.visits_mark_missed(today=today)
    stdout.write(
        f"  inspections: plan with {len(past) - 1} signed, {len(missed)} missed and "
        f"{plan.visits.filter(status=VisitStatus.PLANNED).count()} due visits"
    )


def scale(*, n: int, stdout) -> None:
    """A quarterly plan for every scaled contract without one (bulk), then a year of visits generated."""
    from weibao.accounts.models import User
    from weibao.contracts.models import Contract
    from weibao.inspections.models import InspectionPlan
    from weibao.inspections.services import visits_generate_all

    demo(stdout=stdout)
    manager = User.objects.filter(username="manager").first()
    if manager is None:
        return
    template = _templates(manager)["network"]
    have = set(InspectionPlan.objects.values_list("contract_id", flat=True))
    contracts = (
        Contract.objects.filter(code__startswith="HT-S").exclude(pk__in=have).select_related("customer").order_by("pk")
    )
    today = timezone.localdate()
    rows = []
    sites = {}
    from weibao.customers.models import Site

    for contract in contracts.iterator(chunk_size=2000):
        site_id = sites.get(contract.customer_id)
        if site_id is None:
            site_id = sites[contract.customer_id] = (
                Site.objects.filter(customer_id=contract.customer_id).values_list("pk", flat=True).first()
            )
        if site_id is None:
            continue
        rows.append(
            InspectionPlan(
                contract=contract,
                organisation_id=contract.customer.organisation_id,
                site_id=site_id,
                template=template,
                name="季度巡检",
                frequency="quarterly",
                starts_on=max(today, contract.start_date),
            )
        )
    InspectionPlan.objects.bulk_create(rows, batch_size=2000)
    created = visits_generate_all(today=today)
    stdout.write(f"  inspections: {len(rows)} plans, {created} visits")
