"""Leaving observation on purpose (issue 23): signed answer links, the public answer page, SMS answers, the portal's
buttons, reopen sources and the backfill of reopens already on the timeline."""

import datetime
import re

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from weibao.core import action_links
from weibao.core.models import ActionLink
from weibao.workorders import services as svc
from weibao.workorders.choices import EventKind, Status
from weibao.workorders.models import ObservationReply, Reopen, WorkOrderEvent
from weibao.workorders.selectors import reopen_counts_by_source
from weibao.workorders.services.observation import LINK_PURPOSE, looks_like_recurrence

pytestmark = pytest.mark.django_db


def resolved(order, engineer):
    svc.workorder_acknowledge(workorder=order, actor=engineer)
    svc.workorder_resolve(workorder=order, actor=engineer, resolution="更换光模块后恢复")
    order.refresh_from_db()
    return order


def token_of(url: str) -> str:
    return re.search(r"/answer/([^/]+)/$", url).group(1)


def test_not_fixed_link_without_login_reopens_with_source_customer_link(client, order_a, duty_engineer):
    resolved(order_a, duty_engineer)
    links = svc.observation_links_for(workorder=order_a, recipient="zhangsan@jia.example.cn", channel="email")
    path = links["not_fixed"].split("127.0.0.1:8000", 1)[-1]

    page = client.get(path)  # what a mail scanner fetching the link does: nothing moves
    assert page.status_code == 200
    order_a.refresh_from_db()
    assert order_a.status == Status.RESOLVED

    done = client.post(path, {"note": "重启后半小时又掉线"})
    assert done.status_code == 200
    assert 'data-state="done"' in done.content.decode()
    order_a.refresh_from_db()
    assert order_a.status == Status.REOPENED
    reopen = Reopen.objects.get(workorder=order_a)
    assert (reopen.source, reopen.channel, reopen.answered_by) == ("customer_link", "email", "zhangsan@jia.example.cn")
    assert (reopen.reason_code, reopen.reason) == ("not_fixed", "重启后半小时又掉线")
    link = ActionLink.objects.get()
    assert (link.used_choice, link.used_channel) == ("not_fixed", "email")
    assert link.used_at is not None
    event = WorkOrderEvent.objects.get(workorder=order_a, kind=EventKind.CUSTOMER_REJECTED)
    assert event.data["source"] == "customer_link"

    again = client.post(path)  # a second click, or the other link of the same notice
    assert again.status_code == 410
    assert 'data-state="used"' in again.content.decode()
    other = client.get(links["fixed"].split("127.0.0.1:8000", 1)[-1])
    assert other.status_code == 410
    assert Reopen.objects.count() == 1


def test_fixed_link_confirms_and_expired_link_shows_its_page(client, order_a, duty_engineer, settings):
    resolved(order_a, duty_engineer)
    links = svc.observation_links_for(workorder=order_a, recipient="zhangsan@jia.example.cn", channel="email")
    client.post(links["fixed"].split("127.0.0.1:8000", 1)[-1])
    order_a.refresh_from_db()
    assert order_a.status == Status.OBSERVING
    confirmed = WorkOrderEvent.objects.get(workorder=order_a, kind=EventKind.CUSTOMER_CONFIRMED)
    assert confirmed.data == {"source": "customer_link", "channel": "email", "answered_by": "zhangsan@jia.example.cn"}

    old = svc.observation_links_for(workorder=order_a, recipient="lisi@jia.example.cn", channel="email")
    ActionLink.objects.filter(recipient="lisi@jia.example.cn").update(expires_at=timezone.now())
    page = client.get(old["not_fixed"].split("127.0.0.1:8000", 1)[-1])
    assert page.status_code == 410
    assert 'data-state="expired"' in page.content.decode()
    assert client.post(old["not_fixed"].split("127.0.0.1:8000", 1)[-1]).status_code == 410
    order_a.refresh_from_db()
    assert order_a.status == Status.OBSERVING


