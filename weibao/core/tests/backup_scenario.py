"""Run inside `weibao shell -c` by test_backup.py: make an order with attachments and a document, and download them
through the real views (Django's test client, the whole middleware stack) on a scratch database."""

import hashlib
import json
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

_BYTES = random.Random(19).randbytes(3000)  # the same in every process: the test compares checksums
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + _BYTES
LOG = ("核心交换机日志 port Gi0/0/1 down\n" * 200).encode() + _BYTES[:64].hex().encode()


def make() -> None:
    from weibao.assets import services as asset_services
    from weibao.assets.tests.factories import DocumentFactory
    from weibao.workorders import services
    from weibao.workorders.tests.factories import StaffFactory, make_workorder

    actor = StaffFactory(role="admin", username="backup-admin")
    wo = make_workorder(actor=actor)
    files = [SimpleUploadedFile("交换机.png", PNG, "image/png"), SimpleUploadedFile("switch.log", LOG, "text/plain")]
    attachments = services.workorder_add_attachments(workorder=wo, actor=actor, files=files)
    document = DocumentFactory()
    version = asset_services.document_add_version(
        document=document, actor=actor, upload=SimpleUploadedFile("竣工图.txt", LOG, "text/plain"), note=""
    )
    print(json.dumps({"attachments": [a.pk for a in attachments], "document": [document.pk, version.number]}))  # noqa: T201 - the test reads stdout


# No collectstatic on the scratch install: plain static URLs for the pages (the "file missing" page extends base.html).
@override_settings(
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
)
def download(ids: dict) -> None:
    from weibao.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="backup-admin"))
    urls = [reverse("workorders:attachment", args=[pk]) for pk in ids["attachments"]]
    urls.append(reverse("assets:document_download", args=ids["document"]))
    result = []
    for url in urls:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        result.append(
            {
                "status": response.status_code,
                "sha256": hashlib.sha256(body).hexdigest(),
                "missing_page": b'data-testid="file-missing"' in body,
            }
        )
    print(json.dumps(result))  # noqa: T201


def expected() -> list[str]:
    return [hashlib.sha256(b).hexdigest() for b in (PNG, LOG, LOG)]
