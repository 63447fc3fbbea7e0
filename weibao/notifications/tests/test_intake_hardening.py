"""Mail the wild sends that is not a person's report (automatic replies, bounces) or not well formed (8-bit
headers, a truncated part), sub-domain senders, choosing the site, and tidying the mailbox — against real Dovecot."""

import pytest
from django.core.management import CommandError, call_command

from weibao.notifications.choices import InboundStatus
from weibao.notifications.intake import mailbox_poll
from weibao.notifications.models import InboundMessage
from weibao.notifications.tests.mailcorpus import HARDENING_EXPECTED, hardening_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def hardened(make_mailbox, customer_a, customer_b, our_mail_a):
    mails = hardening_corpus(order=our_mail_a.workorder.number, our_msgid=our_mail_a.message_id)
    assert list(mails) == list(HARDENING_EXPECTED)  # UIDs follow this order
    mailbox = make_mailbox(list(mails.values()))
    mailbox.processed_folder = f"{mailbox.folder}-done"
    mailbox.save(update_fields=["processed_folder"])
    return mailbox


def _rows(mailbox) -> dict[str, InboundMessage]:
    rows = {r.uid: r for r in InboundMessage.objects.filter(mailbox=mailbox)}
    return {name: rows.get(uid) for uid, name in enumerate(HARDENING_EXPECTED, start=1)}


def test_hardening_corpus_routed_as_stated(hardened, smtp, django_capture_on_commit_callbacks, customer_a, our_mail_a):
    from weibao.workorders.models import Attachment, WorkOrder, WorkOrderEvent

    order = our_mail_a.workorder
    events_before = WorkOrderEvent.objects.filter(workorder=order).count()
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(mailbox=hardened)

    assert result.error == ""
    assert result.stored == len(HARDENING_EXPECTED)  # 0 lost
    by_name = _rows(hardened)
    assert {name: row.status for name, row in by_name.items()} == HARDENING_EXPECTED  # 0 crashes, routed as stated
    assert not InboundMessage.objects.filter(mailbox=hardened, status=InboundStatus.RECEIVED).exists()

    # automatic mail: recorded (linked to the order it answers), never a comment, never an order, never answered
    assert by_name["h01-auto-generated-reply-to-notice"].workorder == order
    assert by_name["h04-ooo-subject-only-traditional"].workorder == order
    for name in ("h02-precedence-junk", "h03-mailing-list", "h05-ooo-german", "h06-x-autorespond-new"):
        assert by_name[name].workorder is None
        assert by_name[name].reason
    # bounces: the notice is marked failed, the order gets one internal note per bounce, nothing is answered
    for name in ("h07-dsn-bounce-from-subdomain", "h08-plain-bounce-chinese"):
        assert by_name[name].workorder == order
    our_mail_a.refresh_from_db()
    assert our_mail_a.status == "failed"
    assert "Bounced" in our_mail_a.reason or "退信" in our_mail_a.reason
    notes = WorkOrderEvent.objects.filter(workorder=order, kind="comment", internal=True)
    assert notes.count() == 2
    assert all("zhangsan@jia.example.cn" in n.body for n in notes)
    public = WorkOrderEvent.objects.filter(workorder=order).count() - events_before - 2
    assert public == 0  # no comment, no reopen from any automatic mail
    order.refresh_from_db()

    # the person's mails: an 8-bit GBK file name, a sub-domain sender, a truncated attachment (flagged)
    assert Attachment.objects.filter(
        workorder=by_name["h09-8bit-gbk-attachment-name"].workorder, original_name="故障截图.png"
    ).exists()
    assert by_name["h10-sender-from-subdomain"].workorder.customer == customer_a
    truncated = by_name["h11-truncated-attachment"]
    assert "录像机硬盘3告警" in truncated.workorder.symptom
    assert "truncated" in truncated.reason
    assert WorkOrderEvent.objects.filter(workorder=truncated.workorder, kind="comment", internal=True).exists()

    # auto-replies only to the three persons who opened orders
    replies = [m for m in smtp.messages if m["message"]["Auto-Submitted"] == "auto-replied"]
    assert sorted(m["to"][0] for m in replies) == sorted(
        ["zhangsan@jia.example.cn", "wangfang@bj.jia.example.cn", "zhangsan@jia.example.cn"]
    )
    assert WorkOrder.objects.filter(channel="email").count() == 3


