"""The pay rules on plain data, each with amounts computed by hand (no database)."""

import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.utils import translation

from weibao.payroll.choices import LineKind
from weibao.payroll.rules import (
    ComplaintFact,
    NoRule,
    Person,
    PriorMonth,
    RuleBook,
    ServiceFact,
    TravelFact,
    compute_month,
    target_month,
)

TZ = dt.timezone(dt.timedelta(hours=8))
NOV = dt.date(2026, 11, 1)


def rule(pk=1, valid_from=dt.date(2026, 1, 1), **kw):
    values = {
        "service_allowance": D("30.00"),
        "monthly_bonus": D("500.00"),
        "complaint_fine": D("100.00"),
        "forfeit_threshold": 3,
        "non_dedicated_visit_fee": D("80.00"),
        "base_salary": D("4000.00"),
        "probation_base_salary": D("3200.00"),
        "seniority_per_year": D("50.00"),
        "standard_days": D("21.75"),
    }
    values.update(kw)
    return SimpleNamespace(pk=pk, valid_from=valid_from, **values)


def at(day, hour=10):
    return dt.datetime(2026, 11, day, hour, tzinfo=TZ) if isinstance(day, int) else day


def service(eng=1, day=5, complete=True, wo=None, recorded=None, on=None, reason=""):
    on = on or dt.date(2026, 11, day)
    return ServiceFact(
        engineer_id=eng,
        workorder_id=wo or day,
        number=f"WB-{wo or day}",
        on=on,
        recorded_at=recorded or dt.datetime.combine(on, dt.time(10), TZ),
        complete=complete,
        reason=reason,
    )


def complaint(eng=1, day=10, pk=None, on=None, confirmed=None):
    on = on or dt.date(2026, 11, day)
    return ComplaintFact(
        engineer_id=eng,
        complaint_id=pk or day,
        ref=f"TS-{pk or day}",
        on=on,
        recorded_at=confirmed or dt.datetime.combine(on, dt.time(15), TZ),
    )


def person(pk=1, **kw):
    kw.setdefault("branch_id", 1)
    kw.setdefault("is_dedicated", True)
    kw.setdefault("on_probation", False)
    return Person(id=pk, **kw)


def run(people, services=(), complaints=(), travel=(), rules=None, locks=None, prior=None, month=NOV):
    return compute_month(
        month=month,
        people={p.id: p for p in people},
        services=list(services),
        complaints=list(complaints),
        travel=list(travel),
        rules=RuleBook(rules or [rule()]),
        locks=locks or {},
        prior=prior,
    )


def test_dedicated_engineer_without_complaints():
    # 4 complete services × 30 = 120; bonus 500; total 620.
    r = run([person()], services=[service(day=d) for d in (3, 4, 5, 6)])[1]
    assert (r.services, r.allowance, r.bonus, r.fines, r.total) == (4, D("120.00"), D("500.00"), D("0.00"), D("620.00"))


def test_probation_no_bonus_but_allowance_and_fine():
    # On probation: 2 × 30 = 60 allowance, no bonus, 1 complaint fined 100 → total -40.
    with translation.override("en"):
        r = run([person(on_probation=True)], services=[service(day=3), service(day=4)], complaints=[complaint()])[1]
    assert (r.allowance, r.bonus, r.fines, r.total) == (D("60.00"), D("0.00"), D("100.00"), D("-40.00"))
    assert not r.bonus_forfeited
    bonus_line = next(line for line in r.lines if line.kind == LineKind.BONUS)
    assert bonus_line.amount == 0
    assert "probation" in bonus_line.reason.lower()


def test_non_dedicated_paid_per_visit_no_allowance_no_bonus():
    # 3 visits × 80 = 240 labour fee, travel 35.50 reimbursed like dedicated staff → 275.50.
    trip = TravelFact(
        engineer_id=1,
        claim_id=7,
        workorder_id=3,
        number="WB-3",
        on=dt.date(2026, 11, 3),
        recorded_at=at(3, 20),
        amount=D("35.50"),
    )
    r = run([person(is_dedicated=False)], services=[service(day=d) for d in (3, 4, 5)], travel=[trip])[1]
    assert (r.allowance, r.visit_fees, r.bonus, r.travel, r.total) == (
        D("0.00"),
        D("240.00"),
        D("0.00"),
        D("35.50"),
        D("275.50"),
    )
    assert {line.kind for line in r.lines} >= {LineKind.VISIT_FEE, LineKind.TRAVEL}


