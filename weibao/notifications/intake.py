"""Email intake (SPEC §4.1): every mail in a support mailbox is registered — a new work order, a comment on the
order it answers, the triage list when we cannot tell whose it is, or quarantine when it cannot be read.

Exactly once: a mail is stored once per (mailbox, UIDVALIDITY, UID) and handled once per Message-ID (unique
constraints); handling claims the row with a conditional update inside the transaction that also writes the order
or comment, so a worker killed half-way leaves the row `received` and no order behind, and two workers never both
handle it. The raw source is always kept.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.contracts.choices import IntakeChannel
from weibao.notifications import conf
from weibao.notifications.choices import InboundStatus
from weibao.notifications.imap import IMAP_ERRORS, ImapError, ImapSession
from weibao.notifications.mailparse import (
    MalformedMail,
    ParsedMail,
    dedupe_key,
    header_message_id,
    out_of_office_subject,
    parse_mail,
)
from weibao.notifications.models import Delivery, InboundMessage, Mailbox

logger = logging.getLogger(__name__)

# Words that may be a device serial number in a mail (letters, digits, dashes; at least 5 long).
SERIAL_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/]{4,60}")

# Automatic mail (RFC 3834 Auto-Submitted, auto-reply headers, bulk/list precedence, out-of-office subjects) never
# opens, reopens or comments on an order and is never answered: it is recorded, linked to the order it answers.
# Only a mailbox's declared alarm senders (monitoring systems: `Mailbox.alarm_senders`) report faults by machine mail.


@dataclass
class PollResult:
    stored: int = 0
    processed: int = 0
    error: str = ""
    statuses: dict[str, int] = field(default_factory=dict)


# --- polling ------------------------------------------------------------------------------------------------------


def mailbox_poll(*, mailbox: Mailbox, workers: int | None = None) -> PollResult:
    """Fetch new mail of one mailbox, store it, then handle every stored mail still waiting (also those left by
    a crashed run). Connection trouble is recorded on the mailbox (shown to staff) and retried by the next run.

    `workers` (default WEIBAO_MAIL_WORKERS) > 1 handles a large backlog in that many forked processes; the claims in
    inbound_process keep them from handling the same mail twice."""
    _run_caches_on.append(True)
    try:
        return _poll(mailbox, workers)
    finally:
        _run_caches_on.clear()
        # The caches live for one run only: customers' addresses and sites change between runs.
        _customer_cache.clear()
        _site_cache.clear()
        _system_user_cache.clear()


def _poll(mailbox: Mailbox, workers: int | None) -> PollResult:
    result = PollResult()
    try:
        _fetch_new(mailbox, result)
    except (*IMAP_ERRORS, ImapError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_error=result.error[:2000], failures=F("failures") + 1, last_polled_at=timezone.now()
        )
        logger.warning("mailbox %s unreachable: %s", mailbox, result.error)
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error="", failures=0, last_polled_at=timezone.now())
    pending = list(
        InboundMessage.objects.filter(mailbox=mailbox, status=InboundStatus.RECEIVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    workers = conf.get("WEIBAO_MAIL_WORKERS") if workers is None else workers
    if workers > 1 and len(pending) > workers and _can_fork():
        _process_forked(pending, workers)
        for status in InboundMessage.objects.filter(pk__in=pending).values_list("status", flat=True):
            result.processed += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
        return result
    for statuses in _chunks_processed(pending):
        for status in statuses.values():
            if status:
                result.processed += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
    # A reply that came before the mail it answers waited; that mail is handled now, so the reply can follow.
    waiting = list(
        InboundMessage.objects.filter(pk__in=pending, status=InboundStatus.RECEIVED).values_list("pk", flat=True)
    )
    for statuses in _chunks_processed(waiting):
        for status in statuses.values():
            if status:
                result.processed += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
    return result


def _chunks_processed(pending: list[int]):
    size = conf.get("WEIBAO_MAIL_CHUNK")
    for start in range(0, len(pending), size):
        yield inbound_process_many(pending[start : start + size])


def _can_fork() -> bool:
    from django.db import connection

    # Children need their own connection to the same database: impossible with an in-memory SQLite database,
    # and inside a transaction they would not see its rows.
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    return hasattr(os, "fork") and not in_memory and not connection.in_atomic_block


def _process_forked(pending: list[int], workers: int) -> None:
    from django.db import connections

    connections.close_all()  # never share a database socket with the children
    children = []
    for index in range(workers):
        pid = os.fork()
        if pid == 0:  # child: every n-th mail, then leave without running the parent's exit handlers
            code = 0
            try:
                for _statuses in _chunks_processed(pending[index::workers]):
                    pass
            except BaseException:
                logger.exception("mail worker %s stopped", index)
                code = 1
            finally:
                connections.close_all()
                os._exit(code)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    # Mails a child left `received` (it died, or they answer a mail the other child had not handled yet): in order.
    left = InboundMessage.objects.filter(pk__in=pending, status=InboundStatus.RECEIVED).order_by("pk")
    for _statuses in _chunks_processed(list(left.values_list("pk", flat=True))):
        pass


def _fetch_new(mailbox: Mailbox, result: PollResult) -> None:
    """Store new mail batch by batch into `result.stored` (so a connection lost in batch 3 still counts batches 1
    and 2); once a batch is committed its mail is marked read on the server and moved to the processed folder."""
    batch_size = conf.get("WEIBAO_MAIL_FETCH_BATCH")
    with ImapSession(mailbox) as session:
        uidvalidity = session.select(mailbox.folder, readonly=False)
        mailbox.refresh_from_db(fields=["uidvalidity", "last_uid"])
        if mailbox.uidvalidity != uidvalidity:
            # The server renumbered the folder: read it all again; Message-IDs keep us from handling mail twice.
            Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        uids = session.uids_after(mailbox.last_uid)
        for start in range(0, len(uids), batch_size):
            batch = uids[start : start + batch_size]
            # One query for the UIDs of this batch already stored (a re-read after a crash), not one per mail.
            known = set(
                InboundMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid__in=batch).values_list(
                    "uid", flat=True
                )
            )
            fetched = list(session.fetch([u for u in batch if u not in known]))
            # The batch's rows and the new position commit together (one commit per batch, not per mail).
            with transaction.atomic():
                stored = inbound_store_batch(mailbox=mailbox, uidvalidity=uidvalidity, fetched=fetched)
                # Only ever forward: a slower concurrent poller must not move the position back.
                Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=batch[-1]).update(last_uid=batch[-1])
            result.stored += stored
            # Stored (or stored before a crash): tidy the server's copy. A failure here loses nothing — the mail
            # stays where it is and our position has moved past it.
            session.mark_processed(batch, mailbox.processed_folder)


def inbound_store_batch(*, mailbox: Mailbox, uidvalidity: int, fetched: list[tuple[int, bytes]]) -> int:
    """Keep a fetched batch of new UIDs with one query for known Message-IDs and one insert; a mail repeated inside
    the batch, or a race with another poller (unique constraints), falls back to `inbound_store` one by one."""
    prepared = [(uid, raw, header_message_id(raw)) for uid, raw in fetched]
    prepared = [(uid, raw, mid, dedupe_key(mid, raw)) for uid, raw, mid in prepared]
    originals = dict(
        InboundMessage.objects.filter(dedupe_key__in={p[3] for p in prepared})
        .exclude(status=InboundStatus.DUPLICATE)
        .values_list("dedupe_key", "pk")
    )
    rows, later, seen = [], [], set()
    for uid, raw, message_id, key in prepared:
        if key in seen:
            later.append((uid, raw))  # a copy of a mail earlier in this batch: stored after it, as its duplicate
            continue
        seen.add(key)
        row = InboundMessage(
            mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, message_id=message_id, dedupe_key=key, size=len(raw)
        )
        if key in originals:
            row.status, row.duplicate_of_id = InboundStatus.DUPLICATE, originals[key]
            row.reason = _("Same mail as #%(pk)s.") % {"pk": originals[key]}
        row.raw.save(f"{mailbox.pk}-{uidvalidity}-{uid}.eml", ContentFile(raw), save=False)
        rows.append(row)
    try:
        with transaction.atomic():
            InboundMessage.objects.bulk_create(rows)
        stored = len(rows)
    except IntegrityError:
        for row in rows:
            row.raw.delete(save=False)
        later = [(uid, raw) for uid, raw, _m, _k in prepared]
        stored = 0
    for uid, raw in later:
        if inbound_store(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw):
            stored += 1
    return stored


def inbound_store(
    *, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, checked: bool = False
) -> InboundMessage | None:
    """Keep one fetched mail (raw source to storage, a `received` row); None if this UID was stored before.
    `checked`: the caller already knows the UID is new (the unique constraint still guards a race)."""
    if not checked and InboundMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).exists():
        return None
    message_id = header_message_id(raw)
    key = dedupe_key(message_id, raw)
    row = InboundMessage(
        mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, message_id=message_id, dedupe_key=key, size=len(raw)
    )
    original = InboundMessage.objects.filter(dedupe_key=key).exclude(status=InboundStatus.DUPLICATE).first()
    if original is not None:
        row.status, row.duplicate_of, row.reason = (
            InboundStatus.DUPLICATE,
            original,
            _("Same mail as #%(pk)s.") % {"pk": original.pk},
        )
    row.raw.save(f"{mailbox.pk}-{uidvalidity}-{uid}.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Another poller stored the same UID or Message-ID a moment ago.
        row.raw.delete(save=False)
        if InboundMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).exists():
            return None
        original = InboundMessage.objects.filter(dedupe_key=key).exclude(status=InboundStatus.DUPLICATE).first()
        row.pk, row.status, row.duplicate_of = None, InboundStatus.DUPLICATE, original
        row.raw.save(f"{mailbox.pk}-{uidvalidity}-{uid}.eml", ContentFile(raw), save=False)
        row.save()
    return row


# --- handling one mail --------------------------------------------------------------------------------------------


class _Deferred(Exception):
    """The mail answers a mail that is not handled yet (parallel workers): leave it for later, in order."""


def inbound_process(*, inbound_id: int) -> str:
    """Handle one stored mail; returns its new status ('' if another worker had it, it was done already, or it
    waits for the mail it answers). Never raises for a bad mail: that is quarantined with the reason."""
    return inbound_process_many([inbound_id]).get(inbound_id, "")


def inbound_process_many(ids: list[int]) -> dict[int, str]:
    """Handle several stored mails in one transaction (one commit instead of one per mail), each in its own
    savepoint. The claim — flipping processed_at on a `received` row — commits together with the orders and
    comments, so a worker killed half-way leaves every mail of the chunk `received` and no order behind."""
    from weibao.notifications.services import schedule_many

    results: dict[int, str] = {}
    with transaction.atomic():
        _replies_of_chunk.clear()
        for pk in ids:
            results[pk] = _process_one(pk)
        schedule_many(_replies_of_chunk)
        _replies_of_chunk.clear()
    return results


def _process_one(inbound_id: int) -> str:
    try:
        with transaction.atomic():
            claimed = InboundMessage.objects.filter(
                pk=inbound_id, status=InboundStatus.RECEIVED, processed_at__isnull=True
            ).update(processed_at=timezone.now())
            if claimed != 1:
                return ""
            row = InboundMessage.objects.get(pk=inbound_id)
            return _handle(row)
    except _Deferred:
        return ""
    except (OperationalError, InterfaceError):
        raise  # the database is unavailable: leave the mails `received` for the next run
    except Exception as exc:
        logger.exception("inbound mail %s could not be handled", inbound_id)
        reason = _("Could not be handled: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:1000]}
        InboundMessage.objects.filter(pk=inbound_id, status=InboundStatus.RECEIVED).update(
            status=InboundStatus.QUARANTINED, reason=reason, processed_at=timezone.now()
        )
        return InboundStatus.QUARANTINED


def _read_raw(row: InboundMessage) -> bytes:
    with row.raw.open("rb") as fh:
        return fh.read()


def _handle(row: InboundMessage) -> str:
    raw = _read_raw(row)
    max_bytes = conf.get("WEIBAO_MAIL_MAX_MB") * 1024 * 1024
    if len(raw) > max_bytes:
        return _finish(
            row, InboundStatus.QUARANTINED, _("Larger than %(mb)s MB.") % {"mb": conf.get("WEIBAO_MAIL_MAX_MB")}
        )
    try:
        mail = parse_mail(raw)
    except MalformedMail as exc:
        return _finish(row, InboundStatus.QUARANTINED, _("Unreadable mail: %(reason)s") % {"reason": str(exc)})
    row.from_address, row.from_name = mail.from_address, mail.from_name
    row.subject, row.sent_at = mail.subject, mail.sent_at
    row.body_text = mail.text[:100_000]

    if mail.bounce_of is not None:
        return _bounced(row, mail)
    if _is_our_own(mail):
        return _finish(row, InboundStatus.IGNORED, _("Our own notice came back (mail loop avoided)."))
    damaged = _("Damaged mail (%(why)s): what could be read was kept; see the original.") % {"why": mail.damaged}
    note = damaged if mail.damaged else ""
    workorder, why_not = _answered_order(mail)
    automatic = (mail.automated or out_of_office_subject(mail.subject)) and not _alarm_sender(row, mail)
    if automatic:
        why = mail.automated or mail.subject[:80]
        return _finish(
            row,
            InboundStatus.IGNORED,
            _("Automatic mail (%(why)s): not answered, no order opened or changed.") % {"why": why},
            workorder=workorder,
        )
    if workorder is not None:
        _comment(row, mail, workorder, note=note)
        return _finish(row, InboundStatus.COMMENTED, note, workorder=workorder)
    if why_not:
        return _finish(row, InboundStatus.TRIAGE, why_not)
    if not mail.from_address:
        return _finish(row, InboundStatus.TRIAGE, _("The mail has no sender address."))

    customer = _customer_for(mail.from_address)
    if customer is None:
        return _finish(row, InboundStatus.TRIAGE, _("Unknown sender: no customer has this address or domain."))
    row.customer = customer
    site, why_not = _site_for(customer, mail)
    if site is None:
        return _finish(row, InboundStatus.TRIAGE, why_not)
    workorder = open_order_from_mail(row=row, mail=mail, customer=customer, site=site, actor=None, note=note)
    return _finish(row, InboundStatus.ORDER_CREATED, note, workorder=workorder)


def _alarm_sender(row: InboundMessage, mail: ParsedMail) -> bool:
    """The sender is a monitoring system declared on the mailbox: its machine mail is a fault report."""
    senders = row.mailbox.alarm_sender_list
    address = mail.from_address
    return bool(address) and (address in senders or "@" + address.rsplit("@", 1)[-1] in senders)


def _bounced(row: InboundMessage, mail: ParsedMail) -> str:
    """A delivery report for one of our notices: the notice is marked failed, the order gets an internal note for
    the desk, and nothing is answered. A bounce we cannot place is recorded for the triage list."""
    from weibao.notifications.choices import DeliveryStatus
    from weibao.workorders.services import workorder_comment

    delivery = (
        Delivery.objects.filter(message_id__in=mail.bounce_of).select_related("workorder").order_by("-pk").first()
        if mail.bounce_of
        else None
    )
    if delivery is None:
        return _finish(row, InboundStatus.BOUNCED, _("Delivery report for a mail we cannot find; nothing answered."))
    reason = (mail.reply_text or mail.subject)[:500]
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, reason=(_("Bounced: %(reason)s") % {"reason": reason})[:1000]
    )
    workorder = delivery.workorder
    if workorder is not None:
        body = _(
            "A notice to %(recipient)s could not be delivered (bounce, received mail #%(pk)s). Check the "
            "address and tell the customer another way."
        ) % {"recipient": delivery.recipient, "pk": row.pk}
        workorder_comment(
            workorder=workorder, actor=_system_user(), body=body + "\n" + reason, internal=True, reopen=False
        )
    return _finish(
        row,
        InboundStatus.BOUNCED,
        _("Delivery report: the notice to %(recipient)s bounced.") % {"recipient": delivery.recipient},
        workorder=workorder,
    )


# Remembered for one poll run (a mailbox full of mail from a few customers): sender address → customer,
# customer → the site new orders go to, and the system account.
_customer_cache: dict[str, object] = {}
_site_cache: dict[int, object] = {}
_system_user_cache: list = []
_run_caches_on: list = []
_replies_of_chunk: list[
    int
] = []  # auto-replies created in the current chunk (sent by one task after commit)  # non-empty while a poll runs: outside one, nothing is remembered


def _system_user():
    from weibao.workorders.services import system_user

    if not _run_caches_on:
        return system_user()
    if not _system_user_cache:
        _system_user_cache.append(system_user())
    return _system_user_cache[0]


def _customer_sites(customer) -> list[tuple[int, str]]:
    """(pk, name) of the customer's sites, remembered for the poll run."""
    if _run_caches_on and customer.pk in _site_cache:
        return _site_cache[customer.pk]
    sites = list(customer.sites.order_by("pk").values_list("pk", "name"))
    if _run_caches_on:
        _site_cache[customer.pk] = sites
    return sites


