"""Demo and scale data for the duty roster: shifts for this week and the next."""

import datetime as dt

from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.dispatch.choices import RosterKind
from weibao.dispatch.models import RosterEntry
from weibao.dispatch.services import shift_bounds

DAY = (dt.time(8, 30), dt.time(17, 30))
NIGHT = (dt.time(17, 30), dt.time(8, 30))


def _plan(engineers: list[User], monday: dt.date, days: int) -> list[RosterEntry]:
    """Rotate engineers of each branch: one duty engineer day and night (a second one at night, else a standby
    engineer in turn), field engineers on duty or standby by day."""
    entries = []
    by_branch: dict[int, list[User]] = {}
    for engineer in engineers:
        if engineer.branch_id:
            by_branch.setdefault(engineer.branch_id, []).append(engineer)
    for branch_id, staff in by_branch.items():
        duty = [u for u in staff if u.role == Role.DUTY_ENGINEER]
        field = [u for u in staff if u.role == Role.FIELD_ENGINEER]
        for offset in range(days):
            day = monday + dt.timedelta(days=offset)
            rostered = []
            if duty:
                rostered.append((duty[offset % len(duty)], RosterKind.ON_DUTY, DAY))
                if len(duty) > 1:
                    rostered.append((duty[(offset + 1) % len(duty)], RosterKind.ON_DUTY, NIGHT))
            if len(duty) <= 1 and staff:
                # Nights and weekends on standby (备班), in turn: the 7x24 hospital's branch is never uncovered.
                night = [*field, *duty]
                rostered.append((night[offset % len(night)], RosterKind.STANDBY, NIGHT))
            for i, engineer in enumerate(field):
                kind = RosterKind.ON_DUTY if (i + offset) % 3 else RosterKind.STANDBY
                rostered.append((engineer, kind, DAY))
            for engineer, kind, (start, end) in rostered:
                starts_at, ends_at = shift_bounds(date=day, start=start, end=end)
                entries.append(
                    RosterEntry(
                        branch_id=branch_id,
                        engineer=engineer,
                        date=day,
                        kind=kind,
                        starts_at=starts_at,
                        ends_at=ends_at,
                    )
                )
    return entries


def _seed(*, days: int, stdout) -> None:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    engineers = list(
        User.objects.filter(is_active=True, role__in=[Role.DUTY_ENGINEER, Role.FIELD_ENGINEER]).order_by("pk")
    )
    # Idempotent: a re-run skips shifts that already exist (engineer + start is unique).
    # From yesterday at the latest: last night's shift still runs this morning (Monday 07:00 needs Sunday night).
    first = min(monday, today - dt.timedelta(days=1))
    entries = _plan(engineers, first, days + (monday - first).days)
    RosterEntry.objects.bulk_create(entries, batch_size=1000, ignore_conflicts=True)
    stdout.write(f"  dispatch: roster for {len(engineers)} engineers over {days} days")


def demo(*, stdout) -> None:
    _seed(days=14, stdout=stdout)


def scale(*, n: int, stdout) -> None:
    _seed(days=14, stdout=stdout)
