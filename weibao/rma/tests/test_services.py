import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from weibao.assets.choices import DeviceStatus
from weibao.core.exceptions import TransitionNotAllowed
from weibao.rma import services
from weibao.rma.choices import EscalationStatus, FeeStatus, RmaEventKind, Route, Status, WarrantyState
from weibao.rma.models import RmaCase, RmaEvent, RmaFee, RmaShipment, VendorEscalation, VendorWarranty
from weibao.workorders import services as wo
from weibao.workorders.choices import EventKind
from weibao.workorders.choices import Status as WOStatus

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 7)
FUTURE, PAST = TODAY + datetime.timedelta(days=100), TODAY - datetime.timedelta(days=1)


# --- the warranty decision table ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor_until", "onsite", "our_until", "owned", "human", "route", "vendor_free", "pays"),
    [
        # vendor warranty in + vendor on site → vendor visit; our warranty decides who pays
        (FUTURE, True, FUTURE, True, False, Route.VENDOR_VISIT, True, False),
        (FUTURE, True, PAST, True, False, Route.VENDOR_VISIT, True, True),
        # vendor warranty in, no on-site service → send back, vendor repairs free
        (FUTURE, False, FUTURE, True, False, Route.SEND_BACK, True, False),
        # out of the vendor's warranty (even if still in OURS) → send back, paid vendor repair
        (PAST, True, FUTURE, True, False, Route.SEND_BACK, False, False),
        (PAST, True, PAST, True, False, Route.SEND_BACK, False, True),
        # vendor warranty unknown → treated as out
        (None, True, None, True, False, Route.SEND_BACK, False, True),
        # human-caused: no free vendor repair, no vendor visit, and the customer pays even inside our warranty
        (FUTURE, True, FUTURE, True, True, Route.SEND_BACK, False, True),
        # a unit from our stock: nobody to charge
        (FUTURE, True, None, False, False, Route.VENDOR_VISIT, True, False),
        (PAST, False, None, False, False, Route.SEND_BACK, False, False),
        # the last day of a warranty is still inside it
        (TODAY, True, TODAY, True, False, Route.VENDOR_VISIT, True, False),
    ],
)
def test_warranty_decision_table(vendor_until, onsite, our_until, owned, human, route, vendor_free, pays):
    d = services.decide(
        vendor_warranty_until=vendor_until,
        vendor_offers_onsite=onsite,
        our_warranty_until=our_until,
        customer_owned=owned,
        human_caused=human,
        on=TODAY,
    )
    assert (d.route, d.vendor_repair_free, d.customer_pays) == (route, vendor_free, pays)


def test_decision_uses_the_vendors_warranty_of_the_serial_not_ours(replacement_a, commercial, vendor):
    # Our warranty to the customer has ended (device_a), but the vendor's record of this serial runs a year more.
    VendorWarranty.objects.create(
        vendor=vendor,
        serial_number="OLD-0001",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=timezone.localdate() + datetime.timedelta(days=365),
    )
    vendor.offers_onsite_service = True
    vendor.save()
    case = services.rma_open(actor=commercial, source="replacement", replacement=replacement_a, fault="花屏")
    assert case.route == Route.VENDOR_VISIT
    assert case.vendor_repair_free is True
    assert case.customer_pays is True  # outside OUR warranty: the customer is charged
    assert case.vendor_warranty_from == datetime.date(2024, 1, 1)
    assert case.our_warranty_until == replacement_a.old_device.warranty_end
    event = case.events.get()
    assert event.data["vendor_warranty"] == WarrantyState.IN
    assert event.data["our_warranty"] == WarrantyState.OUT


# --- registration -------------------------------------------------------------------------------------------------


def test_case_from_replacement_links_both_ways_and_goes_on_the_order(paying_case, replacement_a, order_a):
    replacement_a.refresh_from_db()
    assert replacement_a.rma_ref == paying_case.number
    assert paying_case.workorder_id == order_a.pk
    assert paying_case.customer_id == order_a.customer_id
    assert paying_case.serial_number == "OLD-0001"
    assert paying_case.organisation_id == order_a.organisation_id
    assert order_a.events.filter(kind=EventKind.RMA_OPENED, data__rma=paying_case.number).exists()
    assert paying_case.number.startswith("RMA-")