def _site_for(customer, mail: ParsedMail):
    """The site a mailed report is about (see `site_for_report`), the sender contact found by address."""
    from weibao.customers.models import Contact

    contact_site = None
    if mail.from_address and len(_customer_sites(customer)) > 1:
        contact_site = (
            Contact.objects.filter(customer=customer, email__iexact=mail.from_address, site__isnull=False)
            .values_list("site_id", flat=True)
            .first()
        )
    site, found = site_for_report(customer, text=f"{mail.subject}\n{mail.text[:20_000]}", contact_site_id=contact_site)
    if site is None and found is not None:
        return None, _(
            "The customer has %(count)d sites and the mail names none of them (no contact site, device "
            "serial number or site name): pick the site."
        ) % {"count": found}
    if site is None:
        return None, _("The customer has no site yet.")
    return site, ""


def site_for_report(customer, *, text: str, contact_site_id: int | None = None):
    """The site a written report (mail, IM, SMS) is about: the customer's only site; the sender contact's site; the
    site of a device whose serial number the text names; a site the text names. Never "the first site" of several.
    Returns (site, None), or (None, number of sites) when it cannot tell — the caller sends it to triage."""
    from weibao.assets.models import Device
    from weibao.customers.models import Site

    sites = _customer_sites(customer)
    if not sites:
        return None, None
    if len(sites) == 1:
        return Site.objects.get(pk=sites[0][0]), None
    if contact_site_id and any(pk == contact_site_id for pk, _name in sites):
        return Site.objects.get(pk=contact_site_id), None
    tokens = {t for t in SERIAL_TOKEN_RE.findall(text) if any(c.isdigit() for c in t)}
    if tokens:
        site_ids = set(
            Device.objects.filter(site__customer=customer, serial_number__in=list(tokens)[:200]).values_list(
                "site_id", flat=True
            )
        )
        if len(site_ids) == 1:
            return Site.objects.get(pk=site_ids.pop()), None
    named = {pk for pk, name in sites if len(name) >= 2 and name in text}
    if len(named) > 1:  # "一号楼" inside "一号楼机房": keep only the longest names
        longest = max(len(name) for pk, name in sites if pk in named)
        named = {pk for pk, name in sites if pk in named and len(name) == longest}
    if len(named) == 1:
        return Site.objects.get(pk=named.pop()), None
    return None, len(sites)


