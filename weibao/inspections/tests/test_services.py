"""Issue 15, inspections: generation on a 5x8 China calendar, idempotence, plan changes, answers and findings."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from weibao.contracts import clock
from weibao.core.exceptions import TransitionNotAllowed
from weibao.inspections import services
from weibao.inspections.choices import Risk, VisitStatus
from weibao.inspections.models import ChecklistTemplate, InspectionPlan, InspectionVisit
from weibao.inspections.selectors import planned_vs_done

from .conftest import YEAR_START

pytestmark = pytest.mark.django_db
NATIONAL_DAY = [dt.date(2026, 10, d) for d in range(1, 8)]
SPRING_FESTIVAL = [dt.date(2026, 2, d) for d in range(15, 24)]
MAKEUP_DAYS = [
    dt.date(2026, 1, 4),
    dt.date(2026, 2, 14),
    dt.date(2026, 2, 28),
    dt.date(2026, 5, 9),
    dt.date(2026, 9, 20),
    dt.date(2026, 10, 10),
]


def test_every_working_day_for_a_year_skips_holidays_and_uses_makeup_days(manager, contract_a, site_a, checklist):
    plan = services.plan_create(
        actor=manager,
        contract=contract_a,
        site=site_a,
        template=checklist,
        name="日巡检",
        frequency="working_days",
        interval_days=1,
        starts_on=YEAR_START,
        today=YEAR_START,
    )
    days = set(plan.visits.values_list("scheduled_on", flat=True))
    cal = contract_a.calendar.working_calendar()
    assert days, "no visits generated"
    assert not days & set(NATIONAL_DAY + SPRING_FESTIVAL)
    assert all(cal.day_info(d).kind != clock.DayKind.HOLIDAY for d in days)
    assert not [d for d in days if d.weekday() >= 5 and d not in MAKEUP_DAYS]
    assert set(MAKEUP_DAYS) <= days  # the Sunday/Saturday make-up days are worked
    assert max(days) <= dt.date(2026, 12, 31)  # never past the contract's end


def test_monthly_visit_moves_past_national_day_and_onto_a_makeup_saturday(manager, contract_a, site_a, checklist):
    plan = services.plan_create(
        actor=manager,
        contract=contract_a,
        site=site_a,
        template=checklist,
        name="月巡检",
        frequency="monthly",
        starts_on=YEAR_START,
        today=YEAR_START,
    )
    by_period = dict(plan.visits.values_list("period_start", "scheduled_on"))
    assert len(by_period) == 12
    assert by_period[dt.date(2026, 1, 1)] == dt.date(2026, 1, 4)  # 1–3 Jan off, Sunday 4 Jan is a make-up day
    assert by_period[dt.date(2026, 10, 1)] == dt.date(2026, 10, 8)  # National Day week skipped
    # Quarterly from Valentine's make-up Saturday: the Saturday itself counts; Spring Festival is skipped.
    quarterly = services.plan_create(
        actor=manager,
        contract=contract_a,
        site=site_a,
        template=checklist,
        name="季巡检",
        frequency="quarterly",
        starts_on=dt.date(2026, 2, 14),
        today=YEAR_START,
    )
    assert list(quarterly.visits.values_list("scheduled_on", flat=True)) == [
        dt.date(2026, 2, 14),
        dt.date(2026, 5, 14),
        dt.date(2026, 8, 14),
        dt.date(2026, 11, 16),
    ]


def test_regeneration_is_idempotent(plan_a):
    before = list(plan_a.visits.values_list("period_start", "scheduled_on"))
    assert services.visits_generate(plan=plan_a, today=YEAR_START) == 0
    assert services.visits_generate_all(today=YEAR_START) == 0
    assert list(plan_a.visits.values_list("period_start", "scheduled_on")) == before
    assert InspectionVisit.objects.filter(plan=plan_a).count() == 12


def test_plan_change_reschedules_only_future_unstarted_visits(plan_a, field_engineer, manager):
    visits = list(plan_a.visits.order_by("scheduled_on"))
    done, started, missed = visits[0], visits[1], visits[2]
    services.visit_start(visit=done, actor=field_engineer)
    InspectionVisit.objects.filter(pk=done.pk).update(status=VisitStatus.SIGNED)
    services.visit_start(visit=visits[4], actor=field_engineer)  # a future visit already started
    InspectionVisit.objects.filter(pk=missed.pk).update(status=VisitStatus.MISSED)
    today = dt.date(2026, 4, 15)  # visits 0–3 lie in the past

    services.plan_update(
        plan=plan_a, actor=manager, expected_version=plan_a.version, frequency="quarterly", today=today
    )

    remaining = {v.pk: v for v in plan_a.visits.all()}
    for kept in (done, started, missed, visits[3], visits[4]):
        assert kept.pk in remaining  # past, started, done and missed visits stay
    assert visits[5].pk not in remaining  # the future unstarted monthly visits are gone
    new = [v for v in remaining.values() if v.pk not in {x.pk for x in visits}]
    assert new
    assert all(v.scheduled_on > today and v.status == VisitStatus.PLANNED for v in new)
    # Quarterly periods after the last kept visit's period (May, the started one): July and October.
    assert sorted(v.period_start for v in new) == [dt.date(2026, 7, 1), dt.date(2026, 10, 1)]


def test_stale_plan_edit_is_refused(plan_a, manager):
    from weibao.core.exceptions import StaleEdit

    with pytest.raises(StaleEdit):
        services.plan_update(plan=plan_a, actor=manager, expected_version=plan_a.version + 5, name="x")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"frequency": "working_days", "interval_days": 0}, "interval_days"),
        ({"frequency": "working_days", "interval_days": None}, "interval_days"),
        ({"frequency": "weekly"}, "frequency"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_plan_input_stores_nothing(manager, contract_a, site_a, checklist, values, field):
    data = {"name": "巡检", "frequency": "monthly", "starts_on": YEAR_START, **values}
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=manager, contract=contract_a, site=site_a, template=checklist, today=YEAR_START, **data
        )
    assert field in exc.value.message_dict
    assert not InspectionPlan.objects.exists()
    assert not InspectionVisit.objects.exists()


def test_checklist_with_no_items_and_plan_on_it_are_refused(manager, contract_a, site_a, site_b):
    with pytest.raises(ValidationError) as exc:
        services.template_create(actor=manager, name="空表", subsystem_kind="network", items=[])
    assert "items" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.template_create(
            actor=manager,
            name="坏表",
            subsystem_kind="network",
            items=[{"kind": "reading", "text": "温度", "min_value": "30", "max_value": "10"}],
        )
    assert "items.0.max_value" in exc.value.message_dict
    assert not ChecklistTemplate.objects.exists()
    empty = ChecklistTemplate.objects.create(name="无项目", subsystem_kind="network")
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=manager,
            contract=contract_a,
            site=site_b,
            template=empty,
            name="x",
            frequency="monthly",
            starts_on=YEAR_START,
        )
    assert {"template", "site"} <= set(exc.value.message_dict)


def _answers(visit):
    return {a.text: a for a in visit.answers.all()}


def test_reading_out_of_limits_is_flagged_and_becomes_a_work_order(visit_a, field_engineer):
    services.visit_start(visit=visit_a, actor=field_engineer)
    answers = _answers(visit_a)
    temp = answers["机房温度"]
    services.visit_record_answers(
        visit=visit_a,
        actor=field_engineer,
        answers={
            answers["核心交换机运行指示灯正常"].pk: {"value": "yes"},
            temp.pk: {"value": "31.5", "finding": "空调制冷不足", "risk": "high"},
            answers["日志告警摘要"].pk: {"value": "无严重告警"},
        },
    )
    temp.refresh_from_db()
    assert temp.out_of_limit
    assert temp.value_number == Decimal("31.5")
    assert temp.risk == Risk.HIGH

    wo = services.finding_to_workorder(answer=temp, actor=field_engineer)
    assert wo.severity == "B"
    assert "空调制冷不足" in wo.symptom
    assert wo.site_id == visit_a.plan.site_id
    assert services.finding_to_workorder(answer=temp, actor=field_engineer).pk == wo.pk  # second tap: same order

    visit = services.visit_complete(
        visit=visit_a, actor=field_engineer, risk_analysis="机房温度偏高", recommendations="检修空调"
    )
    assert visit.status == VisitStatus.COMPLETED
    assert planned_vs_done(visit_a.contract, YEAR_START, dt.date(2026, 12, 31)).done == 1


def test_non_numeric_reading_is_refused_and_nothing_saved(visit_a, field_engineer):
    services.visit_start(visit=visit_a, actor=field_engineer)
    answers = _answers(visit_a)
    with pytest.raises(ValidationError) as exc:
        services.visit_record_answers(
            visit=visit_a,
            actor=field_engineer,
            answers={
                answers["核心交换机运行指示灯正常"].pk: {"value": "yes"},
                answers["机房温度"].pk: {"value": "二十五"},
            },
        )
    assert f"answers.{answers['机房温度'].pk}.value" in exc.value.message_dict
    assert not visit_a.answers.filter(answered=True).exists()


def test_complete_needs_every_answer_and_sign_needs_completion(visit_a, field_engineer):
    from weibao.inspections.tests.conftest import signature_data_url

    with pytest.raises(TransitionNotAllowed):
        services.visit_sign(visit=visit_a, actor=field_engineer, customer_name="王", customer_signature="x")
    services.visit_start(visit=visit_a, actor=field_engineer)
    with pytest.raises(ValidationError):
        services.visit_complete(visit=visit_a, actor=field_engineer)
    answers = _answers(visit_a)
    services.visit_record_answers(
        visit=visit_a,
        actor=field_engineer,
        answers={
            answers["核心交换机运行指示灯正常"].pk: {"value": "no", "finding": "风扇告警", "risk": "medium"},
            answers["机房温度"].pk: {"value": "22"},
            answers["日志告警摘要"].pk: {"value": "正常"},
        },
    )
    services.visit_complete(visit=visit_a, actor=field_engineer)
    with pytest.raises(ValidationError) as exc:
        services.visit_sign(visit=visit_a, actor=field_engineer, customer_name="王经理", customer_signature="")
    assert "customer_signature" in exc.value.message_dict
    visit = services.visit_sign(
        visit=visit_a, actor=field_engineer, customer_name="王经理", customer_signature=signature_data_url()
    )
    assert visit.status == VisitStatus.SIGNED
    assert visit.customer_signature


def test_missed_visits_are_marked_and_counted(plan_a):
    marked = services.visits_mark_missed(today=dt.date(2026, 3, 10))
    assert len(marked) == 3  # January, February and March's (2 March) visits
    counts = planned_vs_done(plan_a.contract, YEAR_START, dt.date(2026, 3, 31))
    assert (counts.planned, counts.done, counts.missed) == (3, 0, 3)


def test_customer_cannot_touch_another_customers_visit(visit_a, customer_b_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.visit_start(visit=visit_a, actor=customer_b_user)
