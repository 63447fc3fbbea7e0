"""Issue 18 §1: a new A/B order wakes the duty roster and the branch manager; the reporter of a phone report hears
of registration, resolution and close by the contact's mail (and mobile) copied onto the order."""

import datetime as dt

import pytest
from django.utils import timezone

from weibao.notifications.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(customer_a, branch, manager, duty_engineer, make_user):
    """Customer A served by the branch; the duty engineer on duty now, a field engineer on standby, one off duty."""
    from weibao.dispatch.models import RosterEntry

    customer_a.branch = branch
    customer_a.save(update_fields=["branch"])
    now = timezone.now()
    standby = make_user("field_engineer")
    off_duty = make_user("duty_engineer")
    RosterEntry.objects.create(
        branch=branch,
        engineer=duty_engineer,
        date=now.date(),
        kind="on_duty",
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=6),
    )
    RosterEntry.objects.create(
        branch=branch,
        engineer=standby,
        date=now.date(),
        kind="standby",
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=6),
    )
    RosterEntry.objects.create(
        branch=branch,
        engineer=off_duty,
        date=now.date(),
        kind="on_duty",
        starts_at=now + dt.timedelta(hours=6),
        ends_at=now + dt.timedelta(hours=14),
    )
    return {"standby": standby, "off_duty": off_duty}


def _report(customer, actor, capture, **kwargs):
    from weibao.workorders.tests.factories import make_workorder

    with capture(execute=True):
        return make_workorder(site=customer.sites.first(), actor=actor, **kwargs)


def test_new_a_order_tells_the_on_duty_engineer_and_the_manager(
    desk, customer_a, duty_engineer, manager, smtp, django_capture_on_commit_callbacks
):
    order = _report(customer_a, duty_engineer, django_capture_on_commit_callbacks, severity="A")

    staff = Delivery.objects.filter(workorder=order, notice="new_order")
    assert set(staff.values_list("recipient", flat=True)) == {duty_engineer.email, manager.email}
    assert set(staff.values_list("status", flat=True)) == {"sent"}
    assert any(m["to"] == [manager.email] for m in smtp.messages)
    subject = staff.get(recipient=manager.email).subject
    assert order.number in subject
    assert "A" in subject


def test_standby_is_told_when_nobody_is_on_duty(
    desk, customer_a, duty_engineer, django_capture_on_commit_callbacks, smtp
):
    from weibao.dispatch.models import RosterEntry

    RosterEntry.objects.filter(engineer=duty_engineer).delete()
    order = _report(customer_a, duty_engineer, django_capture_on_commit_callbacks, severity="B")

    told = set(Delivery.objects.filter(workorder=order, notice="new_order").values_list("recipient", flat=True))
    assert desk["standby"].email in told
    assert desk["off_duty"].email not in told


def test_c_order_wakes_nobody(desk, customer_a, duty_engineer, smtp, django_capture_on_commit_callbacks):
    order = _report(customer_a, duty_engineer, django_capture_on_commit_callbacks, severity="C")

    assert not Delivery.objects.filter(workorder=order, notice="new_order").exists()


def test_phone_report_copies_the_contact_and_tells_them_at_registration_resolution_and_close(
    desk, customer_a, duty_engineer, manager, smtp, django_capture_on_commit_callbacks
):
    from weibao.workorders.services import workorder_acknowledge, workorder_close, workorder_resolve

    contact = customer_a.contacts.get()
    order = _report(customer_a, duty_engineer, django_capture_on_commit_callbacks, severity="B", contact=contact)
    assert (order.reporter_name, order.reporter_email, order.reporter_phone) == (
        "李四",
        "lisi@jia.example.cn",
        "13800000001",
    )
    with django_capture_on_commit_callbacks(execute=True):
        workorder_acknowledge(workorder=order, actor=duty_engineer)
        workorder_resolve(workorder=order, actor=duty_engineer, resolution="更换光模块")
    with django_capture_on_commit_callbacks(execute=True):
        workorder_close(workorder=order, actor=manager, reason_code="customer_confirmed", note="电话确认")

    to_contact = Delivery.objects.filter(workorder=order, recipient="lisi@jia.example.cn", channel="email")
    assert set(to_contact.values_list("notice", flat=True)) >= {"received", "resolved", "closed"}


def test_the_demo_writes_mail_to_files(tmp_path, settings, order_a, duty_engineer, django_capture_on_commit_callbacks):
    """scripts/run.sh sets the file backend: a notice of the demo lands in var/mail, no SMTP server needed."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    from weibao.workorders.services import workorder_acknowledge

    with django_capture_on_commit_callbacks(execute=True):
        workorder_acknowledge(workorder=order_a, actor=duty_engineer)

    written = "".join(p.read_text(errors="replace") for p in tmp_path.iterdir())
    assert "zhangsan@jia.example.cn" in written
    assert Delivery.objects.filter(workorder=order_a, status="sent").exists()
