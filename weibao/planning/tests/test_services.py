"""Issue 15, emergency plans and training: versions and approval, the plan on an A-class order with steps ticked
on its timeline, drills, training days consumed, attendance only of the customer's own people."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from weibao.core.exceptions import TransitionNotAllowed
from weibao.planning import selectors, services
from weibao.planning.choices import PlanStatus
from weibao.planning.models import Attendance, EmergencyPlan, EmergencyStep, TrainingSession

from .conftest import CONTACTS, STEPS

pytestmark = pytest.mark.django_db


def test_plan_needs_steps_and_contacts_and_stores_nothing_otherwise(manager, subsystem_a):
    with pytest.raises(ValidationError) as exc:
        services.emergency_plan_create(
            actor=manager,
            subsystem=subsystem_a,
            title="x",
            scope="y",
            triggers="z",
            contacts=[{"name": "张工", "phone": "abc"}],
            steps=[{"text": " "}],
        )
    assert {"steps", "contacts.0.phone"} <= set(exc.value.message_dict)
    assert not EmergencyPlan.objects.exists()
    assert not EmergencyStep.objects.exists()


def test_revision_approval_supersedes_the_previous(emergency_plan, manager):
    assert emergency_plan.status == PlanStatus.APPROVED
    new = services.emergency_plan_revise(
        plan=emergency_plan,
        actor=manager,
        title="核心网络中断应急预案 v2",
        scope="全院",
        triggers="断网",
        contacts=CONTACTS,
        steps=STEPS[:2],
    )
    assert new.revision == 2
    with pytest.raises(TransitionNotAllowed):  # a draft is pending: no third revision yet
        services.emergency_plan_revise(
            plan=new, actor=manager, title="v3", scope="a", triggers="b", contacts=CONTACTS, steps=STEPS
        )
    services.emergency_plan_approve(plan=new, actor=manager, expected_version=new.version)
    emergency_plan.refresh_from_db()
    assert emergency_plan.status == PlanStatus.SUPERSEDED
    assert EmergencyPlan.objects.filter(status=PlanStatus.APPROVED).get() == new


def test_a_class_order_shows_the_plan_and_ticking_appends_one_event(
    emergency_plan, a_order, duty_engineer, customer_a_user
):
    from weibao.workorders.choices import EventKind
    from weibao.workorders.selectors import events_visible_to

    assert selectors.plan_for_order(a_order) == emergency_plan
    step = emergency_plan.steps.order_by("position")[1]
    services.step_tick(workorder=a_order, step=step, actor=duty_engineer)
    services.step_tick(workorder=a_order, step=step, actor=duty_engineer)  # second tap: nothing new
    events = a_order.events.filter(kind=EventKind.EMERGENCY_STEP_DONE)
    assert events.count() == 1
    assert "切换至备用核心交换机" in events.get().body
    assert selectors.ticked_step_ids(a_order) == {step.pk}
    seen = [
        e for e in events_visible_to(user=customer_a_user, workorder=a_order) if e.kind == EventKind.EMERGENCY_STEP_DONE
    ]
    assert seen
    assert "切换" in seen[0].body


def test_other_classes_and_other_plans_steps_are_refused(emergency_plan, a_order, site_a, core_switch, manager):
    from weibao.workorders.tests.factories import make_workorder

    c_order = make_workorder(site=site_a, actor=manager, devices=[core_switch], severity="C")
    assert selectors.plan_for_order(c_order) is None
    with pytest.raises(ValidationError):
        services.step_tick(workorder=c_order, step=emergency_plan.steps.first(), actor=manager)


def test_drill_is_recorded_with_participants(emergency_plan, manager):
    with pytest.raises(ValidationError) as exc:
        services.drill_record(plan=emergency_plan, actor=manager, held_on=None, participants="")
    assert {"held_on", "participants"} <= set(exc.value.message_dict)
    drill = services.drill_record(
        plan=emergency_plan,
        actor=manager,
        held_on=dt.date(2026, 1, 10),
        participants="张工、王主任",
        findings="切换耗时 8 分钟",
    )
    assert list(selectors.drills(emergency_plan)) == [drill]


def test_training_days_are_consumed_and_capped_by_the_contract(training, session, manager, contract_a):
    assert selectors.training_days_used(contract_a) == Decimal("1")
    services.session_create(plan=training, actor=manager, held_on=dt.date(2026, 3, 6), days="1.5")
    with pytest.raises(ValidationError) as exc:
        services.session_create(plan=training, actor=manager, held_on=dt.date(2026, 3, 7), days="1")
    assert "days" in exc.value.message_dict
    for bad in ("0", "abc", "0.3"):
        with pytest.raises(ValidationError):
            services.session_create(plan=training, actor=manager, held_on=dt.date(2026, 3, 8), days=bad)
    assert TrainingSession.objects.count() == 2


def test_attendance_of_another_customers_person_is_refused(session, manager, customer_a, customer_b):
    from weibao.customers.models import Contact

    ours = Contact.objects.create(customer=customer_a, organisation=customer_a.organisation, name="李工")
    theirs = Contact.objects.create(customer=customer_b, organisation=customer_b.organisation, name="赵工")
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(session=session, actor=manager, contact=theirs, feedback_score=5)
    assert "contact" in exc.value.message_dict
    assert not Attendance.objects.exists()
    services.attendance_record(session=session, actor=manager, contact=ours, feedback_score=4)
    with pytest.raises(ValidationError):
        services.attendance_record(session=session, actor=manager, contact=ours, feedback_score=9)


def test_trainee_signs_in_on_the_phone(session, customer_a_user, customer_b_user, training):
    from django.core.exceptions import PermissionDenied

    services.attendance_sign_in(session=session, actor=customer_a_user)
    services.attendance_sign_in(session=session, actor=customer_a_user, feedback_score=5)
    assert Attendance.objects.get().feedback_score == 5
    assert selectors.feedback_average(training) == Decimal("5.0")
    with pytest.raises(PermissionDenied):
        services.attendance_sign_in(session=session, actor=customer_b_user)