def test_link_expiry_follows_the_setting(order_a, settings):
    settings.WEIBAO_ANSWER_LINK_DAYS = 3
    link = action_links.action_link_create(
        purpose=LINK_PURPOSE, target=order_a, recipient="a@b.cn", channel="email", choices=["fixed"]
    )
    assert link.expires_at - link.created_at == pytest.approx(datetime.timedelta(days=3), abs=datetime.timedelta(1))


def test_a_link_for_another_customers_order_never_works(client, order_a, order_b, duty_engineer):
    resolved(order_a, duty_engineer)
    resolved(order_b, duty_engineer)
    links = svc.observation_links_for(workorder=order_a, recipient="zhangsan@jia.example.cn", channel="email")
    token = token_of(links["not_fixed"])
    payload = signing.loads(token, salt=f"weibao.action_link:{LINK_PURPOSE}")
    b_link = action_links.action_link_create(
        purpose=LINK_PURPOSE,
        target=order_b,
        recipient="boss@yi.example.cn",
        channel="email",
        choices=["fixed", "not_fixed"],
    )

    forged = [
        # The signed part changed by hand: order B's id in A's token.
        token.replace(token.split(":")[0], signing.b64_encode(b'{"k":%d,"t":%d}' % (b_link.pk, order_b.pk)).decode()),
        # Signed correctly, but A's link row named with B's order: the row binds order and recipient.
        signing.dumps({**payload, "t": order_b.pk}, salt=f"weibao.action_link:{LINK_PURPOSE}", compress=True),
        # B's link row with A's recipient digest (A's customer trying B's link).
        signing.dumps({**payload, "k": b_link.pk, "t": order_b.pk}, salt=f"weibao.action_link:{LINK_PURPOSE}"),
        # Another purpose's salt (a quote link is no observation answer).
        signing.dumps(payload, salt="weibao.action_link:quotes.approval"),
    ]
    for bad in forged:
        response = client.post(reverse("workorders:answer", args=[bad]))
        assert response.status_code == 404
        assert 'data-state="invalid"' in response.content.decode()
    for order in (order_a, order_b):
        order.refresh_from_db()
        assert order.status == Status.RESOLVED
    assert not Reopen.objects.exists()
    assert ActionLink.objects.filter(used_at__isnull=False).count() == 0


def test_sms_answer_1_and_2_and_free_text(order_a, order_b, duty_engineer):
    resolved(order_a, duty_engineer)
    resolved(order_b, duty_engineer)
    svc.observation_links_for(workorder=order_a, recipient="13800000001", channel="sms")
    svc.observation_links_for(workorder=order_b, recipient="13900000002", channel="sms")

    assert svc.observation_sms_answer(phone="+86 139 0000 0002", text="还是连不上") == "reply"
    order_b.refresh_from_db()
    assert (order_b.status, order_b.observation_reply_pending) == (Status.RESOLVED, True)
    assert ObservationReply.objects.get(workorder=order_b).channel == "sms"

    assert svc.observation_sms_answer(phone="13800000001", text=" 2 ") == "not_fixed"
    order_a.refresh_from_db()
    assert order_a.status == Status.REOPENED
    reopen = Reopen.objects.get(workorder=order_a)
    assert (reopen.source, reopen.channel, reopen.answered_by) == ("customer_sms", "sms", "13800000001")
    # The link is spent: a second "2" changes nothing (no second reopen, no flag), an unknown phone is unknown.
    assert svc.observation_sms_answer(phone="13800000001", text="2") == "used"
    assert Reopen.objects.count() == 1
    assert svc.observation_sms_answer(phone="13700000000", text="1") == "unknown"


