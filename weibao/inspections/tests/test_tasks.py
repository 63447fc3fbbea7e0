"""Issue 15, the inspections' background work: missed visits escalated to the managers once, the coming week's
visits assigned by the dispatch rules (the engineer on the roster that day wins), the signed report mailed with
its PDF."""

import datetime as dt

import pytest

from weibao.inspections import services, tasks
from weibao.inspections.choices import VisitStatus
from weibao.inspections.tests.conftest import signature_data_url

pytestmark = pytest.mark.django_db


def test_missed_visits_are_escalated_once(plan_a, manager, mailoutbox, django_capture_on_commit_callbacks):
    from weibao.notifications.models import Delivery

    missed = services.visits_mark_missed(today=dt.date(2026, 2, 10))
    with django_capture_on_commit_callbacks(execute=True):  # the outbox queues the send once the rows commit
        assert tasks.escalate_missed.call(visit_ids=missed) == 2
    assert tasks.escalate_missed.call(visit_ids=missed) == 0  # already told
    assert Delivery.objects.get(notice="inspection_missed").status == "sent"
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


def _complete(visit, engineer) -> None:
    """Start the visit, answer its checklist and complete it (ready for the customer's signature)."""
    services.visit_start(visit=visit, actor=engineer)
    answers = {a.text: a.pk for a in visit.answers.all()}
    services.visit_record_answers(
        visit=visit,
        actor=engineer,
        answers={
            answers["核心交换机运行指示灯正常"]: {"value": "yes"},
            answers["机房温度"]: {"value": "22"},
            answers["日志告警摘要"]: {"value": "正常"},
        },
    )
    services.visit_complete(visit=visit, actor=engineer)


def test_signed_report_is_mailed_with_its_pdf(
    visit_a, field_engineer, customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    from weibao.customers.models import Contact

    Contact.objects.create(
        customer=customer_a, organisation=customer_a.organisation, name="王经理", email="wang@example.cn"
    )
    _complete(visit_a, field_engineer)
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


def test_signed_report_waits_in_the_outbox_while_the_mail_server_is_down(
    visit_a, field_engineer, customer_a, settings, django_capture_on_commit_callbacks
):
    """The report goes through the notifications outbox: with the mail server down it is retried, not lost; once the
    server is back the retry sends it with the kept PDF; running the task again queues nothing twice."""
    from django.core.files.storage import default_storage

    from weibao.customers.models import Contact
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import delivery_send
    from weibao.notifications.tests import servers

    Contact.objects.create(
        customer=customer_a, organisation=customer_a.organisation, name="王经理", email="w@example.cn"
    )
    _complete(visit_a, field_engineer)
    settings.MAILERS = servers.smtp_mailer(servers.free_port())  # nobody listens
    with django_capture_on_commit_callbacks(execute=True):
        services.visit_sign(
            visit=visit_a, actor=field_engineer, customer_name="王经理", customer_signature=signature_data_url()
        )
    delivery = Delivery.objects.get(notice="inspection_report")
    assert (delivery.recipient, delivery.status) == ("w@example.cn", "retrying")
    assert default_storage.exists(tasks.report_path(visit_a))
    assert tasks.report_deliver.call(visit_id=visit_a.pk)["deliveries"] == 0  # a second run: nothing twice

    server = servers.SmtpCapture()
    server.start()
    try:
        settings.MAILERS = servers.smtp_mailer(server.port)
        later = delivery.next_try_at + dt.timedelta(seconds=1)  # the retry's time has come
        assert delivery_send(delivery_id=delivery.pk, now=later) == "sent"
    finally:
        server.stop()
    (received,) = server.messages
    assert received["to"] == ["w@example.cn"]
    (attachment,) = [p for p in received["message"].walk() if p.get_content_type() == "application/pdf"]
    assert attachment.get_payload(decode=True)[:4] == b"%PDF"
