import datetime

import pytest
from django.core.exceptions import ValidationError

from weibao.contracts.models import CalendarOverride
from weibao.contracts.tests.factories import CalendarFactory
from weibao.delivery import services
from weibao.delivery.choices import Stage
from weibao.delivery.models import StageEvent
from weibao.delivery.tests.factories import add_equipment, delivery_project, fill_stage, pdf, walk_to

pytestmark = pytest.mark.django_db


def test_new_project_has_required_document_placeholders_and_milestones(manager):
    project = delivery_project(actor=manager)
    kinds = set(project.documents.filter(stage=Stage.DESIGN).values_list("kind", flat=True))
    assert kinds == {"detailed_design", "implementation_plan", "schedule"}
    assert [m.working_days for m in project.milestones.all()] == [30, 60, 90]
    assert StageEvent.objects.filter(project=project, kind="created").exists()


def test_large_project_type_requires_the_zone_process(manager):
    ptype = services.project_type_create(actor=manager, code="large", name="大型项目", large=True)
    assert ptype.requirements.filter(stage=Stage.DESIGN, kind="zone_process", customer_review=True).exists()


def test_stage_close_with_a_missing_document_is_refused(manager):
    project = delivery_project(actor=manager)
    services.delivery_project_update(project=project, actor=manager, bid_won=True)
    with pytest.raises(ValidationError) as exc:
        services.stage_close(project=project, actor=manager)
    assert any("需求信息表" in m for m in exc.value.messages)
    project.refresh_from_db()
    assert project.stage == Stage.PRESALES


def test_stage_close_with_an_unreviewed_document_is_refused(manager):
    project = walk_to(delivery_project(actor=manager), manager, Stage.CONTRACT)
    add_equipment(project, manager)
    services.delivery_project_update(
        project=project,
        actor=manager,
        equipment_confirmed_on=datetime.date(2026, 1, 5),
        contract_signed_on=datetime.date(2026, 1, 6),
    )
    for doc in project.documents.filter(stage=Stage.CONTRACT):
        services.document_upload(document=doc, actor=manager, upload=pdf())  # uploaded, equipment list not reviewed
    with pytest.raises(ValidationError) as exc:
        services.stage_close(project=project, actor=manager)
    assert any("设备清单" in m for m in exc.value.messages)


def test_presales_lost_bid_ends_the_project(manager):
    project = delivery_project(actor=manager)
    services.delivery_project_update(project=project, actor=manager, bid_won=False)
    fill_stage(project, manager)
    services.stage_close(project=project, actor=manager)
    project.refresh_from_db()
    assert project.stage == Stage.LOST


def test_arrival_before_design_review_is_refused(manager):
    project = walk_to(delivery_project(actor=manager), manager, Stage.PROCUREMENT)
    with pytest.raises(ValidationError, match="审核通过设计"):
        services.arrival_record(project=project, actor=manager, arrived_on=datetime.date(2026, 2, 1), description="x")


def test_design_review_after_arrival_is_refused(manager, customer_a_user):
    project = walk_to(delivery_project(actor=manager), manager, Stage.PROCUREMENT)
    # the design documents need no review on this project, the schedule is uploaded: equipment arrives ...
    design = project.documents.get(kind="detailed_design")
    project.documents.filter(stage=Stage.DESIGN).exclude(pk=design.pk).update(review_status="not_required")
    design.review_status = "not_required"
    design.save()
    services.arrival_record(project=project, actor=manager, arrived_on=datetime.date(2026, 2, 1), description="交换机")
    # ... and a review asked afterwards is refused: the customer reviews the design before the arrival
    design.review_status = "pending"
    design.save()
    services.document_upload(document=design, actor=manager, upload=pdf())
    with pytest.raises(ValidationError, match="已到货"):
        services.document_review(document=design, actor=customer_a_user, approve=True)


def test_new_version_needs_a_new_review(manager):
    project = delivery_project(actor=manager)
    doc = project.documents.get(kind="equipment_list")
    services.document_upload(document=doc, actor=manager, upload=pdf())
    services.document_review(document=doc, actor=manager, approve=True)
    services.document_upload(document=doc, actor=manager, upload=pdf("v2.pdf"))
    doc.refresh_from_db()
    assert (doc.current_version, doc.review_status) == (2, "pending")


def test_changes_requested_needs_a_note(manager):
    project = delivery_project(actor=manager)
    doc = project.documents.get(kind="equipment_list")
    services.document_upload(document=doc, actor=manager, upload=pdf())
    with pytest.raises(ValidationError):
        services.document_review(document=doc, actor=manager, approve=False, note=" ")