def test_portal_buttons_do_what_the_links_do(client, order_a, duty_engineer, customer_a_user):
    resolved(order_a, duty_engineer)
    client.force_login(customer_a_user)
    url = reverse("workorders:action", args=[order_a.pk, "customer_reject"])
    response = client.post(
        url, {"customer_reject-reason": "投影仍然没有信号", "customer_reject-version": order_a.version}
    )
    assert response.status_code in (200, 302)
    order_a.refresh_from_db()
    assert order_a.status == Status.REOPENED
    reopen = Reopen.objects.get(workorder=order_a)
    assert (reopen.source, reopen.channel, reopen.reason) == ("customer_portal", "web", "投影仍然没有信号")
    assert reopen.actor == customer_a_user


def test_desk_decides_from_the_detail_page(client, order_a, order_b, duty_engineer, customer_a_user):
    resolved(order_a, duty_engineer)
    resolved(order_b, duty_engineer)  # observing too, but nobody replied
    svc.workorder_comment(workorder=order_a, actor=customer_a_user, body="还是不行，又断了")
    client.force_login(duty_engineer)
    page = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert 'data-testid="observation-reply"' in page
    assert "还是不行，又断了" in page
    assert 'data-testid="suspected-recurrence"' in page
    queue = client.get(reverse("workorders:list") + "?status=resolved").content.decode()
    assert 'data-testid="reply-flag"' in queue
    assert "还是不行，又断了" in queue
    # The default (open) queue offers the count of orders waiting for this decision, linking to them.
    default = client.get(reverse("workorders:list")).content.decode()
    assert 'data-testid="reply-count"' in default
    replies = client.get(reverse("workorders:list") + "?status=observing_all&reply=1").content.decode()
    assert order_a.number in replies
    assert order_b.number not in replies

    url = reverse("workorders:action", args=[order_a.pk, "reply_reopen"])
    refused = client.post(url, {"reply_reopen-reason": "复现", "reply_reopen-reason_code": ""})
    assert refused.status_code == 422
    order_a.refresh_from_db()
    client.post(
        url,
        {
            "reply_reopen-reason": "客户回复复现",
            "reply_reopen-reason_code": "recurred",
            "reply_reopen-version": order_a.version,
        },
    )
    order_a.refresh_from_db()
    assert order_a.status == Status.REOPENED
    assert Reopen.objects.get(workorder=order_a).source == "desk_reply"


def test_customer_never_sees_the_desk_decision(client, order_a, duty_engineer, customer_a_user):
    resolved(order_a, duty_engineer)
    svc.workorder_comment(workorder=order_a, actor=customer_a_user, body="谢谢，已经好了")
    client.force_login(customer_a_user)
    page = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert 'data-testid="observation-reply"' not in page
    assert 'data-action="reply_keep"' not in page


def test_staff_reopen_records_phone_or_inspection(order_a, duty_engineer):
    resolved(order_a, duty_engineer)
    svc.workorder_reopen(
        workorder=order_a, actor=duty_engineer, reason="客户来电：又坏了", source="phone", reason_code="recurred"
    )
    assert Reopen.objects.get(workorder=order_a).source == "phone"


def test_reopen_counts_by_source(order_a, order_b, duty_engineer, customer_b_user, manager):
    resolved(order_a, duty_engineer)
    resolved(order_b, duty_engineer)
    svc.workorder_reopen(workorder=order_a, actor=duty_engineer, reason="巡检发现", source="inspection")
    svc.workorder_customer_reject(workorder=order_b, actor=customer_b_user, reason="没修好")

    counts = reopen_counts_by_source(user=manager)
    assert counts["inspection"] == 1
    assert counts["customer_portal"] == 1
    assert counts["customer_link"] == 0
    assert sum(counts.values()) == 2
    assert reopen_counts_by_source(user=customer_b_user) == {**dict.fromkeys(counts, 0), "customer_portal": 1}
    assert sum(reopen_counts_by_source(user=manager, since=timezone.now() + datetime.timedelta(1)).values()) == 0


