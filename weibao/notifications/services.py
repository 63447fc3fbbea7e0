"""Notices: who is told what, over which channel, in which language — and the delivery of each with retries.

A timeline event of a work order (published by workorders.events after commit) becomes Delivery rows, one per
recipient and channel, rendered at once in the recipient's language; each is sent by the `deliver` task outside
any transaction. A failed attempt is retried with exponential back-off until WEIBAO_DELIVERY_MAX_ATTEMPTS, then
marked failed with the reason — never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from weibao.contracts.choices import Severity
from weibao.core.phones import phone_digits
from weibao.notifications import conf
from weibao.notifications.channels import PermanentError, TransientError, transport_for
from weibao.notifications.channels.dingtalk import dingtalk_payload
from weibao.notifications.channels.feishu import feishu_card
from weibao.notifications.channels.sms import provider as sms_provider
from weibao.notifications.channels.wecom import wecom_payload
from weibao.notifications.choices import RESENDABLE, Channel, DeliveryStatus, Notice
from weibao.notifications.models import Delivery, NotificationPreference, RobotWebhook, SmsTemplate

logger = logging.getLogger(__name__)

# Which timeline event kinds are worth a notice (workorders.choices.EventKind values).
NOTICE_FOR_EVENT = {
    "created": Notice.RECEIVED,
    "acknowledged": Notice.ACKNOWLEDGED,
    "dispatched": Notice.DISPATCHED,
    "appointment": Notice.APPOINTMENT,
    "resolved": Notice.RESOLVED,
    "closed": Notice.CLOSED,
    "sla_warning": Notice.SLA_WARNING,
    "sla_breach": Notice.SLA_BREACH,
}
# Who hears of what: the customer's side follows its order; our side hears what it must act on.
CUSTOMER_NOTICES = {
    Notice.RECEIVED,
    Notice.ACKNOWLEDGED,
    Notice.DISPATCHED,
    Notice.APPOINTMENT,
    Notice.RESOLVED,
    Notice.CLOSED,
}
# A vendor's users hear of an escalation to their company and of each question to it (rma.notify).
VENDOR_NOTICES = {Notice.VENDOR_ESCALATED, Notice.VENDOR_QUESTION}
ENGINEER_NOTICES = {Notice.DISPATCHED, Notice.APPOINTMENT, Notice.SLA_WARNING, Notice.SLA_BREACH}
MANAGER_NOTICES = {Notice.SLA_BREACH, Notice.SLA_WARNING, Notice.NEW_ORDER, Notice.DISPATCH_REQUEST}
# Told to whoever of the order's branch is on the duty roster now (on duty; on standby when nobody is on duty).
ON_DUTY_NOTICES = {Notice.NEW_ORDER}
# Severities whose new orders are announced to our side at once (SPEC: A and B are urgent).
URGENT_SEVERITIES = {Severity.A, Severity.B}
# Staff notices a timeline event causes besides its own (the new order to the duty roster and the manager).
STAFF_NOTICE_FOR_EVENT = {
    "created": Notice.NEW_ORDER,
    "dispatch_requested": Notice.DISPATCH_REQUEST,
    "declined": Notice.DISPATCH_REQUEST,
}  # a declined job needs someone else sent
DEFAULT_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str
    user: object | None = None
    language: str = DEFAULT_LANGUAGE
    quiet: tuple[dt.time, dt.time] | None = None


# --- preferences -------------------------------------------------------------------------------------------------


def preference_for(user) -> NotificationPreference:
    """The user's preferences, or the defaults (all notices, by email, no quiet hours) without saving them."""
    pref = getattr(user, "_notification_preference_cache", None)
    if pref is None:
        pref = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
        user._notification_preference_cache = pref
    return pref


def preference_update(
    *, user, actor, notices: list[str], channels: list[str], quiet_start: dt.time | None, quiet_end: dt.time | None
) -> NotificationPreference:
    """Save what a person wants to be told (only their own, or by an administrator)."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from weibao.accounts.permissions import has_perm

    if actor.pk != user.pk and not has_perm(actor, "notifications.admin"):
        raise PermissionDenied("notifications.preferences")
    errors = {}
    if any(n not in Notice.values for n in notices):
        errors["notices"] = _("Unknown notice.")
    if any(c not in (Channel.EMAIL, Channel.SMS) for c in channels):
        errors["channels"] = _("Only email and SMS can be chosen per person.")
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end"] = _("Give both ends of the quiet hours, or neither.")
    if errors:
        raise ValidationError(errors)
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "notices": sorted(set(notices)),
            "channels": sorted(set(channels)),
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
        },
    )
    return pref


def quiet_until(quiet: tuple[dt.time, dt.time] | None, now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours when `now` (local time) falls inside them, else None. Windows may span midnight."""
    if not quiet:
        return None
    start, end = quiet
    local = timezone.localtime(now)
    t = local.time()
    inside = start <= t < end if start <= end else (t >= start or t < end)
    if not inside:
        return None
    end_at = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_at <= local:
        end_at += dt.timedelta(days=1)
    return end_at


def _user_recipients(user, notice: str) -> list[Recipient]:
    if not user.is_active:
        return []
    pref = preference_for(user)
    if pref.notices and notice not in pref.notices:
        return []
    channels = pref.channels or [Channel.EMAIL]
    quiet = (pref.quiet_start, pref.quiet_end) if pref.quiet_start and pref.quiet_end else None
    language = user.language or DEFAULT_LANGUAGE
    out = []
    if Channel.EMAIL in channels and user.email:
        out.append(Recipient(Channel.EMAIL, user.email.lower(), user, language, quiet))
    if Channel.SMS in channels and user.phone:
        out.append(Recipient(Channel.SMS, user.phone, user, language, quiet))
    return out


