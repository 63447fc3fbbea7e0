"""Issue 18 §3: 7x24 cover — holes in the roster of a branch serving a round-the-clock contract are shown on the
roster page and told to the branch's managers once; the demo roster covers the 7x24 hospital round the clock."""

import datetime as dt

import pytest
from django.utils import timezone

from weibao.dispatch.cover import cover_gaps
from weibao.dispatch.models import RosterEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_the_clock(branch):
    """A hospital in a region of the branch under a 7x24 contract in force."""
    from weibao.accounts.models import Region
    from weibao.contracts.tests.factories import CalendarFactory, ContractFactory, CustomerFactory, SiteFactory

    region = Region.objects.create(name="南京市区", branch=branch)
    customer = CustomerFactory()
    SiteFactory(customer=customer, region=region)
    today = timezone.localdate()
    return ContractFactory(
        customer=customer,
        code="HT-7X24",
        calendar=CalendarFactory(kind="always", mon_hours=""),
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=300),
    )


def _shift(branch, engineer, start, hours, kind="on_duty"):
    return RosterEntry.objects.create(
        branch=branch,
        engineer=engineer,
        date=timezone.localtime(start).date(),
        kind=kind,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
    )


def test_a_night_without_anyone_is_a_gap(round_the_clock, branch, duty_engineer):
    now = timezone.now()
    _shift(branch, duty_engineer, now - dt.timedelta(hours=1), 9)

    gaps = cover_gaps(now=now)

    assert len(gaps) == 1
    gap = gaps[0]
    assert gap.branch_id == branch.pk
    assert gap.start == now + dt.timedelta(hours=8)
    assert gap.regions == ["南京市区"]
    assert gap.contracts == ["HT-7X24"]


def test_standby_closes_the_gap(round_the_clock, branch, duty_engineer, field_engineer):
    now = timezone.now()
    _shift(branch, duty_engineer, now - dt.timedelta(hours=1), 9)
    _shift(branch, field_engineer, now + dt.timedelta(hours=8), 17, kind="standby")

    assert cover_gaps(now=now) == []


def test_a_5x8_contract_needs_no_night_cover(branch, duty_engineer):
    from weibao.accounts.models import Region
    from weibao.contracts.tests.factories import ContractFactory, CustomerFactory, SiteFactory

    customer = CustomerFactory()
    SiteFactory(customer=customer, region=Region.objects.create(name="苏州", branch=branch))
    today = timezone.localdate()
    ContractFactory(customer=customer, start_date=today, end_date=today + dt.timedelta(days=30))

    assert cover_gaps() == []


def test_managers_are_told_once(round_the_clock, branch, manager, settings, django_capture_on_commit_callbacks):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import cover_gap_notify

    with django_capture_on_commit_callbacks(execute=True):
        cover_gap_notify(gaps=cover_gaps())
        cover_gap_notify(gaps=cover_gaps())  # the next check a quarter of an hour later

    told = Delivery.objects.filter(notice="cover_gap")
    assert list(told.values_list("recipient", flat=True)) == [manager.email]
    assert "南京市区" in told.get().subject
    assert told.get().status == "sent"


def test_roster_page_warns(client, round_the_clock, branch, manager):
    client.force_login(manager)
    page = client.get(f"/dispatch/roster/?branch={branch.pk}").content.decode()
    assert 'data-testid="cover-gap"' in page
    assert "南京市区" in page


def test_demo_roster_covers_the_hospital_round_the_clock(db):
    import io

    from django.core.management import call_command

    call_command("seed", "--demo", stdout=io.StringIO())
    now = timezone.now()
    for hours in range(0, 24 * 6, 3):  # every three hours of the coming days
        assert cover_gaps(now=now + dt.timedelta(hours=hours)) == [], hours