def _customer_for(address: str):
    """customers.selectors.customer_for_email, remembered: an address that is no contact's resolves by its domain
    alone, so one lookup per domain serves every such sender of the run."""
    from weibao.customers.models import Contact
    from weibao.customers.selectors import customer_for_email

    if not _run_caches_on:
        return customer_for_email(address)
    if "contacts" not in _customer_cache:
        emails = Contact.objects.exclude(email="").values_list("email", flat=True)
        _customer_cache["contacts"] = {e.lower() for e in emails}
    key = address if address in _customer_cache["contacts"] else "@" + address.rsplit("@", 1)[-1]
    if key not in _customer_cache:
        _customer_cache[key] = customer_for_email(address)
    return _customer_cache[key]


def _finish(row: InboundMessage, status: str, reason: str, workorder=None) -> str:
    row.status, row.reason = status, reason
    if workorder is not None:
        row.workorder = workorder
    row.save(
        update_fields=[
            "status",
            "reason",
            "workorder",
            "customer",
            "from_address",
            "from_name",
            "subject",
            "sent_at",
            "body_text",
            "handled_by",
            "updated_at",
        ]
    )
    return status


def _is_our_own(mail: ParsedMail) -> bool:
    """A notice we sent that reached our own support mailbox (copied to it, or bounced back whole)."""
    from email.utils import parseaddr

    from django.conf import settings

    ours = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    if ours and mail.from_address == ours:
        return True
    # Only our own Message-IDs can be ours: no query for the customers' mail.
    if not mail.message_id.endswith(f"@{conf.mail_domain()}>"):
        return False
    return Delivery.objects.filter(message_id=mail.message_id).exists()