def test_same_replacement_cannot_open_two_cases(paying_case, replacement_a, commercial):
    with pytest.raises(ValidationError) as exc:
        services.rma_open(actor=commercial, source="replacement", replacement=replacement_a, fault="again")
    assert "replacement_id" in exc.value.message_dict
    assert RmaCase.objects.count() == 1


def test_faulty_unit_from_stock_leaves_the_store_and_comes_back_repaired(manager, commercial, store, camera_part):
    from weibao.spares import services as spares
    from weibao.spares.models import Move, StockUnit

    spares.receive(warehouse=store, part=camera_part, actor=manager, serials=["CAM-1", "CAM-2"])
    assert spares.available(store, camera_part) == 2
    with pytest.raises(ValidationError) as exc:
        services.rma_open(actor=manager, source="stock", fault="坏")
    assert {"part_id", "from_warehouse_id"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:  # a serial that is not on that shelf
        services.rma_open(
            actor=manager, source="stock", part=camera_part, from_warehouse=store, serial_number="CAM-404", fault="坏"
        )
    assert "serial_number" in exc.value.message_dict
    assert not RmaCase.objects.exists()
    case = services.rma_open(
        actor=manager, source="stock", part=camera_part, from_warehouse=store, serial_number="CAM-1", fault="无视频输出"
    )
    assert case.customer_id is None
    assert case.customer_pays is False
    assert case.vendor_id == camera_part.vendor_id
    assert spares.available(store, camera_part) == 1  # the faulty unit is no longer on offer
    case = services.rma_send_back(case=case, actor=commercial)
    case = services.rma_ship_out(case=case, actor=commercial, carrier="sf", waybill="SF1111111111111")
    case = services.rma_ship_back(
        case=case,
        actor=commercial,
        outcome="repaired",
        report="更换主板",
        carrier="sf",
        waybill="SF2222222222222",
        vendor_cost="300.00",
    )
    case = services.rma_receive(case=case, actor=commercial)
    with pytest.raises(ValidationError) as exc:
        services.rma_return(case=case, actor=commercial, to="customer")
    assert "return_to" in exc.value.message_dict
    case = services.rma_return(case=case, actor=commercial, to="stock", warehouse=store)
    assert spares.available(store, camera_part) == 2
    assert StockUnit.objects.get(serial="CAM-1").warehouse_id == store.pk
    assert Move.objects.filter(reference=case.number).exists()
    assert services.rma_close(case=case, actor=commercial).status == Status.CLOSED


def test_manual_case_bad_input_reports_every_field_and_stores_nothing(commercial, customer_a):
    with pytest.raises(ValidationError) as exc:
        services.rma_open(
            actor=commercial, source="manual", customer=customer_a, fault="", vendor_warranty_until="2026-13-40"
        )
    assert {"fault", "vendor_warranty_until"} <= set(exc.value.message_dict)
    assert not RmaCase.objects.exists()
    assert not RmaEvent.objects.exists()


def test_manual_case_with_another_customers_serial_is_refused(commercial, customer_a, device_b, vendor):
    with pytest.raises(ValidationError) as exc:
        services.rma_open(
            actor=commercial,
            source="manual",
            customer=customer_a,
            vendor=vendor,
            model="X",
            serial_number=device_b.serial_number,
            fault="坏",
        )
    assert "serial_number" in exc.value.message_dict


def test_manual_case_without_serial_is_refused(commercial, customer_a, vendor):
    with pytest.raises(ValidationError) as exc:
        services.rma_open(
            actor=commercial,
            source="manual",
            customer=customer_a,
            vendor=vendor,
            model="X",
            serial_number="  ",
            fault="坏",
        )
    assert "serial_number" in exc.value.message_dict


def test_a_unit_already_in_repair_cannot_be_registered_twice(commercial, customer_a, vendor):
    kw = {
        "actor": commercial,
        "source": "manual",
        "customer": customer_a,
        "vendor": vendor,
        "model": "X",
        "serial_number": "DUP-1",
        "fault": "坏",
    }
    services.rma_open(**kw)
    with pytest.raises(ValidationError):
        services.rma_open(**kw)


def test_customers_and_vendors_cannot_register(customer_a_user, vendor_user, customer_a, vendor):
    for user in (customer_a_user, vendor_user):
        with pytest.raises(PermissionDenied):
            services.rma_open(
                actor=user,
                source="manual",
                customer=customer_a,
                vendor=vendor,
                model="X",
                serial_number="Z",
                fault="坏",
            )


# --- the fee approval gate ----------------------------------------------------------------------------------------


def test_shipping_out_is_refused_until_the_customer_approved_the_fee(paying_case, commercial, customer_a_user):
    with pytest.raises(TransitionNotAllowed) as exc:
        services.rma_ship_out(case=paying_case, actor=commercial, carrier="sf", waybill="SF1234567890123")
    assert "fee" in exc.value.message or "费用" in exc.value.message
    fee = services.rma_fee_quote(
        case=paying_case, actor=commercial, repair="800.00", shipping_out="25", shipping_back="25", tax_rate="0.06"
    )
    assert fee.total == Decimal("901.00")
    assert fee.shipping == Decimal("50.00")
    with pytest.raises(TransitionNotAllowed):
        services.rma_ship_out(case=paying_case, actor=commercial, carrier="sf", waybill="SF1234567890123")
    services.rma_fee_answer(fee=fee, actor=customer_a_user, approve=False, reason="太贵")
    with pytest.raises(TransitionNotAllowed):
        services.rma_ship_out(case=paying_case, actor=commercial, carrier="sf", waybill="SF1234567890123")
    assert not RmaShipment.objects.exists()
    revised = services.rma_fee_quote(
        case=paying_case, actor=commercial, repair="600", shipping_out="25", shipping_back="25"
    )
    fee.refresh_from_db()
    assert (fee.status, revised.revision) == (FeeStatus.SUPERSEDED, 2)
    services.rma_fee_answer(fee=revised, actor=customer_a_user, approve=True)
    case = services.rma_ship_out(case=paying_case, actor=commercial, carrier="sf", waybill="sf 1234 5678 90123")
    assert case.status == Status.SHIPPED_OUT
    assert case.sent_to_vendor_at is not None
    shipment = case.shipments.get()
    assert (shipment.waybill, shipment.address) == ("SF1234567890123", case.vendor.rma_address)
    case.device.refresh_from_db()
    assert case.device.status == DeviceStatus.IN_REPAIR


def test_unit_in_our_warranty_ships_without_a_fee(commercial, customer_a, site_a, vendor):
    from weibao.workorders.tests.factories import DeviceFactory

    device = DeviceFactory(
        site=site_a,
        vendor=vendor,
        serial_number="INW-1",
        warranty_end=timezone.localdate() + datetime.timedelta(days=30),
    )
    case = services.rma_open(actor=commercial, source="manual", device=device, fault="坏")
    assert case.customer_pays is False
    with pytest.raises(TransitionNotAllowed):
        services.rma_fee_quote(case=case, actor=commercial, repair="1", shipping_out="1", shipping_back="1")
    case = services.rma_send_back(case=case, actor=commercial)
    case = services.rma_ship_out(case=case, actor=commercial, carrier="ems", waybill="EA123456789CN")
    assert case.status == Status.SHIPPED_OUT


def test_fee_bad_input(paying_case, commercial):
    with pytest.raises(ValidationError) as exc:
        services.rma_fee_quote(
            case=paying_case, actor=commercial, repair="-1", shipping_out="abc", shipping_back="1.234", tax_rate="2"
        )
    assert {"repair", "shipping_out", "shipping_back", "tax_rate"} <= set(exc.value.message_dict)
    assert not RmaFee.objects.exists()


def test_staff_record_a_phone_approval_only_with_the_customers_name(paying_case, commercial):
    fee = services.rma_fee_quote(case=paying_case, actor=commercial, repair="1", shipping_out="1", shipping_back="1")
    with pytest.raises(ValidationError):
        services.rma_fee_answer(fee=fee, actor=commercial, approve=True)
    fee = services.rma_fee_answer(fee=fee, actor=commercial, approve=True, name="王主任")
    assert (fee.status, fee.answered_via, fee.answer_name) == (FeeStatus.APPROVED, "phone", "王主任")


def test_another_customer_cannot_answer_the_fee(paying_case, commercial, customer_b_user):
    fee = services.rma_fee_quote(case=paying_case, actor=commercial, repair="1", shipping_out="1", shipping_back="1")
    with pytest.raises(PermissionDenied):
        services.rma_fee_answer(fee=fee, actor=customer_b_user, approve=True)


def test_fee_link_answers_once(paying_case, commercial):
    from weibao.core.action_links import LinkUsed

    fee = services.rma_fee_quote(case=paying_case, actor=commercial, repair="1", shipping_out="1", shipping_back="1")
    tokens = services.rma_fee_link_create(fee=fee, actor=commercial, channel="sms", sent_to="13900000000")
    answered = services.rma_fee_answer_by_link(token=tokens["approve"], name="王主任")
    assert answered.status == FeeStatus.APPROVED
    assert answered.answered_via == "link"
    with pytest.raises(LinkUsed):
        services.rma_fee_answer_by_link(token=tokens["refuse"], name="王主任")
    paying_case.refresh_from_db()
    assert paying_case.status == Status.READY_TO_SHIP


# --- waybills -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("carrier", "waybill", "ok"),
    [
        ("sf", "SF1234567890123", True),
        ("sf", "1234567890123", False),
        ("sf", "SF12345", False),
        ("ems", "EA123456789CN", True),
        ("ems", "EA123456789US", False),
        ("yto", "YT1234567890123", True),
        ("yto", "SF1234567890123", False),
        ("zto", "731234567890", True),
        ("jd", "JDVA12345678901", True),
        ("deppon", "DPK123456789012", True),
        ("other", "ABC-123456", True),
        ("other", "AB", False),
        ("other", "ABC<script>", False),
        ("dhl", "1234567890", False),
    ],
)
def test_waybill_must_match_the_carriers_form(carrier, waybill, ok):
    if ok:
        assert services.clean_waybill(carrier, waybill)[1] == waybill.upper()
    else:
        with pytest.raises(ValidationError):
            services.clean_waybill(carrier, waybill)


