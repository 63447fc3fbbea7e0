"""Inbound enterprise IM and SMS (SPEC §4.1: requests arrive by SMS, QQ/WeChat…): every message is stored once per
provider message id and routed like a mail — a known contact opens an order or comments on the one it names, an
unknown sender goes to triage — and the sender hears back through the same channel.

Two steps, like the mail intake (notifications.intake stores raw mail, then handles it in chunks): the callback only
checks, decrypts and stores the receipt `pending` (unique per account and message id, so a second delivery of the
same message — the providers retry until they get a 200 within a few seconds — finds it and adds nothing) and answers
at once; the routing task (tasks.route_receipts, queue "inbound") routes pending receipts in order of arrival, a
batch per transaction that also writes the batch's orders (through the batch intake) and comments: a worker killed
half-way leaves its batch `pending` and no order behind, two workers never route the same receipt (the batch's rows
are locked, skip locked, so a second worker takes the next ones), and a receipt whose routing raises or whose order
is refused is marked `failed` with the error while the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from weibao.core.phones import phone_digits
from weibao.inbound.choices import CONTACT_ID_FIELD, IM_PROVIDERS, Provider, ReceiptStatus
from weibao.inbound.crypto import CallbackRefused
from weibao.inbound.models import InboundAccount, InboundReceipt, InboundRejection

if TYPE_CHECKING:
    from weibao.notifications.models import Delivery

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

# What cannot change within one batch of a few seconds (contacts by sender, entitlements by customer, site and day,
# the system account, the batch's own receipts by message id): remembered while a batch runs, forgotten after.
_batch_cache: dict = {}
_batch_on: list[bool] = []


def receipts_route_pending(*, limit: int = ROUTE_BATCH) -> dict[str, int]:
    """Route up to `limit` pending receipts in order of arrival, in one transaction; returns how many became what.
    The batch is claimed by locking its rows (SKIP LOCKED): a second worker takes the next pending receipts, never
    these, so two workers drain different batches side by side."""
    rows: list[InboundReceipt] = []
    try:
        with transaction.atomic():
            rows = list(_claimable().order_by("pk")[:limit])
            return _route_batch(rows)
    except (OperationalError, InterfaceError):
        raise  # the database is unavailable: the batch stays pending for the next run
    except Exception:
        # Something outside the receipts' own savepoints (their answers, their rows) failed and took the batch with
        # it: the receipts one by one, so that the one at fault fails alone instead of stopping every later run.
        logger.exception("inbound batch %s…%s could not be routed; routing its receipts one by one", *_ends(rows))
    counts: dict[str, int] = {}
    for row in rows:
        if status := receipt_route(receipt_id=row.pk):
            counts[status] = counts.get(status, 0) + 1
    return counts


def _ends(rows: list[InboundReceipt]) -> tuple:
    return (rows[0].pk, rows[-1].pk) if rows else (None, None)


def receipt_route(*, receipt_id: int) -> str:
    """Route one pending receipt now (staff's retry, or a batch that failed as a whole); its new status, or "" when
    another worker has it or it is routed already."""
    try:
        with transaction.atomic():
            counts = _route_batch(list(_claimable().filter(pk=receipt_id)))
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        row = InboundReceipt(pk=receipt_id)
        _fail(row, exc, (None, None, None))
        now = timezone.now()
        failed = InboundReceipt.objects.filter(pk=receipt_id, status=ReceiptStatus.PENDING).update(
            status=row.status, reason=row.reason, routed_at=now, updated_at=now
        )
        return ReceiptStatus.FAILED if failed else ""
    return next(iter(counts), "")


def _claimable():
    # Locked until COMMIT: another worker skips these rows instead of routing them again. A row routed and committed
    # a moment ago is read again under the lock, and the status filter then leaves it out.
    return (
        InboundReceipt.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("account")
        .filter(status=ReceiptStatus.PENDING)
    )


def _route_batch(rows: list[InboundReceipt]) -> dict[str, int]:
    """Route claimed receipts, inside the transaction that claimed them. Each receipt is classified in a savepoint
    (SMS answers, comments and triage are written there); the batch's new orders are created together by the batch
    intake (workorders' `workorder_create_each`: one INSERT per table per hundred orders, one number range, one notice
    task); the answers to the senders go in with one INSERT and one delivery task, and the receipts with one UPDATE.
    A receipt that raises, or whose order the intake refuses, is marked `failed` with the error and takes nothing
    else with it. A database that goes away rolls the whole batch back: its receipts stay pending for the next run."""
    from weibao.notifications.models import Delivery
    from weibao.notifications.services import schedule_many

    if not rows:
        return {}
    _batch_cache.clear()
    _batch_on.append(True)
    try:
        _contacts_prefetch(rows)
        originals = {row.pk: (row.contact_id, row.customer_id, row.workorder_id) for row in rows}
        waiting: list[tuple[InboundReceipt, dict]] = []  # receipts whose orders are created together
        for row in rows:
            _batch_cache[("receipt", row.account_id, row.message_key)] = row
            if row.quoted_key and any(
                w.account_id == row.account_id and w.message_key == row.quoted_key for w, _report in waiting
            ):
                _orders_create(waiting, originals)  # it answers a message of this batch: that one's order first
                waiting = []
            try:
                with transaction.atomic():  # a savepoint: a failure undoes this receipt's comment or answer only
                    report = _route(row, _incoming_of(row))
            except (OperationalError, InterfaceError):
                raise  # the database is unavailable: the batch stays pending for the next run
            except Exception as exc:
                _fail(row, exc, originals[row.pk])
                continue
            if report is not None:
                waiting.append((row, report))
        _orders_create(waiting, originals)
        now = timezone.now()
        deliveries = []
        for row in rows:
            if row.status == ReceiptStatus.FAILED:
                continue
            try:
                delivery = _reply(row, now=now)
            except Exception:
                logger.exception("the answer to inbound receipt %s could not be written", row.pk)
                continue
            if delivery is not None:
                deliveries.append(delivery)
        # One task for the batch's answers; a batch that dies before queuing it leaves rows the every-minute sweep
        # queues again.
        schedule_many([d.pk for d in Delivery.objects.bulk_create(deliveries)])
        for row in rows:
            row.routed_at = row.updated_at = now
        _receipts_save(rows)
    finally:
        _batch_on.clear()
        _batch_cache.clear()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


_ROUTED_FIELDS = ["status", "reason", "contact", "customer", "workorder", "handled_by"]


def _receipts_save(rows: list[InboundReceipt]) -> None:
    """The routed receipts written by one UPDATE statement run for every row (executemany: with psycopg a single
    pipeline). The ORM's bulk_update builds a CASE per field and row, and compiling it cost more than routing."""
    fields = [InboundReceipt._meta.get_field(name) for name in (*_ROUTED_FIELDS, "routed_at", "updated_at")]
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    sql = f"UPDATE {qn(InboundReceipt._meta.db_table)} SET {assignments} WHERE {qn('id')} = %s"  # noqa: S608
    params = [[*(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields), row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _fail(row: InboundReceipt, exc: Exception, original: tuple) -> None:
    """Mark a receipt `failed` with the error (staff see it and retry it once the cause is fixed); whatever routing
    had set on it is undone."""
    logger.error("inbound receipt %s could not be routed", row.pk, exc_info=exc)
    row.contact_id, row.customer_id, row.workorder_id = original
    row.status = ReceiptStatus.FAILED
    row.reason = _("Could not be routed: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:1000]}


def _orders_create(waiting: list[tuple[InboundReceipt, dict]], originals: dict) -> None:
    """The orders of these receipts through the batch intake; a receipt whose report it refuses fails alone. An
    error not tied to one report (the intake is all or nothing per call) sends each report in alone, so that only
    the receipts that cannot go in fail."""
    from weibao.workorders.services import workorder_create_each

    if not waiting:
        return
    actor = _system_user()
    reports = [report for _row, report in waiting]
    try:
        results: list = workorder_create_each(actor=actor, reports=reports)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        results = []
        for report in reports:
            try:
                results.extend(workorder_create_each(actor=actor, reports=[report]))
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:
                results.append(exc)
    for (row, _report), result in zip(waiting, results, strict=True):
        if isinstance(result, Exception):
            _fail(row, result, originals[row.pk])
        else:
            row.status, row.workorder, row.reason = ReceiptStatus.ORDER_CREATED, result, ""


def _contacts_prefetch(rows: list[InboundReceipt]) -> None:
    """The contacts of the batch's IM senders with one query per provider (what `contact_for` finds by user id),
    remembered for the batch. A sender no contact has this user id, with a mobile number, is left to `contact_for`
    (the match by mobile)."""
    from weibao.customers.models import Contact

    senders: dict[str, set[str]] = {}
    for row in rows:
        if row.sender_id and row.account.provider in CONTACT_ID_FIELD:
            senders.setdefault(row.account.provider, set()).add(row.sender_id)
    for provider, ids in senders.items():
        field_name = CONTACT_ID_FIELD[provider]
        found: dict[str, list] = {}
        # In the model's order (primary contact first), as the query of one sender would return them.
        for c in Contact.objects.select_related("customer", "site").filter(**{f"{field_name}__in": ids}):
            found.setdefault(getattr(c, field_name), []).append(c)
        for row in rows:
            if row.account.provider != provider or not row.sender_id:
                continue
            contacts = found.get(row.sender_id, [])[:5]
            if contacts or len(phone_digits(row.mobile)) < 7:
                _batch_cache[("contact", provider, row.sender_id, row.mobile)] = _contact_choice(contacts)


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


def _route(receipt: InboundReceipt, incoming: Incoming) -> dict | None:
    """Decide what a receipt is and do it (SMS answer, comment, triage), or return the report of the new order it
    opens (the batch creates those together)."""
    provider = receipt.account.provider
    contact, why_not = _batch_cached(
        ("contact", provider, incoming.sender_id, incoming.mobile),
        lambda: contact_for(provider=provider, sender_id=incoming.sender_id, mobile=incoming.mobile),
    )
    receipt.contact = contact
    if contact is not None:
        receipt.customer = contact.customer
    if provider == Provider.SMS and _sms_answer(receipt, incoming, contact):
        return None
    if contact is None:
        receipt.status, receipt.reason = ReceiptStatus.TRIAGE, why_not
        return None
    workorder, why_not = _named_order(receipt, incoming, contact)
    if workorder is not None:
        _comment(receipt, workorder)
    elif why_not:
        receipt.status, receipt.reason = ReceiptStatus.TRIAGE, why_not
    else:
        return _order_report(receipt, contact)
    return None


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
    return _contact_choice(contacts)


def _contact_choice(contacts: list):
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
        # A message of the same batch, its order just created (not written to the receipt yet)?
        earlier = _batch_cache.get(("receipt", receipt.account_id, incoming.quoted_key)) if _batch_on else None
        if earlier is not None and earlier.workorder_id and earlier.workorder.customer_id == contact.customer_id:
            return earlier.workorder, ""
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
    """One order now (staff assigning a triaged message); routing creates a batch's orders together."""
    from weibao.workorders.services import workorder_create

    report = _order_report(receipt, contact, site=site, customer=customer)
    if report is None:
        return
    workorder = workorder_create(
        actor=actor or _system_user(),
        **report,
        entitlement=_entitlement(customer=report["customer"], site=report["site"], at=receipt.created_at),
    )
    receipt.status, receipt.workorder, receipt.reason = ReceiptStatus.ORDER_CREATED, workorder, ""


def _order_report(receipt: InboundReceipt, contact, *, site=None, customer=None) -> dict | None:
    """The new order a receipt opens, as `workorder_create`'s arguments; None when it goes to triage instead (the
    site cannot be told: status and reason are set)."""
    from weibao.contracts.choices import IntakeChannel
    from weibao.notifications.intake import site_for_report

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
            return None
    text = receipt.text.strip() or _("(empty message)")
    channel = IntakeChannel.SMS if receipt.account.provider == Provider.SMS else IntakeChannel.CHAT
    return dict(  # noqa: C408 - the keyword arguments of workorder_create
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
    )


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


def _reply(receipt: InboundReceipt, *, now) -> Delivery | None:
    """IM senders hear back in the same conversation: an outbox delivery (not saved yet; the batch writes its
    answers together and queues them as one task, sent after commit with retries). SMS senders get the usual
    "received" SMS notice of a new order (notifications), nothing else."""
    from weibao.notifications.choices import Notice
    from weibao.notifications.models import Delivery

    provider = receipt.account.provider
    if provider not in IM_PROVIDERS or not receipt.sender_id:
        return None
    if provider == Provider.DINGTALK and not receipt.data.get("session_webhook"):
        return None
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"inbound/reply/{receipt.status}.txt", {"receipt": receipt}).strip()
    workorder = receipt.workorder
    return Delivery(
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