def test_backfill_migration_recovers_sources(order_a, order_b, duty_engineer, customer_b_user):
    import importlib

    from django.apps import apps

    resolved(order_a, duty_engineer)
    resolved(order_b, duty_engineer)
    svc.workorder_reopen(workorder=order_a, actor=svc.system_user(), reason="The customer reported the fault again.")
    svc.workorder_customer_reject(workorder=order_b, actor=customer_b_user, reason="没修好")
    Reopen.objects.all().delete()  # as before the migration: the reopens exist only on the timeline

    migration = importlib.import_module("weibao.workorders.migrations.0012_backfill_reopens")
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # safe to run twice

    assert dict(Reopen.objects.values_list("workorder_id", "source")) == {
        order_a.pk: "legacy_reply",
        order_b.pk: "customer_portal",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("又断网了，还是不行", True),
        ("still broken after the restart", True),
        ("好了，谢谢！", False),
        ("故障已解决，可以结单，谢谢", False),
        ("Thanks, works now", False),
        ("谢谢，不过今天早上又掉线了", True),
    ],
)
def test_recurrence_pre_marking(text, expected):
    assert looks_like_recurrence(text) is expected


def _api(api_client, user):
    from weibao.accounts.services import token_create

    _token, raw = token_create(user=user, name="test")
    api_client.defaults.pop("HTTP_AUTHORIZATION", None)
    return api_client.bearer(raw)


def _post(client, url, data):
    import json

    return client.post(url, json.dumps(data), content_type="application/json")


def test_api_reopen_with_source_and_reply_decision(api_client, order_a, order_b, duty_engineer, customer_a_user):
    resolved(order_a, duty_engineer)
    resolved(order_b, duty_engineer)
    svc.workorder_comment(workorder=order_a, actor=customer_a_user, body="又不行了")
    staff = _api(api_client, duty_engineer)

    assert (
        _post(staff, f"/api/work-orders/{order_b.pk}/reopen", {"reason": "x", "source": "desk_reply"}).status_code
        == 422
    )
    r = _post(
        staff,
        f"/api/work-orders/{order_b.pk}/reopen",
        {"reason": "巡检发现端口故障", "source": "inspection", "reason_code": "recurred"},
    )
    assert r.status_code == 200, r.content
    assert Reopen.objects.get(workorder=order_b).source == "inspection"

    r = staff.get(f"/api/work-orders/{order_a.pk}")
    assert r.json()["observation_reply_pending"] is True
    bad = _post(staff, f"/api/work-orders/{order_a.pk}/reply-decision", {"decision": "reopened", "reason": "复发"})
    assert bad.status_code == 422  # the reason code is required
    customer = _api(api_client, customer_a_user)
    assert _post(customer, f"/api/work-orders/{order_a.pk}/reply-decision", {"decision": "kept"}).status_code == 403
    staff = _api(api_client, duty_engineer)
    r = _post(staff, f"/api/work-orders/{order_a.pk}/reply-decision", {"decision": "kept"})
    assert r.status_code == 200, r.content
    assert r.json()["observation_reply_pending"] is False


def test_api_reply_decision_on_another_organisations_order_is_404(api_client, order_b, duty_engineer, customer_a_user):
    customer = _api(api_client, customer_a_user)
    assert _post(customer, f"/api/work-orders/{order_b.pk}/reply-decision", {"decision": "kept"}).status_code == 404


def test_api_sms_reply_answers_through_the_phones_link(api_client, order_a, duty_engineer, customer_a_user):
    resolved(order_a, duty_engineer)
    svc.observation_links_for(workorder=order_a, recipient="13800000001", channel="sms")
    assert (
        _post(
            _api(api_client, customer_a_user), "/api/notifications/sms-replies", {"phone": "13800000001", "text": "2"}
        ).status_code
        == 403
    )
    r = _post(_api(api_client, duty_engineer), "/api/notifications/sms-replies", {"phone": "13800000001", "text": "2"})
    assert r.status_code == 200, r.content
    assert r.json() == {"result": "not_fixed"}
    order_a.refresh_from_db()
    assert order_a.status == Status.REOPENED
