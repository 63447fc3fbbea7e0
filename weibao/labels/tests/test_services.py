import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from weibao.labels import services
from weibao.labels.models import Label, ScanCode
from weibao.labels.tests.conftest import sent_codes

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_ensure_issues_one_unguessable_label_per_device_and_is_idempotent(device_a, device_b, manager):
    first = services.labels_ensure(devices=[device_a, device_b], actor=manager)
    again = services.labels_ensure(devices=[device_a, device_b], actor=manager)
    assert {k: v.pk for k, v in first.items()} == {k: v.pk for k, v in again.items()}
    token = first[device_a.pk].token
    assert len(token) >= 24
    assert str(device_a.pk) != token
    assert token != first[device_b.pk].token
    assert Label.objects.filter(revoked_at__isnull=True).count() == 2


def test_only_label_managers_issue_labels(device_a, customer_a_user, field_engineer):
    for user in (customer_a_user, field_engineer):
        with pytest.raises(PermissionDenied):
            services.labels_ensure(devices=[device_a], actor=user)
    assert not Label.objects.exists()


def test_regenerate_revokes_the_old_sticker(label_a, device_a, manager):
    new = services.labels_regenerate(devices=[device_a], actor=manager)[device_a.pk]
    assert new.token != label_a.token
    with pytest.raises(services.LabelUnavailable) as exc:
        services.label_for_scan(token=label_a.token)
    assert exc.value.code == "revoked"
    assert services.label_for_scan(token=new.token).device == device_a


def test_unknown_and_odd_tokens_are_unavailable(label_a):
    for token in ("nope", "", "x" * 500, label_a.token + "x"):
        with pytest.raises(services.LabelUnavailable) as exc:
            services.label_for_scan(token=token)
        assert exc.value.code == "unknown"


def test_scan_counts(label_a):
    services.label_for_scan(token=label_a.token)
    services.label_for_scan(token=label_a.token)
    label_a.refresh_from_db()
    assert label_a.scans == 2
    assert label_a.last_scanned_at is not None


def test_code_is_sent_to_a_contact_stored_hashed_and_proves_the_contact(
    label_a, contact_a, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.scan_code_request(label=label_a, phone="+86 139 5100 1234", client_ip="10.0.0.1")
    assert request.sent
    [(phone, code)] = sent_codes(sms)
    assert phone == "13951001234"
    assert len(code) == 6
    row = ScanCode.objects.get()
    assert code not in row.code_hash
    assert row.contact == contact_a
    # The delivery log keeps no usable code once sent.
    from weibao.notifications.models import Delivery

    delivery = Delivery.objects.get(notice="scan_code")
    assert delivery.status == "sent"
    assert delivery.payload["params"]["code"] == "******"
    assert code not in delivery.body_text
    assert services.scan_code_verify(label=label_a, phone="13951001234", code=code) == contact_a
    with pytest.raises(ValidationError):  # one use
        services.scan_code_verify(label=label_a, phone="13951001234", code=code)


def test_wrong_codes_are_counted_and_kill_the_code(
    label_a, contact_a, sms, settings, django_capture_on_commit_callbacks
):
    settings.WEIBAO_SCAN_CODE_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        services.scan_code_request(label=label_a, phone="13951001234", client_ip=None)
    [(_phone, code)] = sent_codes(sms)
    wrong = "000000" if code != "000000" else "111111"
    for _i in range(3):
        with pytest.raises(ValidationError):
            services.scan_code_verify(label=label_a, phone="13951001234", code=wrong)
    assert ScanCode.objects.get().attempts == 3
    with pytest.raises(ValidationError):  # the right code no longer helps
        services.scan_code_verify(label=label_a, phone="13951001234", code=code)


def test_expired_code_is_refused(label_a, contact_a, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.scan_code_request(label=label_a, phone="13951001234", client_ip=None)
    [(_phone, code)] = sent_codes(sms)
    later = timezone.now() + datetime.timedelta(minutes=11)
    with pytest.raises(ValidationError):
        services.scan_code_verify(label=label_a, phone="13951001234", code=code, now=later)


def test_unknown_number_gets_no_sms_and_cannot_verify(label_a, contact_a, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.scan_code_request(label=label_a, phone="13800000000", client_ip=None)
    assert not request.sent
    assert sent_codes(sms) == []
    assert ScanCode.objects.get().contact is None
    with pytest.raises(ValidationError):
        services.scan_code_verify(label=label_a, phone="13800000000", code="123456")


def test_another_customers_contact_gets_no_code_for_this_label(
    label_a, device_b, sms, django_capture_on_commit_callbacks
):
    from weibao.customers.tests.factories import ContactFactory

    ContactFactory(customer=device_b.customer, mobile="13700000001")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.scan_code_request(label=label_a, phone="13700000001", client_ip=None)
    assert not request.sent
    assert sent_codes(sms) == []


def test_code_requests_are_rate_limited(label_a, contact_a, sms, settings, django_capture_on_commit_callbacks):
    settings.WEIBAO_SCAN_CODES_PER_PHONE = 2
    with django_capture_on_commit_callbacks(execute=True):
        for _i in range(2):
            services.scan_code_request(label=label_a, phone="13951001234", client_ip="10.0.0.2")
    with pytest.raises(ValidationError):
        services.scan_code_request(label=label_a, phone="13951001234", client_ip="10.0.0.2")
    assert ScanCode.objects.count() == 2
    assert len(sent_codes(sms)) == 2
    settings.WEIBAO_SCAN_CODES_PER_ADDRESS = 2
    with pytest.raises(ValidationError):  # another number from the same address
        services.scan_code_request(label=label_a, phone="13900000009", client_ip="10.0.0.2")


def test_contact_report_is_prefilled_with_customer_site_device_and_contract(label_a, contact_a, contract_a, device_a):
    photo = SimpleUploadedFile("fault.png", PNG, "image/png")
    wo = services.scan_report_create(label=label_a, symptom="交换机端口指示灯全灭", photos=[photo], contact=contact_a)
    assert (wo.customer, wo.site, wo.contract, wo.channel) == (device_a.customer, device_a.site, contract_a, "web")
    assert list(wo.devices.all()) == [device_a]
    assert wo.reporter_name == "周主任"
    assert wo.contact == contact_a
    assert wo.source_ref == f"label:{label_a.pk}"
    assert wo.attachments.count() == 1


def test_other_customers_user_cannot_report_through_the_label(label_a, customer_b_user, vendor_user):
    for user in (customer_b_user, vendor_user):
        assert not services.scan_reporter_allowed(label=label_a, user=user)
        with pytest.raises(PermissionDenied):
            services.scan_report_create(label=label_a, symptom="x", user=user)


def test_contact_of_another_customer_cannot_report(label_a, device_b):
    from weibao.customers.tests.factories import ContactFactory

    with pytest.raises(PermissionDenied):
        services.scan_report_create(label=label_a, symptom="x", contact=ContactFactory(customer=device_b.customer))


def test_bad_photo_stores_nothing(label_a, customer_a_user):
    from weibao.workorders.models import WorkOrder

    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg")
    with pytest.raises(ValidationError):
        services.scan_report_create(label=label_a, symptom="坏了", photos=[fake], user=customer_a_user)
    assert not WorkOrder.objects.exists()
