import datetime as dt

import pytest

STEPS = [
    {"text": "确认核心交换机堆叠状态，登录管理口查看日志", "responsible": "值班工程师"},
    {"text": "切换至备用核心交换机，恢复HIS业务", "responsible": "现场工程师"},
    {"text": "通知信息科并按模板发布故障通告"},
]
CONTACTS = [
    {"side": "ours", "name": "张工", "role": "值班工程师", "phone": "025-8888 0001"},
    {"side": "customer", "name": "王主任", "role": "信息科", "phone": "13912345678"},
    {"side": "vendor", "name": "华为 TAC", "phone": "400-822-9999"},
]


@pytest.fixture
def subsystem_a(customer_a):  # noqa: F811
    from weibao.assets.models import Subsystem
    from weibao.contracts.tests.factories import ProjectFactory

    project = ProjectFactory(customer=customer_a)
    return Subsystem.objects.create(
        project=project, organisation=customer_a.organisation, kind="network", name="核心网络"
    )


@pytest.fixture
def core_switch(subsystem_a, site_a):  # noqa: F811
    from weibao.workorders.tests.factories import DeviceFactory

    return DeviceFactory(site=site_a, subsystem=subsystem_a, project=subsystem_a.project, model="CE12708")


@pytest.fixture
def emergency_plan(manager, subsystem_a):
    from weibao.planning import services

    plan = services.emergency_plan_create(
        actor=manager,
        subsystem=subsystem_a,
        title="核心网络中断应急预案",
        scope="全院核心网络",
        triggers="核心交换机宕机或全院断网",
        contacts=CONTACTS,
        steps=STEPS,
        spare_parts="备用电源模块",
        fallback="回退至原配置",
        communication="【故障通告】……",
    )
    return services.emergency_plan_approve(actor=manager, plan=plan)


@pytest.fixture
def a_order(site_a, core_switch, manager):  # noqa: F811
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=site_a, actor=manager, devices=[core_switch], severity="A")


@pytest.fixture
def contract_a(customer_a):  # noqa: F811
    from weibao.contracts.tests.factories import ContractFactory

    return ContractFactory(customer=customer_a, training_days=3)


@pytest.fixture
def training(manager, customer_a, contract_a):  # noqa: F811
    from weibao.planning import services

    return services.training_plan_create(
        actor=manager,
        customer=customer_a,
        contract=contract_a,
        title="网络运维培训",
        trainers="张工、华为讲师",
        content="日常巡检与故障处理",
        method="on_site",
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 3, 31),
    )


@pytest.fixture
def session(manager, training):
    from weibao.planning import services

    return services.session_create(
        plan=training, actor=manager, held_on=dt.date(2026, 3, 5), days="1", location="信息科会议室"
    )
