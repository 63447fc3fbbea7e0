"""The on-site steps through their services: gates, quotes and their versions, one-time links, bad input,
one timeline event per step, the SLA pause while a quote waits."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from weibao.assets.choices import DeviceEventKind, DeviceStatus
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.onsite import services
from weibao.onsite.choices import AnswerChannel, FormStatus, QuoteStatus
from weibao.onsite.models import ApprovalLink, Backup, Quote, QuoteLine, Replacement, ServiceForm, Signature
from weibao.onsite.tests.conftest import png, signature_data_url, signature_png
from weibao.workorders import services as wo_services
from weibao.workorders.choices import ChargeReason, EventKind, Status, WaitReason
from weibao.workorders.models import WorkOrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


LINES = [
    {"kind": "part", "quantity": "1", "description": ""},
    {"kind": "labour", "quantity": "2", "labour_basis": "hour"},
    {"kind": "transport", "quantity": "1"},
]


def _lines(spare_part):
    return [{**LINES[0], "spare_part": spare_part}, LINES[1], LINES[2]]


def _events(wo):
    return list(WorkOrderEvent.objects.filter(workorder=wo).order_by("id"))


def _new_events(wo, before):
    return [e for e in _events(wo) if e.pk > before]


def _last_id(wo):
    return max(e.pk for e in _events(wo))


def _quote(wo, engineer, spare_part):
    return services.quote_create(workorder=wo, actor=engineer, lines=_lines(spare_part))


# --- confirm the cause --------------------------------------------------------------------------------------------


def test_human_cause_makes_the_order_chargeable_even_in_warranty_and_says_why(on_site_order, field_engineer):
    from weibao.workorders.models import WorkOrder

    WorkOrder.objects.filter(pk=on_site_order.pk).update(in_warranty=True, chargeable=False, service_type="warranty")
    on_site_order.refresh_from_db()
    before = _last_id(on_site_order)
    confirmation = services.site_confirm(
        workorder=on_site_order,
        actor=field_engineer,
        confirmed_by_name="王主任",
        symptom="摄像机无图像",
        cause="human",
        human_cause="misuse",
        expected_version=on_site_order.version,
    )
    on_site_order.refresh_from_db()
    assert on_site_order.chargeable is True
    assert on_site_order.charge_reason == ChargeReason.HUMAN_ERROR
    assert on_site_order.cause == "human"
    (event,) = _new_events(on_site_order, before)
    assert event.kind == EventKind.CAUSE_CONFIRMED
    assert confirmation.event_id == event.pk


def test_confirm_cause_requires_a_known_cause_and_the_kind_of_human_cause(on_site_order, field_engineer):
    with pytest.raises(ValidationError) as exc:
        services.site_confirm(
            workorder=on_site_order, actor=field_engineer, confirmed_by_name="王主任", symptom="x", cause="human"
        )
    assert "human_cause" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.site_confirm(
            workorder=on_site_order, actor=field_engineer, confirmed_by_name="", symptom="x", cause="system"
        )
    assert "confirmed_by_name" in exc.value.message_dict


# --- quotes -------------------------------------------------------------------------------------------------------


def test_quote_prices_from_price_list_and_contract_with_tax_and_total(on_site_order, field_engineer, spare_part):
    quote = _quote(on_site_order, field_engineer, spare_part)
    amounts = list(quote.lines.order_by("position").values_list("kind", "unit_price", "amount"))
    assert amounts == [
        ("part", Decimal("1280.00"), Decimal("1280.00")),
        ("labour", Decimal("200.00"), Decimal("400.00")),
        ("transport", Decimal("80.00"), Decimal("80.00")),
    ]
    assert quote.subtotal == Decimal("1760.00")
    assert quote.tax == Decimal("228.80")
    assert quote.total == Decimal("1988.80")
    assert quote.status == QuoteStatus.PENDING
    assert quote.revision == 1


def test_quote_pauses_the_clocks_with_its_reason_and_the_answer_resumes_them(
    on_site_order, field_engineer, spare_part, customer_a_user
):
    before = _last_id(on_site_order)
    quote = _quote(on_site_order, field_engineer, spare_part)
    on_site_order.refresh_from_db()
    assert on_site_order.status == Status.WAITING_CUSTOMER
    assert on_site_order.wait_reason == WaitReason.QUOTE_APPROVAL
    running = on_site_order.clocks.filter(stopped_at__isnull=True)
    assert running.exists()
    assert all(c.paused_at is not None for c in running)
    (issued,) = _new_events(on_site_order, before)
    assert (issued.kind, issued.new_status) == (EventKind.QUOTE_ISSUED, Status.WAITING_CUSTOMER)

    before = _last_id(on_site_order)
    services.quote_approve(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL)
    on_site_order.refresh_from_db()
    assert on_site_order.status == Status.ON_SITE
    assert on_site_order.wait_reason == ""
    assert all(c.paused_at is None for c in on_site_order.clocks.filter(stopped_at__isnull=True))
    assert all(c.pauses for c in on_site_order.clocks.filter(stopped_at__isnull=True))
    (approved,) = _new_events(on_site_order, before)
    assert (approved.kind, approved.old_status, approved.new_status) == (
        EventKind.QUOTE_APPROVED,
        Status.WAITING_CUSTOMER,
        Status.ON_SITE,
    )


@pytest.mark.parametrize("answer", ["pending", "refused"])
def test_no_resolve_while_the_quote_is_pending_or_refused(
    on_site_order, field_engineer, spare_part, customer_a_user, answer
):
    quote = _quote(on_site_order, field_engineer, spare_part)
    if answer == "refused":
        services.quote_refuse(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL, reason="太贵")
    on_site_order.refresh_from_db()
    with pytest.raises(TransitionNotAllowed) as exc:
        wo_services.workorder_resolve(workorder=on_site_order, actor=field_engineer, resolution="更换摄像机")
    assert "quote" in exc.value.message
    on_site_order.refresh_from_db()
    assert on_site_order.status != Status.RESOLVED


def test_resolve_goes_ahead_once_the_quote_is_approved(on_site_order, field_engineer, spare_part, customer_a_user):
    quote = _quote(on_site_order, field_engineer, spare_part)
    services.quote_approve(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL)
    on_site_order.refresh_from_db()
    wo_services.workorder_resolve(workorder=on_site_order, actor=field_engineer, resolution="更换摄像机")
    assert on_site_order.status == Status.RESOLVED


def test_a_pending_quote_cannot_be_bypassed_by_resuming_by_hand(on_site_order, field_engineer, spare_part):
    _quote(on_site_order, field_engineer, spare_part)
    on_site_order.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        wo_services.workorder_resume(workorder=on_site_order, actor=field_engineer)


def test_changed_quote_is_a_new_version_and_the_old_one_stays(
    on_site_order, field_engineer, spare_part, customer_a_user
):
    first = _quote(on_site_order, field_engineer, spare_part)
    services.quote_refuse(quote=first, actor=customer_a_user, channel=AnswerChannel.PORTAL, reason="太贵")
    first.refresh_from_db()
    on_site_order.refresh_from_db()
    before = _last_id(on_site_order)
    second = services.quote_revise(quote=first, actor=field_engineer, lines=[LINES[1]], note="只收人工")
    first.refresh_from_db()
    assert (first.status, first.total) == (QuoteStatus.SUPERSEDED, Decimal("1988.80"))
    assert first.lines.count() == 3
    assert (second.revision, second.previous_id, second.status) == (2, first.pk, QuoteStatus.PENDING)
    assert second.total == Decimal("452.00")
    (event,) = _new_events(on_site_order, before)
    assert event.kind == EventKind.QUOTE_REVISED
    on_site_order.refresh_from_db()
    assert on_site_order.status == Status.WAITING_CUSTOMER  # waits again for the new version
    with pytest.raises(TransitionNotAllowed):
        services.quote_approve(quote=first, actor=customer_a_user, channel=AnswerChannel.PORTAL)


def test_approving_the_same_quote_twice_records_one_approval(
    on_site_order, field_engineer, spare_part, customer_a_user
):
    quote = _quote(on_site_order, field_engineer, spare_part)
    services.quote_approve(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL)
    services.quote_approve(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL)  # the second tab
    assert WorkOrderEvent.objects.filter(workorder=on_site_order, kind=EventKind.QUOTE_APPROVED).count() == 1
    with pytest.raises(TransitionNotAllowed):
        services.quote_refuse(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"kind": "other", "description": "线材", "quantity": "-1", "unit_price": "10"}, "lines.0.quantity"),
        ({"kind": "other", "description": "线材", "quantity": "0", "unit_price": "10"}, "lines.0.quantity"),
        ({"kind": "other", "description": "线材", "quantity": "abc", "unit_price": "10"}, "lines.0.quantity"),
        ({"kind": "other", "description": "线材", "quantity": "1", "unit_price": "-0.01"}, "lines.0.unit_price"),
        ({"kind": "other", "description": "线材", "quantity": "1", "unit_price": "十元"}, "lines.0.unit_price"),
        ({"kind": "other", "description": "线材", "quantity": "1", "unit_price": "NaN"}, "lines.0.unit_price"),
        ({"kind": "other", "description": "线材", "quantity": "1"}, "lines.0.unit_price"),
        ({"kind": "nonsense", "description": "线材", "quantity": "1", "unit_price": "1"}, "lines.0.kind"),
    ],
)
def test_bad_quote_lines_are_refused_with_a_field_error_and_nothing_stored(on_site_order, field_engineer, line, field):
    before = _last_id(on_site_order)
    with pytest.raises(ValidationError) as exc:
        services.quote_create(workorder=on_site_order, actor=field_engineer, lines=[LINES[1], line])
    assert field.replace("0", "1") in exc.value.message_dict
    assert not Quote.objects.exists()
    assert not QuoteLine.objects.exists()
    assert _last_id(on_site_order) == before
    on_site_order.refresh_from_db()
    assert on_site_order.status == Status.ON_SITE


def test_quote_with_a_stale_version_is_refused(on_site_order, field_engineer, spare_part):
    with pytest.raises(StaleEdit):
        services.quote_create(
            workorder=on_site_order,
            actor=field_engineer,
            lines=_lines(spare_part),
            expected_version=on_site_order.version - 1,
        )
    assert not Quote.objects.exists()


def test_phone_approval_needs_a_real_signature(on_site_order, field_engineer, spare_part):
    quote = _quote(on_site_order, field_engineer, spare_part)
    dot = png(lambda d: d.ellipse((100, 50, 103, 53), fill=(0, 0, 0, 255)))
    for bad in (None, png(), dot):
        with pytest.raises(ValidationError) as exc:
            services.quote_approve(
                quote=quote, actor=field_engineer, channel=AnswerChannel.PHONE, name="王主任", signature=bad
            )
        assert "signature" in exc.value.message_dict
    assert not Signature.objects.exists()
    services.quote_approve(
        quote=quote, actor=field_engineer, channel=AnswerChannel.PHONE, name="王主任", signature=signature_data_url()
    )
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED
    assert quote.signature.signer_name == "王主任"


# --- one-time links -----------------------------------------------------------------------------------------------


def test_approval_link_answers_once_and_is_then_refused(on_site_order, field_engineer, spare_part):
    quote = _quote(on_site_order, field_engineer, spare_part)
    link, token = services.approval_link_create(quote=quote, actor=field_engineer, channel="sms", sent_to="13800000000")
    assert services.approval_link_open(token=token).quote_id == quote.pk
    services.quote_answer_by_link(token=token, approve=True, name="王主任")
    quote.refresh_from_db()
    assert (quote.status, quote.answered_via, quote.answer_name) == (QuoteStatus.APPROVED, "link", "王主任")
    with pytest.raises(services.LinkRefused) as exc:
        services.quote_answer_by_link(token=token, approve=True, name="王主任")
    assert exc.value.code == "used"
    with pytest.raises(services.LinkRefused):
        services.approval_link_open(token=token)
    assert WorkOrderEvent.objects.filter(workorder=on_site_order, kind=EventKind.QUOTE_APPROVED).count() == 1


def test_expired_or_forged_link_is_refused(on_site_order, field_engineer, spare_part):
    quote = _quote(on_site_order, field_engineer, spare_part)
    link, token = services.approval_link_create(
        quote=quote, actor=field_engineer, channel="email", sent_to="wang@example.com"
    )
    ApprovalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(services.LinkRefused) as exc:
        services.quote_answer_by_link(token=token, approve=True, name="王主任")
    assert exc.value.code == "expired"
    for forged in ("", token[:-2] + "xx", "abc:def"):
        with pytest.raises(services.LinkRefused) as exc:
            services.approval_link_open(token=forged)
        assert exc.value.code == "invalid"
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PENDING


def test_link_of_a_superseded_version_is_refused(on_site_order, field_engineer, spare_part):
    quote = _quote(on_site_order, field_engineer, spare_part)
    _link, token = services.approval_link_create(quote=quote, actor=field_engineer, channel="wecom", sent_to="wang")
    on_site_order.refresh_from_db()
    services.quote_revise(quote=quote, actor=field_engineer, lines=[LINES[1]])
    with pytest.raises(services.LinkRefused):
        services.quote_answer_by_link(token=token, approve=True, name="王主任")


# --- replacement --------------------------------------------------------------------------------------------------


def test_replacement_updates_device_history_and_marks_the_old_unit_faulty(
    on_site_order, field_engineer, device_a, spare_part, customer_a_user
):
    quote = _quote(on_site_order, field_engineer, spare_part)
    services.quote_approve(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL)
    on_site_order.refresh_from_db()
    before = _last_id(on_site_order)
    swap = services.replacement_record(
        workorder=on_site_order,
        actor=field_engineer,
        old_device=device_a,
        new_serial="NEW-0002",
        new_model="DS-2CD3T47",
        signer_name="王主任",
        signature=signature_png(),
    )
    device_a.refresh_from_db()
    assert device_a.status == DeviceStatus.FAULTY
    assert (swap.old_serial, swap.new_serial, swap.quote_id, swap.rma_ref) == ("OLD-0001", "NEW-0002", quote.pk, "")
    assert swap.old_signature_id == swap.new_signature_id  # one signature covering both lines
    history = device_a.events.get(kind=DeviceEventKind.REPLACED)
    assert history.data["workorder"] == on_site_order.number
    assert (history.data["old_serial"], history.data["new_serial"]) == ("OLD-0001", "NEW-0002")
    assert swap.new_device.events.get().data["workorder"] == on_site_order.number
    (event,) = _new_events(on_site_order, before)
    assert event.kind == EventKind.DEVICE_REPLACED


def test_no_replacement_while_the_quote_is_pending(on_site_order, field_engineer, device_a, spare_part):
    _quote(on_site_order, field_engineer, spare_part)
    on_site_order.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        services.replacement_record(
            workorder=on_site_order,
            actor=field_engineer,
            old_device=device_a,
            new_serial="NEW-9",
            signer_name="王主任",
            signature=signature_png(),
        )
    assert not Replacement.objects.exists()
    device_a.refresh_from_db()
    assert device_a.status == DeviceStatus.IN_SERVICE


def test_replacement_without_a_real_signature_stores_nothing(on_site_order, field_engineer, device_a):
    stroke = png(lambda d: d.line([(10, 10), (14, 10)], fill=(0, 0, 0, 255), width=2))
    with pytest.raises(ValidationError) as exc:
        services.replacement_record(
            workorder=on_site_order,
            actor=field_engineer,
            old_device=device_a,
            new_serial="NEW-9",
            signer_name="王主任",
            signature=stroke,
        )
    assert "signature" in exc.value.message_dict
    assert not Replacement.objects.exists()
    assert not Signature.objects.exists()
    assert device_a.events.filter(kind=DeviceEventKind.REPLACED).count() == 0


# --- backup and change --------------------------------------------------------------------------------------------


def test_no_change_step_without_backup_and_agreement(on_site_order, field_engineer):
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_record(workorder=on_site_order, actor=field_engineer, description="升级固件")
    assert "backup" in exc.value.message
    services.backup_record(
        workorder=on_site_order,
        actor=field_engineer,
        what="NVR 配置",
        location="U盘",
        performed_by_name="张工",
        customer_agreed=False,
    )
    on_site_order.refresh_from_db()
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_record(workorder=on_site_order, actor=field_engineer, description="升级固件")
    assert "agreed" in exc.value.message
    services.backup_record(
        workorder=on_site_order,
        actor=field_engineer,
        what="NVR 配置",
        location="U盘",
        performed_by_name="张工",
        customer_agreed=True,
        agreed_by_name="王主任",
    )
    on_site_order.refresh_from_db()
    before = _last_id(on_site_order)
    change = services.change_record(workorder=on_site_order, actor=field_engineer, description="升级固件")
    assert change.backup.customer_agreed
    (event,) = _new_events(on_site_order, before)
    assert event.kind == EventKind.CHANGE_RECORDED


def test_backup_with_a_file_and_a_30_mb_photo_refused_with_the_limit(on_site_order, field_engineer, settings):
    ok = SimpleUploadedFile("config.txt", b"hostname nvr-01\n", content_type="text/plain")
    backup = services.backup_record(
        workorder=on_site_order, actor=field_engineer, what="配置", location="服务器", performed_by_name="张工", file=ok
    )
    assert backup.file_name == "config.txt"
    assert backup.sha256
    on_site_order.refresh_from_db()
    before = _last_id(on_site_order)
    big = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * (30 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        services.backup_record(
            workorder=on_site_order,
            actor=field_engineer,
            what="配置",
            location="服务器",
            performed_by_name="张工",
            file=big,
        )
    assert f"{settings.WEIBAO_MAX_UPLOAD_MB} MB" in exc.value.message_dict["file"][0]
    assert Backup.objects.count() == 1
    assert _last_id(on_site_order) == before


# --- the service form ---------------------------------------------------------------------------------------------

FORM = {
    "inspection": "检查摄像机电源与网线",
    "cause": "system",
    "work_done": "更换摄像机",
    "solved": True,
    "customer_contact_name": "王主任",
    "customer_contact_phone": "13800000000",
    "engineer_name": "张工",
    "engineer_phone": "13900000000",
    "satisfaction": 5,
}


def _sign(wo, engineer, **kw):
    return services.service_form_sign(
        workorder=wo,
        actor=engineer,
        customer_name="王主任",
        customer_signature=signature_png(),
        engineer_signature=signature_png(),
        **kw,
    )


def test_service_form_is_prefilled_and_names_what_is_missing(on_site_order, field_engineer):
    form = services.service_form_save(workorder=on_site_order, actor=field_engineer, data={"inspection": "已检查"})
    assert form.symptom == on_site_order.symptom
    assert form.complete is False
    assert {"work_done", "solved", "satisfaction", "customer_signature", "engineer_signature"} <= set(form.missing)
    assert "inspection" not in form.missing
    assert "satisfaction" in ServiceForm.objects.filter(complete=False).get().missing  # stored, queryable


def test_signed_form_is_complete_frozen_and_an_edit_makes_a_new_revision(on_site_order, field_engineer):
    services.service_form_save(workorder=on_site_order, actor=field_engineer, data=FORM)
    on_site_order.refresh_from_db()
    before = _last_id(on_site_order)
    signed = _sign(on_site_order, field_engineer)
    assert signed.status == FormStatus.SIGNED
    assert signed.complete
    assert signed.missing == []
    (event,) = _new_events(on_site_order, before)
    assert event.kind == EventKind.SERVICE_FORM_SIGNED
    on_site_order.refresh_from_db()
    edited = services.service_form_save(
        workorder=on_site_order, actor=field_engineer, data={"customer_remark": "补充说明"}
    )
    signed.refresh_from_db()
    assert signed.customer_remark == ""
    assert signed.status == FormStatus.SIGNED
    assert (edited.revision, edited.previous_id, edited.status) == (2, signed.pk, FormStatus.DRAFT)
    assert edited.customer_signature_id is None
    assert "customer_signature" in edited.missing
    assert edited.work_done == "更换摄像机"
    assert ServiceForm.objects.filter(workorder=on_site_order, complete=True).count() == 1


def test_not_solved_sets_the_orders_next_appointment(on_site_order, field_engineer):
    when = timezone.now() + datetime.timedelta(days=2)
    services.service_form_save(
        workorder=on_site_order, actor=field_engineer, data={**FORM, "solved": False, "next_appointment_at": when}
    )
    on_site_order.refresh_from_db()
    form = _sign(on_site_order, field_engineer)
    on_site_order.refresh_from_db()
    assert form.complete
    assert on_site_order.appointment_at == when


def test_sign_refuses_blank_signatures_and_bad_rating_with_field_errors(on_site_order, field_engineer):
    with pytest.raises(ValidationError) as exc:
        services.service_form_save(workorder=on_site_order, actor=field_engineer, data={**FORM, "satisfaction": 9})
    assert "satisfaction" in exc.value.message_dict
    services.service_form_save(workorder=on_site_order, actor=field_engineer, data=FORM)
    on_site_order.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.service_form_sign(
            workorder=on_site_order,
            actor=field_engineer,
            customer_name="王主任",
            customer_signature=png(),
            engineer_signature=signature_png(),
        )
    assert "customer_signature" in exc.value.message_dict
    assert not Signature.objects.exists()
    assert ServiceForm.objects.get().status == FormStatus.DRAFT


def test_stamp_photo_of_30_mb_is_refused_with_the_limit(on_site_order, field_engineer, settings):
    services.service_form_save(workorder=on_site_order, actor=field_engineer, data=FORM)
    on_site_order.refresh_from_db()
    big = SimpleUploadedFile("stamp.jpg", b"\xff\xd8\xff\xe0" + b"0" * (30 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        _sign(on_site_order, field_engineer, stamp_photo=big)
    assert f"{settings.WEIBAO_MAX_UPLOAD_MB} MB" in exc.value.message_dict["stamp_photo"][0]
    assert not Signature.objects.exists()
    assert ServiceForm.objects.get().status == FormStatus.DRAFT


def test_each_step_appends_exactly_one_event(on_site_order, field_engineer, spare_part, customer_a_user, device_a):
    steps = []

    def step(kind, call):
        before = _last_id(on_site_order)
        call()
        on_site_order.refresh_from_db()
        steps.append((kind, [e.kind for e in _new_events(on_site_order, before)]))

    step(
        EventKind.CAUSE_CONFIRMED,
        lambda: services.site_confirm(
            workorder=on_site_order, actor=field_engineer, confirmed_by_name="王主任", symptom="无图像", cause="system"
        ),
    )
    quote_box = {}
    step(EventKind.QUOTE_ISSUED, lambda: quote_box.setdefault("q", _quote(on_site_order, field_engineer, spare_part)))
    step(
        EventKind.QUOTE_LINK_SENT,
        lambda: services.approval_link_create(
            quote=quote_box["q"], actor=field_engineer, channel="sms", sent_to="13800000000"
        ),
    )
    step(
        EventKind.QUOTE_APPROVED,
        lambda: services.quote_approve(quote=quote_box["q"], actor=customer_a_user, channel=AnswerChannel.PORTAL),
    )
    step(
        EventKind.DEVICE_REPLACED,
        lambda: services.replacement_record(
            workorder=on_site_order,
            actor=field_engineer,
            old_device=device_a,
            new_serial="NEW-1",
            signer_name="王主任",
            signature=signature_png(),
        ),
    )
    step(
        EventKind.BACKUP_RECORDED,
        lambda: services.backup_record(
            workorder=on_site_order,
            actor=field_engineer,
            what="配置",
            location="U盘",
            performed_by_name="张工",
            customer_agreed=True,
            agreed_by_name="王主任",
        ),
    )
    step(
        EventKind.CHANGE_RECORDED,
        lambda: services.change_record(workorder=on_site_order, actor=field_engineer, description="升级固件"),
    )
    step(
        EventKind.SERVICE_FORM_SAVED,
        lambda: services.service_form_save(workorder=on_site_order, actor=field_engineer, data=FORM),
    )
    step(EventKind.SERVICE_FORM_SIGNED, lambda: _sign(on_site_order, field_engineer))
    assert steps == [(kind, [kind]) for kind, _ in steps]
    form = ServiceForm.objects.get()
    assert form.replaced_devices[0]["old_serial"] == "OLD-0001"
    assert form.replaced_devices[0]["new_serial"] == "NEW-1"


def test_another_customers_user_cannot_answer_or_record(on_site_order, field_engineer, spare_part, customer_b_user):
    from django.core.exceptions import PermissionDenied

    quote = _quote(on_site_order, field_engineer, spare_part)
    with pytest.raises(PermissionDenied):
        services.quote_approve(quote=quote, actor=customer_b_user, channel=AnswerChannel.PORTAL)
    with pytest.raises(PermissionDenied):
        services.service_form_save(workorder=on_site_order, actor=customer_b_user, data=FORM)


def test_a_manager_withdraws_a_refused_quote_and_the_order_can_be_resolved(
    on_site_order, field_engineer, manager, spare_part, customer_a_user
):
    from django.core.exceptions import PermissionDenied

    quote = _quote(on_site_order, field_engineer, spare_part)
    services.quote_refuse(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL, reason="不换了")
    with pytest.raises(PermissionDenied):
        services.quote_withdraw(quote=quote, actor=field_engineer, reason="客户不需要")
    with pytest.raises(ValidationError):
        services.quote_withdraw(quote=quote, actor=manager, reason="")
    before = _last_id(on_site_order)
    services.quote_withdraw(quote=quote, actor=manager, reason="客户不需要更换，仅调试")
    (event,) = _new_events(on_site_order, before)
    assert event.kind == EventKind.QUOTE_WITHDRAWN
    on_site_order.refresh_from_db()
    wo_services.workorder_resolve(workorder=on_site_order, actor=field_engineer, resolution="调试后恢复")
    assert on_site_order.status == Status.RESOLVED


def test_withdrawing_a_pending_quote_resumes_the_order(on_site_order, field_engineer, manager, spare_part):
    quote = _quote(on_site_order, field_engineer, spare_part)
    _link, token = services.approval_link_create(quote=quote, actor=field_engineer, channel="sms", sent_to="138")
    services.quote_withdraw(quote=quote, actor=manager, reason="报错了")
    on_site_order.refresh_from_db()
    assert on_site_order.status == Status.ON_SITE
    assert on_site_order.wait_reason == ""
    with pytest.raises(services.LinkRefused):
        services.approval_link_open(token=token)
    new = services.quote_revise(quote=quote, actor=field_engineer, lines=[LINES[1]])
    assert (new.revision, new.status) == (2, QuoteStatus.PENDING)


def test_a_part_for_a_device_takes_the_price_of_its_model_from_the_price_list(on_site_order, field_engineer, device_a):
    from weibao.onsite.models import SparePart

    SparePart.objects.create(model=device_a.model, name="摄像机", unit="台", unit_price=Decimal("999.00"))
    quote = services.quote_create(
        workorder=on_site_order, actor=field_engineer, lines=[{"kind": "part", "device": device_a, "quantity": "2"}]
    )
    line = quote.lines.get()
    assert (line.unit_price, line.amount, line.device_id) == (Decimal("999.00"), Decimal("1998.00"), device_a.pk)
    assert line.spare_part is not None


def test_link_of_a_cancelled_order_is_refused(on_site_order, field_engineer, manager, spare_part):
    quote = _quote(on_site_order, field_engineer, spare_part)
    _link, token = services.approval_link_create(quote=quote, actor=field_engineer, channel="sms", sent_to="138")
    on_site_order.refresh_from_db()
    wo_services.workorder_cancel(workorder=on_site_order, actor=manager, reason="客户撤回报修")
    with pytest.raises(services.LinkRefused) as exc:
        services.quote_answer_by_link(token=token, approve=True, name="王主任")
    assert exc.value.code == "closed"


def test_customer_may_sign_each_unit_separately(on_site_order, field_engineer, device_a):
    swap = services.replacement_record(
        workorder=on_site_order,
        actor=field_engineer,
        old_device=device_a,
        new_serial="NEW-0003",
        signer_name="王主任",
        signature=signature_png(),
        new_signature=signature_data_url(),
    )
    assert swap.old_signature_id != swap.new_signature_id
    assert Signature.objects.filter(workorder=on_site_order, role="customer").count() == 2
    assert 0 < swap.old_signature.inked_pixels < swap.old_signature.width * swap.old_signature.height // 4