def test_forfeiture_exactly_at_the_threshold():
    # Threshold 3: two complaints keep the bonus (500 - 2×100 = 300 + 30 = 330); three forfeit it (30 - 300 = -270).
    below = run([person()], services=[service()], complaints=[complaint(day=d) for d in (10, 11)])[1]
    assert (below.bonus, below.bonus_forfeited, below.fines, below.total) == (
        D("500.00"),
        False,
        D("200.00"),
        D("330.00"),
    )
    at_threshold = run([person()], services=[service()], complaints=[complaint(day=d) for d in (10, 11, 12)])[1]
    assert (at_threshold.bonus, at_threshold.bonus_forfeited, at_threshold.fines, at_threshold.total) == (
        D("0.00"),
        True,
        D("300.00"),
        D("-270.00"),
    )


def test_incomplete_form_does_not_count_and_says_why():
    r = run([person()], services=[service(day=3), service(day=4, complete=False, reason="缺少: 检查记录")])[1]
    assert (r.services, r.not_counted, r.allowance) == (1, 1, D("30.00"))
    line = next(line for line in r.lines if line.kind == LineKind.NOT_COUNTED)
    assert (line.number, line.amount, line.reason) == ("WB-4", 0, "缺少: 检查记录")


def test_rule_changed_mid_month_old_rule_for_old_dates():
    # Allowance 30 until the 15th, 45 from the 16th: services on the 10th, 15th, 16th, 20th = 30+30+45+45 = 150.
    # Month-level amounts (bonus 600) come from the rule valid on the month's last day.
    rules = [
        rule(pk=1),
        rule(
            pk=2,
            valid_from=dt.date(2026, 11, 16),
            service_allowance=D("45.00"),
            monthly_bonus=D("600.00"),
            complaint_fine=D("150.00"),
        ),
    ]
    r = run(
        [person()],
        services=[service(day=d) for d in (10, 15, 16, 20)],
        complaints=[complaint(day=14), complaint(day=17)],
        rules=rules,
    )[1]
    # Fines by the complaint's date: 100 (14th) + 150 (17th) = 250.
    assert (r.allowance, r.bonus, r.fines, r.total) == (D("150.00"), D("600.00"), D("250.00"), D("500.00"))
    assert [line.rule_id for line in r.lines if line.kind == LineKind.SERVICE] == [1, 1, 2, 2]


def test_complaint_confirmed_after_the_lock_goes_to_next_month_as_adjustment():
    # October locked on 3 Nov; a complaint registered 28 Oct confirmed on 5 Nov is settled in November: fine 100
    # as an adjustment; October had 2 complaints and paid its bonus 500, the third reaches the threshold → -500.
    oct_locked = {dt.date(2026, 10, 1): at(3, 9)}
    late = complaint(pk=99, on=dt.date(2026, 10, 28), confirmed=at(5))
    r = run(
        [person()],
        services=[service()],
        complaints=[late],
        locks=oct_locked,
        prior={(1, dt.date(2026, 10, 1)): PriorMonth(complaints=2, bonus=D("500.00"))},
    )[1]
    assert r.complaints == 0
    assert r.fines == 0
    assert r.bonus == D("500.00")
    assert r.adjustments == D("-600.00")
    assert r.total == D("30.00") + D("500.00") - D("600.00")
    adjustments = [(line.kind, line.amount, line.from_month) for line in r.lines if line.from_month]
    assert adjustments == [
        (LineKind.COMPLAINT, D("-100.00"), dt.date(2026, 10, 1)),
        (LineKind.FORFEIT, D("-500.00"), dt.date(2026, 10, 1)),
    ]


def test_complaint_confirmed_before_the_lock_stays_in_its_month():
    late = complaint(pk=99, on=dt.date(2026, 10, 28), confirmed=at(2))  # October locked on the 3rd: not late
    assert target_month(late.on, late.recorded_at, {dt.date(2026, 10, 1): at(3, 9)}) == dt.date(2026, 10, 1)
    r = run([person()], complaints=[late], locks={dt.date(2026, 10, 1): at(3, 9)})[1]
    assert r.adjustments == 0
    assert r.fines == 0


def test_unlocked_previous_month_keeps_its_own_records():
    # October not locked: its late-confirmed complaint belongs to October, not to November.
    r = run([person()], complaints=[complaint(pk=5, on=dt.date(2026, 10, 20), confirmed=at(5))])[1]
    assert (r.fines, r.adjustments) == (D("0.00"), D("0.00"))


def test_no_rule_is_refused():
    with pytest.raises(NoRule):
        run([person()], rules=[rule(valid_from=dt.date(2026, 12, 1))])


def test_base_salary_from_attendance_and_seniority():
    # 4000 × 20 / 21.75 = 3678.1609… → 3678.16; hired 2019-03-01: 7 full years by 30 Nov 2026 → +350 = 4028.16.
    r = run([person(attendance_days=D("20"), hire_date=dt.date(2019, 3, 1))])[1]
    assert (r.seniority_years, r.base_salary) == (7, D("4028.16"))
    assert r.total == D("500.00")  # the base salary is paid at the month's start, not in the performance total
