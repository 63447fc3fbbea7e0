"""A hand-counted fixture: one 7x24 contract of customer A with orders in March 2026 whose SLA outcomes are known.

O1 A  03-02 10:00  response 6 min (met)    resolution 180 min (met)      rated 5
O2 A  03-05 10:00  response 30 min (missed) resolution 600 min (missed)
O3 B  03-10 09:00  response 12 min (met)   resolution 1200 min (met)     rated 3   down 20 h
O4 C  03-20 09:00  resolution running, due 03-23 09:00 → missed at as_of; legacy
O5 D  03-30 09:00  resolution running, due 04-29 → pending
O6 B  cancelled in March (left out)          O7 B 02-20, still open past its deadline (legacy, not in March)
O8    customer B's order in March (another contract)   O9 reported 04-01 00:00 (after the period)
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime.datetime(2026, 4, 10, 0, 0, tzinfo=TZ)
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def at(month, day, hour=0, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=TZ)


H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


@pytest.fixture
def customer_a(customer_a_org):
    from weibao.workorders.tests.factories import CustomerFactory

    return CustomerFactory(organisation=customer_a_org, code="CA", name="甲公司")


@pytest.fixture
def customer_b(customer_b_org):
    from weibao.workorders.tests.factories import CustomerFactory

    return CustomerFactory(organisation=customer_b_org, code="CB", name="乙公司")


@pytest.fixture
def contract_a(customer_a):
    from weibao.contracts.tests.factories import CalendarFactory, ContractFactory

    return ContractFactory(customer=customer_a, code="HT-A", name="甲维保", calendar=CalendarFactory(kind="always"))


@pytest.fixture
def contract_b(customer_b):
    from weibao.contracts.tests.factories import CalendarFactory, ContractFactory

    return ContractFactory(customer=customer_b, code="HT-B", name="乙维保", calendar=CalendarFactory(kind="always"))


def build_order(
    *,
    site,
    contract,
    severity,
    reported_at,
    clocks=(),
    resolved_after=None,
    status=None,
    symptom="核心交换机端口大量丢包，财务系统无法访问",
    title="",
    resolution="",
):
    """An order through the real intake, then its contract, clocks and times set to the fixture's known values.
    `clocks`: (kind, deadline after report, stopped after report or None)."""
    from weibao.workorders.models import Clock, WorkOrder
    from weibao.workorders.tests.factories import make_workorder

    # Intake refuses calls older than a week (issue 18): register now, then move the report time to the fixture's.
    wo = make_workorder(site=site, severity=severity, symptom=symptom, title=title)
    changes = {"contract": contract, "resolution": resolution, "reported_at": reported_at}
    if resolved_after is not None:
        changes["resolved_at"] = reported_at + resolved_after
    if status is not None:
        changes["status"] = status
        if status == "cancelled":
            changes["cancel_reason"] = "重复报修"
    WorkOrder.objects.filter(pk=wo.pk).update(**changes)
    Clock.objects.filter(workorder=wo).delete()
    for kind, due, stopped in clocks:
        Clock.objects.create(
            workorder=wo,
            kind=kind,
            target=due,
            started_at=reported_at,
            deadline=reported_at + due,
            warn_at=reported_at + due * 0.75,
            stopped_at=None if stopped is None else reported_at + stopped,
        )
    wo.refresh_from_db()
    return wo


def rate_order(wo, value):
    from weibao.onsite.models import ServiceForm
    from weibao.workorders.tests.factories import StaffFactory

    return ServiceForm.objects.create(
        workorder=wo, status="signed", signed_at=wo.reported_at + 5 * H, satisfaction=value, updated_by=StaffFactory()
    )


@pytest.fixture
def march(site_a, site_b, contract_a, contract_b):
    """The orders of the table above, by name."""
    o = {}
    o["O1"] = build_order(
        site=site_a,
        contract=contract_a,
        severity="A",
        reported_at=at(3, 2, 10),
        clocks=[("response", 15 * M, 6 * M), ("resolution", 4 * H, 3 * H)],
        resolved_after=3 * H,
        status="closed",
        resolution="更换光模块后恢复",
    )
    o["O2"] = build_order(
        site=site_a,
        contract=contract_a,
        severity="A",
        reported_at=at(3, 5, 10),
        clocks=[("response", 15 * M, 30 * M), ("resolution", 4 * H, 10 * H)],
        resolved_after=10 * H,
        status="closed",
    )
    o["O3"] = build_order(
        site=site_a,
        contract=contract_a,
        severity="B",
        reported_at=at(3, 10, 9),
        clocks=[("response", 15 * M, 12 * M), ("resolution", 24 * H, 20 * H)],
        resolved_after=20 * H,
        status="closed",
    )
    o["O4"] = build_order(
        site=site_a, contract=contract_a, severity="C", reported_at=at(3, 20, 9), clocks=[("resolution", 72 * H, None)]
    )
    o["O5"] = build_order(
        site=site_a, contract=contract_a, severity="D", reported_at=at(3, 30, 9), clocks=[("resolution", 720 * H, None)]
    )
    o["O6"] = build_order(
        site=site_a,
        contract=contract_a,
        severity="B",
        reported_at=at(3, 12, 9),
        clocks=[("resolution", 24 * H, None)],
        status="cancelled",
    )
    o["O7"] = build_order(
        site=site_a, contract=contract_a, severity="B", reported_at=at(2, 20, 9), clocks=[("resolution", 24 * H, None)]
    )
    o["O8"] = build_order(
        site=site_b,
        contract=contract_b,
        severity="A",
        reported_at=at(3, 15, 9),
        clocks=[("resolution", 4 * H, 1 * H)],
        resolved_after=1 * H,
    )
    o["O9"] = build_order(
        site=site_a,
        contract=contract_a,
        severity="A",
        reported_at=at(4, 1, 0),
        clocks=[("resolution", 4 * H, 1 * H)],
        resolved_after=1 * H,
    )
    rate_order(o["O1"], 5)
    rate_order(o["O3"], 3)
    return o


def ids(march, *names):
    return sorted(march[n].pk for n in names)
