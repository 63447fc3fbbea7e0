import datetime as dt

import pytest

from weibao.onsite.tests.conftest import signature_data_url  # noqa: F401

YEAR_START = dt.date(2026, 1, 1)


@pytest.fixture
def contract_a(customer_a):  # noqa: F811
    from weibao.contracts.tests.factories import ContractFactory

    return ContractFactory(customer=customer_a, start_date=YEAR_START, end_date=dt.date(2026, 12, 31), covers_all=True)


@pytest.fixture
def contract_b(customer_b):  # noqa: F811
    from weibao.contracts.tests.factories import ContractFactory

    return ContractFactory(customer=customer_b, start_date=YEAR_START, end_date=dt.date(2026, 12, 31))


@pytest.fixture
def checklist(manager):
    from weibao.inspections.services import template_create

    return template_create(
        actor=manager,
        name="网络系统月度巡检",
        subsystem_kind="network",
        items=[
            {"kind": "yes_no", "text": "核心交换机运行指示灯正常"},
            {"kind": "reading", "text": "机房温度", "unit": "℃", "min_value": "18", "max_value": "27"},
            {"kind": "text", "text": "日志告警摘要"},
        ],
    )


@pytest.fixture
def plan_a(manager, contract_a, site_a, checklist):  # noqa: F811
    from weibao.inspections.services import plan_create

    return plan_create(
        actor=manager,
        contract=contract_a,
        site=site_a,
        template=checklist,
        name="月度网络巡检",
        frequency="monthly",
        starts_on=YEAR_START,
        today=YEAR_START,
    )


@pytest.fixture
def plan_b(manager, contract_b, site_b, checklist):  # noqa: F811
    from weibao.inspections.services import plan_create

    return plan_create(
        actor=manager,
        contract=contract_b,
        site=site_b,
        template=checklist,
        name="乙公司巡检",
        frequency="quarterly",
        starts_on=YEAR_START,
        today=YEAR_START,
    )


@pytest.fixture
def visit_a(plan_a):
    return plan_a.visits.order_by("scheduled_on").first()


@pytest.fixture
def visit_b(plan_b):
    return plan_b.visits.order_by("scheduled_on").first()