def test_wrong_waybill_stores_nothing(approved_case, commercial):
    with pytest.raises(ValidationError) as exc:
        services.rma_ship_out(case=approved_case, actor=commercial, carrier="sf", waybill="YT1234567890123")
    assert "waybill" in exc.value.message_dict
    approved_case.refresh_from_db()
    assert approved_case.status == Status.READY_TO_SHIP
    assert not RmaShipment.objects.exists()


def test_same_waybill_cannot_be_used_twice(shipped_case, commercial, vendor_user):
    with pytest.raises(ValidationError):
        services.rma_ship_back(
            case=shipped_case,
            actor=vendor_user,
            outcome="repaired",
            report="更换主板",
            carrier="sf",
            waybill="SF1234567890123",
        )


# --- the whole send-back flow -------------------------------------------------------------------------------------


def test_send_back_to_stock_and_fee_collection(shipped_case, commercial, vendor_user, store, camera_part):
    case = services.rma_vendor_received(case=shipped_case, actor=vendor_user, vendor_rma_number="HK-RMA-778")
    with pytest.raises(PermissionDenied):  # what the vendor charges us is not the vendor's field to fill
        services.rma_ship_back(
            case=case,
            actor=vendor_user,
            outcome="repaired",
            report="更换主板",
            carrier="sf",
            waybill="SF9876543210987",
            vendor_cost="300",
        )
    case = services.rma_ship_back(
        case=case, actor=vendor_user, outcome="repaired", report="更换主板", carrier="sf", waybill="SF9876543210987"
    )
    case = services.rma_receive(case=case, actor=commercial)
    with pytest.raises(ValidationError) as exc:
        services.rma_return(case=case, actor=commercial, to="stock")  # which warehouse, which part?
    assert {"warehouse_id", "part_id"} <= set(exc.value.message_dict)
    case = services.rma_return(case=case, actor=commercial, to="stock", warehouse=store, part=camera_part)
    with pytest.raises(TransitionNotAllowed):
        services.rma_close(case=case, actor=commercial)  # the fee is not collected yet
    with pytest.raises(ValidationError) as exc:
        services.rma_collect(case=case, actor=commercial, invoice_number="", paid_on="2999-01-01")
    assert {"invoice_number", "paid_on"} <= set(exc.value.message_dict)
    case = services.rma_collect(case=case, actor=commercial, invoice_number="No.04521234", paid_on=timezone.localdate())
    assert case.paid_amount == case.fees.get(status=FeeStatus.APPROVED).total
    case = services.rma_close(case=case, actor=commercial)
    assert case.status == Status.CLOSED
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        RmaEventKind.REGISTERED,
        RmaEventKind.FEE_QUOTED,
        RmaEventKind.FEE_APPROVED,
        RmaEventKind.SHIPPED_OUT,
        RmaEventKind.VENDOR_RECEIVED,
        RmaEventKind.SHIPPED_BACK,
        RmaEventKind.RECEIVED,
        RmaEventKind.RETURNED,
        RmaEventKind.FEE_COLLECTED,
        RmaEventKind.CLOSED,
    ]
    case.device.refresh_from_db()
    assert case.device.status == DeviceStatus.RETIRED