def test_execution_close_needs_readiness_checklist(manager):
    project = walk_to(delivery_project(actor=manager), manager, Stage.EXECUTION)
    fill_stage(project, manager)
    with pytest.raises(ValidationError) as exc:
        services.stage_close(project=project, actor=manager)
    assert any("强电" in m for m in exc.value.messages)


def test_trial_run_cannot_close_before_it_ends(manager):
    project = walk_to(delivery_project(actor=manager), manager, Stage.TRIAL_RUN)
    services.delivery_project_update(project=project, actor=manager, trial_run_start=datetime.date(2026, 4, 2))
    fill_stage(project, manager)
    with pytest.raises(ValidationError, match="2026-07-02"):
        services.stage_close(project=project, actor=manager, today=datetime.date(2026, 6, 1))


def test_walk_to_accepted_records_every_stage_on_the_timeline(manager):
    project = walk_to(delivery_project(actor=manager), manager, Stage.ACCEPTED)
    closes = StageEvent.objects.filter(project=project, kind="stage_closed").count()
    assert closes == 9


def test_milestones_skip_weekends_and_a_holiday(manager):
    # Signed Wed 2026-01-07 on a 5x8 calendar without statutory holidays, with Fri 2026-01-09 closed:
    # 3 working days = Thu 8, Mon 12, Tue 13.
    calendar = CalendarFactory(china_holidays=False)
    CalendarOverride.objects.create(calendar=calendar, date=datetime.date(2026, 1, 9), action="closed", reason="厂休")
    cal = calendar.working_calendar()
    assert services.working_days_after(cal, datetime.date(2026, 1, 7), 3) == datetime.date(2026, 1, 13)


def test_milestones_follow_chinese_statutory_holidays(manager):
    # National Day 2026: 1–7 October off; signed Wed 30 September, 1 working day later is Thursday 8 October.
    calendar = CalendarFactory(china_holidays=True)
    project = delivery_project(actor=manager, calendar=calendar, contract_signed_on=datetime.date(2026, 9, 30))
    arrival = project.milestones.get(code="arrival")
    cal = calendar.working_calendar()
    assert services.working_days_after(cal, datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)
    # 30 working days from 30 Sep skip the whole golden week
    assert arrival.planned_on > datetime.date(2026, 11, 9)
    assert arrival.is_late(today=arrival.planned_on + datetime.timedelta(days=1))
    assert not arrival.is_late(today=arrival.planned_on)


def test_signing_date_change_replans_milestones(manager):
    project = delivery_project(actor=manager)
    assert project.milestones.get(code="arrival").planned_on is None
    services.delivery_project_update(project=project, actor=manager, contract_signed_on=datetime.date(2026, 3, 2))
    assert project.milestones.get(code="arrival").planned_on is not None


def test_weekly_report_is_generated_from_records(manager):
    project = delivery_project(actor=manager)
    services.daily_report_add(
        project=project, actor=manager, day=datetime.date(2026, 3, 3), work_done="布线 3F", crew=4
    )
    services.issue_add(
        project=project,
        actor=manager,
        occurred_on=datetime.date(2026, 3, 4),
        description="桥架不足",
        reported_by="监理王工",
    )
    report = services.weekly_report_generate(project=project, actor=manager, week_start=datetime.date(2026, 3, 4))
    assert report.week_start == datetime.date(2026, 3, 2)
    assert report.data["days_reported"] == 1
    assert report.data["issues_opened"] == ["桥架不足"]
    again = services.weekly_report_generate(project=project, actor=manager, week_start=datetime.date(2026, 3, 2))
    assert again.pk == report.pk


def test_daily_report_once_per_day(manager):
    project = delivery_project(actor=manager)
    services.daily_report_add(project=project, actor=manager, day=datetime.date(2026, 3, 3), work_done="a")
    with pytest.raises(ValidationError):
        services.daily_report_add(project=project, actor=manager, day=datetime.date(2026, 3, 3), work_done="b")


def test_issue_solve_needs_a_solution(manager):
    project = delivery_project(actor=manager)
    issue = services.issue_add(
        project=project, actor=manager, occurred_on=datetime.date(2026, 3, 4), description="x", reported_by="y"
    )
    with pytest.raises(ValidationError):
        services.issue_solve(issue=issue, actor=manager, solution="", solved_on=datetime.date(2026, 3, 5))
