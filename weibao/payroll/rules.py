"""The pay rules applied to the facts of a month: pure functions over plain data, no database (so every rule has
a hand-computed unit test). `sources.py` gathers the facts, `services.py` stores what this returns.

The rules (售后服务管理制度 §4 绩效管理, SPEC §5), each amount from the PayRule valid on the item's own date:
- a service counts once per on-site visit whose service form is signed and complete; an incomplete or missing
  form does not count and is listed with the reason;
- dedicated staff get the allowance per counted service; non-dedicated staff get the per-visit labour fee
  instead (and no bonus); travel is reimbursed the same way for both;
- every complaint confirmed against the engineer is fined; the monthly bonus (rule at the month's last day) is
  paid to dedicated staff not on probation unless the month's complaints reach the forfeit threshold;
- a record of a locked month made after its lock is settled in the first month still open when it was recorded
  (an adjustment, `from_month` set); a late complaint that brings its month to the threshold takes that month's
  paid bonus back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.utils.translation import gettext as _

from weibao.payroll.choices import LineKind

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_month(text: str | None) -> dt.date | None:
    """ "2026-11" → 2026-11-01; anything else → None."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", (text or "").strip()[:7])
    if m is None or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 2100:
        return None
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(month: dt.date) -> dt.date:
    """The month's last day."""
    return next_month(month) - dt.timedelta(days=1)


class Rule(Protocol):
    pk: int
    valid_from: dt.date
    service_allowance: Decimal
    monthly_bonus: Decimal
    complaint_fine: Decimal
    forfeit_threshold: int
    non_dedicated_visit_fee: Decimal
    base_salary: Decimal
    probation_base_salary: Decimal
    seniority_per_year: Decimal
    standard_days: Decimal


