"""Issue 15, the inspections' background work: missed visits escalated to the managers once, the coming week's
visits assigned by the dispatch rules (the engineer on the roster that day wins), the signed report mailed with
its PDF."""

import datetime as dt

import pytest

from weibao.inspections import services, tasks
from weibao.inspections.choices import VisitStatus
from weibao.inspections.tests.conftest import signature_data_url

pytestmark = pytest.mark.django_db


def test_missed_visits_are_escalated_once(plan_a, manager, mailoutbox):
    missed = services.visits_mark_missed(today=dt.date(2026, 2, 10))
    assert tasks.escalate_missed.call(visit_ids=missed) == 2
    assert tasks.escalate_missed.call(visit_ids=missed) == 0  # already told
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [manager.email]
    assert "月度网络巡检" in mailoutbox[0].body


def test_upcoming_visits_get_the_engineer_on_the_roster(manager, contract_a, site_a, checklist, make_user, branch):
    from weibao.dispatch.services import roster_entry_create

    plan = services.plan_create(
        actor=manager,
        contract=contract_a,
        site=site_a,
        template=checklist,
        name="周巡检",
        frequency="working_days",
        interval_days=5,
        starts_on=dt.date(2026, 3, 2),
        today=dt.date(2026, 3, 2),
    )
    idle = make_user("field_engineer", name="空闲")
    rostered = make_user("field_engineer", name="值班")
    assert idle.pk
    roster_entry_create(
        actor=manager, branch=branch, engineer=rostered, date=dt.date(2026, 3, 2), start=dt.time(8), end=dt.time(18)
    )
    assert services.visits_assign_upcoming(today=dt.date(2026, 3, 2), days=0) == 1
    first = plan.visits.get(scheduled_on=dt.date(2026, 3, 2))
    assert first.assignee == rostered
    assert plan.visits.filter(assignee__isnull=True).count() == plan.visits.count() - 1


def test_signed_report_is_mailed_with_its_pdf(
    visit_a, field_engineer, customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    from weibao.customers.models import Contact

    Contact.objects.create(
        customer=customer_a, organisation=customer_a.organisation, name="王经理", email="wang@example.cn"
    )
    services.visit_start(visit=visit_a, actor=field_engineer)
    answers = {a.text: a.pk for a in visit_a.answers.all()}
    services.visit_record_answers(
        visit=visit_a,
        actor=field_engineer,
        answers={
            answers["核心交换机运行指示灯正常"]: {"value": "yes"},
            answers["机房温度"]: {"value": "22"},
            answers["日志告警摘要"]: {"value": "正常"},
        },
    )
    services.visit_complete(visit=visit_a, actor=field_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        services.visit_sign(
            visit=visit_a, actor=field_engineer, customer_name="王经理", customer_signature=signature_data_url()
        )
    visit_a.refresh_from_db()
    assert visit_a.status == VisitStatus.SIGNED
    assert mailoutbox[-1].to == ["wang@example.cn"]
    name, content, mimetype = mailoutbox[-1].attachments[0]
    assert mimetype == "application/pdf"
    assert content[:4] == b"%PDF"
