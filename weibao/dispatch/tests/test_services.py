import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from weibao.dispatch.choices import RosterKind
from weibao.dispatch.models import RosterEntry
from weibao.dispatch.services import (
    roster_copy_week,
    roster_entry_create,
    roster_entry_delete,
    roster_entry_update,
    shift_bounds,
)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 23)  # a Monday


def test_create_day_shift_stores_local_instants(manager, field_engineer, branch):
    entry = roster_entry_create(
        actor=manager, branch=branch, engineer=field_engineer, date=DAY, start=dt.time(8, 30), end=dt.time(17, 30)
    )
    assert entry.local_start.time() == dt.time(8, 30)
    assert entry.local_end.time() == dt.time(17, 30)
    assert entry.local_start.tzinfo is not None
    assert not entry.overnight
    assert entry.created_by == manager


def test_night_shift_ends_next_day(manager, duty_engineer, branch):
    entry = roster_entry_create(
        actor=manager,
        branch=branch,
        engineer=duty_engineer,
        date=DAY,
        start=dt.time(20, 0),
        end=dt.time(8, 0),
        kind=RosterKind.STANDBY,
    )
    assert entry.overnight
    assert entry.ends_at - entry.starts_at == dt.timedelta(hours=12)


def test_overlapping_shift_of_same_engineer_is_refused(manager, field_engineer, branch):
    roster_entry_create(
        actor=manager, branch=branch, engineer=field_engineer, date=DAY, start=dt.time(8), end=dt.time(17)
    )
    with pytest.raises(ValidationError) as exc:
        roster_entry_create(
            actor=manager, branch=branch, engineer=field_engineer, date=DAY, start=dt.time(16), end=dt.time(22)
        )
    assert "engineer" in exc.value.message_dict
    assert RosterEntry.objects.count() == 1


def test_adjacent_shifts_are_fine(manager, field_engineer, branch):
    roster_entry_create(
        actor=manager, branch=branch, engineer=field_engineer, date=DAY, start=dt.time(8), end=dt.time(17)
    )
    roster_entry_create(
        actor=manager, branch=branch, engineer=field_engineer, date=DAY, start=dt.time(17), end=dt.time(22)
    )
    assert RosterEntry.objects.count() == 2


def test_customer_user_cannot_be_rostered(manager, customer_a_user, branch):
    with pytest.raises(ValidationError):
        roster_entry_create(
            actor=manager, branch=branch, engineer=customer_a_user, date=DAY, start=dt.time(8), end=dt.time(17)
        )


def test_update_moves_shift_and_keeps_overlap_rule(manager, field_engineer, branch):
    first = roster_entry_create(
        actor=manager, branch=branch, engineer=field_engineer, date=DAY, start=dt.time(8), end=dt.time(12)
    )
    second = roster_entry_create(
        actor=manager, branch=branch, engineer=field_engineer, date=DAY, start=dt.time(13), end=dt.time(17)
    )
    moved = roster_entry_update(
        entry=first,
        actor=manager,
        engineer=field_engineer,
        date=DAY,
        start=dt.time(7),
        end=dt.time(13),
        kind=RosterKind.STANDBY,
    )
    assert (moved.local_start.hour, moved.local_end.hour, moved.kind) == (7, 13, RosterKind.STANDBY)
    with pytest.raises(ValidationError):
        roster_entry_update(
            entry=second,
            actor=manager,
            engineer=field_engineer,
            date=DAY,
            start=dt.time(12),
            end=dt.time(17),
            kind=RosterKind.ON_DUTY,
        )


def test_delete(manager, field_engineer, branch):
    entry = roster_entry_create(
        actor=manager, branch=branch, engineer=field_engineer, date=DAY, start=dt.time(8), end=dt.time(17)
    )
    roster_entry_delete(entry=entry, actor=manager)
    assert not RosterEntry.objects.exists()


def test_copy_week_skips_existing(manager, field_engineer, duty_engineer, branch):
    for offset in range(3):
        roster_entry_create(
            actor=manager,
            branch=branch,
            engineer=field_engineer,
            date=DAY + dt.timedelta(days=offset),
            start=dt.time(8),
            end=dt.time(17),
        )
    next_monday = DAY + dt.timedelta(days=7)
    roster_entry_create(
        actor=manager, branch=branch, engineer=field_engineer, date=next_monday, start=dt.time(9), end=dt.time(10)
    )
    created = roster_copy_week(actor=manager, branch=branch, source_monday=DAY, target_monday=next_monday)
    assert created == 2  # Monday overlaps the shift already planned
    assert RosterEntry.objects.filter(date__gte=next_monday).count() == 3
    assert roster_copy_week(actor=manager, branch=branch, source_monday=DAY, target_monday=DAY) == 0


def test_shift_bounds_are_aware_in_current_zone():
    start, end = shift_bounds(date=DAY, start=dt.time(8), end=dt.time(8))
    assert end - start == dt.timedelta(days=1)
    assert timezone.localtime(start).hour == 8