def _answered_order(mail: ParsedMail):
    """The order this mail answers, and if an order number was found but may not be used, why (for triage)."""
    from weibao.workorders.models import WorkOrder

    refs = [r for r in [*mail.in_reply_to, *mail.references] if r]
    # Wait only for mails nobody has claimed yet: the mail being handled is claimed (processed_at set), so one that
    # names its own Message-ID in In-Reply-To/References (some clients do) is not deferred forever by itself.
    waiting = InboundMessage.objects.filter(
        message_id__in=refs, status=InboundStatus.RECEIVED, processed_at__isnull=True
    )
    if refs and waiting.exists():
        raise _Deferred
    if refs:
        delivery = Delivery.objects.filter(message_id__in=refs, workorder__isnull=False).order_by("-pk").first()
        if delivery is not None:
            return delivery.workorder, ""
        earlier = InboundMessage.objects.filter(message_id__in=refs, workorder__isnull=False).order_by("-pk").first()
        if earlier is not None:
            return earlier.workorder, ""
    for number in mail.order_numbers:
        workorder = WorkOrder.objects.filter(number=number).select_related("customer").first()
        if workorder is None:
            continue
        if _sender_may_write(mail.from_address, workorder):
            return workorder, ""
        return None, _("The subject names %(number)s, but the sender does not belong to that order's customer.") % {
            "number": number
        }
    return None, ""


