"""The report's numbers against the hand count of tests/conftest.py."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from weibao.slareports import metrics
from weibao.slareports.tests.conftest import AS_OF, MARCH, at, ids

pytestmark = pytest.mark.django_db


def report(contract, **kwargs):
    return metrics.build_report(contract=contract, start=MARCH[0], end=MARCH[1], as_of=AS_OF, **kwargs)


def row(data, kind, severity):
    block = next(b for b in data["compliance"] if b["kind"] == kind)
    return next(r for r in block["rows"] if r["severity"] == severity)


def test_orders_of_the_period_are_the_contracts_reported_in_it_without_cancelled(march, contract_a):
    data = report(contract_a)
    assert data["orders_total"] == 5
    assert data["drill"]["orders"] == ids(march, "O1", "O2", "O3", "O4", "O5")
    assert [s["count"] for s in data["by_severity"]] == [2, 1, 1, 1]


def test_fix_on_time_rate_is_met_over_decided_resolution_clocks(march, contract_a):
    data = report(contract_a)
    assert data["fix_on_time"] == {"met": 2, "missed": 2, "pending": 1, "rate": "50.0"}
    assert data["drill"]["resolution.all.met"] == ids(march, "O1", "O3")
    # O4 still runs past its deadline at as_of: missed even though no sweep marked it breached.
    assert data["drill"]["resolution.all.missed"] == ids(march, "O2", "O4")
    assert data["drill"]["resolution.all.pending"] == ids(march, "O5")


def test_response_compliance_per_severity(march, contract_a):
    data = report(contract_a)
    assert row(data, "response", "A") == {"severity": "A", "met": 1, "missed": 1, "pending": 0, "rate": "50.0"}
    assert row(data, "response", "B")["rate"] == "100.0"
    assert row(data, "response", "C")["rate"] is None  # nothing decided: no rate, not 0 %
    assert row(data, "response", "all")["rate"] == "66.7"


def test_mean_and_p90_business_minutes(march, contract_a):
    times = {t["kind"]: t for t in report(contract_a)["times"]}
    assert times["response"] == {"kind": "response", "count": 3, "mean_minutes": 16, "p90_minutes": 30}
    assert times["resolution"] == {"kind": "resolution", "count": 3, "mean_minutes": 660, "p90_minutes": 1200}
    assert times["arrival"]["mean_minutes"] is None


def test_business_time_excludes_nights_on_a_5x8_calendar(march, contract_a):
    from weibao.contracts.tests.factories import CalendarFactory

    contract_a.calendar = CalendarFactory()  # 09-12, 13-18 on working days
    contract_a.save()
    times = {t["kind"]: t for t in report(contract_a)["times"]}
    # O2: Thursday 10:00 → 20:00 is 7 business hours (10-12, 13-18); O3: Tue 09:00 → Wed 05:00 is 8 h.
    assert times["resolution"]["p90_minutes"] == 8 * 60


def test_major_faults_are_severity_a_by_default(march, contract_a):
    data = report(contract_a)
    assert data["major"] == {"count": 2, "rule_hours": None}
    assert data["drill"]["major"] == ids(march, "O1", "O2")


def test_major_fault_rule_per_contract_counts_long_downtime(march, contract_a, manager):
    from weibao.slareports.services import schedule_set

    schedule_set(contract=contract_a, actor=manager, frequency="monthly", major_down_hours=300)
    contract_a.refresh_from_db()
    data = report(contract_a)
    # O4 is down since 03-20 09:00 (> 300 h at as_of); O5 since 03-30 (255 h): not yet; O3 was down 20 h.
    assert data["drill"]["major"] == ids(march, "O1", "O2", "O4")
    assert data["major"]["rule_hours"] == 300


def test_satisfaction_from_the_signed_service_forms(march, contract_a):
    data = report(contract_a)
    assert data["satisfaction"] == {"count": 2, "average": "4.00", "distribution": [0, 0, 1, 0, 1]}
    assert data["drill"]["satisfaction.rated"] == ids(march, "O1", "O3")


def test_a_callback_rating_overrides_the_service_form(march, contract_a):
    from weibao.feedback.models import Callback

    o1 = march["O1"]
    Callback.objects.create(
        customer=o1.organisation,
        order=o1,
        contract=contract_a,
        rule="severe",
        status="done",
        outcome="reached",
        satisfaction=2,
        due_at=AS_OF,
        done_at=AS_OF,
    )
    Callback.objects.create(customer=o1.organisation, order=march["O2"], rule="severe", due_at=AS_OF)  # not done
    data = report(contract_a)
    assert data["satisfaction"] == {"count": 2, "average": "2.50", "distribution": [0, 1, 1, 0, 0]}
    assert data["drill"]["satisfaction.2"] == ids(march, "O1")


def test_legacy_items_are_unresolved_past_their_deadline_at_the_period_end(march, contract_a):
    data = report(contract_a)
    assert data["drill"]["legacy"] == ids(march, "O4", "O7")
    assert data["legacy"]["count"] == 2


def test_empty_period_gives_zeros_not_a_crash(march, contract_a):
    data = metrics.build_report(
        contract=contract_a, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 1, 31), as_of=AS_OF
    )
    assert data["orders_total"] == 0
    assert data["fix_on_time"]["rate"] is None
    assert data["satisfaction"]["average"] is None


def test_inverted_period_is_refused(contract_a):
    with pytest.raises(ValidationError) as exc:
        metrics.build_report(contract=contract_a, start=MARCH[1], end=MARCH[0])
    assert "end" in exc.value.message_dict


def test_no_inspection_row_without_visits_in_the_period(contract_a):
    assert metrics.planned_vs_done_inspections(contract=contract_a, start=MARCH[0], end=MARCH[1]) is None


def test_inspections_planned_done_and_missed_come_from_the_inspections_app(march, contract_a, site_a, manager):
    from weibao.inspections.choices import VisitStatus
    from weibao.inspections.services import plan_create, template_create

    checklist = template_create(
        actor=manager, name="网络巡检", subsystem_kind="network", items=[{"kind": "yes_no", "text": "指示灯正常"}]
    )
    plan = plan_create(
        actor=manager,
        contract=contract_a,
        site=site_a,
        template=checklist,
        name="周巡检",
        frequency="working_days",
        interval_days=5,
        starts_on=MARCH[0],
        today=MARCH[0],
    )
    in_march = list(plan.visits.filter(scheduled_on__range=MARCH).order_by("scheduled_on"))
    assert len(in_march) >= 4
    plan.visits.filter(pk__in=[v.pk for v in in_march[:2]]).update(status=VisitStatus.SIGNED)
    plan.visits.filter(pk=in_march[2].pk).update(status=VisitStatus.MISSED)
    data = report(contract_a)
    assert data["inspections"] == {"planned": len(in_march), "done": 2, "missed": 1}


def test_missed_agreed_milestones_of_the_period_with_their_orders(march, contract_a, manager):
    from weibao.plans.models import Milestone, SolutionPlan

    order = march["O4"]
    plan = SolutionPlan.objects.create(
        organisation=order.organisation, workorder=order, created_by=manager, status="approved"
    )

    def milestone(title, missed_at):
        return Milestone.objects.create(
            organisation=order.organisation,
            plan=plan,
            workorder=order,
            title=title,
            due_on=missed_at.date(),
            due_at=missed_at,
            active=True,
            missed_at=missed_at,
        )

    milestone("设备到货", at(3, 25, 18))
    milestone("四月的", at(4, 2, 18))  # outside March: not counted
    data = report(contract_a)
    assert data["milestones_missed"] == {"count": 1}
    assert data["drill"]["milestones_missed"] == [order.pk]


def test_p90_nearest_rank():
    assert metrics.p90([]) is None
    assert metrics.p90([5]) == 5
    assert metrics.p90(list(range(1, 11))) == 9
    assert metrics.p90(list(range(1, 12))) == 10
