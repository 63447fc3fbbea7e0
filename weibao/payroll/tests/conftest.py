"""Month-end fixtures: people with authority levels, a pay rule, and visits with signed service forms.

`make_visit` writes the signed form directly (status, signed_at in a past month): the on-site services stamp
`signed_at` with the current time, and a month end is about past months. One test goes through the real on-site
services (test_services.py::test_real_onsite_flow_counts)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from weibao.payroll.rules import month_end, next_month


def previous_month(month: dt.date, n: int = 1) -> dt.date:
    for _i in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


@pytest.fixture
def this_month():
    return timezone.localdate().replace(day=1)


@pytest.fixture
def last_month(this_month):
    return previous_month(this_month)


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def rule(db, make_user):
    from weibao.payroll.models import PayRule

    return PayRule.objects.create(
        valid_from=dt.date(2020, 1, 1),
        service_allowance=Decimal("30.00"),
        monthly_bonus=Decimal("500.00"),
        complaint_fine=Decimal("100.00"),
        forfeit_threshold=3,
        non_dedicated_visit_fee=Decimal("80.00"),
        base_salary=Decimal("4000.00"),
        probation_base_salary=Decimal("3200.00"),
        seniority_per_year=Decimal("50.00"),
        standard_days=Decimal("21.75"),
        created_by=make_user("admin"),
    )


@pytest.fixture
def service_admin(make_user):
    return make_user("service_admin", name="服务管理员")


@pytest.fixture
def dept_manager(make_user):
    return make_user("service_manager", name="部门经理", authority_level="department_manager")


@pytest.fixture
def general_manager(make_user):
    return make_user("service_manager", name="总经理", authority_level="general_manager")


@pytest.fixture
def site(db):
    from weibao.workorders.tests.factories import SiteFactory

    return SiteFactory()


@pytest.fixture
def make_visit(site, make_user):
    """An on-site order of `engineer` whose service form was signed at `signed_at`."""
    from weibao.onsite.models import ServiceForm
    from weibao.workorders.models import WorkOrder
    from weibao.workorders.tests.factories import make_workorder

    desk = make_user("service_admin")  # not an engineer: no statement of its own

    def make(
        engineer, signed_at: dt.datetime, *, complete: bool = True, solved: bool = True, workorder=None, missing=None
    ):
        if workorder is None:
            workorder = make_workorder(site=site, actor=desk)
            WorkOrder.objects.filter(pk=workorder.pk).update(assignee=engineer, arrived_at=signed_at, status="resolved")
            workorder.refresh_from_db()
        previous = workorder.service_forms.order_by("-revision").first()
        ServiceForm.objects.create(
            workorder=workorder,
            revision=(previous.revision + 1) if previous else 1,
            previous=previous,
            status="signed",
            signed_at=signed_at,
            complete=complete,
            solved=solved,
            missing=[] if complete else (missing or ["inspection"]),
            updated_by=engineer,
            symptom="x",
        )
        return workorder

    return make


@pytest.fixture
def month_fixture(db, rule, make_user, make_visit, last_month, branch):
    """The hand-counted month (last month):
    - 张工 dedicated: 3 complete visits + 1 incomplete; public transport 23.50 → 90 + 500 + 23.50 = 613.50
    - 李工 on probation: 2 complete; taxi approved before the trip 86.40 → 60 + 86.40 = 146.40
    - 王工 non-dedicated (分公司): 2 visits × 80 = 160; an unapproved taxi 50.00 refused → 160.00
    - 赵工 dedicated, no visit: bonus 500.00
    Grand total 1419.90."""
    from weibao.accounts.models import Branch
    from weibao.payroll.models import TravelApproval, TravelClaim

    suzhou = Branch.objects.create(code="sz", name="苏州分公司", city="苏州")
    zhang = make_user("field_engineer", name="张工", username="zhang")
    li = make_user("field_engineer", name="李工", username="li", on_probation=True)
    wang = make_user("field_engineer", name="王工", username="wang", is_dedicated=False, branch=suzhou)
    zhao = make_user("field_engineer", name="赵工", username="zhao")
    m = last_month
    days = [m + dt.timedelta(days=d) for d in (1, 4, 9, 14)]
    orders = [make_visit(zhang, local(d)) for d in days[:3]]
    incomplete = make_visit(zhang, local(days[3]), complete=False, missing=["inspection", "satisfaction"])
    li_orders = [make_visit(li, local(d)) for d in days[:2]]
    wang_orders = [make_visit(wang, local(d)) for d in days[1:3]]
    now = timezone.now()
    TravelClaim.objects.create(
        engineer=zhang,
        workorder=orders[0],
        kind="public",
        trip_at=local(days[0], 8),
        amount=Decimal("23.50"),
        description="地铁",
        status="accepted",
    )
    approval = TravelApproval.objects.create(
        engineer=li,
        workorder=li_orders[0],
        kind="taxi",
        reason="急修",
        status="approved",
        answered_at=local(days[0], 7),
    )
    TravelClaim.objects.create(
        engineer=li,
        workorder=li_orders[0],
        kind="taxi",
        trip_at=local(days[0], 8),
        amount=Decimal("86.40"),
        description="出租车",
        status="accepted",
        approval=approval,
    )
    TravelClaim.objects.create(
        engineer=wang,
        workorder=wang_orders[0],
        kind="taxi",
        trip_at=local(days[1], 8),
        amount=Decimal("50.00"),
        description="出租车",
        status="refused",
        refusal_reason="rule",
    )
    assert now >= local(month_end(m)) or next_month(m) <= timezone.localdate()
    return {
        "zhang": zhang,
        "li": li,
        "wang": wang,
        "zhao": zhao,
        "incomplete": incomplete,
        "suzhou": suzhou,
        "orders": orders,
    }


@pytest.fixture
def make_complaint(site, make_user):
    """A complaint registered at `registered_at`, confirmed against `engineer` at `confirmed_at` (feedback app)."""
    from weibao.feedback.models import Complaint

    desk = make_user("service_admin")
    counter = iter(range(1, 10_000))

    def make(engineer, registered_at: dt.datetime, confirmed_at: dt.datetime | None, order=None):
        return Complaint.objects.create(
            number=f"TS-T{next(counter):05d}",
            customer=site.organisation,
            order=order,
            engineer=engineer,
            source="phone",
            category="attitude",
            complainant_name="王主任",
            description="态度不好",
            registered_at=registered_at,
            registered_by=desk,
            confirmed_at=confirmed_at,
            confirmed_by=desk if confirmed_at else None,
            status="registered",
        )

    return make
