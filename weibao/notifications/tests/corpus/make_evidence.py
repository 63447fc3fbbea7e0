"""Writes the evidence corpus (evidence/*.eml): the files customers really send (issue 17 point 4) — Outlook's
winmail.dat (TNEF, built by tests/tnef.py), iPhone HEIC photos and MOV videos, MP4 videos, forwarded mails — and a
damaged winmail.dat and a disguised file. Run `python weibao/notifications/tests/corpus/make_evidence.py` after
changing it; the files are committed so that a reviewer can read them. Senders are customer A's (jia.example.cn).
"""

import base64
import sys
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP
from email.utils import formataddr
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[3]))

from weibao.notifications.tests.tnef import tnef_blob  # noqa: E402

OUT = HERE / "evidence"
DATE = "Thu, 26 Nov 2026 10:00:00 +0800"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
# ISO base media files: a `ftyp` box (size, "ftyp", major brand, minor version, compatible brands), then data.
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x00\x10meta" + b"\x00" * 8 + b"\x00" * 200
MOV = (
    b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00\x00\x00\x08wide" + b"\x00\x00\x01\x00mdat" + b"\x00" * 248
)
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00\x00\x01\x00mdat" + b"\x00" * 248


def headers(msg, *, subject: str, msgid: str, sender: tuple[str, str] = ("张三", "zhangsan@jia.example.cn")) -> None:
    msg["From"] = formataddr(sender, charset="utf-8")
    msg["To"] = "service@weibao.test"
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = msgid
    if msg.is_multipart():  # a fixed boundary: the files do not change when regenerated
        msg.set_boundary("----=_NextPart_" + msgid.strip("<>").split("@")[0])


def attach(msg, data: bytes, maintype: str, subtype: str, name: str) -> None:
    part = MIMEBase(maintype, subtype, name=name)
    part.set_payload(base64.b64encode(data).decode())
    part["Content-Transfer-Encoding"] = "base64"
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name) if not name.isascii() else name)
    msg.attach(part)


def outlook_tnef() -> bytes:
    """Outlook (rich text) with a GBK body: the photos travel inside winmail.dat, titles in code page 936."""
    msg = MIMEMultipart("mixed")
    headers(msg, subject="三楼弱电间交换机告警", msgid="<ev-01@outlook.jia.example.cn>")
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    msg.attach(MIMEText("三楼弱电间交换机告警灯常亮，现场照片见附件。", "plain", "gb2312"))
    blob = tnef_blob(files=[("现场照片.png", PNG), ("IMG_0101.HEIC", HEIC)])
    part = MIMEApplication(blob, "ms-tnef", name="winmail.dat")
    part.add_header("Content-Disposition", "attachment", filename="winmail.dat")
    msg.attach(part)
    return msg.as_bytes()


def tnef_text_only() -> bytes:
    """Outlook sent the whole message as TNEF: no text part, the text is inside winmail.dat."""
    part = MIMEApplication(
        tnef_blob(files=[("UPS面板.jpg", JPEG)], body="机房UPS报警，蜂鸣器持续鸣叫，请派人查看。"),
        "ms-tnef",
        name="winmail.dat",
    )
    headers(part, subject="UPS报警", msgid="<ev-02@outlook.jia.example.cn>")
    part.add_header("Content-Disposition", "attachment", filename="winmail.dat")
    return part.as_bytes()


def broken_tnef() -> bytes:
    msg = MIMEMultipart("mixed")
    headers(msg, subject="门禁控制器离线", msgid="<ev-03@outlook.jia.example.cn>")
    msg.attach(MIMEText("二号楼门禁控制器离线，附件是导出的日志。", "plain", "utf-8"))
    part = MIMEApplication(tnef_blob(files=[("door.log", b"offline\r\n")], broken=True), "ms-tnef", name="winmail.dat")
    part.add_header("Content-Disposition", "attachment", filename="winmail.dat")
    msg.attach(part)
    return msg.as_bytes()


def heic_and_mov(msgid: str = "<ev-04@icloud.example.com>") -> bytes:
    """An iPhone: a HEIC photo and a MOV video of the fault."""
    msg = MIMEMultipart("mixed")
    headers(msg, subject="监控画面花屏（照片和视频）", msgid=msgid)
    msg.attach(MIMEText("大厅监控画面花屏，照片和视频见附件。\n\n发自我的iPhone", "plain", "utf-8"))
    attach(msg, HEIC, "image", "heic", "IMG_2041.HEIC")
    attach(msg, MOV, "video", "quicktime", "IMG_2042.MOV")
    return msg.as_bytes()


def mp4_and_eml() -> bytes:
    """An MP4 from an Android phone and the alarm mail forwarded as an attachment (.eml)."""
    msg = MIMEMultipart("mixed")
    headers(msg, subject="录像机告警，转发告警邮件", msgid="<ev-05@mail.jia.example.cn>")
    msg.attach(MIMEText("录像机硬盘告警，视频和原告警邮件见附件。", "plain", "utf-8"))
    attach(msg, MP4, "video", "mp4", "监控录像.mp4")
    alarm = EmailMessage(policy=SMTP)
    alarm["From"] = "nvr@jia.example.cn"
    alarm["To"] = "zhangsan@jia.example.cn"
    alarm["Subject"] = "NVR disk alarm"
    alarm["Date"] = DATE
    alarm.set_content("Disk 3 failure.")
    forwarded = MIMEMessage(alarm)
    forwarded.add_header("Content-Disposition", "attachment", filename="告警邮件.eml")
    msg.attach(forwarded)
    return msg.as_bytes()


def disguised_heic() -> bytes:
    """A file named .heic that is a PNG: refused like any other mismatch, the report still becomes an order."""
    msg = MIMEMultipart("mixed")
    headers(msg, subject="打印机卡纸", msgid="<ev-06@mail.jia.example.cn>")
    msg.attach(MIMEText("财务室打印机卡纸，照片见附件。", "plain", "utf-8"))
    attach(msg, PNG, "image", "heic", "IMG_3000.HEIC")
    return msg.as_bytes()


MAILS = {
    "e01-outlook-tnef": outlook_tnef,
    "e02-tnef-text-only": tnef_text_only,
    "e03-broken-tnef": broken_tnef,
    "e04-heic-and-mov": heic_and_mov,
    "e05-mp4-and-forwarded-eml": mp4_and_eml,
    "e06-disguised-heic": disguised_heic,
    # The same mail delivered again (same Message-ID and body; a relay added its Received line).
    "e07-duplicate-of-e04": lambda: (
        b"Received: from mx2.jia.example.cn by mx.weibao.test; " + DATE.encode() + b"\n" + heic_and_mov()
    ),
}

if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, make in MAILS.items():
        raw = make().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        (OUT / f"{name}.eml").write_bytes(raw)
    sys.stdout.write(f"wrote {len(MAILS)} mails to {OUT}\n")
