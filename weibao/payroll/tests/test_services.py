"""The month end on the database: a hand-counted month to the cent, the Excel export read back, travel claims,
the approval chain with authority levels, the lock, and late records settled as the next month's adjustments."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from weibao.core.exceptions import TransitionNotAllowed
from weibao.payroll import export, services
from weibao.payroll.choices import LineKind, MonthStatus
from weibao.payroll.models import PayMonth, Statement, TravelClaim
from weibao.payroll.tests.conftest import local, previous_month

pytestmark = pytest.mark.django_db


def _statements(pm):
    return {s.engineer.username: s for s in Statement.objects.filter(pay_month=pm).select_related("engineer")}


def test_month_end_matches_the_hand_count(month_fixture, service_admin, last_month):
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    s = _statements(pm)
    assert (
        s["zhang"].services,
        s["zhang"].not_counted,
        s["zhang"].allowance,
        s["zhang"].bonus,
        s["zhang"].travel,
        s["zhang"].total,
    ) == (3, 1, D("90.00"), D("500.00"), D("23.50"), D("613.50"))
    assert (s["li"].allowance, s["li"].bonus, s["li"].on_probation, s["li"].travel, s["li"].total) == (
        D("60.00"),
        D("0.00"),
        True,
        D("86.40"),
        D("146.40"),
    )
    assert (s["wang"].allowance, s["wang"].visit_fees, s["wang"].bonus, s["wang"].travel, s["wang"].total) == (
        D("0.00"),
        D("160.00"),
        D("0.00"),
        D("0.00"),
        D("160.00"),
    )
    assert (s["zhao"].services, s["zhao"].total) == (0, D("500.00"))
    assert sum(st.total for st in s.values()) == D("1419.90")
    not_counted = s["zhang"].lines.get(kind=LineKind.NOT_COUNTED)
    assert not_counted.workorder_id == month_fixture["incomplete"].pk
    assert "inspection record" in not_counted.reason or "检查记录" in not_counted.reason
    counted = set(s["zhang"].lines.filter(kind=LineKind.SERVICE).values_list("workorder_id", flat=True))
    assert counted == {wo.pk for wo in month_fixture["orders"]}


def test_excel_export_reads_back_to_the_same_numbers(month_fixture, service_admin, last_month):
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    statements = Statement.objects.filter(pay_month=pm).select_related("engineer", "branch").order_by("engineer__name")
    wb = load_workbook(io.BytesIO(export.workbook(pm, statements)))
    ws = wb.worksheets[0]
    attrs = [attr for attr, _h in export.engineer_columns()]
    read = {}
    for row in ws.iter_rows(min_row=export.HEADER_ROW + 1, values_only=True):
        values = dict(zip(attrs, row, strict=False))
        read[values["engineer"]] = values
    by_name = {s.engineer.name: s for s in statements}
    for name, st in by_name.items():
        for attr in export.MONEY_COLUMNS:
            assert D(str(read[name][attr])).quantize(D("0.01")) == getattr(st, attr), (name, attr)
        assert read[name]["services"] == st.services
    grand = next(v for k, v in read.items() if k not in by_name)  # the total row
    assert D(str(grand["total"])).quantize(D("0.01")) == D("1419.90")
    team = wb.worksheets[1]
    assert sum(D(str(r[-1])) for r in team.iter_rows(min_row=2, values_only=True)) == D("1419.90")
    assert wb.worksheets[2].max_row > 10  # the lines


# --- travel --------------------------------------------------------------------------------------------------------


@pytest.fixture
def my_order(make_visit, field_engineer):
    return make_visit(field_engineer, timezone.now() - dt.timedelta(days=1))


def test_unapproved_taxi_is_refused_with_the_rule_named(field_engineer, my_order):
    trip = timezone.now() - dt.timedelta(hours=3)
    claim = services.travel_claim_submit(
        actor=field_engineer, workorder=my_order, kind="taxi", trip_at=trip, amount="58.00", description="公司→客户机房"
    )
    assert claim.status == "refused"
    assert claim.refusal_reason == services.TAXI_RULE
    assert "未申报不予报销" in claim.refusal_reason


def test_taxi_approved_only_after_the_trip_is_still_refused(field_engineer, dept_manager, my_order):
    trip = timezone.now() - dt.timedelta(hours=3)
    approval = services.travel_approval_request(actor=field_engineer, workorder=my_order, kind="taxi", reason="急修")
    services.travel_approval_answer(approval=approval, actor=dept_manager, approve=True)  # answered now: after the trip
    claim = services.travel_claim_submit(
        actor=field_engineer, workorder=my_order, kind="taxi", trip_at=trip, amount="58.00", description="公司→客户"
    )
    assert claim.status == "refused"


def test_taxi_approved_before_the_trip_and_public_transport_are_accepted(
    field_engineer, dept_manager, my_order, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approval = services.travel_approval_request(
            actor=field_engineer, workorder=my_order, kind="freight", reason="搬运机柜", estimated_amount="300"
        )
    assert dept_manager.email in mailoutbox[0].to  # the manager is told
    services.travel_approval_answer(approval=approval, actor=dept_manager, approve=True, note="同意")
    later = timezone.now() + dt.timedelta(seconds=1)
    # Trip after the approval (the claim is filed after the trip: both in the past relative to "now" later on).
    claim = services.travel_claim_submit(
        actor=field_engineer,
        workorder=my_order,
        kind="freight",
        trip_at=min(later, timezone.now()),
        amount="280.00",
        description="货运",
    )
    assert (claim.status, claim.approval_id) == ("accepted", approval.pk)
    public = services.travel_claim_submit(
        actor=field_engineer,
        workorder=my_order,
        kind="public",
        trip_at=timezone.now() - dt.timedelta(hours=1),
        amount="4",
        description="地铁",
    )
    assert public.status == "accepted"


def test_travel_answer_needs_a_manager_level_and_answers_once(field_engineer, manager, dept_manager, my_order):
    approval = services.travel_approval_request(actor=field_engineer, workorder=my_order, kind="taxi", reason="急修")
    with pytest.raises(PermissionDenied):
        services.travel_approval_answer(approval=approval, actor=manager, approve=True)  # role ok, level "staff"
    services.travel_approval_answer(approval=approval, actor=dept_manager, approve=False, note="坐地铁")
    with pytest.raises(TransitionNotAllowed):
        services.travel_approval_answer(approval=approval, actor=dept_manager, approve=True)


def test_claim_bad_input_is_refused_with_field_errors_and_nothing_stored(
    field_engineer, my_order, make_visit, make_user
):
    with pytest.raises(ValidationError) as exc:
        services.travel_claim_submit(
            actor=field_engineer,
            workorder=my_order,
            kind="rocket",
            trip_at=timezone.now() + dt.timedelta(days=1),
            amount="-3",
            description="",
        )
    assert set(exc.value.message_dict) == {"kind", "trip_at", "amount", "description"}
    other = make_visit(make_user("field_engineer"), timezone.now())
    with pytest.raises(ValidationError) as exc:
        services.travel_claim_submit(
            actor=field_engineer, workorder=other, kind="public", trip_at=timezone.now(), amount="3", description="x"
        )
    assert "workorder" in exc.value.message_dict
    assert not TravelClaim.objects.exists()


# --- approval chain and lock -------------------------------------------------------------------------------------


def test_approval_chain_enforces_authority_levels_and_locks(
    month_fixture, service_admin, dept_manager, general_manager, field_engineer, last_month
):
    with pytest.raises(PermissionDenied):
        services.paymonth_prepare(month=last_month, actor=field_engineer)
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    with pytest.raises(PermissionDenied):
        services.paymonth_review(pay_month=pm, actor=general_manager)  # reviewing is the department manager's step
    with pytest.raises(TransitionNotAllowed):
        services.paymonth_approve(pay_month=pm, actor=general_manager)  # not reviewed yet
    pm = services.paymonth_review(pay_month=pm, actor=dept_manager, note="核对无误")
    with pytest.raises(PermissionDenied):
        services.paymonth_approve(pay_month=pm, actor=dept_manager)  # a department manager cannot approve as GM
    with pytest.raises(TransitionNotAllowed):
        services.paymonth_prepare(month=last_month, actor=service_admin)  # reviewed: return it first
    pm = services.paymonth_approve(pay_month=pm, actor=general_manager)
    assert (pm.status, pm.is_locked, pm.approved_by) == (MonthStatus.APPROVED, True, general_manager)
    assert [e.kind for e in pm.events.all()] == ["prepared", "reviewed", "approved"]
    assert [e.authority_level for e in pm.events.all()] == ["staff", "department_manager", "general_manager"]
    statement = pm.statements.first()
    for call in (
        lambda: services.paymonth_prepare(month=last_month, actor=service_admin),
        lambda: services.statement_set_attendance(statement=statement, actor=service_admin, attendance_days=20),
        lambda: services.paymonth_return(pay_month=pm, actor=general_manager, note="改"),
    ):
        with pytest.raises(TransitionNotAllowed):
            call()


def test_return_sends_back_and_a_stale_version_is_refused(
    month_fixture, service_admin, dept_manager, general_manager, last_month
):
    from weibao.core.exceptions import StaleEdit

    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    old = pm.version
    pm = services.paymonth_review(pay_month=pm, actor=dept_manager)
    with pytest.raises(StaleEdit):
        services.paymonth_approve(pay_month=pm, actor=general_manager, expected_version=old)
    with pytest.raises(PermissionDenied):
        services.paymonth_return(pay_month=pm, actor=dept_manager, note="x")  # reviewed: only the GM returns it
    with pytest.raises(ValidationError):
        services.paymonth_return(pay_month=pm, actor=general_manager, note=" ")
    pm = services.paymonth_return(pay_month=pm, actor=general_manager, note="王工的次数不对")
    assert pm.status == MonthStatus.PREPARED
    assert pm.reviewed_by is None
    pm = services.paymonth_prepare(month=last_month, actor=service_admin, expected_version=pm.version)
    assert pm.events.last().kind == "recomputed"


def test_approving_a_month_that_has_not_ended_is_refused(
    rule, service_admin, dept_manager, general_manager, this_month
):
    pm = services.paymonth_prepare(month=this_month, actor=service_admin)
    pm = services.paymonth_review(pay_month=pm, actor=dept_manager)
    with pytest.raises(TransitionNotAllowed):
        services.paymonth_approve(pay_month=pm, actor=general_manager)


def test_attendance_sets_the_base_salary(month_fixture, service_admin, last_month):
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    st = pm.statements.get(engineer=month_fixture["zhang"])
    st = services.statement_set_attendance(statement=st, actor=service_admin, attendance_days="20")
    assert st.base_salary == D("3678.16")  # 4000 × 20 / 21.75
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)  # recalculation keeps attendance
    assert pm.statements.get(engineer=month_fixture["zhang"]).attendance_days == D("20.00")


def test_no_rule_refuses_preparation_with_a_field_error(service_admin, last_month):
    with pytest.raises(ValidationError) as exc:
        services.paymonth_prepare(month=last_month, actor=service_admin)
    assert "month" in exc.value.message_dict


def test_a_new_rule_cannot_start_inside_a_locked_month(
    month_fixture, service_admin, dept_manager, general_manager, last_month, admin_user
):
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    pm = services.paymonth_review(pay_month=pm, actor=dept_manager)
    services.paymonth_approve(pay_month=pm, actor=general_manager)
    amounts = dict.fromkeys(services.RULE_AMOUNTS, "1")
    with pytest.raises(ValidationError) as exc:
        services.payrule_create(
            actor=admin_user,
            valid_from=last_month + dt.timedelta(days=10),
            forfeit_threshold=2,
            standard_days="21.75",
            **amounts,
        )
    assert "valid_from" in exc.value.message_dict
    rule = services.payrule_create(
        actor=admin_user,
        valid_from=last_month + dt.timedelta(days=40),
        forfeit_threshold=2,
        standard_days="21.75",
        **amounts,
    )
    assert rule.service_allowance == D("1.00")


def test_form_completed_after_the_lock_is_next_months_adjustment(
    rule, service_admin, dept_manager, general_manager, make_visit, field_engineer, last_month, this_month
):
    wo = make_visit(field_engineer, local(last_month + dt.timedelta(days=3)), complete=False)
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    assert pm.statements.get(engineer=field_engineer).not_counted == 1
    services.paymonth_approve(
        pay_month=services.paymonth_review(pay_month=pm, actor=dept_manager), actor=general_manager
    )
    make_visit(field_engineer, timezone.now(), workorder=wo)  # the corrected revision, complete, after the lock
    current = services.paymonth_prepare(month=this_month, actor=service_admin)
    st = current.statements.get(engineer=field_engineer)
    line = st.lines.get(kind=LineKind.SERVICE)
    assert (line.from_month, line.amount, line.workorder_id) == (last_month, D("30.00"), wo.pk)
    assert (st.services, st.allowance, st.adjustments) == (1, D("0.00"), D("30.00"))
    # The locked month is untouched.
    assert PayMonth.objects.get(month=last_month).statements.get(engineer=field_engineer).services == 0


def test_correction_of_a_counted_form_does_not_count_twice(rule, service_admin, make_visit, field_engineer, last_month):
    day = local(last_month + dt.timedelta(days=3))
    wo = make_visit(field_engineer, day)
    make_visit(field_engineer, day + dt.timedelta(hours=2), workorder=wo)  # a corrected revision, same visit
    return_visit = make_visit(field_engineer, local(last_month + dt.timedelta(days=5)), solved=False)
    make_visit(field_engineer, local(last_month + dt.timedelta(days=7)), workorder=return_visit)  # second visit
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    assert pm.statements.get(engineer=field_engineer).services == 3


def test_real_onsite_flow_counts(rule, service_admin, manager, field_engineer, site, this_month):
    from weibao.onsite import services as onsite
    from weibao.onsite.tests.conftest import signature_png
    from weibao.workorders import services as wo_services
    from weibao.workorders.tests.factories import make_workorder

    wo = make_workorder(site=site, actor=manager)
    wo_services.workorder_dispatch(workorder=wo, actor=manager, engineer=field_engineer)
    wo_services.workorder_arrive(workorder=wo, actor=field_engineer)
    wo.refresh_from_db()
    form = {
        "symptom": "断网",
        "inspection": "检查交换机",
        "cause": "system",
        "work_done": "更换模块",
        "solved": True,
        "customer_contact_name": "王主任",
        "customer_contact_phone": "13800000000",
        "engineer_name": "张工",
        "engineer_phone": "13900000000",
        "satisfaction": 5,
    }
    onsite.service_form_save(workorder=wo, actor=field_engineer, data=form)
    wo.refresh_from_db()
    onsite.service_form_sign(
        workorder=wo,
        actor=field_engineer,
        customer_name="王主任",
        customer_signature=signature_png(),
        engineer_signature=signature_png(),
    )
    assert wo.service_forms.get().complete
    pm = services.paymonth_prepare(month=this_month, actor=service_admin)
    st = pm.statements.get(engineer=field_engineer)
    assert (st.services, st.allowance) == (1, D("30.00"))
    assert previous_month(this_month) < this_month
