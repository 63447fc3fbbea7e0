import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def contract_a(customer_a):
    """Customer A's contract on a 5x8 China calendar (09:00–12:00, 13:00–18:00, official holidays off)."""
    from weibao.contracts.tests.factories import ContractFactory

    return ContractFactory(customer=customer_a)


@pytest.fixture
def contract_b(customer_b):
    from weibao.contracts.tests.factories import ContractFactory

    return ContractFactory(customer=customer_b)


def make_order(*, site, actor, contract=None, severity="B", reported_at=None, assignee=None):
    from weibao.workorders import services as wo_services
    from weibao.workorders.models import WorkOrder
    from weibao.workorders.tests.factories import make_workorder

    kwargs = {"reported_at": reported_at, "historic": True} if reported_at else {}
    wo = make_workorder(site=site, actor=actor, severity=severity, **kwargs)
    if contract is not None:
        WorkOrder.objects.filter(pk=wo.pk).update(contract=contract)
        wo.refresh_from_db()
    if assignee is not None:
        wo_services.workorder_assign(workorder=wo, actor=actor, assignee=assignee)
    wo_services.workorder_acknowledge(workorder=wo, actor=actor)
    wo.refresh_from_db()
    return wo


@pytest.fixture
def order_a(site_a, contract_a, duty_engineer, manager):
    return make_order(site=site_a, actor=duty_engineer, contract=contract_a, assignee=duty_engineer)


@pytest.fixture
def order_b(site_b, contract_b, duty_engineer):
    return make_order(site=site_b, actor=duty_engineer, contract=contract_b)


@pytest.fixture
def submitted_plan(order_a, duty_engineer):
    from weibao.plans import services

    plan = services.plan_create(
        workorder=order_a,
        actor=duty_engineer,
        cause="核心交换机电源模块老化",
        cause_confirmed_by="甲方 王工",
        actions="更换电源模块并调整冗余配置",
        risks="更换期间网络中断约 10 分钟",
        internal_note="内部：备件库存仅剩一个",
        milestones=[{"title": "更换电源模块", "due_on": timezone.localdate() + datetime.timedelta(days=3)}],
    )
    return services.plan_submit(plan=plan, actor=duty_engineer)
