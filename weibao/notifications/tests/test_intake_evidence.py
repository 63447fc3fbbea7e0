"""Evidence customers really send (issue 17 point 4), through real Dovecot: Outlook's winmail.dat (TNEF) unpacked
into its files and text, iPhone HEIC photos and MOV videos, MP4 videos and forwarded mails (.eml) stored, a damaged
winmail.dat and a disguised file refused but the report kept — 0 crashes, 0 lost, 0 duplicates."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from weibao.notifications.choices import InboundStatus
from weibao.notifications.intake import mailbox_poll
from weibao.notifications.mailparse import parse_mail
from weibao.notifications.models import InboundMessage
from weibao.notifications.tests.mailcorpus import EVIDENCE_EXPECTED, evidence_corpus
from weibao.notifications.tests.tnef import tnef_blob

pytestmark = pytest.mark.django_db


def test_evidence_corpus_routed_as_stated(make_mailbox, customer_a, smtp, django_capture_on_commit_callbacks):
    from weibao.workorders.models import Attachment, WorkOrder, WorkOrderEvent

    mails = evidence_corpus()
    assert list(mails) == list(EVIDENCE_EXPECTED)  # UIDs follow this order
    mailbox = make_mailbox(list(mails.values()))
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(mailbox=mailbox)

    assert result.error == ""
    assert result.stored == len(EVIDENCE_EXPECTED)  # 0 lost
    rows = {r.uid: r for r in InboundMessage.objects.filter(mailbox=mailbox)}
    by_name = {name: rows[uid] for uid, name in enumerate(EVIDENCE_EXPECTED, start=1)}
    assert {name: row.status for name, row in by_name.items()} == EVIDENCE_EXPECTED  # 0 crashes, routed as stated
    assert not InboundMessage.objects.filter(mailbox=mailbox, status=InboundStatus.RECEIVED).exists()
    assert WorkOrder.objects.filter(channel="email").count() == 6  # 0 duplicates

    def names(name: str) -> set[str]:
        return set(Attachment.objects.filter(workorder=by_name[name].workorder).values_list("original_name", flat=True))

    # winmail.dat unpacked: its files stored under their GBK titles, never the .dat itself
    assert names("e01-outlook-tnef") == {"现场照片.png", "IMG_0101.HEIC"}
    heic = Attachment.objects.get(original_name="IMG_0101.HEIC")
    assert heic.content_type == "image/heic"
    # the whole message inside winmail.dat: its text is the symptom
    text_only = by_name["e02-tnef-text-only"].workorder
    assert "机房UPS报警" in text_only.symptom
    assert names("e02-tnef-text-only") == {"UPS面板.jpg"}
    # a damaged winmail.dat: the report is kept, flagged, the .dat listed as not stored (it stays in the raw mail)
    broken = by_name["e03-broken-tnef"]
    assert "二号楼门禁控制器离线" in broken.workorder.symptom
    assert "winmail.dat" in broken.reason
    notes = "\n".join(
        WorkOrderEvent.objects.filter(workorder=broken.workorder, kind="comment", internal=True).values_list(
            "body", flat=True
        )
    )
    assert "winmail.dat" in notes
    assert names("e03-broken-tnef") == set()
    assert broken.raw.size > 0
    # phone photos and videos, forwarded mails
    assert names("e04-heic-and-mov") == {"IMG_2041.HEIC", "IMG_2042.MOV"}
    assert names("e05-mp4-and-forwarded-eml") == {"监控录像.mp4", "告警邮件.eml"}
    # a PNG named .heic is refused (noted), the report is kept
    disguised = by_name["e06-disguised-heic"].workorder
    assert names("e06-disguised-heic") == set()
    assert "IMG_3000.HEIC" in WorkOrderEvent.objects.get(workorder=disguised, kind="comment", internal=True).body
    # the duplicate points at nothing new; one auto-reply per order
    assert by_name["e07-duplicate-of-e04"].workorder in (None, by_name["e04-heic-and-mov"].workorder)
    replies = [m for m in smtp.messages if m["message"]["Auto-Submitted"] == "auto-replied"]
    assert len(replies) == 6


def test_tnef_garbage_never_crashes_the_parse():
    """Truncations of a real blob at every length: the mail parses, the .dat is kept or unpacked, never an error."""
    blob = tnef_blob(files=[("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)], body="交换机告警")
    for cut in range(0, len(blob), 7):
        raw = (
            b"From: a@jia.example.cn\r\nSubject: t\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + __import__("base64").encodebytes(blob[:cut])
        )
        mail = parse_mail(raw)
        assert mail.attachments or mail.damaged or mail.text


@pytest.mark.parametrize(
    ("name", "data", "ok"),
    [
        ("IMG_1.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40, True),
        ("IMG_1.heif", b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic" + b"\x00" * 40, True),
        ("IMG_2.MOV", b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00" * 40, True),
        ("old.mov", b"\x00\x00\x00\x08wide\x00\x00\x01\x00mdat" + b"\x00" * 40, True),
        ("clip.mp4", b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2mp41" + b"\x00" * 40, True),
        ("clip.mp4", b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00" * 40, False),  # a QuickTime file
        ("clip.mov", b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2mp41" + b"\x00" * 40, False),  # an MP4
        ("photo.heic", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, False),
        ("photo.heic", b"MZ" + b"\x00" * 60, False),
        ("fwd.eml", b"Received: from x\r\nFrom: a@b.cn\r\nSubject: s\r\n\r\nbody", True),
        ("fwd.eml", b"<html><script>alert(1)</script>", False),
        ("fwd.eml", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, False),
    ],
)
def test_evidence_types_are_checked_by_their_magic(name, data, ok):
    from django.core.exceptions import ValidationError

    from weibao.assets.uploads import check_upload

    upload = SimpleUploadedFile(name, data)
    if ok:
        assert check_upload(upload).name == name
    else:
        with pytest.raises(ValidationError):
            check_upload(upload)
