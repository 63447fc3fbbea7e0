"""Reads for the duty roster and the ranking of field engineers for dispatch."""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from weibao.accounts.choices import Role
from weibao.accounts.models import Branch, Region, Skill, User
from weibao.core.picklists import cached_pick_list
from weibao.dispatch.choices import RosterKind
from weibao.dispatch.models import RosterEntry

# Subsystem kinds of the estate (assets.Subsystem.kind) → the skill codes that fix them (accounts.Skill.code).
SUBSYSTEM_SKILLS: dict[str, tuple[str, ...]] = {
    "cabling": ("cabling",),
    "network": ("network",),
    "pbx": ("pbx",),
    "surveillance": ("cctv",),
    "access": ("access",),
    "av": ("av",),
    "server_room": ("server",),
    "software": ("software",),
}

# Work-order categories (workorders.choices.Category values) that name a skill by themselves.
CATEGORY_SKILLS: dict[str, tuple[str, ...]] = {"network": ("network",), "software": ("software",)}

# Ranking weights. Region first (travel time decides arrival SLAs), then roster, skills, and load.
SCORE_SAME_REGION = 40
SCORE_SAME_BRANCH = 25
SCORE_ON_DUTY = 30
SCORE_STANDBY = 15
SCORE_SHIFT_SOON = 5
SCORE_PER_SKILL = 15
PENALTY_PER_OPEN_ORDER = 10
SOON = dt.timedelta(hours=4)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def roster_week(*, branch: Branch, monday: dt.date) -> list[tuple[dt.date, list[RosterEntry]]]:
    """The seven days of a branch's roster week, each with its shifts in start order (one query)."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    by_day: dict[dt.date, list[RosterEntry]] = {d: [] for d in days}
    entries = (
        RosterEntry.objects.filter(branch=branch, date__gte=days[0], date__lte=days[-1])
        .select_related("engineer")
        .order_by("date", "starts_at", "engineer__name")
    )
    for entry in entries:
        by_day[entry.date].append(entry)
    return list(by_day.items())


class ShiftRow(NamedTuple):
    """A shift as the roster week page shows it (plain values: no model instances for hundreds of shifts)."""

    pk: int
    date: dt.date
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str
    engineer: str  # the engineer's display name (name, else username: `User.__str__`)


def roster_week_rows(*, branch: Branch, monday: dt.date) -> list[tuple[dt.date, list[ShiftRow]]]:
    """`roster_week` as plain rows, in the same order (one query)."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    by_day: dict[dt.date, list[ShiftRow]] = {d: [] for d in days}
    rows = (
        RosterEntry.objects.filter(branch=branch, date__gte=days[0], date__lte=days[-1])
        .order_by("date", "starts_at", "engineer__name")
        .values_list("pk", "date", "kind", "starts_at", "ends_at", "note", "engineer__name", "engineer__username")
    )
    for pk, date, kind, starts_at, ends_at, note, name, username in rows:
        by_day[date].append(ShiftRow(pk, date, kind, starts_at, ends_at, note, name or username))
    return list(by_day.items())


def roster_at(*, at: dt.datetime, branch: Branch | None = None) -> QuerySet[RosterEntry]:
    """Shifts running at the instant `at` (optionally of one branch)."""
    qs = RosterEntry.objects.filter(starts_at__lte=at, ends_at__gt=at).select_related("engineer", "branch")
    if branch is not None:
        qs = qs.filter(branch=branch)
    return qs.order_by("kind", "engineer__name")


def rosterable_engineers(*, branch: Branch | None = None) -> QuerySet[User]:
    """Staff who can be put on a roster: duty and field engineers (of a branch first when given)."""
    qs = User.objects.filter(is_active=True, role__in=[Role.DUTY_ENGINEER, Role.FIELD_ENGINEER]).select_related(
        "branch"
    )
    if branch is not None:
        qs = qs.filter(branch=branch)
    return qs.order_by("name")


def engineer_options(*, branch: Branch | None = None) -> tuple[str, list[tuple[int, str]]]:
    """The add-shift form's engineer options ("name · branch · role", the branch's own first) and a digest of them,
    kept as a pick list (`cached_pick_list`): at 200 engineers building them cost ~4 ms a page view."""

    def compute() -> tuple[str, list[tuple[int, str]]]:
        engineers = list(
            rosterable_engineers().values_list("pk", "name", "username", "branch_id", "branch__name", "role")
        )
        if branch is not None:
            engineers.sort(key=lambda u: (u[3] != branch.pk, u[1]))
        roles = dict(Role.choices)
        options = [
            (pk, f"{name or username} · {branch_name if branch_id else ''} · {roles.get(role, role)}")
            for pk, name, username, branch_id, branch_name, role in engineers
        ]
        return hashlib.sha256(repr(options).encode()).hexdigest()[:32], options

    return cached_pick_list(f"roster-engineers:{branch.pk if branch else 0}:{get_language()}", compute)