def recipients_for(*, workorder, notice: str, cache: dict | None = None) -> list[Recipient]:
    """Everyone to tell about `notice` on this order, each once per channel. `cache` (a batch's, see _Batch) keeps
    the people of an organisation, a branch's roster and its managers for the other orders of the batch."""
    from weibao.accounts.choices import Role
    from weibao.accounts.models import User

    def part(key: tuple, people) -> list[Recipient]:
        if cache is None:
            return people()
        if key not in cache:
            cache[key] = people()
        return cache[key]

    def customer_people() -> list[Recipient]:
        # The customer's people who reported the order, and those who chose (by saving preferences) to follow all
        # of their organisation's orders; the others are not flooded with every colleague's reports.
        customer_users = User.objects.filter(organisation_id=workorder.organisation_id, is_active=True).filter(
            Q(pk=workorder.reported_by_id) | Q(notification_preference__isnull=False)
        )
        out = []
        for user in customer_users.select_related("notification_preference"):
            user._notification_preference_cache = getattr(user, "notification_preference", None) or (
                NotificationPreference(user=user)
            )
            out += _user_recipients(user, notice)
        return out

    def on_duty_people() -> list[Recipient]:
        return [r for user in on_duty_engineers(branch_id=workorder.branch_id) for r in _user_recipients(user, notice)]

    def managers() -> list[Recipient]:
        users = User.objects.filter(branch_id=workorder.branch_id, role=Role.SERVICE_MANAGER, is_active=True)
        return [r for user in users for r in _user_recipients(user, notice)]

    people: list[Recipient] = []
    if notice in CUSTOMER_NOTICES:
        people += part(("customer", notice, workorder.organisation_id, workorder.reported_by_id), customer_people)
        if workorder.reporter_email:
            # The reporter may have no account (a mail or phone report): email, in Chinese, no preferences.
            people.append(Recipient(Channel.EMAIL, workorder.reporter_email.lower()))
        if workorder.reporter_phone and is_mobile(workorder.reporter_phone):
            # …and a text to the mobile they called from (sent only when an SMS template and provider exist).
            people.append(Recipient(Channel.SMS, phone_digits(workorder.reporter_phone)[-11:]))
    if notice in ENGINEER_NOTICES and workorder.assignee_id:
        people += _user_recipients(workorder.assignee, notice)
    if notice in ON_DUTY_NOTICES:
        people += part(("on_duty", notice, workorder.branch_id), on_duty_people)
    if notice in MANAGER_NOTICES and workorder.branch_id:
        people += part(("managers", notice, workorder.branch_id), managers)
    seen, unique = set(), []
    for r in people:
        if (r.channel, r.address) not in seen:
            seen.add((r.channel, r.address))
            unique.append(r)
    return unique


def is_mobile(phone: str) -> bool:
    """A mainland mobile number (11 digits from 1, optionally with +86/0086): the only numbers a text reaches."""
    digits = phone_digits(phone)
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return len(digits) == 11 and digits.startswith("1")


def on_duty_engineers(*, branch_id: int | None, at: dt.datetime | None = None) -> list:
    """Who of the branch's duty roster is on duty at `at` (now); the standby engineers when nobody is on duty."""
    from weibao.dispatch.choices import RosterKind
    from weibao.dispatch.selectors import roster_at

    if branch_id is None:
        return []
    shifts = list(roster_at(at=at or timezone.now()).filter(branch_id=branch_id, engineer__is_active=True))
    on_duty = [s.engineer for s in shifts if s.kind == RosterKind.ON_DUTY]
    return on_duty or [s.engineer for s in shifts if s.kind == RosterKind.STANDBY]


def robots_for(*, workorder, notice: str, robots: list[RobotWebhook] | None = None) -> list[RobotWebhook]:
    """Enabled robots of the order's branch, of its customer, or of everyone, whose rules accept this notice.
    `robots`: all the enabled ones, read once for a batch (see _Batch); chosen here by the same rule."""
    if robots is None:
        robots = RobotWebhook.objects.filter(enabled=True).filter(
            Q(branch__isnull=True, customer__isnull=True)
            | Q(branch_id=workorder.branch_id, customer__isnull=True)
            | Q(customer_id=workorder.customer_id)
        )
    else:  # the same rule in Python (a None id matches NULL, as the query's `= NULL` becomes IS NULL)
        robots = [
            r
            for r in robots
            if (r.customer_id is None and r.branch_id in (None, workorder.branch_id))
            or r.customer_id == workorder.customer_id
        ]
    return [r for r in robots if r.accepts(notice=notice, severity=workorder.severity)]


# --- rendering ---------------------------------------------------------------------------------------------------


def _context(workorder, notice: str, event=None) -> dict:
    return {
        "workorder": workorder,
        "notice": notice,
        "event": event,
        "site_url": settings.SITE_URL.rstrip("/"),
        "brand": settings.WEIBAO_BRAND,
        "is_a": workorder.severity == Severity.A,
    }


