"""Email intake against a real Dovecot on loopback, with the committed corpus and a 20 MB mail."""

import imaplib

import pytest

from weibao.notifications import intake
from weibao.notifications.choices import InboundStatus
from weibao.notifications.intake import mailbox_poll
from weibao.notifications.models import Delivery, InboundMessage, Mailbox
from weibao.notifications.tests.mailcorpus import EXPECTED, corpus

pytestmark = pytest.mark.django_db


def _statuses(mailbox) -> dict[str, str]:
    by_uid = dict(InboundMessage.objects.filter(mailbox=mailbox).values_list("uid", "status"))
    return {name: by_uid.get(uid) for uid, name in enumerate(EXPECTED, start=1)}


@pytest.fixture
def loaded(make_mailbox, customer_a, customer_b, our_mail_a):
    mails = corpus(order=our_mail_a.workorder.number, our_msgid=our_mail_a.message_id)
    assert list(mails) == list(EXPECTED)  # UIDs follow this order
    return make_mailbox(list(mails.values()), alarm_senders="nms@jia.example.cn")


def test_corpus_is_registered_completely(loaded, smtp, django_capture_on_commit_callbacks, customer_a, our_mail_a):
    from weibao.workorders.models import Attachment, WorkOrder, WorkOrderEvent

    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(mailbox=loaded)

    assert result.error == ""
    assert result.stored == len(EXPECTED) >= 30
    assert _statuses(loaded) == EXPECTED
    rows = {r.uid: r for r in InboundMessage.objects.filter(mailbox=loaded)}
    by_name = {name: rows[uid] for uid, name in enumerate(EXPECTED, start=1)}

    # decoding: GB2312 that is really GBK, GB18030 four-byte characters, raw 8-bit GBK headers, Big5
    assert "朱镕堃" in by_name["03-gb2312-really-gbk"].workorder.symptom
    assert by_name["03-gb2312-really-gbk"].subject == "朱镕堃反映：喆楼电话不通"
    assert by_name["05-gb18030"].subject == "𠮷野家门店网络故障"
    assert "€500" in by_name["05-gb18030"].workorder.symptom
    assert by_name["07-raw-8bit-gbk-header"].subject == "广播系统有杂音"
    assert by_name["07-raw-8bit-gbk-header"].from_name == "张三"
    assert by_name["30-big5"].subject == "韌體更新通知"
    assert "录音服务器无法登录" in by_name["32-utf8-declared-really-gbk"].workorder.symptom
    assert by_name["02-gb2312-plain"].from_name == "李四"
    # HTML only: text rendering without script/style content
    symptom = by_name["08-html-only-utf8"].workorder.symptom
    assert "拼接墙左上角黑屏" in symptom
    assert "型号：DS-D2046" in symptom
    assert "alert" not in symptom
    # the order, its channel and customer
    wo = by_name["01-utf8-plain"].workorder
    assert (wo.channel, wo.customer_id, wo.reporter_email) == ("email", customer_a.pk, "zhangsan@jia.example.cn")
    assert wo.title == "机房核心交换机宕机"
    assert by_name["36-html-table-b"].workorder.customer.code == "CB"
    # attachments kept under their decoded names
    names = set(Attachment.objects.values_list("original_name", flat=True))
    assert {
        "故障照片.png",
        "二〇二六年十一月弱电系统巡检报告.pdf",
        "交换机配置.txt",
        "photo1.png",
        "设备清单.xlsx",
        "site.png",
        "录像导出.pdf",
    } <= names
    big = Attachment.objects.get(original_name="录像导出.pdf")
    assert big.size >= 20 * 1024 * 1024
    # a forwarded mail is evidence too (issue 17): stored as its .eml, nothing refused
    forwarded = by_name["21-forward-attached"]
    assert Attachment.objects.filter(workorder=forwarded.workorder, original_name="UPS电池告警.eml").exists()
    assert not WorkOrderEvent.objects.filter(workorder=forwarded.workorder, kind="comment", internal=True).exists()

    # replies: comments on order A, quoted text trimmed
    comments = list(WorkOrderEvent.objects.filter(workorder=our_mail_a.workorder, kind="comment", internal=False))
    bodies = "\n".join(c.body for c in comments)
    assert len(comments) == 6
    assert "故障依旧" in bodies
    assert "原始邮件" not in bodies
    assert "Original Message" not in bodies
    assert "3号楼的门禁" in bodies
    assert "您的报修已受理" not in bodies
    assert "engineer can come at 2 pm" in bodies
    assert "wrote:" not in bodies
    assert "明天上午九点" in bodies
    assert "写道" not in bodies
    assert "out of the office" not in bodies  # the auto-reply is ignored
    assert Attachment.objects.filter(workorder=our_mail_a.workorder, original_name="site.png").exists()
    # triage and quarantine keep the reason; quarantined raw source is still readable
    assert "Unknown sender" in by_name["24-unknown-sender"].reason or "未知" in by_name["24-unknown-sender"].reason
    for name in ("26-broken-mime-no-boundary", "27-broken-mime-missing-start", "28-garbage"):
        row = by_name[name]
        assert row.reason
        with row.raw.open("rb") as fh:
            kept = fh.read()
        # byte for byte as the server gave it (Dovecot turns the NUL of the garbage mail into 0x80)
        assert kept == mails_raw(name, our_mail_a) or (name == "28-garbage" and b"this is not a mail" in kept)
    assert by_name["28-garbage"].workorder is None
    # a damaged structure: what can be read becomes the order, flagged for the desk on the row and the timeline
    damaged = by_name["26-broken-mime-no-boundary"]
    assert "no boundary parameter at all" in damaged.workorder.symptom
    assert "NoBoundaryInMultipartDefect" in damaged.reason
    flag = WorkOrderEvent.objects.get(workorder=damaged.workorder, kind="comment", internal=True)
    assert "NoBoundaryInMultipartDefect" in flag.body
    assert by_name["29-duplicate-of-01"].duplicate_of == by_name["01-utf8-plain"]

    # the auto-reply: one per new order from a person, threaded under the sender's mail, none to machine mail
    created = [r for r in by_name.values() if r.status == "order_created"]
    assert WorkOrder.objects.filter(channel="email").count() == len(created) == 24
    replies = [m for m in smtp.messages if m["message"]["Auto-Submitted"] == "auto-replied"]
    assert len(replies) == len(created) - 1  # not to 23-bulk-alarm
    first = next(m for m in replies if m["message"]["In-Reply-To"] == "<corpus-01@mail.example>")
    assert by_name["01-utf8-plain"].workorder.number in str(first["message"]["Subject"])
    assert first["to"] == ["zhangsan@jia.example.cn"]
    assert not any("nms@jia.example.cn" in m["to"] for m in replies)


