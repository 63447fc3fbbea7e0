"""The on-site pages (UI helper): every page for staff, scoping (404 for another organisation on every page and
PDF), bad input shown as field errors, the public one-time link (used / expired / forged → a clear page), the
customer portal's answer, the signed form's PDF (text, fonts, rendering), its timeline attachment and e-mail,
and flat query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from weibao.onsite import services
from weibao.onsite.choices import QuoteStatus
from weibao.onsite.models import ApprovalLink, Quote, Replacement, ServiceForm
from weibao.onsite.tests.conftest import png, signature_data_url
from weibao.onsite.tests.pdfcheck import pdf_checks
from weibao.workorders.models import Attachment

pytestmark = pytest.mark.django_db
DOT = "data:image/png;base64,"  # completed below with a one-dot PNG
CAUSE = "雷击导致电源模块烧毁"


def _dot_url() -> str:
    import base64

    return DOT + base64.b64encode(png(lambda d: d.ellipse((100, 60, 103, 63), fill=(0, 0, 0, 255)))).decode()


def _login(client, user):
    client.force_login(user)
    return client


def _quote(wo, engineer, spare_part):
    return services.quote_create(
        workorder=wo,
        actor=engineer,
        lines=[
            {"kind": "part", "quantity": "1", "spare_part": spare_part, "description": ""},
            {"kind": "transport", "quantity": "1"},
        ],
    )


def _formset(lines, version):
    data = {
        "version": version,
        "tax_rate": "13",
        "note": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
    }
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = value
    return data


def _sign_form(client, wo, **extra):
    data = {
        "version": wo.version,
        "symptom": "财务室网络中断",
        "inspection": "电源模块烧毁",
        "cause": "human",
        "cause_detail": CAUSE,
        "work_done": "更换电源模块",
        "solved": "yes",
        "customer_contact_name": "王经理",
        "customer_contact_phone": "13912345678",
        "engineer_name": "张工",
        "engineer_phone": "13800000000",
        "satisfaction": "5",
        "customer_remark": "满意",
        "customer_name": "王经理",
        "customer_signature": signature_data_url(),
        "engineer_signature": signature_data_url(),
        "sign": "1",
        **extra,
    }
    return client.post(f"/on-site/{wo.pk}/form/", data)


@pytest.fixture
def signed_order(
    on_site_order, field_engineer, spare_part, customer_a_user, device_a, client, django_capture_on_commit_callbacks
):
    """The whole visit through the pages' services: quote approved, device replaced, form signed."""
    from weibao.customers.models import Contact

    wo = on_site_order
    Contact.objects.create(
        customer=wo.customer, organisation=wo.organisation, site=wo.site, name="王经理", email="Wang@Example.cn"
    )
    services.site_confirm(
        workorder=wo,
        actor=field_engineer,
        confirmed_by_name="王经理",
        symptom="网络中断",
        cause="human",
        human_cause="misuse",
    )
    quote = _quote(wo, field_engineer, spare_part)
    services.quote_approve(quote=quote, actor=customer_a_user, channel="portal")
    services.replacement_record(
        workorder=wo,
        actor=field_engineer,
        old_device=device_a,
        new_serial="NEW-0002",
        new_model="DS-2CD3T47",
        signer_name="王经理",
        signature=signature_data_url(),
    )
    wo.refresh_from_db()
    _login(client, field_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _sign_form(client, wo)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    wo.refresh_from_db()
    return wo


# --- pages and scoping --------------------------------------------------------------------------------------------


def test_every_step_page_renders_for_the_engineer(client, on_site_order, field_engineer, spare_part):
    wo = on_site_order
    quote = _quote(wo, field_engineer, spare_part)
    _login(client, field_engineer)
    for url in [
        f"/on-site/{wo.pk}/",
        f"/on-site/{wo.pk}/confirm/",
        f"/on-site/{wo.pk}/quote/",
        f"/on-site/quotes/{quote.pk}/",
        f"/on-site/{wo.pk}/replacement/",
        f"/on-site/{wo.pk}/backup/",
        f"/on-site/{wo.pk}/change/",
        f"/on-site/{wo.pk}/form/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert b'capture="environment"' in client.get(f"/on-site/{wo.pk}/replacement/").content
    assert client.get(f"/on-site/{wo.pk}/sheet.pdf")["Content-Type"] == "application/pdf"


def test_customer_of_another_organisation_gets_404_on_every_page_and_pdf(
    client, signed_order, field_engineer, customer_b_user, assert_scoped
):
    wo = signed_order
    quote = Quote.objects.get(workorder=wo)
    _login(client, customer_b_user)
    for url in [
        f"/on-site/{wo.pk}/",
        f"/on-site/{wo.pk}/service-form.pdf",
        f"/on-site/{wo.pk}/sheet.pdf",
        f"/on-site/quotes/{quote.pk}/",
    ]:
        assert_scoped(url, client)
    for url in [f"/on-site/quotes/{quote.pk}/answer/", f"/on-site/quotes/{quote.pk}/link/"]:
        assert_scoped(url, client, method="post", data={"decision": "approve", "name": "x"})
    for step in ["confirm", "quote", "replacement", "backup", "change", "form", "panel"]:
        assert_scoped(f"/on-site/{wo.pk}/{step}/", client)
        assert_scoped(f"/on-site/{wo.pk}/{step}/", client, method="post", data={"version": wo.version})


def test_staff_and_the_orders_customer_download_the_signed_form(client, signed_order, manager, customer_a_user):
    for user in (manager, customer_a_user):
        _login(client, user)
        response = client.get(f"/on-site/{signed_order.pk}/service-form.pdf")
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
        assert "attachment" in response["Content-Disposition"]
        client.logout()


def test_customer_cannot_open_the_engineers_step_pages(client, on_site_order, customer_a_user):
    _login(client, customer_a_user)
    assert client.get(f"/on-site/{on_site_order.pk}/").status_code == 200  # the visit's overview: yes
    assert client.get(f"/on-site/{on_site_order.pk}/form/").status_code == 403


# --- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "field", "message"),
    [
        ("-1", "10", "quantity", "more than 0"),
        ("abc", "10", "quantity", "number"),
        ("1", "-5", "unit_price", "negative"),
        ("1", "x", "unit_price", "number"),
        ("0", "10", "quantity", "more than 0"),
    ],
)
def test_quote_page_refuses_bad_numbers_with_a_field_error(
    client, on_site_order, field_engineer, quantity, price, field, message, settings
):
    settings.LANGUAGE_CODE = "en"
    _login(client, field_engineer)
    data = _formset(
        [{"kind": "other", "description": "线缆", "quantity": quantity, "unit_price": price}], on_site_order.version
    )
    response = client.post(f"/on-site/{on_site_order.pk}/quote/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    html = response.content.decode()
    assert f'data-error-for="lines-0-{field}"' in html
    assert message in html
    assert not Quote.objects.filter(workorder=on_site_order).exists()


def test_quote_page_creates_a_quote(client, on_site_order, field_engineer):
    _login(client, field_engineer)
    data = _formset(
        [{"kind": "other", "description": "线缆", "quantity": "2", "unit_price": "10.50"}], on_site_order.version
    )
    response = client.post(f"/on-site/{on_site_order.pk}/quote/", data)
    assert response.status_code == 302
    quote = Quote.objects.get(workorder=on_site_order)
    assert (quote.subtotal, quote.total) == (Decimal("21.00"), Decimal("23.73"))


def test_quote_page_takes_a_part_from_the_price_list_and_the_contracts_rates(
    client, on_site_order, field_engineer, spare_part
):
    _login(client, field_engineer)
    form = client.get(f"/on-site/{on_site_order.pk}/quote/")
    assert f'value="{spare_part.pk}"' in form.content.decode()  # the price list is offered on each line
    data = _formset(
        [
            {"kind": "part", "spare_part": spare_part.pk, "description": "", "quantity": "2", "unit_price": ""},
            {"kind": "transport", "description": "", "quantity": "1", "unit_price": ""},
        ],
        on_site_order.version,
    )
    assert client.post(f"/on-site/{on_site_order.pk}/quote/", data).status_code == 302
    part, transport = Quote.objects.get(workorder=on_site_order).lines.order_by("position")
    assert (part.unit_price, part.amount, part.spare_part_id) == (Decimal("1280.00"), Decimal("2560.00"), spare_part.pk)
    assert transport.unit_price == Decimal("80.00")  # the contract's transport rate


def test_quote_page_on_an_answered_quote_makes_a_new_version(
    client, on_site_order, field_engineer, spare_part, customer_a_user
):
    first = _quote(on_site_order, field_engineer, spare_part)
    services.quote_approve(quote=first, actor=customer_a_user, channel="portal")
    on_site_order.refresh_from_db()
    _login(client, field_engineer)
    data = _formset(
        [{"kind": "other", "description": "加装防雷器", "quantity": "1", "unit_price": "300"}], on_site_order.version
    )
    assert client.post(f"/on-site/{on_site_order.pk}/quote/", data).status_code == 302
    first.refresh_from_db()
    assert first.status == QuoteStatus.SUPERSEDED
    assert Quote.objects.get(workorder=on_site_order, revision=2).status == QuoteStatus.PENDING
    visit = client.get(f"/on-site/{on_site_order.pk}/").content.decode()
    assert f"/on-site/quotes/{first.pk}/" in visit  # the old version stays on record, linked from the visit


def test_one_dot_signature_is_refused_and_nothing_is_stored(client, on_site_order, field_engineer, device_a):
    _login(client, field_engineer)
    data = {
        "version": on_site_order.version,
        "old_device": device_a.pk,
        "new_serial": "NEW-1",
        "new_model": "X",
        "signer_name": "王经理",
        "signature": _dot_url(),
    }
    response = client.post(f"/on-site/{on_site_order.pk}/replacement/", data)
    assert response.status_code == 422
    assert 'data-error-for="signature"' in response.content.decode()
    assert not Replacement.objects.exists()


def test_replacement_photo_from_the_camera_is_attached_to_its_event(client, on_site_order, field_engineer, device_a):
    _login(client, field_engineer)
    photo = SimpleUploadedFile(
        "IMG_0001.png", png(lambda d: d.rectangle((5, 5, 60, 60), fill=(200, 0, 0, 255))), content_type="image/png"
    )
    data = {
        "version": on_site_order.version,
        "old_device": device_a.pk,
        "new_serial": "NEW-1",
        "new_model": "X",
        "signer_name": "王经理",
        "signature": signature_data_url(),
        "photo": photo,
    }
    assert client.post(f"/on-site/{on_site_order.pk}/replacement/", data).status_code == 302
    swap = Replacement.objects.get()
    attachment = Attachment.objects.get(workorder=on_site_order)
    assert attachment.event_id == swap.event_id
    assert attachment.content_type == "image/png"


def test_a_30_mb_photo_is_refused_with_the_limit_named(client, on_site_order, field_engineer, device_a, settings):
    settings.LANGUAGE_CODE = "en"
    _login(client, field_engineer)
    big = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * (30 * 1024 * 1024), content_type="image/jpeg")
    data = {
        "version": on_site_order.version,
        "old_device": device_a.pk,
        "new_serial": "NEW-1",
        "new_model": "X",
        "signer_name": "王经理",
        "signature": signature_data_url(),
        "photo": big,
    }
    response = client.post(f"/on-site/{on_site_order.pk}/replacement/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert f"{settings.WEIBAO_MAX_UPLOAD_MB} MB" in response.content.decode()
    assert not Replacement.objects.exists()


def test_signing_without_signatures_is_refused_and_the_form_stays_unsigned(client, on_site_order, field_engineer):
    _login(client, field_engineer)
    response = _sign_form(client, on_site_order, customer_signature="", engineer_signature=_dot_url())
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-error-for="customer_signature"' in html
    assert 'data-error-for="engineer_signature"' in html
    assert not ServiceForm.objects.filter(workorder=on_site_order).exists()  # save and sign: one transaction


def test_change_page_refuses_a_change_before_backup_and_agreement(client, on_site_order, field_engineer):
    from weibao.onsite.models import Backup, ChangeRecord

    wo = on_site_order
    _login(client, field_engineer)
    page = client.get(f"/on-site/{wo.pk}/change/")
    assert b'data-testid="change-needs-backup"' in page.content
    refused = client.post(f"/on-site/{wo.pk}/change/", {"version": wo.version, "description": "升级固件"})
    assert refused.status_code in (409, 422)
    assert not ChangeRecord.objects.exists()
    saved = client.post(
        f"/on-site/{wo.pk}/backup/",
        {
            "version": wo.version,
            "what": "交换机配置",
            "location": "U盘 + 服务器 /backup",
            "performed_by_name": "张工",
            "performed_at": "2026-12-06T10:00",
            "customer_agreed": "on",
            "agreed_by_name": "王经理",
        },
    )
    assert saved.status_code == 302
    wo.refresh_from_db()
    backup = Backup.objects.get(workorder=wo)
    done = client.post(
        f"/on-site/{wo.pk}/change/", {"version": wo.version, "backup": backup.pk, "description": "升级固件"}
    )
    assert done.status_code == 302
    assert ChangeRecord.objects.filter(workorder=wo, backup=backup).exists()


def test_stale_version_on_a_step_page_is_a_conflict_not_a_silent_overwrite(client, on_site_order, field_engineer):
    _login(client, field_engineer)
    response = client.post(
        f"/on-site/{on_site_order.pk}/confirm/",
        {
            "version": on_site_order.version - 1,
            "confirmed_by_name": "王经理",
            "symptom": "网络中断",
            "cause": "system",
        },
    )
    assert response.status_code == 409
    assert b'data-testid="onsite-error"' in response.content


def test_work_order_sheet_pdf(client, signed_order, customer_a_user, tmp_path):
    _login(client, customer_a_user)
    data = client.get(f"/on-site/{signed_order.pk}/sheet.pdf").content
    pdf_checks(data, tmp_path, signed_order.number, "OLD-0001", "NEW-0002", "第一联")


# --- the quote's answer -------------------------------------------------------------------------------------------


def _link(wo, engineer, spare_part, **kwargs):
    quote = _quote(wo, engineer, spare_part)
    link, token = services.approval_link_create(
        quote=quote, actor=engineer, channel="email", sent_to="a@example.cn", **kwargs
    )
    return quote, link, token


def test_public_link_shows_only_its_quote_and_answers_once(client, on_site_order, field_engineer, spare_part):
    quote, _link_row, token = _link(on_site_order, field_engineer, spare_part)
    page = client.get(f"/on-site/q/{token}/")
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"  # the token never leaks to another site
    assert str(quote.total) in page.content.decode()
    done = client.post(f"/on-site/q/{token}/", {"decision": "approve", "name": "王经理"})
    assert done.status_code == 200
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED
    again = client.get(f"/on-site/q/{token}/")
    assert again.status_code == 410
    assert 'data-code="used"' in again.content.decode()
    second_post = client.post(f"/on-site/q/{token}/", {"decision": "refuse", "name": "王经理"})
    assert second_post.status_code == 410
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED


def test_expired_and_forged_links_get_a_clear_page(client, on_site_order, field_engineer, spare_part):
    _quote_row, link, token = _link(on_site_order, field_engineer, spare_part)
    ApprovalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    expired = client.get(f"/on-site/q/{token}/")
    assert expired.status_code == 410
    assert 'data-code="expired"' in expired.content.decode()
    forged = client.get(f"/on-site/q/{token[:-3]}abc/")
    assert forged.status_code == 404
    assert 'data-code="invalid"' in forged.content.decode()


def test_engineer_sends_a_link_and_sees_it(
    client, on_site_order, field_engineer, spare_part, mailoutbox, django_capture_on_commit_callbacks
):
    quote = _quote(on_site_order, field_engineer, spare_part)
    _login(client, field_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/on-site/quotes/{quote.pk}/link/", {"channel": "email", "sent_to": "wang@example.cn"})
    assert response.status_code == 200
    assert "/on-site/q/" in response.content.decode()
    assert ApprovalLink.objects.filter(quote=quote, sent_to="wang@example.cn").exists()
    from weibao.notifications.models import Delivery

    delivery = Delivery.objects.get(notice="quote_link")  # sent through the outbox, like every other mail
    assert delivery.recipient == "wang@example.cn"
    assert "/on-site/q/" in delivery.body_text


@pytest.mark.parametrize(("decision", "status"), [("approve", QuoteStatus.APPROVED), ("refuse", QuoteStatus.REFUSED)])
def test_customer_answers_in_the_portal(
    client, on_site_order, field_engineer, spare_part, customer_a_user, decision, status
):
    quote = _quote(on_site_order, field_engineer, spare_part)
    _login(client, customer_a_user)
    page = client.get(f"/on-site/quotes/{quote.pk}/")
    assert b'data-submit="approve"' in page.content
    response = client.post(
        f"/on-site/quotes/{quote.pk}/answer/", {"decision": decision, "name": "王经理", "reason": "太贵"}
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == status


def test_engineers_phone_answer_needs_a_real_signature(client, on_site_order, field_engineer, spare_part):
    quote = _quote(on_site_order, field_engineer, spare_part)
    _login(client, field_engineer)
    response = client.post(
        f"/on-site/quotes/{quote.pk}/answer/", {"decision": "approve", "name": "王经理", "signature": _dot_url()}
    )
    assert response.status_code == 422
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PENDING
    response = client.post(
        f"/on-site/quotes/{quote.pk}/answer/",
        {"decision": "approve", "name": "王经理", "signature": signature_data_url()},
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED


# --- the signed form's PDF ----------------------------------------------------------------------------------------


def test_signed_form_pdf_has_the_cause_serials_total_and_cjk_font(client, signed_order, manager, tmp_path):
    _login(client, manager)
    data = client.get(f"/on-site/{signed_order.pk}/service-form.pdf").content
    quote = Quote.objects.get(workorder=signed_order)
    text = pdf_checks(data, tmp_path, CAUSE, "OLD-0001", "NEW-0002", str(quote.total), "第一联", "第二联")
    assert re.search(r"1\s*/\s*2", text)
    assert re.search(r"2\s*/\s*2", text)


def test_signing_attaches_the_pdf_to_the_timeline_and_mails_the_customer(
    signed_order, mailoutbox, django_capture_on_commit_callbacks
):
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import delivery_send

    attachment = Attachment.objects.get(workorder=signed_order, content_type="application/pdf")
    assert attachment.event.kind == "service_form_signed"
    delivery = Delivery.objects.get(workorder=signed_order, notice="service_form")
    assert delivery.recipient == "wang@example.cn"
    if not mailoutbox:
        delivery_send(delivery_id=delivery.pk)
    mail = mailoutbox[-1]
    assert mail.to == [delivery.recipient]
    assert mail.attachments[0][0].endswith(".pdf")
    assert mail.attachments[0][1][:4] == b"%PDF"


def test_the_task_twice_attaches_and_mails_once(signed_order):
    from weibao.notifications.models import Delivery
    from weibao.onsite.tasks import service_form_deliver

    form = ServiceForm.objects.get(workorder=signed_order)
    service_form_deliver.call(form_id=form.pk)
    assert Attachment.objects.filter(workorder=signed_order, content_type="application/pdf").count() == 1
    assert Delivery.objects.filter(workorder=signed_order, notice="service_form").count() == 1


# --- query counts -------------------------------------------------------------------------------------------------


def test_visit_and_order_pages_keep_their_query_count_flat(
    client, signed_order, field_engineer, spare_part, device_a, django_assert_max_num_queries
):
    _login(client, field_engineer)
    with django_assert_max_num_queries(30):
        assert client.get(f"/on-site/{signed_order.pk}/").status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"/on-site/{signed_order.pk}/panel/").status_code == 200
    with django_assert_max_num_queries(40):
        page = client.get(f"/work-orders/{signed_order.pk}/")
    assert page.status_code == 200
    assert f"/on-site/{signed_order.pk}/panel/" in page.content.decode()  # the on-site card loads after the page


def _count(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_more_replacements_quotes_and_revisions(
    client, signed_order, field_engineer, site_a
):
    from weibao.workorders.tests.factories import DeviceFactory

    wo = signed_order
    _login(client, field_engineer)
    urls = [f"/on-site/{wo.pk}/", f"/on-site/{wo.pk}/panel/", f"/work-orders/{wo.pk}/"]
    before = [_count(client, url) for url in urls]
    for i in range(3):  # more of everything the pages list
        device = DeviceFactory(site=site_a, model="S5720", serial_number=f"OLD-9{i}")
        services.replacement_record(
            workorder=wo,
            actor=field_engineer,
            old_device=device,
            new_serial=f"NEW-9{i}",
            new_model="S5720",
            signer_name="王经理",
            signature=signature_data_url(),
        )
        wo.refresh_from_db()
        services.service_form_save(workorder=wo, actor=field_engineer, data={"customer_remark": f"第{i}次"})
    assert [_count(client, url) for url in urls] == before
