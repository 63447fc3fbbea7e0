"""Regular reports (定期报告): periods, generation on the first working day after the period (across a holiday),
review, sending with the PDF, history; the schedule's validation."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.notifications.models import Delivery
from weibao.slareports import services
from weibao.slareports.models import PeriodicReport, ReportSchedule

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.mark.parametrize(
    ("frequency", "today", "expected"),
    [
        ("monthly", D(2026, 4, 10), (D(2026, 3, 1), D(2026, 3, 31))),
        ("monthly", D(2026, 1, 2), (D(2025, 12, 1), D(2025, 12, 31))),
        ("quarterly", D(2026, 4, 1), (D(2026, 1, 1), D(2026, 3, 31))),
        ("quarterly", D(2026, 3, 31), (D(2025, 10, 1), D(2025, 12, 31))),
        ("quarterly", D(2026, 10, 8), (D(2026, 7, 1), D(2026, 9, 30))),
    ],
)
def test_last_complete_period(frequency, today, expected):
    assert services.last_complete_period(frequency, today) == expected


@pytest.fixture
def five_by_eight_contract(customer_a):
    from weibao.contracts.tests.factories import CalendarFactory, ContractFactory

    return ContractFactory(customer=customer_a, code="HT-58", calendar=CalendarFactory())


def test_generation_waits_for_the_first_working_day_after_the_national_day_holiday(five_by_eight_contract, manager):
    services.schedule_set(contract=five_by_eight_contract, actor=manager, frequency="monthly")
    # September 2026 ends on a Wednesday; 1–7 October are off on a 5x8 China calendar: due on Thursday 8 October.
    assert services.first_working_day_after(five_by_eight_contract, D(2026, 9, 30)) == D(2026, 10, 8)
    for day in (1, 5, 7):
        assert services.reports_generate_due(today=D(2026, 10, day))["generated"] == 0
    assert PeriodicReport.objects.count() == 0
    counts = services.reports_generate_due(today=D(2026, 10, 8))
    assert counts["generated"] == 1
    report = PeriodicReport.objects.get()
    assert (report.period_start, report.period_end, report.status) == (D(2026, 9, 1), D(2026, 9, 30), "generated")
    # Run again (a second worker, the next day): no second report.
    assert services.reports_generate_due(today=D(2026, 10, 9)) == {
        "checked": 1,
        "generated": 0,
        "existing": 1,
        "not_yet": 0,
    }


def test_generation_reports_progress_and_skips_unscheduled_contracts(march, contract_a, contract_b, manager):
    services.schedule_set(contract=contract_a, actor=manager, frequency="monthly")
    services.schedule_set(contract=contract_b, actor=manager, frequency="none")
    seen = []
    counts = services.reports_generate_due(today=D(2026, 4, 1), progress=lambda done, total: seen.append((done, total)))
    assert counts["generated"] == 1
    assert seen == [(1, 1)]
    report = PeriodicReport.objects.get()
    assert report.contract == contract_a
    assert report.data["orders_total"] == 5  # the snapshot keeps the numbers


@pytest.fixture
def generated(march, contract_a):
    report, _created = services.report_generate(
        contract=contract_a, start=D(2026, 3, 1), end=D(2026, 3, 31), frequency="monthly"
    )
    return report


@pytest.fixture
def contact_a(customer_a):
    from weibao.customers.models import Contact

    return Contact.objects.create(
        customer=customer_a,
        organisation=customer_a.organisation,
        name="王经理",
        email="Wang@Example.com",
        is_primary=True,
    )


def test_review_then_send_mails_the_pdf_to_the_contacts(
    generated, manager, contact_a, contract_a, mailoutbox, django_capture_on_commit_callbacks
):
    services.schedule_set(contract=contract_a, actor=manager, frequency="monthly", extra_recipients="cio@example.com")
    report = services.report_review(report=generated, actor=manager, expected_version=1, note="三月运行平稳。")
    assert report.status == "reviewed"
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_send(report=report, actor=manager, expected_version=report.version)
    report.refresh_from_db()
    assert report.status == "sent"
    assert report.sent_to == ["wang@example.com", "cio@example.com"]
    assert report.pdf.name
    assert report.mailed_at is not None
    # One mail per recipient through the outbox (retries and the delivery log per address).
    assert sorted(mail.to[0] for mail in mailoutbox) == ["cio@example.com", "wang@example.com"]
    for mail in mailoutbox:
        ((name, content, mime),) = mail.attachments
        assert mime == "application/pdf"
        assert content.startswith(b"%PDF")
        assert "三月运行平稳。" in mail.body
    assert set(Delivery.objects.filter(notice="sla_report").values_list("recipient", "status")) == {
        ("wang@example.com", "sent"),
        ("cio@example.com", "sent"),
    }
    # History: the sent report stays, and sending twice is refused.
    with pytest.raises(TransitionNotAllowed):
        services.report_send(report=report, actor=manager, expected_version=report.version)


def test_mail_task_runs_once(generated, manager, contact_a, mailoutbox, django_capture_on_commit_callbacks):
    from weibao.slareports.tasks import report_mail

    report = services.report_review(report=generated, actor=manager, expected_version=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_send(report=report, actor=manager, expected_version=report.version)
    assert report_mail.call(report_id=report.pk) == {"skipped": True}
    assert len(mailoutbox) == 1  # contact_a only


def test_send_needs_a_review_first(generated, manager, contact_a):
    with pytest.raises(TransitionNotAllowed):
        services.report_send(report=generated, actor=manager, expected_version=1)


def test_send_without_any_recipient_stores_nothing(generated, manager):
    report = services.report_review(report=generated, actor=manager, expected_version=1)
    with pytest.raises(ValidationError) as exc:
        services.report_send(report=report, actor=manager, expected_version=report.version)
    assert "recipients" in exc.value.message_dict
    report.refresh_from_db()
    assert report.status == "reviewed"
    assert not report.pdf
    assert report.sent_at is None


def test_stale_review_is_refused(generated, manager):
    services.report_review(report=generated, actor=manager, expected_version=1)
    services.report_reopen(report=generated, actor=manager, expected_version=2)
    with pytest.raises(StaleEdit):
        services.report_review(report=generated, actor=manager, expected_version=1)


def test_engineer_may_not_review(generated, field_engineer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.report_review(report=generated, actor=field_engineer, expected_version=1)


def test_schedule_refuses_bad_input_and_stores_nothing(contract_a, manager):
    with pytest.raises(ValidationError) as exc:
        services.schedule_set(contract=contract_a, actor=manager, frequency="weekly")
    assert "frequency" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.schedule_set(contract=contract_a, actor=manager, frequency="monthly", extra_recipients="a@b.cn, nope")
    assert "extra_recipients" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.schedule_set(contract=contract_a, actor=manager, frequency="monthly", major_down_hours=0)
    assert not ReportSchedule.objects.exists()


def test_schedule_edit_is_versioned(contract_a, manager):
    schedule = services.schedule_set(contract=contract_a, actor=manager, frequency="monthly")
    services.schedule_set(contract=contract_a, actor=manager, frequency="quarterly", expected_version=schedule.version)
    with pytest.raises(StaleEdit):
        services.schedule_set(contract=contract_a, actor=manager, frequency="none", expected_version=schedule.version)
    assert ReportSchedule.objects.get().frequency == "quarterly"


def test_generate_command_prints_progress(march, contract_a, manager):
    import io

    from django.core.management import call_command

    services.schedule_set(contract=contract_a, actor=manager, frequency="monthly")
    out = io.StringIO()
    call_command("slareports_generate", "--today", "2026-04-01", stdout=out)
    assert "1/1 schedules checked" in out.getvalue()
    assert "'generated': 1" in out.getvalue()
    assert PeriodicReport.objects.get().period_start == D(2026, 3, 1)