def render_email(notice: str, context: dict, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        subject = render_to_string(f"notifications/email/{notice}-subject.txt", context)
        text = render_to_string(f"notifications/email/{notice}-body.txt", context)
        html = render_to_string(f"notifications/email/{notice}-body.html", context)
    return " ".join(subject.split())[:500], text.strip() + "\n", html


def render_robot(notice: str, context: dict, language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    with translation.override(language):
        title = " ".join(render_to_string(f"notifications/email/{notice}-subject.txt", context).split())
        markdown = render_to_string("notifications/robot/card.md", {**context, "title": title})
    return title[:500], markdown.strip()


def render_sms(notice: str, context: dict, language: str = DEFAULT_LANGUAGE) -> tuple[dict, str]:
    wo = context["workorder"]
    params = {"number": wo.number, "site": str(wo.site)[:20], "severity": wo.severity}
    if notice == Notice.DISPATCHED and wo.assignee_id:
        params["engineer"] = str(wo.assignee)[:20]
    if notice == Notice.APPOINTMENT and wo.appointment_at:
        params["time"] = timezone.localtime(wo.appointment_at).strftime("%m-%d %H:%M")
    with translation.override(language):
        text = render_to_string("notifications/sms/notice.txt", {**context, "params": params})
    return params, " ".join(text.split())


def new_message_id(workorder=None) -> str:
    token = secrets.token_hex(8)
    prefix = workorder.number if workorder is not None else "weibao"
    return f"<{prefix}.{token}@{conf.mail_domain()}>"


def thread_headers(workorder) -> tuple[str, list[str]]:
    """(In-Reply-To, References) so that a mail about an order joins the order's thread in the reader's client:
    the customer's original mail (email orders) and our first mail about the order."""
    from weibao.notifications.models import InboundMessage

    refs = []
    first_in = (
        InboundMessage.objects.filter(workorder=workorder)
        .exclude(message_id="")
        .order_by("pk")
        .values_list("message_id", flat=True)
        .first()
    )
    if first_in:
        refs.append(first_in)
    first_out = (
        Delivery.objects.filter(workorder=workorder, channel=Channel.EMAIL)
        .exclude(message_id="")
        .order_by("pk")
        .values_list("message_id", flat=True)
        .first()
    )
    if first_out:
        refs.append(first_out)
    return (refs[-1] if refs else ""), refs


# --- creating deliveries -------------------------------------------------------------------------------------------


@transaction.atomic
def deliveries_for_event(*, event_id: int) -> list[Delivery]:
    """The notices one timeline event causes; safe to run twice (one row per event, channel and recipient). One
    transaction per event: its deliveries and their queued tasks commit together, or (worker killed) not at all."""
    from weibao.workorders.models import WorkOrderEvent
    from weibao.workorders.visibility import Audience, audience_of, redact

    event = (
        WorkOrderEvent.objects.select_related("workorder__site", "workorder__customer", "workorder__assignee")
        .filter(pk=event_id)
        .first()
    )
    if event is None or (event.kind not in NOTICE_FOR_EVENT and event.kind not in STAFF_NOTICE_FOR_EVENT):
        return []
    workorder = event.workorder
    now = timezone.now()
    created: list[Delivery] = []
    staff_notice = STAFF_NOTICE_FOR_EVENT.get(event.kind)
    if staff_notice == Notice.NEW_ORDER and workorder.severity not in URGENT_SEVERITIES:
        staff_notice = None  # C/D orders wait in the queue; A/B wake the roster and the manager
    if staff_notice is not None:
        created += _staff_deliveries(event, workorder, staff_notice, now)
    notice = NOTICE_FOR_EVENT.get(event.kind)
    if notice is None or (notice == Notice.RECEIVED and workorder.channel == "email"):
        # Email intake answers the sender itself (with loop protection); see intake.open_order_from_mail.
        for delivery in created:
            schedule(delivery, now=now)
        return created
    for r in recipients_for(workorder=workorder, notice=notice):
        # The one visibility rule of the timeline decides what of the event each side is told (or whether at all).
        shown = redact(event, audience_of(r.user) if r.user is not None else Audience.CUSTOMER)
        if shown is None:
            continue
        context = _context(workorder, notice, shown)
        delivery = _new_delivery(
            workorder=workorder, event_id=event.pk, notice=notice, recipient=r, context=context, now=now
        )
        if delivery is not None:
            created.append(delivery)
    for robot in robots_for(workorder=workorder, notice=notice):
        # A customer's own group chat hears what its people may see; our branches' and everyone's robots are ours.
        shown = redact(event, Audience.CUSTOMER if robot.customer_id else Audience.STAFF)
        if shown is None:
            continue
        delivery = _save_new(_robot_delivery(event, workorder, notice, robot, shown, now))
        if delivery is not None:
            created.append(delivery)
    for delivery in created:
        schedule(delivery, now=now)
    return created


def _staff_deliveries(event, workorder, notice: str, now) -> list[Delivery]:
    """Our side's notice of an event (a new urgent order, a dispatch request): internal, so nothing is redacted."""
    out = []
    for r in recipients_for(workorder=workorder, notice=notice):
        if r.user is None or not r.user.is_internal:
            continue
        context = _context(workorder, notice, event)
        delivery = _new_delivery(
            workorder=workorder, event_id=event.pk, notice=notice, recipient=r, context=context, now=now
        )
        if delivery is not None:
            out.append(delivery)
    return out


class _Batch:
    """What the events of one `deliveries_for_events` call share, looked up or rendered once: the people of an
    organisation, a branch's roster and managers (per notice), the enabled robots, the SMS templates, the mail
    threads of the orders, and a notice's mail as one audience and language see it (per event)."""

    def __init__(self, workorder_ids: set[int]):
        from weibao.notifications.models import InboundMessage

        self._people: dict[tuple, list[Recipient]] = {}
        self._enabled_robots = list(RobotWebhook.objects.filter(enabled=True))
        self._templates: dict[str, SmsTemplate | None] = {}
        self._rendered: dict[tuple, tuple[str, str, str]] = {}
        # thread_headers for all the orders at once: the first message id received, and the first one we sent.
        self._first_in = _first_message_ids(InboundMessage.objects.filter(workorder_id__in=workorder_ids))
        self._first_out = _first_message_ids(
            Delivery.objects.filter(workorder_id__in=workorder_ids, channel=Channel.EMAIL)
        )

    def recipients_for(self, workorder, notice: str) -> list[Recipient]:
        return recipients_for(workorder=workorder, notice=notice, cache=self._people)

    def robots_for(self, workorder, notice: str) -> list[RobotWebhook]:
        return robots_for(workorder=workorder, notice=notice, robots=self._enabled_robots)

    def sms_template(self, notice: str) -> SmsTemplate | None:
        if notice not in self._templates:
            self._templates[notice] = _sms_template(notice)
        return self._templates[notice]

    def render_email(self, notice: str, context: dict, language: str) -> tuple[str, str, str]:
        # The context holds nothing of the recipient (but for the answer links, never rendered here): the same
        # event as the same audience sees it, in one language, is the same mail.
        key = (notice, id(context["event"]), context["event"].pk, language)
        if key not in self._rendered:
            self._rendered[key] = render_email(notice, context, language)
        return self._rendered[key]

    def thread_headers(self, workorder) -> tuple[str, list[str]]:
        refs = [ref for ref in (self._first_in.get(workorder.pk), self._first_out.get(workorder.pk)) if ref]
        return (refs[-1] if refs else ""), refs

    def saved(self, delivery: Delivery) -> None:
        """A row of this batch that goes in: the first mail about its order starts the order's thread."""
        if delivery.channel == Channel.EMAIL and delivery.message_id:
            self._first_out.setdefault(delivery.workorder_id, delivery.message_id)


def _first_message_ids(rows) -> dict[int, str]:
    """Per work order, the message id of its first row (lowest pk) with one."""
    from django.db.models import Min

    firsts = rows.exclude(message_id="").values("workorder_id").annotate(first=Min("pk")).values_list("first")
    return dict(rows.model.objects.filter(pk__in=firsts).values_list("workorder_id", "message_id"))


@transaction.atomic
def deliveries_for_events(*, event_ids: list[int]) -> list[Delivery]:
    """`deliveries_for_event` for many events at once (a batch intake's orders), with the same rows: the events and
    their orders read in one query, recipients, robots and mails shared where they depend on the same things, the
    new rows inserted together and handed to one `deliver_many` task per due time. Safe to run twice (the rows
    that exist already are left out); one transaction: the rows and their queued tasks commit together."""
    from weibao.workorders.models import WorkOrderEvent
    from weibao.workorders.visibility import Audience, audience_of, redact

    wanted = set(NOTICE_FOR_EVENT) | set(STAFF_NOTICE_FOR_EVENT)
    by_pk = {
        e.pk: e
        for e in WorkOrderEvent.objects.select_related(
            "workorder__site", "workorder__customer", "workorder__assignee"
        ).filter(pk__in=event_ids, kind__in=wanted)
    }
    events = [by_pk[pk] for pk in dict.fromkeys(event_ids) if pk in by_pk]
    if not events:
        return []
    now = timezone.now()
    batch = _Batch({e.workorder_id for e in events})
    # (event, channel, recipient) already made (the task ran before) or made earlier in this batch: left out.
    done = set(
        Delivery.objects.filter(event_id__in=[e.pk for e in events]).values_list("event_id", "channel", "recipient")
    )
    rows: list[Delivery] = []

    def add(delivery: Delivery | None) -> None:
        if delivery is None:
            return
        key = (delivery.event_id, delivery.channel, delivery.recipient)
        if key not in done:
            done.add(key)
            batch.saved(delivery)
            rows.append(delivery)

    def plan(event, workorder, notice, recipient: Recipient, shown) -> Delivery | None:
        if (event.pk, recipient.channel, recipient.address) in done:
            return None
        context = _context(workorder, notice, shown)
        return _unsaved_delivery(
            workorder=workorder,
            event_id=event.pk,
            notice=notice,
            recipient=recipient,
            context=context,
            now=now,
            batch=batch,
        )

    for event in events:
        workorder = event.workorder
        staff_notice = STAFF_NOTICE_FOR_EVENT.get(event.kind)
        if staff_notice == Notice.NEW_ORDER and workorder.severity not in URGENT_SEVERITIES:
            staff_notice = None
        if staff_notice is not None:
            for r in batch.recipients_for(workorder, staff_notice):
                if r.user is not None and r.user.is_internal:
                    add(plan(event, workorder, staff_notice, r, event))
        notice = NOTICE_FOR_EVENT.get(event.kind)
        if notice is None or (notice == Notice.RECEIVED and workorder.channel == "email"):
            continue
        shown_to: dict = {}  # audience → the event as it sees it (one copy per audience, shared by its mails)
        for r in batch.recipients_for(workorder, notice):
            audience = audience_of(r.user) if r.user is not None else Audience.CUSTOMER
            if audience not in shown_to:
                shown_to[audience] = redact(event, audience)
            if shown_to[audience] is not None:
                add(plan(event, workorder, notice, r, shown_to[audience]))
        for robot in batch.robots_for(workorder, notice):
            audience = Audience.CUSTOMER if robot.customer_id else Audience.STAFF
            if audience not in shown_to:
                shown_to[audience] = redact(event, audience)
            if shown_to[audience] is not None and (event.pk, robot.kind, robot.recipient_key) not in done:
                add(_robot_delivery(event, workorder, notice, robot, shown_to[audience], now))
    created = _insert_new(rows)
    _schedule_together(created, now=now)
    return created


def _robot_delivery(event, workorder, notice: str, robot: RobotWebhook, shown, now) -> Delivery:
    """The unsaved row of one robot's card about an event (as `deliveries_for_event` makes it)."""
    robot_context = _context(workorder, notice, shown)
    if notice == Notice.RESOLVED and robot.customer_id:
        # A customer's own group robot carries the answer links too (signed for that robot).
        robot_context = {**robot_context, "answer_links": _answer_links(workorder, robot.recipient_key, robot.kind)}
    title, markdown = render_robot(notice, robot_context)
    return Delivery(
        notice=notice,
        channel=robot.kind,
        recipient=robot.recipient_key,
        robot=robot,
        workorder=workorder,
        event_id=event.pk,
        severity=workorder.severity,
        subject=title,
        body_text=markdown,
        payload={"request": robot_request(robot.kind, title=title, markdown=markdown, severity=workorder.severity)},
        next_try_at=now,
        queued_at=now,
    )


def _insert_new(rows: list[Delivery]) -> list[Delivery]:
    """Insert the rows together; when one exists already after all (another run of the same events at the same
    time), one by one, leaving out those that exist (one row per event, channel and recipient)."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return Delivery.objects.bulk_create(rows)
    except IntegrityError:
        for row in rows:
            row.pk = None
            row._state.adding = True
        return [row for row in rows if _save_new(row) is not None]


def _schedule_together(deliveries: list[Delivery], *, now: dt.datetime) -> None:
    """`schedule` for many new rows (their `queued_at` already says when their task runs): one `deliver_many` per
    due time — the rows due now in one task, those held for quiet hours at the end of the hours (when the backend
    can defer; else nothing is queued and the sweep sends them when due)."""
    from weibao.notifications.tasks import deliver_many

    by_time: dict[dt.datetime, list[int]] = {}
    for delivery in deliveries:
        if delivery.queued_at is not None:
            by_time.setdefault(delivery.queued_at, []).append(delivery.pk)
    for run_at, ids in by_time.items():

        def enqueue(run_at=run_at, ids=ids) -> None:
            if run_at > timezone.now():
                deliver_many.using(run_after=run_at).enqueue(delivery_ids=ids)
            else:
                deliver_many.enqueue(delivery_ids=ids)

        _enqueue_with_rows(enqueue)


# One notice per manager and hole in the 7x24 cover; the check runs every 15 minutes and must not repeat itself.
COVER_GAP_REPEAT = dt.timedelta(hours=12)


def cover_gap_notify(*, gaps, now: dt.datetime | None = None) -> list[Delivery]:
    """Tell the managers of each branch with a hole in its 7x24 cover (dispatch.cover), by their channels (email;
    SMS when a template exists), once per hole within COVER_GAP_REPEAT."""
    from django.urls import reverse

    from weibao.accounts.choices import Role
    from weibao.accounts.models import User

    now = now or timezone.now()
    created: list[Delivery] = []
    for gap in gaps:
        managers = User.objects.filter(branch_id=gap.branch_id, role=Role.SERVICE_MANAGER, is_active=True)
        context = {
            "gap": gap,
            "site_url": settings.SITE_URL.rstrip("/"),
            "brand": settings.WEIBAO_BRAND,
            "roster_path": f"{reverse('dispatch:roster')}?branch={gap.branch_id}",
        }
        for manager in managers:
            for r in _user_recipients(manager, Notice.COVER_GAP):
                if r.channel != Channel.EMAIL:
                    continue  # the SMS templates are per work order; the mail says where and when
                told = Delivery.objects.filter(
                    notice=Notice.COVER_GAP,
                    recipient=r.address,
                    created_at__gte=now - COVER_GAP_REPEAT,
                    payload__branch=gap.branch_id,
                ).exists()
                if told:
                    continue
                subject, text, html = render_email(Notice.COVER_GAP, context, r.language)
                delivery = Delivery.objects.create(
                    notice=Notice.COVER_GAP,
                    channel=Channel.EMAIL,
                    recipient=r.address,
                    recipient_user=manager,
                    language=r.language,
                    subject=subject,
                    body_text=text,
                    body_html=html,
                    message_id=new_message_id(),
                    payload={"branch": gap.branch_id},
                    next_try_at=now,
                    queued_at=now,
                )
                schedule(delivery, now=now)
                created.append(delivery)
    return created


def robot_request(kind: str, *, title: str, markdown: str, severity: str) -> dict:
    """The JSON body each robot kind expects for a markdown card."""
    if kind == Channel.WECOM:
        return wecom_payload(title=title, markdown=markdown)
    if kind == Channel.DINGTALK:
        return dingtalk_payload(title=title, markdown=markdown)
    return feishu_card(title=title, markdown=markdown, severity=severity)


def _new_delivery(*, workorder, event_id, notice, recipient: Recipient, context, now) -> Delivery | None:
    delivery = _unsaved_delivery(
        workorder=workorder, event_id=event_id, notice=notice, recipient=recipient, context=context, now=now
    )
    return None if delivery is None else _save_new(delivery)


def _unsaved_delivery(
    *, workorder, event_id, notice, recipient: Recipient, context, now, batch: _Batch | None = None
) -> Delivery | None:
    """The Delivery row (not saved) of one event's notice to one recipient; None when its channel is not offered.
    `batch` (notify_events) answers the lookups and renders shared by the batch's events instead of each row."""
    delivery = Delivery(
        notice=notice,
        channel=recipient.channel,
        recipient=recipient.address,
        recipient_user=recipient.user,
        workorder=workorder,
        event_id=event_id,
        language=recipient.language,
        severity=workorder.severity,
    )
    if recipient.channel == Channel.EMAIL:
        if notice == Notice.RESOLVED:
            context = {**context, "answer_links": _answer_links(workorder, recipient.address, recipient.channel)}
        if batch is None or notice == Notice.RESOLVED:  # the answer links differ per recipient
            rendered = render_email(notice, context, recipient.language)
        else:
            rendered = batch.render_email(notice, context, recipient.language)
        delivery.subject, delivery.body_text, delivery.body_html = rendered
        in_reply_to, references = thread_headers(workorder) if batch is None else batch.thread_headers(workorder)
        delivery.message_id = new_message_id(workorder)
        delivery.payload = {"in_reply_to": in_reply_to, "references": references}
    elif recipient.channel == Channel.SMS:
        template = _sms_template(notice) if batch is None else batch.sms_template(notice)
        if template is None:
            return None  # no approved template for this notice (or no provider): SMS is simply not offered
        if notice == Notice.RESOLVED:
            context = {**context, "answer_links": _answer_links(workorder, recipient.address, recipient.channel)}
        params, text = render_sms(notice, context, recipient.language)
        delivery.body_text = text
        delivery.payload = {"template_code": template.template_code, "sign_name": template.sign_name, "params": params}
    # Quiet hours hold everything but A-class faults until they end (SPEC: A is solved in the shortest time).
    held = None if workorder.severity == Severity.A else quiet_until(recipient.quiet, now)
    delivery.next_try_at = held or now
    delivery.queued_at = queue_time(delivery, now)  # deliveries_for_event schedules it
    if held:
        delivery.reason = _("Held for the recipient's quiet hours.")
    return delivery


def _sms_template(notice: str) -> SmsTemplate | None:
    """The approved template of a notice when SMS can be sent at all (a template and a provider), else None."""
    template = SmsTemplate.objects.filter(notice=notice, enabled=True).first()
    if template is None or not sms_provider().configured():
        return None
    return template


def _answer_links(workorder, recipient: str, channel: str) -> dict[str, str]:
    """The resolution notice's two signed answers for one recipient (issue 23): "fixed" / "not_fixed" URLs. SMS
    carries no URL ("reply 1 / 2"), but its link row is what an SMS answer spends."""
    from weibao.workorders.services import observation_links_for

    return observation_links_for(workorder=workorder, recipient=recipient, channel=channel)


def _save_new(delivery: Delivery) -> Delivery | None:
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return None  # this event was already turned into this delivery (the task ran twice)
    return delivery


def delivery_auto_reply(*, workorder, inbound, mail, scheduled: bool = True) -> Delivery:
    """The automatic answer to a mail that opened an order: the order number, threaded under the sender's mail."""
    context = {**_context(workorder, Notice.RECEIVED), "inbound": inbound, "mail_subject": mail.subject}
    subject, text, html = render_email(Notice.RECEIVED, context, DEFAULT_LANGUAGE)
    now = timezone.now()
    references = [*mail.references[-5:], mail.message_id] if mail.message_id else mail.references[-5:]
    delivery = Delivery.objects.create(
        notice=Notice.RECEIVED,
        channel=Channel.EMAIL,
        recipient=mail.from_address,
        workorder=workorder,
        inbound=inbound,
        severity=workorder.severity,
        subject=subject,
        body_text=text,
        body_html=html,
        message_id=new_message_id(workorder),
        payload={"in_reply_to": mail.message_id, "references": references, "auto_submitted": "auto-replied"},
        next_try_at=now,
        queued_at=now,  # scheduled below, or by the caller (schedule_many)
    )
    if scheduled:
        schedule(delivery, now=now)
    return delivery


def notice_choices_for(user) -> list[tuple[str, str]]:
    """The notices a person's preferences offer: those that can reach them. A customer's users hear of their orders,
    a vendor's users of escalations and questions; our staff (and anyone else) may hear of every notice."""
    allowed = CUSTOMER_NOTICES if user.is_customer else VENDOR_NOTICES if user.is_vendor else None
    return [(value, label) for value, label in Notice.choices if allowed is None or value in allowed]


def email_notice(
    *,
    notice: str,
    recipients,
    template: str,
    context: dict,
    payload: dict,
    attachments: list[dict] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """One e-mail per recipient through the outbox (retries, delivery log) for a notice that is not a work-order
    event: `recipients` are users or (address, user-or-None) pairs, the mail is `<template>-subject.txt` and
    `-body.txt`. A user who turned the notice off is skipped; a recipient who already has this notice with this
    `payload` is skipped, so a repeated run sends nothing twice. `attachments`: stored files read at send time
    (`{"path", "filename", "content_type"}`, see `channels.email`). Returns how many deliveries were made."""
    now = now or timezone.now()
    made, seen = 0, set()
    for item in recipients:
        address, user = (item.email, item) if hasattr(item, "email") else item
        address = (address or "").strip().lower()
        if not address or address in seen:
            continue
        seen.add(address)
        if user is not None:
            pref = preference_for(user)
            if pref.notices and notice not in pref.notices:
                continue
        lookup = {f"payload__{key}": value for key, value in payload.items()}
        if Delivery.objects.filter(notice=notice, recipient=address, **lookup).exists():
            continue  # this run is a repeat
        language = getattr(user, "language", "") or DEFAULT_LANGUAGE
        with translation.override(language):
            subject = " ".join(render_to_string(f"{template}-subject.txt", context).split())
            text = render_to_string(f"{template}-body.txt", context)
        delivery = Delivery.objects.create(
            notice=notice,
            channel=Channel.EMAIL,
            recipient=address,
            recipient_user=user,
            language=language,
            subject=subject[:500],
            body_text=text.strip() + "\n",
            message_id=new_message_id(),
            next_try_at=now,
            payload={**payload, "attachments": attachments} if attachments else payload,
        )
        schedule(delivery, now=now)
        made += 1
    return made


def delivery_sms_code(*, notice: str, phone: str, params: dict[str, str], text: str) -> Delivery | None:
    """A one-time code by SMS (e.g. the scan-to-report login, `Notice.SCAN_CODE`) through the outbox like every
    SMS: the per-number hourly limit, retries and the log apply. The code's parameters are scrubbed from the row
    once it is sent or has failed for good (see `_scrubbed`), so the log never shows a usable code; `text` (for the
    log) must not contain it. None when there is no approved template for the notice or no provider."""
    template = SmsTemplate.objects.filter(notice=notice, enabled=True).first()
    if template is None or not sms_provider().configured() or not is_mobile(phone):
        return None
    now = timezone.now()
    delivery = Delivery.objects.create(
        notice=notice,
        channel=Channel.SMS,
        recipient=phone_digits(phone),
        body_text=text,
        payload={
            "template_code": template.template_code,
            "sign_name": template.sign_name,
            "params": params,
            "scrub": sorted(params),
        },
        next_try_at=now,
        queued_at=now,
    )
    schedule(delivery, now=now)
    return delivery


def _scrubbed(payload: dict) -> dict:
    """The payload without the secret parameters it names under "scrub" (one-time codes), once they are of no use."""
    secret = payload.get("scrub") or []
    if not secret:
        return payload
    params = {k: ("******" if k in secret else v) for k, v in (payload.get("params") or {}).items()}
    return {**payload, "params": params}


def schedule_many(delivery_ids: list[int]) -> None:
    """One task for many deliveries due now (e.g. the auto-replies of a chunk of received mail), on commit."""
    from weibao.notifications.tasks import deliver_many

    if delivery_ids:
        Delivery.objects.filter(pk__in=delivery_ids).update(queued_at=timezone.now())
        transaction.on_commit(partial(deliver_many.enqueue, delivery_ids=list(delivery_ids)))


def queue_time(delivery: Delivery, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the task that `schedule` enqueues for this delivery will run: now when it is due, its next try when the
    task backend can defer, else None (nothing is queued: the every-minute sweep picks it up when it is due)."""
    from weibao.notifications.tasks import deliver

    now = now or timezone.now()
    if delivery.next_try_at and delivery.next_try_at > now:
        return delivery.next_try_at if deliver.get_backend().supports_defer else None
    return now


def schedule(delivery: Delivery, *, now: dt.datetime | None = None) -> None:
    """Hand the delivery to the task queue once the surrounding transaction commits (at its due time when the
    backend can defer; otherwise the every-minute sweep picks it up). The row records when that task is to run
    (`queued_at`) so that the sweep does not queue it a second time."""
    from weibao.notifications.tasks import deliver

    run_at = queue_time(delivery, now)
    if delivery.queued_at != run_at:  # rows created for scheduling carry it already (same `now`: no second write)
        Delivery.objects.filter(pk=delivery.pk).update(queued_at=run_at)
        delivery.queued_at = run_at
    if run_at is None:
        return

    def enqueue() -> None:
        if run_at > timezone.now():
            deliver.using(run_after=run_at).enqueue(delivery_id=delivery.pk)
        else:
            deliver.enqueue(delivery_id=delivery.pk)

    _enqueue_with_rows(enqueue)


def _enqueue_with_rows(enqueue) -> None:
    """Queue with the transaction that wrote the rows when the queue is a table of the same database (both commit
    or neither: a worker killed between commit and enqueue cannot strand a delivery); else after the commit."""
    from weibao.notifications.tasks import queue_is_in_the_database

    if transaction.get_connection().in_atomic_block and queue_is_in_the_database():
        enqueue()
    else:
        transaction.on_commit(enqueue)


# --- sending -----------------------------------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    base = conf.get("WEIBAO_DELIVERY_BACKOFF_SECONDS")
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), conf.get("WEIBAO_DELIVERY_BACKOFF_MAX_SECONDS")))


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """One attempt at one delivery. Claims the row (pending/retrying and due → sending) with a conditional update
    so two workers never send it twice; the network call happens outside any transaction."""
    from weibao.core.workers import current_worker_id

    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        .filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
        .update(
            status=DeliveryStatus.SENDING,
            attempts=F("attempts") + 1,
            updated_at=now,
            sending_by=current_worker_id(),
            handed_over_at=None,
        )
    )
    if claimed != 1:
        return ""
    delivery = Delivery.objects.select_related("robot").get(pk=delivery_id)

    def handed_over() -> None:
        # Recorded (committed) before the message leaves: a kill from here on leaves the notice unconfirmed.
        Delivery.objects.filter(pk=delivery_id).update(handed_over_at=timezone.now())

    try:
        reference = transport_for(delivery.channel).send(delivery, on_handover=handed_over)
    except TransientError as exc:
        return _attempt_failed(delivery, exc.reason, retry_at=exc.retry_at, now=now)
    except PermanentError as exc:
        return _attempt_failed(delivery, exc.reason, permanent=True, now=now)
    except Exception as exc:  # a bug in a channel must not lose the notice: retry it like a transient error
        logger.exception("delivery %s failed unexpectedly", delivery_id)
        return _attempt_failed(delivery, f"{type(exc).__name__}: {exc}", now=now)
    history = [*delivery.history, {"at": now.isoformat(), "ok": True, "reason": reference or ""}]
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        next_try_at=None,
        reason="",
        history=history,
        payload=_scrubbed(delivery.payload),
    )
    return DeliveryStatus.SENT


def _attempt_failed(
    delivery: Delivery, reason: str, *, now: dt.datetime, permanent: bool = False, retry_at: dt.datetime | None = None
) -> str:
    history = [*delivery.history, {"at": now.isoformat(), "ok": False, "reason": reason[:500]}]
    rate_limited = retry_at is not None
    # A provider's rate limit is not the recipient's fault: it does not use up attempts.
    attempts = delivery.attempts - 1 if rate_limited else delivery.attempts
    if permanent or attempts >= conf.get("WEIBAO_DELIVERY_MAX_ATTEMPTS"):
        status, next_try = DeliveryStatus.FAILED, None
        logger.warning("delivery %s failed for good: %s", delivery.pk, reason)
    else:
        status, next_try = DeliveryStatus.RETRYING, retry_at or now + backoff(delivery.attempts)
    delivery.next_try_at = next_try
    delivery.queued_at = queue_time(delivery, now) if status == DeliveryStatus.RETRYING else None
    payload = _scrubbed(delivery.payload) if status == DeliveryStatus.FAILED else delivery.payload
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        reason=reason[:2000],
        next_try_at=next_try,
        history=history,
        attempts=attempts,
        queued_at=delivery.queued_at,
        sent_at=None,
        payload=payload,
    )
    if status == DeliveryStatus.RETRYING:
        schedule(delivery, now=now)
    return status


# A queued task that has not run this long after its time is taken for lost (queue row deleted, worker gone with it).
REQUEUE_AFTER = dt.timedelta(minutes=10)
# Deliveries per `deliver_many` task when the sweep queues a backlog.
SWEEP_BATCH = 50


def _due(now: dt.datetime):
    """Pending or retrying, due, and not waiting in the task queue (never handed to it, or lost there)."""
    return Delivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_try_at__lte=now
    ).filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))


def _settle_interrupted(rows, now: dt.datetime) -> int:
    """Rows left `sending` by a process that stopped mid-attempt. Not yet handed to the provider: retried at once.
    Handed over but no answer recorded: it may have arrived — re-sent only on channels that allow it
    (`Transport.resend_unconfirmed`), else marked unconfirmed for staff to decide (see channels/base.py)."""
    if not rows.exists():
        return 0  # the usual case, asked every few seconds by every worker: no write (SQLite's lock) for nothing
    settled = rows.filter(handed_over_at__isnull=True).update(
        status=DeliveryStatus.RETRYING,
        next_try_at=now,
        queued_at=None,
        sent_at=None,
        reason=_("The worker stopped before the message was handed to the provider; retrying."),
    )
    resend = [c for c in Channel.values if transport_for(c).resend_unconfirmed]
    settled += rows.filter(handed_over_at__isnull=False, channel__in=resend).update(
        status=DeliveryStatus.RETRYING,
        next_try_at=now,
        queued_at=None,
        sent_at=None,
        reason=_("The worker stopped before the provider answered; sent again (this channel allows a duplicate)."),
    )
    unconfirmed = rows.filter(handed_over_at__isnull=False).exclude(channel__in=resend)
    for pk in unconfirmed.values_list("pk", flat=True):
        logger.warning("delivery %s unconfirmed: the worker stopped after handing it to the provider", pk)
    settled += unconfirmed.update(
        status=DeliveryStatus.UNCONFIRMED,
        next_try_at=None,
        queued_at=None,
        reason=_(
            "The worker stopped after handing the message to the provider and before its answer: it may "
            "have arrived. Not sent again automatically; use “Send again” if the recipient did not get it."
        ),
    )
    return settled


def deliveries_settle_abandoned(*, now: dt.datetime | None = None) -> int:
    """Attempts whose worker died (its lease expired; called by core.workers.tasks_recover before it re-queues the
    worker's tasks, and by the sweep)."""
    from weibao.core.workers import live_worker_ids

    now = now or timezone.now()
    live = live_worker_ids(now)
    rows = Delivery.objects.filter(status=DeliveryStatus.SENDING).exclude(sending_by="").exclude(sending_by__in=live)
    return _settle_interrupted(rows, now)


def _reset_stale(now: dt.datetime, stale_after: dt.timedelta) -> None:
    """Rows stuck in `sending`: of a dead worker at once, of a process without a lease (a web request with the
    immediate backend) after `stale_after`."""
    deliveries_settle_abandoned(now=now)
    rows = Delivery.objects.filter(status=DeliveryStatus.SENDING, sending_by="", updated_at__lt=now - stale_after)
    _settle_interrupted(rows, now)


def deliveries_due(
    *, now: dt.datetime | None = None, stale_after: dt.timedelta = dt.timedelta(minutes=10)
) -> list[int]:
    """Ids of deliveries to (re)try now that no queued task will send (see `_due`)."""
    now = now or timezone.now()
    _reset_stale(now, stale_after)
    return list(_due(now).order_by("next_try_at").values_list("pk", flat=True)[:500])


def deliveries_queue_due(
    *, now: dt.datetime | None = None, stale_after: dt.timedelta = dt.timedelta(minutes=10), limit: int = 500
) -> int:
    """The every-minute sweep: hand what is due and not already queued to `deliver_many`, SWEEP_BATCH at a time.
    The rows are marked queued in the same transaction (locked, so two sweeps never take the same row), so the
    next sweep leaves them to their task instead of piling up copies while the worker is busy."""
    from weibao.notifications.tasks import deliver_many

    now = now or timezone.now()
    with transaction.atomic():
        _reset_stale(now, stale_after)
        ids = list(
            _due(now).select_for_update(skip_locked=True).order_by("next_try_at").values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return 0
        Delivery.objects.filter(pk__in=ids).update(queued_at=now)
        for start in range(0, len(ids), SWEEP_BATCH):
            transaction.on_commit(partial(deliver_many.enqueue, delivery_ids=ids[start : start + SWEEP_BATCH]))
    return len(ids)


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor) -> Delivery:
    """Staff send a failed delivery again (e.g. after fixing an address or a robot secret), or an unconfirmed one
    the recipient did not get (same Message-ID)."""
    from weibao.accounts.permissions import require
    from weibao.core.exceptions import TransitionNotAllowed

    require(actor, "notifications.view_log")
    row = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if row.status not in RESENDABLE:
        raise TransitionNotAllowed(current=row.get_status_display(), requested=str(DeliveryStatus.RETRYING.label))
    row.status, row.attempts, row.next_try_at = DeliveryStatus.RETRYING, 0, timezone.now()
    row.reason = _("Retried by %(user)s.") % {"user": actor}
    row.save(update_fields=["status", "attempts", "next_try_at", "reason", "updated_at"])
    schedule(row)
    return row
