"""Inbound enterprise IM and SMS (SPEC §4.1: requests arrive by SMS, QQ/WeChat…): every message is stored once per
provider message id and routed like a mail — a known contact opens an order or comments on the one it names, an
unknown sender goes to triage — and the sender hears back through the same channel.

Two steps, like the mail intake (notifications.intake stores raw mail, then handles it in chunks): the callback only
checks, decrypts and stores the receipt `pending` (unique per account and message id, so a second delivery of the
same message — the providers retry until they get a 200 within a few seconds — finds it and adds nothing) and answers
at once; the routing task (tasks.route_receipts, queue "inbound") routes pending receipts in order of arrival, each
in its own transaction that also writes the order or comment: a worker killed half-way leaves the receipt `pending`
and no order behind, two workers never route the same receipt (row lock, skip locked), and a receipt whose routing
raises is marked `failed` with the error while the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from weibao.core.phones import phone_digits
from weibao.inbound.choices import CONTACT_ID_FIELD, IM_PROVIDERS, Provider, ReceiptStatus
from weibao.inbound.crypto import CallbackRefused
from weibao.inbound.models import InboundAccount, InboundReceipt, InboundRejection

logger = logging.getLogger(__name__)


@dataclass
class Incoming:
    """One customer message as a provider delivered it, decrypted and checked."""

    message_key: str
    text: str
    sender_id: str = ""
    sender_name: str = ""
    mobile: str = ""
    quoted_key: str = ""  # the provider id of the message this one replies to (Feishu parent_id)
    reply_route: dict = field(default_factory=dict)  # e.g. DingTalk's sessionWebhook
    data: dict = field(default_factory=dict)


# --- callbacks: window and refusals --------------------------------------------------------------------------------


def replay_window() -> int:
    return settings.WEIBAO_INBOUND_REPLAY_SECONDS


def check_timestamp(value: str | int | float | None, *, window: int | None = None) -> None:
    """Refuse a request whose timestamp (seconds, or milliseconds when that large) is outside the window."""
    window = replay_window() if window is None else window
    try:
        stamp = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CallbackRefused("replay", "timestamp missing or not a number") from None
    if stamp > 1e11:  # milliseconds (DingTalk, Feishu create_time)
        stamp /= 1000
    if abs(time.time() - stamp) > window:
        raise CallbackRefused("replay", f"timestamp {int(stamp)} is outside ±{window}s")


def rejection_record(
    *, provider: str, account: InboundAccount | None, refused: CallbackRefused, remote_addr: str = ""
) -> InboundRejection:
    """A refused callback: one log line and one row with the reason, nothing of the body."""
    logger.warning(
        "inbound %s callback refused (%s): %s; account=%s from %s",
        provider,
        refused.reason,
        refused.detail,
        account.slug if account else "-",
        remote_addr,
    )
    return InboundRejection.objects.create(
        account=account,
        provider=provider,
        reason=refused.reason,
        detail=refused.detail[:300],
        remote_addr=remote_addr[:64],
    )


def app_credentials(account_id: int) -> dict:
    """For notifications' channel code: the application behind a reply (registered in apps.py)."""
    account = InboundAccount.objects.filter(pk=account_id, enabled=True).first()
    if account is None:
        return {}
    return {
        "corp_id": account.corp_id,
        "agent_id": account.agent_id,
        "secret": account.app_secret,
        "api_base": account.api_base,
    }


# --- receiving ----------------------------------------------------------------------------------------------------