def _sender_may_write(address: str, workorder) -> bool:
    """The order's customer side (see `_from_customer_side`) or our own staff."""
    if not address:
        return False
    from weibao.accounts.models import User

    return _from_customer_side(address, workorder) or (
        User.objects.filter(email__iexact=address, is_active=True, organisation__kind="own").exists()
    )


def _sender_user(address: str, workorder=None):
    """The sender's own account when the address is unambiguous (their comment is then theirs), else None."""
    from weibao.accounts.models import User

    users = list(User.objects.filter(email__iexact=address, is_active=True)[:2]) if address else []
    if len(users) != 1:
        return None
    user = users[0]
    if workorder is not None and user.is_customer and user.organisation_id != workorder.organisation_id:
        return None
    if user.is_vendor:
        return None
    return user


def _uploads(mail: ParsedMail) -> tuple[list[SimpleUploadedFile], list[str]]:
    """Attachments the work-order rules accept, and the names (with the reason) of those they refuse; refused files
    stay in the raw source of the mail."""
    from weibao.assets.uploads import check_upload

    accepted, refused = [], []
    for attachment in mail.attachments:
        upload = SimpleUploadedFile(attachment.filename, attachment.data, attachment.content_type)
        try:
            check_upload(upload)
        except ValidationError as exc:
            refused.append(f"{attachment.filename}: {' '.join(exc.messages)}")
            continue
        upload.seek(0)
        accepted.append(upload)
    return accepted, refused