def mails_raw(name: str, our_mail) -> bytes:
    return corpus(order=our_mail.workorder.number, our_msgid=our_mail.message_id, big=False)[name]


def test_second_poll_and_other_mailbox_add_nothing(
    loaded, make_mailbox, our_mail_a, django_capture_on_commit_callbacks
):
    from weibao.workorders.models import WorkOrder, WorkOrderEvent

    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll(mailbox=loaded)
    orders, events = WorkOrder.objects.count(), WorkOrderEvent.objects.count()

    again = mailbox_poll(mailbox=loaded)
    # the same mails delivered to a second support address are duplicates, not new orders
    second = make_mailbox(
        list(corpus(order=our_mail_a.workorder.number, our_msgid=our_mail_a.message_id, big=False).values())[:5]
    )
    mailbox_poll(mailbox=second)

    assert again.stored == 0
    assert again.processed == 0
    assert (WorkOrder.objects.count(), WorkOrderEvent.objects.count()) == (orders, events)
    assert set(InboundMessage.objects.filter(mailbox=second).values_list("status", flat=True)) == {"duplicate"}


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing below catches it."""


def test_restarted_worker_creates_no_duplicates(
    loaded, our_mail_a, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from weibao.workorders.models import WorkOrder, WorkOrderEvent

    # run 1 dies while fetching (the 2nd batch of 10 is written but not committed), run 2 dies inside the
    # transaction of the 3rd order, run 3 completes
    settings.WEIBAO_MAIL_FETCH_BATCH = 10
    real_store, real_finish = intake.inbound_store_batch, intake._finish
    calls = {"store": 0, "finish": 0}

    def dying_store(**kwargs):
        calls["store"] += 1
        stored = real_store(**kwargs)
        if calls["store"] == 2:
            raise WorkerKilled
        return stored

    def dying_finish(row, status, reason, workorder=None):
        calls["finish"] += 1
        if calls["finish"] == 3 and workorder is not None:
            raise WorkerKilled  # the order is written, the claim not yet committed
        return real_finish(row, status, reason, workorder=workorder)

    monkeypatch.setattr(intake, "inbound_store_batch", dying_store)
    with pytest.raises(WorkerKilled):
        mailbox_poll(mailbox=loaded)
    loaded.refresh_from_db()
    assert loaded.last_uid == 10
    assert InboundMessage.objects.filter(mailbox=loaded).count() == 10
    monkeypatch.setattr(intake, "inbound_store_batch", real_store)
    monkeypatch.setattr(intake, "_finish", dying_finish)
    with pytest.raises(WorkerKilled):
        mailbox_poll(mailbox=loaded)
    monkeypatch.setattr(intake, "_finish", real_finish)
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll(mailbox=loaded)

    assert _statuses(loaded) == EXPECTED
    assert WorkOrder.objects.filter(channel="email").count() == 24
    refs = list(
        WorkOrderEvent.objects.filter(kind__in=["created", "comment"])
        .exclude(source_ref="")
        .values_list("source_ref", flat=True)
    )
    assert len(refs) == len(set(refs))
    assert WorkOrderEvent.objects.filter(workorder=our_mail_a.workorder, kind="comment", internal=False).count() == 6
    assert Delivery.objects.filter(inbound__isnull=False).count() == 23


def test_imaps_and_starttls(make_mailbox, customer_a, django_capture_on_commit_callbacks):
    mails = list(corpus(big=False).values())[:2]
    for security in ("imaps", "starttls"):
        mailbox = make_mailbox(mails, security=security)
        result = mailbox_poll(mailbox=mailbox)
        assert result.error == ""
        assert set(InboundMessage.objects.filter(mailbox=mailbox).values_list("status", flat=True)) <= {
            "order_created",
            "duplicate",
        }


def test_unreachable_server_is_reported_and_retried(make_mailbox, customer_a, imap_env):
    from weibao.notifications.tests.servers import free_port

    mailbox = make_mailbox(list(corpus(big=False).values())[:1])
    good_port = mailbox.port
    Mailbox.objects.filter(pk=mailbox.pk).update(port=free_port())
    mailbox.refresh_from_db()

    first = mailbox_poll(mailbox=mailbox)
    second = mailbox_poll(mailbox=mailbox)

    mailbox.refresh_from_db()
    assert first.error
    assert second.error
    assert mailbox.failures == 2
    assert "Connection refused" in mailbox.last_error
    Mailbox.objects.filter(pk=mailbox.pk).update(port=good_port)
    mailbox.refresh_from_db()
    third = mailbox_poll(mailbox=mailbox)
    mailbox.refresh_from_db()
    assert third.error == ""
    assert third.stored == 1
    assert mailbox.failures == 0


def test_wrong_password_is_reported(make_mailbox, monkeypatch, customer_a):
    mailbox = make_mailbox([])
    monkeypatch.setenv("WEIBAO_TEST_IMAP_PASSWORD", "wrong")
    result = mailbox_poll(mailbox=mailbox)
    assert "AUTHENTICATIONFAILED" in result.error or "failed" in result.error.lower()

    from weibao.notifications.imap import ImapSession

    session = ImapSession(mailbox)
    with pytest.raises(imaplib.IMAP4.error):
        session.__enter__()
    assert session.conn.sock.fileno() == -1  # the refused connection was closed, not left to the garbage collector


def test_missing_password_is_reported_without_connecting(make_mailbox, monkeypatch, customer_a):
    mailbox = make_mailbox([])
    monkeypatch.delenv("WEIBAO_TEST_IMAP_PASSWORD")
    result = mailbox_poll(mailbox=mailbox)
    assert "WEIBAO_TEST_IMAP_PASSWORD" in result.error


def test_uidvalidity_change_rereads_without_duplicates(loaded, django_capture_on_commit_callbacks):
    from weibao.workorders.models import WorkOrder

    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll(mailbox=loaded)
    orders = WorkOrder.objects.count()
    Mailbox.objects.filter(pk=loaded.pk).update(uidvalidity=1)  # as if the server renumbered the folder
    loaded.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(mailbox=loaded)
    loaded.refresh_from_db()
    assert result.stored == 0
    assert loaded.uidvalidity != 1
    assert WorkOrder.objects.count() == orders
    assert (
        InboundMessage.objects.filter(mailbox=loaded).exclude(status=InboundStatus.DUPLICATE).count()
        == len(EXPECTED) - 1
    )


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_handle_each_mail_once(make_mailbox, customer_a, customer_b, our_mail_a):
    from django.db import connection

    from weibao.workorders.models import WorkOrder, WorkOrderEvent

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("forked workers need a database they can connect to (PostgreSQL run)")
    mails = corpus(order=our_mail_a.workorder.number, our_msgid=our_mail_a.message_id, big=False)
    mailbox = make_mailbox(list(mails.values()), alarm_senders="nms@jia.example.cn")

    result = mailbox_poll(mailbox=mailbox, workers=2)

    expected = {k: v for k, v in EXPECTED.items() if k in mails}
    assert result.processed == len(expected) - 1  # the duplicate is never processed
    assert {k: v for k, v in _statuses(mailbox).items() if k in mails} == expected
    assert WorkOrder.objects.filter(channel="email").count() == 23  # the two damaged mails included
    refs = list(WorkOrderEvent.objects.exclude(source_ref="").values_list("source_ref", flat=True))
    assert len(refs) == len(set(refs))


def test_reply_that_arrives_before_its_original_waits_for_it(
    make_mailbox, customer_a, django_capture_on_commit_callbacks
):
    from weibao.workorders.models import WorkOrderEvent

    head = "From: zhangsan@jia.example.cn\r\nTo: service@weibao.test\r\nContent-Type: text/plain; charset=utf-8\r\n"
    original = (head + "Message-ID: <orig-1@jia>\r\nSubject: UPS alarm\r\n\r\nUPS beeps\r\n").encode()
    reply = (
        head + "Message-ID: <reply-1@jia>\r\nIn-Reply-To: <orig-1@jia>\r\nSubject: Re: UPS alarm\r\n\r\n"
        "still beeping\r\n"
    ).encode()
    mailbox = make_mailbox([reply, original])

    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(mailbox=mailbox, workers=1)

    assert result.statuses == {"order_created": 1, "commented": 1}
    order = InboundMessage.objects.get(message_id="<orig-1@jia>").workorder
    assert WorkOrderEvent.objects.get(workorder=order, kind="comment").body.endswith("still beeping")


def test_our_own_notice_coming_back_is_ignored(make_mailbox, customer_a, our_mail_a, settings):
    settings.DEFAULT_FROM_EMAIL = "维保服务中心 <service@weibao.test>"
    head = "To: service@weibao.test\r\nContent-Type: text/plain; charset=utf-8\r\nSubject: notice\r\n"
    copied = (head + "From: service@weibao.test\r\nMessage-ID: <copy-1@x>\r\n\r\nhello\r\n").encode()
    looped = (head + f"From: zhangsan@jia.example.cn\r\nMessage-ID: {our_mail_a.message_id}\r\n\r\nhi\r\n").encode()
    mailbox = make_mailbox([copied, looped])

    result = mailbox_poll(mailbox=mailbox)

    assert result.statuses == {"ignored": 2}


def test_a_reused_message_id_with_another_body_is_not_a_duplicate(make_mailbox, customer_a):
    head = "From: nms@jia.example.cn\r\nTo: service@weibao.test\r\nMessage-ID: <alarm@nms>\r\nSubject: alarm\r\n"
    first = (head + "Received: from a\r\n\r\nport 1 down\r\n").encode()
    copy = (head + "Received: from b\r\n\r\nport 1 down\r\n").encode()  # the same alarm via another relay
    other = (head + "\r\nport 7 down\r\n").encode()  # an appliance that reuses its Message-ID
    mailbox = make_mailbox([first, copy, other])

    result = mailbox_poll(mailbox=mailbox)

    assert result.statuses == {"order_created": 2}
    assert InboundMessage.objects.filter(mailbox=mailbox, status="duplicate").count() == 1


def test_poll_mail_command(make_mailbox, customer_a):
    from io import StringIO

    from django.core.management import CommandError, call_command

    mailbox = make_mailbox(list(corpus(big=False).values())[:3])
    out = StringIO()
    call_command("poll_mail", mailbox=mailbox.name, stdout=out)
    assert f"{mailbox.name}: ok; stored 3, handled 3" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("poll_mail", mailbox="no such mailbox")


def test_a_mail_that_references_itself_is_not_deferred_forever(make_mailbox, customer_a):
    head = "From: zhangsan@jia.example.cn\r\nTo: service@weibao.test\r\nContent-Type: text/plain; charset=utf-8\r\n"
    selfref = (
        head + "Message-ID: <self-1@jia>\r\nReferences: <self-1@jia>\r\nSubject: UPS alarm\r\n\r\nUPS beeps\r\n"
    ).encode()
    mailbox = make_mailbox([selfref])

    result = mailbox_poll(mailbox=mailbox, workers=1)

    assert result.statuses == {"order_created": 1}
    assert InboundMessage.objects.get(message_id="<self-1@jia>").workorder is not None