def test_vendor_visit_route(commercial, customer_a, site_a, vendor):
    from weibao.workorders.tests.factories import DeviceFactory

    vendor.offers_onsite_service = True
    vendor.save()
    device = DeviceFactory(
        site=site_a, vendor=vendor, serial_number="V-1", warranty_end=timezone.localdate() + datetime.timedelta(days=30)
    )
    case = services.rma_open(
        actor=commercial,
        source="manual",
        device=device,
        fault="坏",
        vendor_warranty_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert case.route == Route.VENDOR_VISIT
    case = services.rma_request_visit(case=case, actor=commercial)
    assert case.sent_to_vendor_at is not None
    case = services.rma_visit_done(case=case, actor=commercial, repaired=True, report="现场更换电源板")
    assert case.status == Status.RETURNED
    assert services.rma_close(case=case, actor=commercial).status == Status.CLOSED


def test_send_back_case_cannot_request_a_vendor_visit(paying_case, commercial):
    with pytest.raises(TransitionNotAllowed):
        services.rma_request_visit(case=paying_case, actor=commercial)


def test_stale_version_is_refused(paying_case, commercial):
    from weibao.core.exceptions import StaleEdit

    with pytest.raises(StaleEdit):
        services.rma_cancel(case=paying_case, actor=commercial, reason="客户放弃", expected_version=99)
    case = services.rma_cancel(
        case=paying_case, actor=commercial, reason="客户放弃", expected_version=paying_case.version
    )
    assert case.status == Status.CANCELLED


def test_ageing_clock(shipped_case):
    later = shipped_case.sent_to_vendor_at + datetime.timedelta(days=31)
    assert shipped_case.days_with_vendor(later) == 31
    assert shipped_case.age_days(later) >= 31


def test_events_are_append_only(paying_case):
    with pytest.raises(ValueError, match="append-only"):
        RmaEvent.objects.filter(case=paying_case).update(body="x")


# --- vendor escalation --------------------------------------------------------------------------------------------


@pytest.fixture
def escalated(order_a, manager, vendor):
    wo.workorder_acknowledge(workorder=order_a, actor=manager)
    return services.vendor_escalate(
        workorder=order_a,
        actor=manager,
        vendor=vendor,
        reason="固件缺陷",
        vendor_case_number="HK-2026-001",
        vendor_engineer="陈工",
    )


def test_escalation_records_case_number_and_the_vendors_deadline(order_a, manager, vendor):
    from weibao.contracts.models import BusinessCalendar
    from weibao.rma.models import VendorAgreement

    cal = BusinessCalendar.objects.filter(name__icontains="5x8").first()
    VendorAgreement.objects.create(
        vendor=vendor, name="金牌服务", response_hours=4, calendar=cal, valid_from=datetime.date(2020, 1, 1)
    )
    wo.workorder_acknowledge(workorder=order_a, actor=manager)
    esc = services.vendor_escalate(workorder=order_a, actor=manager, vendor=vendor, vendor_case_number="HK-1")
    assert esc.response_due_at is not None
    assert esc.response_due_at > esc.escalated_at
    assert esc.vendor_case_number == "HK-1"
    assert order_a.events.filter(kind=EventKind.VENDOR_CASE).exists()


def test_root_cause_required_before_the_order_closes_as_solved_by_vendor(escalated, order_a, manager):
    order_a.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):  # the plain resolve is refused while the escalation is open
        wo.workorder_resolve(workorder=order_a, actor=manager, resolution="厂商已修复")
    with pytest.raises(ValidationError) as exc:
        services.escalation_solve(escalation=escalated, actor=manager, root_cause="  ", solution="升级固件")
    assert "root_cause" in exc.value.message_dict
    esc = services.escalation_solve(
        escalation=escalated, actor=manager, root_cause="固件V5.5.0内存泄漏", solution="升级到V5.5.2"
    )
    order_a.refresh_from_db()
    assert esc.status == EscalationStatus.SOLVED
    assert order_a.status == WOStatus.RESOLVED
    assert order_a.events.filter(kind=EventKind.ROOT_CAUSE, body="固件V5.5.0内存泄漏").exists()