def _source_ref(row: InboundMessage) -> str:
    return f"email:{row.message_id or row.dedupe_key}"[:200]


def _note_refused(workorder, row: InboundMessage, refused: list[str]) -> None:
    from weibao.workorders.services import workorder_comment

    if refused:
        body = _("Attachments not stored (kept in the original mail, received mail #%(pk)s):") % {"pk": row.pk}
        workorder_comment(
            workorder=workorder,
            actor=_system_user(),
            body=body + "\n" + "\n".join(refused),
            internal=True,
            reopen=False,
        )


def _note_damaged(workorder, note: str) -> None:
    from weibao.workorders.services import workorder_comment

    if note:
        workorder_comment(workorder=workorder, actor=_system_user(), body=note, internal=True, reopen=False)


def _comment(row: InboundMessage, mail: ParsedMail, workorder, *, note: str = "") -> None:
    from weibao.workorders.services import workorder_comment

    accepted, refused = _uploads(mail)
    user = _sender_user(mail.from_address, workorder)
    body = mail.reply_text
    if user is None:
        sender = f"{mail.from_name} <{mail.from_address}>" if mail.from_name else mail.from_address
        body = _("Email from %(sender)s:") % {"sender": sender} + "\n" + body
    # A reply from the customer's side during observation (the reporter's address, a contact or a domain of the
    # order's customer, with or without a login) never reopens by itself: it raises the flag for the desk (issue
    # 23). Machine mail (bulk, lists, other automation) is kept as a comment but raises nothing.
    workorder_comment(
        workorder=workorder,
        actor=user or _system_user(),
        body=body or mail.subject,
        attachments=accepted,
        source_ref=_source_ref(row),
        from_customer=user is None and _from_customer_side(mail.from_address, workorder),
        automated=bool(mail.automated),
        channel="email",
        sender=mail.from_address,
    )
    _note_refused(workorder, row, refused)
    _note_damaged(workorder, note)


