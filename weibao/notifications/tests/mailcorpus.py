"""The committed corpus (corpus/*.eml) with its placeholders filled, plus the 20 MB mail made at test time."""

import os
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

# What each mail must become: (status, extra expectation checked by the tests)
EXPECTED = {
    "01-utf8-plain": "order_created",
    "02-gb2312-plain": "order_created",
    "03-gb2312-really-gbk": "order_created",
    "04-gbk": "order_created",
    "05-gb18030": "order_created",
    "06-utf8-qp-subject": "order_created",
    "07-raw-8bit-gbk-header": "order_created",
    "08-html-only-utf8": "order_created",
    "09-html-only-gb2312": "order_created",
    "10-alternative": "order_created",
    "11-rfc2231-filename": "order_created",
    "12-rfc2231-continuation-gb18030": "order_created",
    "13-rfc2047-filename-outlook": "order_created",
    "14-inline-image": "order_created",
    "15-reply-outlook-zh": "commented",
    "16-reply-outlook-en": "commented",
    "17-reply-foxmail": "commented",
    "18-reply-gmail-en-inreplyto": "commented",
    "19-reply-gmail-zh-references": "commented",
    "20-forward-inline": "order_created",
    "21-forward-attached": "order_created",
    "22-auto-reply-ooo": "ignored",
    "23-bulk-alarm": "order_created",  # its sender is declared an alarm sender of the mailbox (see the tests)
    "24-unknown-sender": "triage",
    "25-no-sender": "triage",
    "26-broken-mime-no-boundary": "order_created",  # damaged: the text is kept, flagged, raw mail kept
    "27-broken-mime-missing-start": "order_created",
    "28-garbage": "quarantined",
    "29-duplicate-of-01": "duplicate",
    "30-big5": "triage",
    "31-reply-wrong-customer": "triage",
    "32-utf8-declared-really-gbk": "order_created",
    "33-xlsx-attachment": "order_created",
    "34-reply-with-photo": "commented",
    "35-no-message-id": "order_created",
    "36-html-table-b": "order_created",
    "37-20mb-attachment": "order_created",
}


def big_mail(size: int = 20 * 1024 * 1024) -> bytes:
    """A report with a 20 MB PDF-looking attachment (random content, generated, never committed)."""
    msg = MIMEMultipart()
    msg["From"] = "zhangsan@jia.example.cn"
    msg["To"] = "service@weibao.test"
    msg["Subject"] = "机房监控录像导出（大附件）"
    msg["Message-ID"] = "<corpus-37@mail.example>"
    msg["Date"] = "Wed, 25 Nov 2026 09:30:00 +0800"
    msg.attach(MIMEText("录像导出见附件。", "plain", "utf-8"))
    data = b"%PDF-1.4\n" + os.urandom(size - 9)
    msg.attach(MIMEApplication(data, "pdf", Name="录像导出.pdf"))
    msg.get_payload()[1].add_header("Content-Disposition", "attachment", filename=("utf-8", "", "录像导出.pdf"))
    return msg.as_bytes()


def corpus(
    *, order: str = "WB-2026-999999", our_msgid: str = "<none@weibao.test>", big: bool = True
) -> dict[str, bytes]:
    out = {}
    for path in sorted(CORPUS.glob("*.eml")):
        raw = path.read_bytes().replace(b"{{ORDER}}", order.encode()).replace(b"{{OUR_MSGID}}", our_msgid.encode())
        out[path.stem] = raw
    if big:
        out["37-20mb-attachment"] = big_mail()
    return out


HARDENING = CORPUS / "hardening"

# What each mail of the hardening corpus (automatic mail, bounces, broken structure, 8-bit headers) must become.
HARDENING_EXPECTED = {
    "h01-auto-generated-reply-to-notice": "ignored",
    "h02-precedence-junk": "ignored",
    "h03-mailing-list": "ignored",
    "h04-ooo-subject-only-traditional": "ignored",
    "h05-ooo-german": "ignored",
    "h06-x-autorespond-new": "ignored",
    "h07-dsn-bounce-from-subdomain": "bounced",
    "h08-plain-bounce-chinese": "bounced",
    "h09-8bit-gbk-attachment-name": "order_created",
    "h10-sender-from-subdomain": "order_created",
    "h11-truncated-attachment": "order_created",
}


def hardening_corpus(*, order: str, our_msgid: str) -> dict[str, bytes]:
    return {
        path.stem: path.read_bytes().replace(b"{{ORDER}}", order.encode()).replace(b"{{OUR_MSGID}}", our_msgid.encode())
        for path in sorted(HARDENING.glob("*.eml"))
    }


EVIDENCE = CORPUS / "evidence"

# What each mail of the evidence corpus (winmail.dat, HEIC/MOV/MP4, forwarded .eml) must become.
EVIDENCE_EXPECTED = {
    "e01-outlook-tnef": "order_created",
    "e02-tnef-text-only": "order_created",
    "e03-broken-tnef": "order_created",
    "e04-heic-and-mov": "order_created",
    "e05-mp4-and-forwarded-eml": "order_created",
    "e06-disguised-heic": "order_created",
    "e07-duplicate-of-e04": "duplicate",
}


def evidence_corpus() -> dict[str, bytes]:
    return {path.stem: path.read_bytes() for path in sorted(EVIDENCE.glob("*.eml"))}