def test_withdrawn_escalation_lets_the_order_resolve(escalated, order_a, manager):
    services.escalation_withdraw(escalation=escalated, actor=manager, note="自行解决")
    order_a.refresh_from_db()
    wo.workorder_resolve(workorder=order_a, actor=manager, resolution="重启")


def test_vendor_answers_questions_and_the_first_answer_is_its_response(
    escalated, manager, vendor_user, other_vendor_user, customer_a_user
):
    q = services.escalation_ask(escalation=escalated, actor=manager, question="日志中的E102是什么意思？")
    for outsider in (other_vendor_user, customer_a_user):
        with pytest.raises(PermissionDenied):
            services.escalation_answer(question=q, actor=outsider, answer="x")
    with pytest.raises(PermissionDenied):
        services.escalation_ask(escalation=escalated, actor=vendor_user, question="?")
    q = services.escalation_answer(question=q, actor=vendor_user, answer="电源模块过温")
    escalated.refresh_from_db()
    assert escalated.responded_at == q.answered_at
    with pytest.raises(TransitionNotAllowed):
        services.escalation_answer(question=q, actor=vendor_user, answer="改口")


def test_vendor_sets_its_own_case_number(escalated, vendor_user):
    esc = services.escalation_update(escalation=escalated, actor=vendor_user, vendor_case_number="HK-2026-002")
    assert esc.vendor_case_number == "HK-2026-002"


def test_plain_escalation_is_picked_up_and_re_escalation_withdraws_the_old(order_a, manager, vendor):
    from weibao.workorders.tests.factories import VendorFactory

    wo.workorder_acknowledge(workorder=order_a, actor=manager)
    wo.workorder_escalate(workorder=order_a, actor=manager, vendor=vendor, reason="r")
    order_a.refresh_from_db()
    first = services.escalation_sync(workorder=order_a)
    assert services.escalation_sync(workorder=order_a).pk == first.pk
    other = VendorFactory()
    wo.workorder_start_diagnosis(workorder=order_a, actor=manager)
    order_a.refresh_from_db()
    wo.workorder_escalate(workorder=order_a, actor=manager, vendor=other, reason="换厂商")
    order_a.refresh_from_db()
    second = services.escalation_sync(workorder=order_a)
    first.refresh_from_db()
    assert second.vendor_id == other.pk
    assert first.status == EscalationStatus.WITHDRAWN
    assert VendorEscalation.objects.filter(status=EscalationStatus.OPEN).count() == 1