def _from_customer_side(address: str, workorder) -> bool:
    if not address:
        return False
    if address == (workorder.reporter_email or "").lower():
        return True
    customer = _customer_for(address)
    return customer is not None and customer.pk == workorder.customer_id


def open_order_from_mail(*, row: InboundMessage, mail: ParsedMail, customer, site, actor=None, note: str = ""):
    """A new work order (channel email) from this mail, with its attachments, and the automatic reply that tells the
    sender the order number — unless the mail was machine-made (no mail loops)."""
    from weibao.customers.models import Contact
    from weibao.workorders.services import workorder_create

    accepted, refused = _uploads(mail)
    contacts = _customer_cache.get("contacts") if _run_caches_on else None
    contact = (
        Contact.objects.filter(customer=customer, email__iexact=mail.from_address).first()
        if mail.from_address and (contacts is None or mail.from_address in contacts)
        else None
    )
    symptom = mail.text.strip() or mail.subject or _("(empty mail)")
    workorder = workorder_create(
        actor=actor or _system_user(),
        customer=customer,
        site=site,
        channel=IntakeChannel.EMAIL,
        symptom=symptom,
        title=(mail.subject or symptom.splitlines()[0])[:200],
        reporter_name=(mail.from_name or (contact.name if contact else ""))[:100],
        reporter_phone=(contact.mobile or contact.phone)[:40] if contact else "",
        reporter_email=mail.from_address[:254],
        contact=contact,
        attachments=accepted,
        source_ref=_source_ref(row),
        reported_at=row.created_at,
        historic=True,  # a mail handled late (a backlog, a mail out of triage) keeps the time it arrived
    )
    _note_refused(workorder, row, refused)
    _note_damaged(workorder, note)
    if mail.from_address and not mail.automated:
        from weibao.notifications.services import delivery_auto_reply

        reply = delivery_auto_reply(workorder=workorder, inbound=row, mail=mail, scheduled=not _run_caches_on)
        if _run_caches_on:  # during a poll the chunk sends its auto-replies in one task (see inbound_process_many)
            _replies_of_chunk.append(reply.pk)
    return workorder


