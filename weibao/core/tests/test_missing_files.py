"""Every view that serves a stored file answers a clear, translated "file missing" page (410) when the row is there
but its file is gone from MEDIA_ROOT (issue 19, point 4): never a 500."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _attachment(actor):
    from weibao.workorders import services
    from weibao.workorders.tests.factories import make_workorder

    wo = make_workorder(actor=actor)
    (attachment,) = services.workorder_add_attachments(
        workorder=wo, actor=actor, files=[SimpleUploadedFile("交换机日志.log", b"port down\n" * 50, "text/plain")]
    )
    return attachment, reverse("workorders:attachment", args=[attachment.pk])


def _document(actor):
    from weibao.assets import services
    from weibao.assets.tests.factories import DocumentFactory

    document = DocumentFactory()
    version = services.document_add_version(
        document=document, actor=actor, upload=SimpleUploadedFile("竣工图.txt", b"drawing\n" * 50, "text/plain")
    )
    return version, reverse("assets:document_download", args=[document.pk, version.number])


def _inbound_mail(actor):
    from weibao.notifications.models import InboundMessage
    from weibao.notifications.tests.factories import MailboxFactory

    row = InboundMessage(mailbox=MailboxFactory(), uidvalidity=1, uid=1, dedupe_key="k1", status="triage")
    row.raw.save("m.eml", ContentFile(b"Subject: hi\r\n\r\nbody\r\n"), save=False)
    row.save()
    return row, reverse("notifications:inbound_raw", args=[row.pk])


@pytest.mark.parametrize(
    ("make", "field", "filename"),
    [(_attachment, "file", "交换机日志.log"), (_document, "file", "竣工图.txt"), (_inbound_mail, "raw", "mail-")],
    ids=["attachment", "document", "inbound-mail"],
)
def test_a_missing_file_is_a_clear_410_page(client, admin_user, make, field, filename):
    row, url = make(admin_user)
    client.force_login(admin_user)
    assert client.get(url).status_code == 200  # served while the file is there

    getattr(row, field).storage.delete(getattr(row, field).name)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 410
    assert "core/file_missing.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert filename in body
    assert "文件缺失" in body  # translated: "File missing"
    assert response["Cache-Control"] == "private, no-store"


def test_a_missing_document_file_is_a_404_in_the_api(api_client, admin_user):
    from weibao.accounts.services import token_create

    version, _url = _document(admin_user)
    version.file.storage.delete(version.file.name)
    url = f"/api/estate/documents/{version.document_id}/versions/{version.number}/file"
    _token, raw = token_create(user=admin_user, name="t")
    response = api_client.bearer(raw).get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