def message_receive(*, account: InboundAccount, incoming: Incoming) -> tuple[InboundReceipt, bool]:
    """Store one message `pending` and have it routed soon; (receipt, False) when it was received before (nothing
    happens twice). Routing is not done here: the provider wants its 200 within seconds, whatever the load."""
    key = incoming.message_key[:200]
    receipt = InboundReceipt(
        account=account,
        message_key=key,
        sender_id=incoming.sender_id[:100],
        sender_name=incoming.sender_name[:100],
        mobile=incoming.mobile[:32],
        text=incoming.text[:20_000],
        quoted_key=incoming.quoted_key[:200],
        status=ReceiptStatus.PENDING,
        data={**incoming.data, **incoming.reply_route},
        created_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            # No look-up first: the unique key decides (a retry arriving at the same moment included).
            receipt.save(force_insert=True)
    except IntegrityError:
        existing = InboundReceipt.objects.filter(account=account, message_key=key).first()
        if existing is None:
            raise
        return existing, False
    # The row is committed (callbacks run in autocommit), so a routing run that starts from now on sees it. Under an
    # outer transaction the task row commits with the receipt (the database queue), or the immediate backend of the
    # tests routes it at once; a receipt a run missed is caught by the next run or the minute's.
    route_soon()
    return receipt, True


def route_soon() -> None:
    """Make sure a routing run is queued. With the database queue one run waiting to start is enough — it routes
    every receipt committed before it starts — so a burst of callbacks queues one task, not one per message."""
    from weibao.inbound.tasks import route_receipts
    from weibao.notifications.tasks import queue_is_in_the_database

    if queue_is_in_the_database():
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.ready().filter(task_path=route_receipts.module_path, queue_name=ROUTE_QUEUE)
        if waiting.exists():
            return
    route_receipts.enqueue()


ROUTE_QUEUE = "inbound"  # its own worker: routing never waits behind notices, notices never behind a burst
ROUTE_BATCH = 200

# Look-ups that cannot change within one batch of a few seconds (contacts by sender, entitlements by customer, site
# and day, the system account): remembered while `receipts_route_pending` runs, forgotten after.
_batch_cache: dict = {}
_batch_on: list[bool] = []
_batch_replies: list[int] = []  # deliveries of the batch's committed receipts, handed to one task at its end


def receipts_route_pending(*, limit: int = ROUTE_BATCH) -> dict[str, int]:
    """Route up to `limit` pending receipts in order of arrival; returns how many became what. A receipt another
    worker is routing (locked) or has routed is skipped."""
    from weibao.notifications.services import schedule_many

    ids = list(
        InboundReceipt.objects.filter(status=ReceiptStatus.PENDING).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    _batch_cache.clear()
    _batch_replies.clear()
    _batch_on.append(True)
    try:
        for pk in ids:
            status = receipt_route(receipt_id=pk)
            if status:
                counts[status] = counts.get(status, 0) + 1
    finally:
        _batch_on.clear()
        _batch_cache.clear()
        replies = list(_batch_replies)
        _batch_replies.clear()
        schedule_many(replies)
    return counts


def receipt_route(*, receipt_id: int) -> str:
    """Route one pending receipt in its own transaction; its new status, or "" when another worker has it or it
    is routed already. Never raises for a bad message: that one is marked `failed` with the error."""
    with transaction.atomic():
        # Locked until COMMIT: a second worker skips it instead of routing it again; the status check makes a
        # receipt routed a moment ago (the lock released) a no-op.
        row = (
            InboundReceipt.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account")
            .filter(pk=receipt_id, status=ReceiptStatus.PENDING)
            .first()
        )
        if row is None:
            return ""
        replies_before = len(_batch_replies)
        try:
            with transaction.atomic():  # a savepoint: a failure undoes the order, not the receipt's lock
                _route(row, _incoming_of(row))
                row.routed_at = timezone.now()
                _finish(row)
        except (OperationalError, InterfaceError):
            raise  # the database is unavailable: the receipt stays pending for the next run
        except Exception as exc:
            logger.exception("inbound receipt %s could not be routed", receipt_id)
            del _batch_replies[replies_before:]  # its reply was rolled back with it
            reason = _("Could not be routed: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:1000]}
            InboundReceipt.objects.filter(pk=receipt_id).update(
                status=ReceiptStatus.FAILED, reason=reason, routed_at=timezone.now(), updated_at=timezone.now()
            )
            return ReceiptStatus.FAILED
    return row.status


def _batch_cached(key: tuple, compute):
    """`compute()`, remembered under `key` while a batch runs (computed each time outside one)."""
    if not _batch_on:
        return compute()
    if key not in _batch_cache:
        _batch_cache[key] = compute()
    return _batch_cache[key]


def _system_user():
    from weibao.workorders.services import system_user

    return _batch_cached(("system_user",), system_user)


def _entitlement(*, customer, site, at):
    """contracts' entitlement_for of a report without a device: the same for every report of the customer's site on
    one day, so a batch asks once per (customer, site, day)."""
    from weibao.contracts.selectors import entitlement_for

    day = timezone.localtime(at).date()
    return _batch_cached(
        ("entitlement", customer.pk, site.pk, day), lambda: entitlement_for(customer=customer, at=at, site=site)
    )


def _incoming_of(receipt: InboundReceipt) -> Incoming:
    return Incoming(
        message_key=receipt.message_key,
        text=receipt.text,
        sender_id=receipt.sender_id,
        sender_name=receipt.sender_name,
        mobile=receipt.mobile,
        quoted_key=receipt.quoted_key,
    )


def receipt_retry(*, receipt: InboundReceipt, actor) -> InboundReceipt:
    """Staff route a failed message again (after the cause is fixed): it is pending again and routed now."""
    from weibao.accounts.permissions import require
    from weibao.core.exceptions import TransitionNotAllowed

    require(actor, "notifications.triage")
    with transaction.atomic():
        reset = InboundReceipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.FAILED).update(
            status=ReceiptStatus.PENDING, reason="", routed_at=None, handled_by=actor, updated_at=timezone.now()
        )
        if reset != 1:
            receipt.refresh_from_db()
            raise TransitionNotAllowed(current=receipt.get_status_display(), requested=str(ReceiptStatus.PENDING.label))
    receipt_route(receipt_id=receipt.pk)
    receipt.refresh_from_db()
    return receipt


def _route(receipt: InboundReceipt, incoming: Incoming) -> None:
    provider = receipt.account.provider
    contact, why_not = _batch_cached(
        ("contact", provider, incoming.sender_id, incoming.mobile),
        lambda: contact_for(provider=provider, sender_id=incoming.sender_id, mobile=incoming.mobile),
    )
    receipt.contact = contact
    if contact is not None:
        receipt.customer = contact.customer
    if provider == Provider.SMS and _sms_answer(receipt, incoming, contact):
        return
    if contact is None:
        receipt.status, receipt.reason = ReceiptStatus.TRIAGE, why_not
        _reply(receipt)
        return
    workorder, why_not = _named_order(receipt, incoming, contact)
    if workorder is not None:
        _comment(receipt, workorder)
    elif why_not:
        receipt.status, receipt.reason = ReceiptStatus.TRIAGE, why_not
    else:
        _open_order(receipt, contact)
    _reply(receipt)


def _finish(receipt: InboundReceipt) -> None:
    receipt.save(
        update_fields=["status", "reason", "contact", "customer", "workorder", "handled_by", "routed_at", "updated_at"]
    )


def contact_for(*, provider: str, sender_id: str, mobile: str):
    """The customer contact behind a message: by the IM user id stored on the contact, else by mobile number.
    Returns (contact, "") or (None, why) — an unknown or ambiguous sender goes to triage."""
    from weibao.customers.models import Contact

    contacts = []
    if sender_id and provider in CONTACT_ID_FIELD:
        contacts = list(
            Contact.objects.select_related("customer").filter(**{CONTACT_ID_FIELD[provider]: sender_id})[:5]
        )
    digits = phone_digits(mobile)
    if not contacts and len(digits) >= 7:
        # Stored numbers come in many shapes ("139-0049-7829", "+86 139…"): narrow by the last digits, compare whole.
        candidates = Contact.objects.select_related("customer", "site").filter(mobile__contains=digits[-4:])[:200]
        contacts = [c for c in candidates if phone_digits(c.mobile) == digits]
    if not contacts:
        return None, _("Unknown sender: no customer contact has this IM account or mobile number.")
    if len({c.customer_id for c in contacts}) > 1:
        return None, _("Several customers have a contact with this IM account or mobile number: pick the customer.")
    return contacts[0], ""


def _named_order(receipt: InboundReceipt, incoming: Incoming, contact):
    """The order the message replies to (a quoted earlier message) or names (WB-YYYY-NNNNNN), if it is the contact's
    customer's; (None, why) when it names another customer's order."""
    from weibao.notifications.mailparse import ORDER_NUMBER_RE
    from weibao.workorders.models import WorkOrder

    if incoming.quoted_key:
        earlier = (
            InboundReceipt.objects.filter(
                account=receipt.account, message_key=incoming.quoted_key, workorder__customer=contact.customer
            )
            .select_related("workorder")
            .first()
        )
        if earlier is not None:
            return earlier.workorder, ""
    for number in ORDER_NUMBER_RE.findall(incoming.text):
        workorder = WorkOrder.objects.filter(number=number).first()
        if workorder is None:
            continue
        if workorder.customer_id == contact.customer_id:
            return workorder, ""
        return None, _("The message names %(number)s, but the sender does not belong to that order's customer.") % {
            "number": number
        }
    return None, ""


def _channel_label(provider: str) -> str:
    return str(Provider(provider).label)


def _source_ref(receipt: InboundReceipt) -> str:
    return f"{receipt.account.provider}:{receipt.account_id}:{receipt.message_key}"[:200]


def _comment(receipt: InboundReceipt, workorder) -> None:
    from weibao.workorders.services import workorder_comment

    provider = receipt.account.provider
    sender = receipt.contact.name if receipt.contact else (receipt.sender_name or receipt.sender_id or receipt.mobile)
    body = _("Message from %(sender)s (%(channel)s):") % {"sender": sender, "channel": _channel_label(provider)}
    # From the customer's side: during observation it raises the "customer replied" flag for the desk (issue 23).
    workorder_comment(
        workorder=workorder,
        actor=_system_user(),
        body=f"{body}\n{receipt.text}",
        source_ref=_source_ref(receipt),
        from_customer=True,
        channel=provider,
        sender=sender,
    )
    receipt.status, receipt.workorder = ReceiptStatus.COMMENTED, workorder


def _open_order(receipt: InboundReceipt, contact, *, site=None, actor=None, customer=None) -> None:
    from weibao.contracts.choices import IntakeChannel
    from weibao.notifications.intake import site_for_report
    from weibao.workorders.services import workorder_create

    customer = customer or contact.customer
    if site is None and contact.site_id and contact.site.customer_id == customer.pk:
        site = contact.site  # the sender's own site (what site_for_report would pick first, without its queries)
    if site is None:
        site, sites = site_for_report(customer, text=receipt.text, contact_site_id=contact.site_id)
        if site is None:
            receipt.status = ReceiptStatus.TRIAGE
            receipt.reason = (
                _("The customer has no site yet.")
                if sites is None
                else _("The customer has %(count)d sites and the message names none of them: pick the site.")
                % {"count": sites}
            )
            return
    text = receipt.text.strip() or _("(empty message)")
    channel = IntakeChannel.SMS if receipt.account.provider == Provider.SMS else IntakeChannel.CHAT
    workorder = workorder_create(
        actor=actor or _system_user(),
        customer=customer,
        site=site,
        channel=channel,
        symptom=text,
        title=text.splitlines()[0][:200],
        reporter_name=(contact.name if contact else receipt.sender_name)[:100],
        reporter_phone=((contact.mobile or contact.phone) if contact else receipt.mobile)[:40],
        reporter_email=contact.email[:254] if contact else "",
        contact=contact,
        source_ref=_source_ref(receipt),
        reported_at=receipt.created_at,
        historic=True,  # a message out of triage keeps the time it arrived
        entitlement=_entitlement(customer=customer, site=site, at=receipt.created_at),
    )
    receipt.status, receipt.workorder, receipt.reason = ReceiptStatus.ORDER_CREATED, workorder, ""


# --- SMS answers: "reply 1 to confirm, 2 to refuse" -------------------------------------------------------------


def _sms_answer(receipt: InboundReceipt, incoming: Incoming, contact) -> bool:
    """A pending quote approval sent to this phone by SMS, then the observation question (resolution notice), take
    "1"/"2"; other text during observation is a reply to that order. True when the SMS was used up here."""
    from weibao.onsite.services import LinkRefused, approval_link_token, quote_answer_by_link
    from weibao.workorders.choices import CustomerAnswer
    from weibao.workorders.services.observation import SMS_ANSWERS, observation_sms_answer

    answer = SMS_ANSWERS.get(incoming.text.strip())
    name = contact.name if contact else incoming.mobile
    if answer is not None and (link := _pending_quote_link(incoming.mobile)) is not None:
        approve = answer == CustomerAnswer.FIXED
        receipt.workorder = link.quote.workorder
        try:
            quote_answer_by_link(
                token=approval_link_token(link),
                approve=approve,
                name=name[:100],
                reason="" if approve else _("Refused by SMS reply."),
            )
        except LinkRefused as exc:
            receipt.status, receipt.reason = ReceiptStatus.IGNORED, exc.message
            return True
        receipt.status = ReceiptStatus.ANSWERED
        receipt.reason = _("Quote approved by SMS.") if approve else _("Quote refused by SMS.")
        return True
    outcome = observation_sms_answer(phone=incoming.mobile, text=incoming.text)
    if outcome == "unknown":
        if answer is not None:
            receipt.status, receipt.reason = ReceiptStatus.TRIAGE, _("An answer (1/2) with no question open.")
            return True
        return False
    receipt.workorder = _observation_order(incoming.mobile)
    if outcome == "reply":
        receipt.status, receipt.reason = ReceiptStatus.COMMENTED, _("Reply during observation.")
    elif outcome == "used":
        receipt.status, receipt.reason = ReceiptStatus.IGNORED, _("The question was answered already.")
    else:
        receipt.status, receipt.reason = (
            ReceiptStatus.ANSWERED,
            _("Observation answered by SMS (%(answer)s).") % {"answer": CustomerAnswer(outcome).label},
        )
    return True


def _pending_quote_link(mobile: str):
    """The newest unused, unexpired SMS approval link for this phone whose quote still waits."""
    from weibao.onsite.choices import LinkChannel, QuoteStatus
    from weibao.onsite.models import ApprovalLink

    digits = phone_digits(mobile)
    if len(digits) < 7:
        return None
    candidates = (
        ApprovalLink.objects.filter(
            channel=LinkChannel.SMS,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            quote__status=QuoteStatus.PENDING,
            sent_to__contains=digits[-4:],
        )
        .select_related("quote__workorder")
        .order_by("-pk")[:20]
    )
    return next((link for link in candidates if phone_digits(link.sent_to) == digits), None)


def _observation_order(mobile: str):
    from weibao.core.models import ActionLink
    from weibao.workorders.models import WorkOrder
    from weibao.workorders.services.observation import LINK_PURPOSE

    digits = phone_digits(mobile)
    links = ActionLink.objects.filter(purpose=LINK_PURPOSE, channel="sms", recipient__endswith=digits[-8:])
    link = next((lk for lk in links.order_by("-pk")[:20] if phone_digits(lk.recipient) == digits), None)
    return WorkOrder.objects.filter(pk=link.target_id).first() if link else None


# --- the answer to the sender, through the same channel -----------------------------------------------------------


def _reply(receipt: InboundReceipt) -> None:
    """IM senders hear back in the same conversation (an outbox delivery, sent after commit with retries). SMS
    senders get the usual "received" SMS notice of a new order (notifications), nothing else."""
    from weibao.notifications.choices import Notice
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import schedule

    provider = receipt.account.provider
    if provider not in IM_PROVIDERS or not receipt.sender_id:
        return
    if provider == Provider.DINGTALK and not receipt.data.get("session_webhook"):
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"inbound/reply/{receipt.status}.txt", {"receipt": receipt}).strip()
    now = timezone.now()
    workorder = receipt.workorder
    delivery = Delivery.objects.create(
        notice=Notice.RECEIVED,
        channel=provider,
        recipient=f"{provider}:{receipt.sender_id}"[:320],
        workorder=workorder,
        severity=workorder.severity if workorder else "",
        subject=text[:200],
        body_text=text,
        payload={
            "app": receipt.account_id,
            "to": receipt.sender_id,
            "session_webhook": receipt.data.get("session_webhook", ""),
        },
        next_try_at=now,
        queued_at=now,
    )
    if _batch_on:
        # One `deliver_many` for the batch's replies (receipts_route_pending), as the mail intake does per chunk.
        # A batch that dies before queuing them leaves rows the every-minute sweep re-queues.
        _batch_replies.append(delivery.pk)
    else:
        schedule(delivery, now=now)


# --- triage -------------------------------------------------------------------------------------------------------


@transaction.atomic
def receipt_assign(*, receipt: InboundReceipt, actor, customer, site) -> InboundReceipt:
    """Staff decide whose a triaged message is: it becomes a work order of `customer` at `site` (the sender's contact
    of that customer, when there is one, is the reporter)."""
    from django.core.exceptions import ValidationError

    from weibao.accounts.permissions import require
    from weibao.core.exceptions import TransitionNotAllowed

    require(actor, "notifications.triage")
    row = InboundReceipt.objects.select_for_update().select_related("account").get(pk=receipt.pk)
    if row.status != ReceiptStatus.TRIAGE:
        raise TransitionNotAllowed(current=row.get_status_display(), requested=str(ReceiptStatus.ORDER_CREATED.label))
    if site.customer_id != customer.pk:
        raise ValidationError({"site": _("This site does not belong to the customer.")})
    contact = row.contact if row.contact and row.contact.customer_id == customer.pk else None
    row.contact, row.customer, row.handled_by = contact, customer, actor
    _open_order(row, contact, site=site, actor=actor, customer=customer)
    _finish(row)
    return row


@transaction.atomic
def receipt_ignore(*, receipt: InboundReceipt, actor, note: str = "") -> InboundReceipt:
    """Staff set a triaged message aside (spam, a wrong number); it stays on record."""
    from weibao.accounts.permissions import require
    from weibao.core.exceptions import TransitionNotAllowed

    require(actor, "notifications.triage")
    row = InboundReceipt.objects.select_for_update().get(pk=receipt.pk)
    if row.status != ReceiptStatus.TRIAGE:
        raise TransitionNotAllowed(current=row.get_status_display(), requested=str(ReceiptStatus.IGNORED.label))
    row.status, row.handled_by = ReceiptStatus.IGNORED, actor
    row.reason = note or _("Set aside by %(user)s.") % {"user": actor}
    _finish(row)
    return row