# --- triage -------------------------------------------------------------------------------------------------------


@transaction.atomic
def inbound_assign(*, inbound: InboundMessage, actor, customer, site) -> InboundMessage:
    """Staff decide whose a triaged mail is: it becomes a work order of that customer (reported by them)."""
    from weibao.accounts.permissions import require
    from weibao.core.exceptions import TransitionNotAllowed

    require(actor, "notifications.triage")
    row = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
    if row.status != InboundStatus.TRIAGE:
        raise TransitionNotAllowed(current=row.get_status_display(), requested=str(InboundStatus.ORDER_CREATED.label))
    if site.customer_id != customer.pk:
        raise ValidationError({"site": _("This site does not belong to the customer.")})
    mail = parse_mail(_read_raw(row))
    workorder = open_order_from_mail(row=row, mail=mail, customer=customer, site=site, actor=actor)
    row.customer, row.handled_by = customer, actor
    _finish(row, InboundStatus.ORDER_CREATED, row.reason, workorder=workorder)
    return row


@transaction.atomic
def inbound_ignore(*, inbound: InboundMessage, actor, note: str = "") -> InboundMessage:
    """Staff set a triaged or quarantined mail aside (spam, newsletters); it stays on record."""
    from weibao.accounts.permissions import require
    from weibao.core.exceptions import TransitionNotAllowed

    require(actor, "notifications.triage")
    row = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
    if row.status not in (InboundStatus.TRIAGE, InboundStatus.QUARANTINED):
        raise TransitionNotAllowed(current=row.get_status_display(), requested=str(InboundStatus.IGNORED.label))
    row.handled_by = actor
    _finish(row, InboundStatus.IGNORED, (note or _("Set aside by %(user)s.") % {"user": actor}))
    return row


def inbound_reprocess(*, inbound: InboundMessage, actor) -> InboundMessage:
    """Staff handle a triaged or quarantined mail again after fixing the cause (a customer's email domain added, a
    contact created, a decoding fix deployed); it goes through the same rules as a new mail."""
    from weibao.accounts.permissions import require
    from weibao.core.exceptions import TransitionNotAllowed

    require(actor, "notifications.triage")
    with transaction.atomic():
        reset = InboundMessage.objects.filter(
            pk=inbound.pk, status__in=[InboundStatus.TRIAGE, InboundStatus.QUARANTINED]
        ).update(status=InboundStatus.RECEIVED, processed_at=None, reason="", handled_by=actor)
        if reset != 1:
            inbound.refresh_from_db()
            raise TransitionNotAllowed(
                current=inbound.get_status_display(), requested=str(InboundStatus.RECEIVED.label)
            )
    inbound_process(inbound_id=inbound.pk)
    inbound.refresh_from_db()
    return inbound
