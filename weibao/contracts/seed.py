"""Demo and scale data: business calendars, contracts and SLA policies (SPEC §3 defaults)."""

import datetime

from django.db import transaction
from django.utils import timezone

from weibao.contracts.choices import CalendarKind, ContractStatus, PmFrequency
from weibao.contracts.defaults import DEFAULT_TARGETS
from weibao.contracts.models import BusinessCalendar, Contract, SlaPolicy, SlaTarget
from weibao.contracts.services import contract_create, contract_renew, sla_policy_update
from weibao.customers.models import Customer

FIVE_BY_EIGHT = "09:00-12:00,13:00-18:00"
SIX_BY_TEN = "08:00-18:00"

CALENDARS = [
    {"name": "7x24", "kind": CalendarKind.ALWAYS, "china_holidays": False, "description": "全天候服务"},
    {
        "name": "5x8 工作日",
        "kind": CalendarKind.WEEKLY,
        "china_holidays": True,
        "description": "周一至周五 09:00–12:00、13:00–18:00，法定节假日休息，调休上班",
        **{f"{d}_hours": FIVE_BY_EIGHT for d in ("mon", "tue", "wed", "thu", "fri")},
    },
    {
        "name": "6x10",
        "kind": CalendarKind.WEEKLY,
        "china_holidays": True,
        "description": "周一至周六 08:00–18:00，法定节假日休息，调休上班",
        **{f"{d}_hours": SIX_BY_TEN for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
    },
]

TERMS = [
    {"category": "hardware", "months": 36, "covers_parts": True, "covers_labour": True, "notes": "硬件三年免费保修"},
    {"category": "software", "months": 12, "covers_parts": True, "covers_labour": True, "notes": "软件一年免费升级"},
]

# Gold: the SPEC's other template — response within 30 min, on site within 2 h, 24-hour emergency repair.
GOLD_TARGETS = {
    "A": {**DEFAULT_TARGETS["A"], "response_minutes": 30, "resolution_minutes": 24 * 60},
    "B": {**DEFAULT_TARGETS["B"], "response_minutes": 30, "arrival_city_minutes": 4 * 60},
    "C": dict(DEFAULT_TARGETS["C"]),
    "D": dict(DEFAULT_TARGETS["D"]),
}


def calendars() -> dict[str, BusinessCalendar]:
    result = {}
    for spec in CALENDARS:
        cal, _created = BusinessCalendar.objects.get_or_create(name=spec["name"], defaults=spec)
        result[spec["name"]] = cal
    return result


@transaction.atomic
def demo(*, stdout) -> None:
    """Three calendars; per demo customer a contract: a 7x24 gold one, 5x8 standard ones, an expired one, a renewal."""
    cals = calendars()
    today = timezone.localdate()
    current = (today - datetime.timedelta(days=180), today + datetime.timedelta(days=550))
    expired = (today - datetime.timedelta(days=3 * 365), today - datetime.timedelta(days=365 + 1))
    customers = {c.code: c for c in Customer.objects.filter(code__in=["C001", "C002", "C003", "C004"])}
    plans = [
        ("C001", "HT-DEMO-001", "医院智能化系统 7x24 金牌维保", "7x24", current, PmFrequency.MONTHLY, "gold"),
        ("C002", "HT-DEMO-002", "管委会网络与安防 5x8 标准维保", "5x8 工作日", current, PmFrequency.QUARTERLY, ""),
        ("C003", "HT-DEMO-003", "校园网维保（已到期）", "6x10", expired, PmFrequency.HALF_YEARLY, ""),
        ("C004", "HT-DEMO-004", "物流园区 5x8 标准维保", "5x8 工作日", expired, PmFrequency.QUARTERLY, "renew"),
    ]
    made = 0
    for customer_code, code, name, cal_name, (start, end), pm, extra in plans:
        customer = customers.get(customer_code)
        if customer is None or Contract.objects.filter(code=code).exists():
            continue
        contract = contract_create(
            actor=None,
            customer=customer,
            calendar=cals[cal_name],
            warranty_terms=TERMS,
            code=code,
            name=name,
            start_date=start,
            end_date=end,
            status=ContractStatus.ACTIVE,
            labour_rate_hour="200.00",
            labour_rate_visit="300.00",
            transport_rate="80.00",
            pm_frequency=pm,
            onsite_support=True,
            training_days=2,
            lifetime_support=extra == "gold",
        )
        made += 1
        if extra == "gold":
            sla_policy_update(policy=contract.sla, actor=None, targets=GOLD_TARGETS, response_written_minutes=120)
        if extra == "renew":
            # The old contract ran out; its renewal (with history) covers today.
            contract_renew(contract=contract, actor=None, code=f"{code}-R1", end_date=current[1])
            made += 1
    stdout.write(f"  contracts: {len(cals)} calendars, {made} demo contracts")


def scale(*, n: int, stdout) -> None:
    """One contract per scaled customer (bulk), mostly 5x8, every fifth 7x24, each with a default SLA policy."""
    demo(stdout=stdout)
    cals = calendars()
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=200), today + datetime.timedelta(days=500)
    have = set(Contract.objects.filter(code__startswith="HT-S").values_list("customer_id", flat=True))
    customers = list(
        Customer.objects.filter(code__startswith="S").exclude(pk__in=have).order_by("pk").values_list("pk", "code")
    )
    batch = 2000
    for i in range(0, len(customers), batch):
        chunk = customers[i : i + batch]
        with transaction.atomic():
            contracts = Contract.objects.bulk_create(
                [
                    Contract(
                        code=f"HT-{code}",
                        name="维保合同",
                        customer_id=pk,
                        calendar=cals["7x24"] if k % 5 == 0 else cals["5x8 工作日"],
                        start_date=start,
                        end_date=end,
                        status=ContractStatus.ACTIVE,
                        covers_all=True,
                    )
                    for k, (pk, code) in enumerate(chunk, start=i)
                ]
            )
            if any(c.pk is None for c in contracts):  # backends that don't return ids
                contracts = list(Contract.objects.filter(code__in=[f"HT-{code}" for _, code in chunk]))
            policies = SlaPolicy.objects.bulk_create([SlaPolicy(contract=c) for c in contracts])
            if any(p.pk is None for p in policies):
                policies = list(SlaPolicy.objects.filter(contract__in=contracts))
            SlaTarget.objects.bulk_create(
                [SlaTarget(policy=p, severity=s, **values) for p in policies for s, values in DEFAULT_TARGETS.items()],
                batch_size=5000,
            )
    stdout.write(f"  contracts: {len(customers)} scale contracts")