def skills_for_subsystem_kinds(kinds: Iterable[str], category: str = "") -> list[Skill]:
    """The skills needed for faults in subsystems of the given kinds (and, if given, of a fault category)."""
    codes = {code for kind in kinds for code in SUBSYSTEM_SKILLS.get(kind, ())}
    codes.update(CATEGORY_SKILLS.get(category, ()))
    return list(Skill.objects.filter(code__in=codes)) if codes else []


@dataclass(frozen=True)
class Suggestion:
    """A field engineer proposed for a dispatch, with the score and the human reasons behind it."""

    engineer: User
    score: int
    load: int
    roster_kind: str | None  # RosterKind value when on the roster at the time, else None
    matched_skills: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)


def _skill_codes(skills: Iterable[Skill | str | int]) -> set[str]:
    codes: set[str] = set()
    ids: set[int] = set()
    for skill in skills:
        if isinstance(skill, Skill):
            codes.add(skill.code)
        elif isinstance(skill, int):
            ids.add(skill)
        else:
            codes.add(str(skill))
    if ids:
        codes.update(Skill.objects.filter(pk__in=ids).values_list("code", flat=True))
    return codes


def suggest_engineers(
    *,
    branch: Branch | None,
    region: Region | None,
    skills: Iterable[Skill | str | int],
    at: dt.datetime,
    load_by_engineer: dict[int, int],
    limit: int | None = 10,
) -> list[Suggestion]:
    """Field engineers ranked for a job: same region/branch, matching skills, on the roster at `at`, low load.

    `load_by_engineer` maps engineer id → open work orders (the caller counts them; dispatch does not read work
    orders). Three queries whatever the number of engineers: engineers, their skills, shifts around `at`.
    """
    needed = _skill_codes(skills)
    engineers = list(
        User.objects.filter(is_active=True, role=Role.FIELD_ENGINEER)
        .select_related("branch")
        .prefetch_related("skills")
    )
    running: dict[int, RosterEntry] = {}
    upcoming: dict[int, RosterEntry] = {}
    shifts = RosterEntry.objects.filter(starts_at__lt=at + SOON, ends_at__gt=at).order_by("starts_at")
    for shift in shifts:
        if shift.starts_at <= at:
            # On duty beats standby when someone holds both around the same time.
            current = running.get(shift.engineer_id)
            if current is None or (current.kind == RosterKind.STANDBY and shift.kind == RosterKind.ON_DUTY):
                running[shift.engineer_id] = shift
        else:
            upcoming.setdefault(shift.engineer_id, shift)

    region_branch_id = region.branch_id if region is not None else None
    suggestions = []
    for engineer in engineers:
        score, reasons = 0, []
        if region is not None and engineer.branch_id == region_branch_id:
            score += SCORE_SAME_REGION
            reasons.append(_("Serves the region %(region)s") % {"region": region.name})
        elif branch is not None and engineer.branch_id == branch.pk:
            score += SCORE_SAME_BRANCH
            reasons.append(_("Same branch (%(branch)s)") % {"branch": branch.name})
        elif engineer.branch_id:
            reasons.append(_("Other branch (%(branch)s)") % {"branch": engineer.branch.name})

        own_skills = {s.code: s.name for s in engineer.skills.all()}
        matched = tuple(sorted(own_skills[c] for c in needed if c in own_skills))
        if needed:
            if matched:
                score += SCORE_PER_SKILL * len(matched)
                reasons.append(_("Skills: %(skills)s") % {"skills": "、".join(matched)})
            else:
                reasons.append(_("No matching skill"))

        shift = running.get(engineer.pk)
        roster_kind = shift.kind if shift else None
        if shift is not None:
            until = time_format(timezone.localtime(shift.ends_at), "H:i")
            if shift.kind == RosterKind.ON_DUTY:
                score += SCORE_ON_DUTY
                reasons.append(_("On duty until %(time)s") % {"time": until})
            else:
                score += SCORE_STANDBY
                reasons.append(_("On standby until %(time)s") % {"time": until})
        elif engineer.pk in upcoming:
            score += SCORE_SHIFT_SOON
            start = time_format(timezone.localtime(upcoming[engineer.pk].starts_at), "H:i")
            reasons.append(_("Shift starts at %(time)s") % {"time": start})
        else:
            reasons.append(_("Not on the roster now"))

        load = int(load_by_engineer.get(engineer.pk, 0))
        score -= PENALTY_PER_OPEN_ORDER * load
        if load:
            reasons.append(ngettext("%(count)d open work order", "%(count)d open work orders", load) % {"count": load})
        else:
            reasons.append(_("No open work orders"))

        suggestions.append(
            Suggestion(
                engineer=engineer,
                score=score,
                load=load,
                roster_kind=roster_kind,
                matched_skills=matched,
                reasons=tuple(reasons),
            )
        )
    suggestions.sort(key=lambda s: (-s.score, s.load, s.engineer.name, s.engineer.pk))
    return suggestions[:limit] if limit else suggestions