class NoRule(Exception):
    """No pay rule is valid on a date that needs one."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.message = _("No pay rule is valid on %(day)s: an administrator sets the amounts first.") % {
            "day": day.isoformat()
        }
        super().__init__(self.message)


class RuleBook:
    """The pay rules by validity start: `at(day)` is the rule in force that day."""

    def __init__(self, rules) -> None:
        self.rules = sorted(rules, key=lambda r: r.valid_from)

    def at(self, day: dt.date) -> Rule:
        found = None
        for rule in self.rules:
            if rule.valid_from <= day:
                found = rule
            else:
                break
        if found is None:
            raise NoRule(day)
        return found


@dataclass(frozen=True)
class Person:
    id: int
    branch_id: int | None
    is_dedicated: bool
    on_probation: bool
    hire_date: dt.date | None = None
    attendance_days: Decimal | None = None


@dataclass(frozen=True)
class ServiceFact:
    """One on-site visit: `on` is when its form was first signed, `recorded_at` when it became countable (the
    first complete signed revision) or, if never complete, its last signature."""

    engineer_id: int
    workorder_id: int
    number: str
    on: dt.date
    recorded_at: dt.datetime
    complete: bool
    reason: str = ""


@dataclass(frozen=True)
class ComplaintFact:
    engineer_id: int
    complaint_id: int
    ref: str
    on: dt.date  # registered
    recorded_at: dt.datetime  # confirmed against the engineer
    workorder_id: int | None = None
    number: str = ""


@dataclass(frozen=True)
class TravelFact:
    engineer_id: int
    claim_id: int
    workorder_id: int
    number: str
    on: dt.date  # the trip
    recorded_at: dt.datetime  # the claim
    amount: Decimal
    kind_label: str = ""


@dataclass(frozen=True)
class PriorMonth:
    """What a locked month settled for one engineer: complaints counted so far and the bonus paid."""

    complaints: int
    bonus: Decimal


@dataclass
class Line:
    kind: str
    on: dt.date
    amount: Decimal = ZERO
    workorder_id: int | None = None
    number: str = ""
    ref: str = ""
    reason: str = ""
    rule_id: int | None = None
    from_month: dt.date | None = None


@dataclass
class Result:
    engineer_id: int
    branch_id: int | None
    is_dedicated: bool
    on_probation: bool
    services: int = 0
    not_counted: int = 0
    complaints: int = 0
    allowance: Decimal = ZERO
    visit_fees: Decimal = ZERO
    bonus: Decimal = ZERO
    bonus_forfeited: bool = False
    fines: Decimal = ZERO
    travel: Decimal = ZERO
    adjustments: Decimal = ZERO
    attendance_days: Decimal | None = None
    seniority_years: int = 0
    base_salary: Decimal = ZERO
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """The performance pay of the month (the base salary is paid separately at the month's start)."""
        return money(self.allowance + self.visit_fees + self.bonus - self.fines + self.travel + self.adjustments)


def target_month(on: dt.date, recorded_at: dt.datetime, locks: dict[dt.date, dt.datetime]) -> dt.date:
    """The month a record is settled in: its own month, or, when that month was locked before the record was
    made, the first later month that was still open then."""
    month = month_start(on)
    while month in locks and locks[month] <= recorded_at:
        month = next_month(month)
    return month


def full_years(start: dt.date | None, end: dt.date) -> int:
    if start is None or start > end:
        return 0
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def compute_month(
    *,
    month: dt.date,
    people: dict[int, Person],
    services: list[ServiceFact],
    complaints: list[ComplaintFact],
    travel: list[TravelFact],
    rules: RuleBook,
    locks: dict[dt.date, dt.datetime],
    prior: dict[tuple[int, dt.date], PriorMonth] | None = None,
) -> dict[int, Result]:
    """Every engineer's statement of `month` from the facts recorded up to now (the caller passes the facts that
    may belong: recorded since the month began, dated up to its end)."""
    prior = prior or {}
    last_day = month_end(month)
    month_rule = rules.at(last_day)
    results: dict[int, Result] = {}

    def result(engineer_id: int) -> Result:
        if engineer_id not in results:
            p = people.get(engineer_id) or Person(id=engineer_id, branch_id=None, is_dedicated=True, on_probation=False)
            results[engineer_id] = Result(
                engineer_id=p.id,
                branch_id=p.branch_id,
                is_dedicated=p.is_dedicated,
                on_probation=p.on_probation,
                attendance_days=p.attendance_days,
            )
        return results[engineer_id]

    for engineer_id in people:
        result(engineer_id)

    def settled_here(fact) -> dt.date | None:
        """None if the fact belongs to another month; else the month it adjusts (its own month if it is late)."""
        if fact.on > last_day or target_month(fact.on, fact.recorded_at, locks) != month:
            return None
        return month_start(fact.on)

    for s in sorted(services, key=lambda f: (f.on, f.workorder_id)):
        origin = settled_here(s)
        if origin is None:
            continue
        r = result(s.engineer_id)
        late = origin if origin != month else None
        if not s.complete:
            if late is None:  # an incomplete visit of an earlier month was listed there already
                r.not_counted += 1
                r.lines.append(
                    Line(LineKind.NOT_COUNTED, s.on, workorder_id=s.workorder_id, number=s.number, reason=s.reason)
                )
            continue
        rule = rules.at(s.on)
        r.services += 1
        if r.is_dedicated:
            amount, kind = money(rule.service_allowance), LineKind.SERVICE
        else:
            amount, kind = money(rule.non_dedicated_visit_fee), LineKind.VISIT_FEE
        line = Line(kind, s.on, amount, workorder_id=s.workorder_id, number=s.number, rule_id=rule.pk, from_month=late)
        r.lines.append(line)
        if late is not None:
            r.adjustments += amount
        elif r.is_dedicated:
            r.allowance += amount
        else:
            r.visit_fees += amount

    late_complaints: dict[tuple[int, dt.date], int] = defaultdict(int)
    for c in sorted(complaints, key=lambda f: (f.on, f.complaint_id)):
        origin = settled_here(c)
        if origin is None:
            continue
        r = result(c.engineer_id)
        rule = rules.at(c.on)
        fine = money(rule.complaint_fine)
        late = origin if origin != month else None
        r.lines.append(
            Line(
                LineKind.COMPLAINT,
                c.on,
                -fine,
                workorder_id=c.workorder_id,
                number=c.number,
                ref=c.ref,
                rule_id=rule.pk,
                from_month=late,
            )
        )
        if late is None:
            r.complaints += 1
            r.fines += fine
        else:
            r.adjustments -= fine
            late_complaints[(c.engineer_id, late)] += 1

    for t in sorted(travel, key=lambda f: (f.on, f.claim_id)):
        origin = settled_here(t)
        if origin is None:
            continue
        r = result(t.engineer_id)
        late = origin if origin != month else None
        amount = money(t.amount)
        r.lines.append(
            Line(
                LineKind.TRAVEL,
                t.on,
                amount,
                workorder_id=t.workorder_id,
                number=t.number,
                ref=f"#{t.claim_id}",
                reason=t.kind_label,
                from_month=late,
            )
        )
        if late is None:
            r.travel += amount
        else:
            r.adjustments += amount

    # A late complaint that brings its (locked) month to the threshold takes back the bonus paid then.
    for (engineer_id, origin), count in sorted(late_complaints.items()):
        before = prior.get((engineer_id, origin))
        if before is None or before.bonus <= 0:
            continue
        threshold = rules.at(month_end(origin)).forfeit_threshold
        if before.complaints < threshold <= before.complaints + count:
            r = result(engineer_id)
            r.adjustments -= before.bonus
            r.lines.append(
                Line(
                    LineKind.FORFEIT,
                    month_end(origin),
                    -before.bonus,
                    from_month=origin,
                    reason=_("Complaints of the month reached %(n)s after its lock") % {"n": threshold},
                )
            )

    for r in results.values():
        person = people.get(r.engineer_id)
        eligible = r.is_dedicated and not r.on_probation
        if eligible:
            if r.complaints >= month_rule.forfeit_threshold:
                r.bonus_forfeited = True
                r.lines.append(
                    Line(
                        LineKind.FORFEIT,
                        last_day,
                        ZERO,
                        rule_id=month_rule.pk,
                        reason=_("%(count)s confirmed complaints (forfeited from %(n)s)")
                        % {"count": r.complaints, "n": month_rule.forfeit_threshold},
                    )
                )
            else:
                r.bonus = money(month_rule.monthly_bonus)
                r.lines.append(Line(LineKind.BONUS, last_day, r.bonus, rule_id=month_rule.pk))
        else:
            why = _("On probation: not in the bonus scheme") if r.is_dedicated else _("Non-dedicated: paid per visit")
            r.lines.append(Line(LineKind.BONUS, last_day, ZERO, rule_id=month_rule.pk, reason=why))
        base = month_rule.probation_base_salary if r.on_probation else month_rule.base_salary
        if r.attendance_days is not None:
            base = base * r.attendance_days / month_rule.standard_days
        r.seniority_years = full_years(person.hire_date if person else None, last_day)
        r.base_salary = money(base + month_rule.seniority_per_year * r.seniority_years)
        r.allowance, r.visit_fees, r.fines = money(r.allowance), money(r.visit_fees), money(r.fines)
        r.travel, r.adjustments = money(r.travel), money(r.adjustments)
    return results