def test_processed_mail_is_marked_read_and_moved(hardened, imap_env, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll(mailbox=hardened)
    conn = imap_env.connect()
    try:
        typ, data = conn.select(f'"{hardened.folder}"')
        assert typ == "OK"
        assert int(data[0]) == 0  # the inbox does not grow for ever
        typ, data = conn.select(f'"{hardened.processed_folder}"')
        assert int(data[0]) == len(HARDENING_EXPECTED)
        typ, data = conn.search(None, "UNSEEN")
        assert data[0] == b""
    finally:
        conn.logout()
    # a second poll finds nothing new and loses nothing
    assert mailbox_poll(mailbox=hardened).stored == 0
    assert InboundMessage.objects.filter(mailbox=hardened).count() == len(HARDENING_EXPECTED)


def test_without_processed_folder_mail_is_only_marked_read(make_mailbox, customer_a, imap_env, smtp):
    mails = hardening_corpus(order="WB-2026-999999", our_msgid="<none@weibao.test>")
    mailbox = make_mailbox([mails["h10-sender-from-subdomain"]])
    mailbox_poll(mailbox=mailbox)
    conn = imap_env.connect()
    try:
        typ, data = conn.select(f'"{mailbox.folder}"')
        assert int(data[0]) == 1
        typ, data = conn.search(None, "SEEN")
        assert data[0] == b"1"
    finally:
        conn.logout()


def test_alarm_mail_opens_orders_only_from_declared_senders(make_mailbox, customer_a, smtp):
    from weibao.notifications.tests.mailcorpus import corpus

    alarm = corpus(big=False)["23-bulk-alarm"]
    undeclared = make_mailbox([alarm])
    mailbox_poll(mailbox=undeclared)
    row = InboundMessage.objects.get(mailbox=undeclared)
    assert row.status == InboundStatus.IGNORED
    assert row.workorder is None

    declared = make_mailbox([alarm.replace(b"corpus-23@", b"corpus-23b@")], alarm_senders="@jia.example.cn")
    mailbox_poll(mailbox=declared)
    row = InboundMessage.objects.get(mailbox=declared)
    assert row.status == InboundStatus.ORDER_CREATED
    assert not [m for m in smtp.messages if m["message"]["Auto-Submitted"] == "auto-replied"]  # never answered


def _mail(subject: str, body: str, sender: str = "zhangsan@jia.example.cn", n: int = 1) -> bytes:
    from email.mime.text import MIMEText

    msg = MIMEText(body, "plain", "utf-8")
    msg["From"], msg["To"], msg["Subject"] = sender, "service@weibao.test", subject
    msg["Message-ID"] = f"<site-{n}@mail.example>"
    return msg.as_bytes()


def test_site_comes_from_the_mail_never_silently_the_first(make_mailbox, customer_a, smtp):
    from weibao.customers.models import Contact
    from weibao.workorders.tests.factories import DeviceFactory, SiteFactory

    hq = customer_a.sites.get()
    plant = SiteFactory(customer=customer_a, name="江宁工厂")
    warehouse = SiteFactory(customer=customer_a, name="仓储中心")
    DeviceFactory(site=warehouse, serial_number="FX2026SN77")
    Contact.objects.create(
        customer=customer_a,
        organisation=customer_a.organisation,
        name="赵六",
        site=plant,
        email="zhaoliu@jia.example.cn",
    )
    mails = [
        _mail("门禁故障", "门禁刷卡无反应。", n=1),  # names nothing: triage
        _mail("摄像头掉线", "仓储中心 3 号摄像头掉线。", n=2),  # names a site
        _mail("交换机告警", "序列号 FX2026SN77 的交换机告警。", n=3),  # names a device serial
        _mail("打印机", "打印机卡纸。", sender="zhaoliu@jia.example.cn", n=4),  # the contact's site
    ]
    mailbox = make_mailbox(mails)
    mailbox_poll(mailbox=mailbox)
    rows = {r.uid: r for r in InboundMessage.objects.filter(mailbox=mailbox)}
    assert rows[1].status == InboundStatus.TRIAGE
    assert "3" in rows[1].reason
    assert rows[2].workorder.site == warehouse
    assert rows[3].workorder.site == warehouse
    assert rows[4].workorder.site == plant
    assert not InboundMessage.objects.filter(workorder__site=hq).exists()


def test_poll_mail_exits_non_zero_when_a_mailbox_fails(make_mailbox, monkeypatch):
    mailbox = make_mailbox([])
    monkeypatch.delenv("WEIBAO_TEST_IMAP_PASSWORD")  # cannot log in
    with pytest.raises(CommandError, match=mailbox.name):
        call_command("poll_mail", mailbox=mailbox.name)


def test_sub_domain_senders_match_the_customer(customer_a, customer_b):
    from weibao.customers.selectors import customer_for_email

    assert customer_for_email("it@bj.jia.example.cn") == customer_a
    assert customer_for_email("it@mx.mail.yi-group.cn") == customer_b
    assert customer_for_email("it@notjia.example.cn") is None  # a different domain ending the same way
    assert customer_for_email("it@example.cn") is None  # a parent is not a sub-domain
    assert customer_for_email("root@cn") is None


def test_delivery_status_part_is_not_needed_to_find_the_notice():
    from weibao.notifications.mailparse import parse_mail

    raw = (
        b"From: MAILER-DAEMON@mx.yi.example.cn\r\nTo: service@weibao.test\r\nSubject: Undeliverable: x\r\n"
        b"Message-ID: <b1@mx>\r\nIn-Reply-To: <notice-1@weibao.test>\r\n\r\nMailbox unavailable.\r\n"
    )
    assert parse_mail(raw).bounce_of == ["<notice-1@weibao.test>"]
    person = b"From: a@b.cn\r\nTo: s@w.test\r\nSubject: Undeliverable printer\r\nMessage-ID: <p@x>\r\n\r\nhi\r\n"
    assert parse_mail(person).bounce_of is None  # a person's subject alone is no bounce
