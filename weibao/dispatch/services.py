"""Writes to the duty roster. Views and the API call these; nothing else saves a RosterEntry."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import Branch, User
from weibao.dispatch.choices import RosterKind
from weibao.dispatch.models import RosterEntry

logger = logging.getLogger(__name__)


def shift_bounds(*, date: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """The instants of a shift given as local wall times; an end at or before the start means the next day."""
    tz = timezone.get_current_timezone()
    starts_at = timezone.make_aware(dt.datetime.combine(date, start), tz)
    end_day = date if end > start else date + dt.timedelta(days=1)
    ends_at = timezone.make_aware(dt.datetime.combine(end_day, end), tz)
    return starts_at, ends_at


def _check(entry: RosterEntry) -> None:
    """Refuse rosters that cannot be worked: non-staff, or one person in two overlapping shifts."""
    engineer = entry.engineer
    if entry.ends_at - entry.starts_at >= dt.timedelta(days=1):
        # The form refuses this too; the API would otherwise store a silent 24-hour shift.
        raise ValidationError({"end": _("A shift cannot start and end at the same time.")})
    if not engineer.is_internal or not engineer.is_active:
        raise ValidationError({"engineer": _("Only active staff of our company can be on the roster.")})
    overlapping = RosterEntry.objects.filter(
        engineer=engineer, starts_at__lt=entry.ends_at, ends_at__gt=entry.starts_at
    ).exclude(pk=entry.pk)
    if overlapping.exists():
        raise ValidationError(
            {"engineer": _("%(name)s already has a shift overlapping this time.") % {"name": engineer}}
        )
    entry.full_clean(exclude=["created_by"], validate_unique=False, validate_constraints=True)


@transaction.atomic
def roster_entry_create(
    *,
    actor: User,
    branch: Branch,
    engineer: User,
    date: dt.date,
    start: dt.time,
    end: dt.time,
    kind: str = RosterKind.ON_DUTY,
    note: str = "",
) -> RosterEntry:
    """Put an engineer on the roster of a branch for one shift."""
    # Lock the engineer so two managers rostering the same person at once cannot both pass the overlap check.
    User.objects.select_for_update().filter(pk=engineer.pk).first()
    starts_at, ends_at = shift_bounds(date=date, start=start, end=end)
    entry = RosterEntry(
        branch=branch,
        engineer=engineer,
        date=date,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note.strip(),
        created_by=actor,
    )
    _check(entry)
    entry.save()
    logger.info("roster entry %s created by %s", entry.pk, actor.pk)
    return entry


@transaction.atomic
def roster_entry_update(
    *,
    entry: RosterEntry,
    actor: User,
    engineer: User,
    date: dt.date,
    start: dt.time,
    end: dt.time,
    kind: str,
    note: str = "",
) -> RosterEntry:
    """Change a shift (time, kind, person); the branch of a shift does not change."""
    User.objects.select_for_update().filter(pk=engineer.pk).first()
    entry = RosterEntry.objects.select_for_update().get(pk=entry.pk)
    entry.engineer, entry.date, entry.kind, entry.note = engineer, date, kind, note.strip()
    entry.starts_at, entry.ends_at = shift_bounds(date=date, start=start, end=end)
    _check(entry)
    entry.save()
    logger.info("roster entry %s updated by %s", entry.pk, actor.pk)
    return entry


@transaction.atomic
def roster_entry_delete(*, entry: RosterEntry, actor: User) -> None:
    """Take a shift off the roster (the roster is a plan, not a record: no history is owed)."""
    logger.info("roster entry %s (%s) deleted by %s", entry.pk, entry, actor.pk)
    RosterEntry.objects.filter(pk=entry.pk).delete()


@transaction.atomic
def roster_copy_week(*, actor: User, branch: Branch, source_monday: dt.date, target_monday: dt.date) -> int:
    """Copy one week's shifts of a branch to another week; shifts that would overlap existing ones are skipped.

    Returns the number of shifts created.
    """
    if source_monday == target_monday:
        return 0
    offset = target_monday - source_monday
    created = 0
    source = RosterEntry.objects.filter(
        branch=branch, date__gte=source_monday, date__lt=source_monday + dt.timedelta(days=7)
    ).select_related("engineer")
    for old in source:
        start, end = old.local_start.time(), old.local_end.time()
        try:
            roster_entry_create(
                actor=actor,
                branch=branch,
                engineer=old.engineer,
                date=old.date + offset,
                start=start,
                end=end,
                kind=old.kind,
                note=old.note,
            )
        except ValidationError:
            continue  # already rostered then, or no longer staff: keep what is there
        created += 1
    return created
