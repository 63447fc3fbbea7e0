"""Writes of the on-site visit (SPEC §4.4–4.5, issue 11). Every function is one transaction that validates all its
input before it writes anything, locks the order, checks `expected_version` (the work order's version), refuses
what the gates forbid and appends exactly one timeline event through the work-order step services."""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.accounts.permissions import require
from weibao.assets.choices import DeviceStatus
from weibao.assets.models import Device
from weibao.core.approvals import (
    MAX_MONEY,
    answer_store,
    answer_wanted,
    answerer_name,
    clean_tax_rate,
    line_amount,
    link_recipient,
    price_totals,
)
from weibao.core.exceptions import TransitionNotAllowed
from weibao.onsite import gates
from weibao.onsite.choices import (
    AnswerChannel,
    FormStatus,
    LabourBasis,
    LineKind,
    QuoteStatus,
    Satisfaction,
    SignerRole,
)
from weibao.onsite.models import (
    ApprovalLink,
    Backup,
    ChangeRecord,
    Quote,
    QuoteLine,
    Replacement,
    ServiceForm,
    Signature,
    SiteConfirmation,
    SparePart,
)
from weibao.workorders.choices import Cause, ChargeReason, EventKind, HumanCause, ServiceType, Status, WaitReason
from weibao.workorders.models import WorkOrder
from weibao.workorders.services.steps import (
    STEP_STATUSES,
    workorder_await_customer,
    workorder_check_version,
    workorder_end_wait,
    workorder_lock,
    workorder_record_step,
)

CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("99999999.99")
MAX_QUOTE_LINES = 100
LINK_SALT = "weibao.onsite.quote-link"


# --- small checks -------------------------------------------------------------------------------------------------


def _text(value: Any, field: str, *, required: bool = False, max_length: int | None = None) -> str:
    value = "" if value is None else str(value)
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a NUL character, which cannot be stored.")})
    if required and not value.strip():
        raise ValidationError({field: _("This field is required.")})
    if max_length is not None and len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters are allowed.") % {"n": max_length}})
    return value.strip() if max_length is not None else value


def _decimal(
    value: Any, field: str, *, minimum: Decimal, strictly: bool, maximum: Decimal, step: Decimal = CENT
) -> Decimal:
    """A money or quantity value as Decimal (floats through their text), or a field error."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationError({field: _("Enter a number.")})
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    if strictly and number <= minimum:
        raise ValidationError({field: _("Must be greater than %(n)s.") % {"n": minimum}})
    if not strictly and number < minimum:
        raise ValidationError({field: _("Must not be negative.")})
    if number > maximum:
        raise ValidationError({field: _("Must be at most %(n)s.") % {"n": maximum}})
    if number != number.quantize(step):
        raise ValidationError({field: _("Too many decimal places.")})
    return number.quantize(step)


def _choice(value: Any, field: str, choices, *, blank: bool = False) -> str:
    value = "" if value is None else str(value)
    if (blank and value == "") or value in choices.values:
        return value
    raise ValidationError({field: _("Unknown value “%(v)s”.") % {"v": value[:40]}})


def _signature_bytes(value: Any, field: str) -> bytes:
    """The PNG of a signature (a `data:` URL from the pad or raw bytes), checked for enough ink; else a field error."""
    from weibao.onsite.signatures import check_signature_png, signature_from_data_url

    try:
        if isinstance(value, bytes | bytearray):
            if not value:
                raise ValidationError(_("Please sign in the box."), code="signature_missing")
            check_signature_png(bytes(value))
            return bytes(value)
        return signature_from_data_url(value or "").read()
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _signature_store(*, workorder: WorkOrder, actor: User | None, role: str, name: str, png: bytes) -> Signature:
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    rgba = image.convert("RGBA")
    # Ink: opaque and darker than paper (the same reading as the pad's check in `signatures.py`).
    opaque = rgba.getchannel("A").point(lambda v: 255 if v > 64 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 200 else 0)
    inked = Image.composite(dark, Image.new("L", rgba.size, 0), opaque).histogram()[255]
    digest = hashlib.sha256(png).hexdigest()
    sig = Signature(
        workorder=workorder,
        role=role,
        signer_name=name,
        sha256=digest,
        width=image.width,
        height=image.height,
        inked_pixels=inked,
        recorded_by=actor,
    )
    sig.image.save(f"{digest[:16]}.png", ContentFile(png), save=False)
    sig.save()
    return sig


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


def _checked_upload(upload, field: str, *, allowed: dict[str, str] | None = None):
    """Size (the limit named), type by content; ValidationError on `field`."""
    from weibao.assets.uploads import check_upload

    try:
        return check_upload(upload, allowed=allowed)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _check_order_actor(actor: User, perm: str, workorder: WorkOrder) -> None:
    require(actor, perm)
    if not actor.is_internal and workorder.organisation_id != actor.organisation_id:
        raise PermissionDenied(perm)


def _refuse_blocked(workorder: WorkOrder, requested: str) -> None:
    reason = gates.quote_block_reason(workorder)
    if reason:
        raise TransitionNotAllowed(current=str(Status(workorder.status).label), requested=requested, message=reason)


# --- 1. confirm the problem on arrival ----------------------------------------------------------------------------


@transaction.atomic
def site_confirm(
    *,
    workorder: WorkOrder,
    actor: User,
    confirmed_by_name: str,
    symptom: str,
    cause: str,
    human_cause: str = "",
    confirmed_by_phone: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> SiteConfirmation:
    """The customer's system owner (系统负责人) confirmed the symptom on arrival; the cause is human error or the
    system. A human-caused fault (三包 exclusion: misuse, bad upkeep, force majeure) is chargeable even in warranty;
    the order keeps why (`charge_reason`)."""
    _check_order_actor(actor, "onsite.record", workorder)
    confirmed_by_name = _text(confirmed_by_name, "confirmed_by_name", required=True, max_length=100)
    confirmed_by_phone = _text(confirmed_by_phone, "confirmed_by_phone", max_length=40)
    symptom = _text(symptom, "symptom", required=True)
    note = _text(note, "note")
    cause = _choice(cause, "cause", Cause)
    if cause == Cause.UNKNOWN:
        raise ValidationError({"cause": _("Say whether the cause is human error or the system itself.")})
    human_cause = _choice(human_cause, "human_cause", HumanCause, blank=True)
    if cause == Cause.HUMAN and not human_cause:
        raise ValidationError({"human_cause": _("Say which kind of human cause it was.")})
    if cause != Cause.HUMAN:
        human_cause = ""
    wo = workorder_lock(workorder)
    changes: dict[str, Any] = {"cause": cause}
    if cause == Cause.HUMAN:
        changes.update(chargeable=True, charge_reason=ChargeReason.HUMAN_ERROR, service_type=ServiceType.PAID)
    elif wo.charge_reason == ChargeReason.HUMAN_ERROR:
        # Not human after all: the entitlement decides again (warranty/contract are free, the rest is paid).
        free = wo.in_warranty or wo.contract_id is not None
        changes.update(
            chargeable=not free,
            charge_reason=ChargeReason.NONE if free else ChargeReason.OUT_OF_WARRANTY,
            service_type=ServiceType.WARRANTY
            if wo.in_warranty
            else (ServiceType.CONTRACT if wo.contract_id else ServiceType.PAID),
        )
    elif wo.chargeable and not wo.charge_reason:
        changes["charge_reason"] = ChargeReason.OUT_OF_WARRANTY if wo.in_warranty is False else ChargeReason.NOT_COVERED
    workorder, event = workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="onsite.record",
        kind=EventKind.CAUSE_CONFIRMED,
        body=symptom,
        changes=changes,
        expected_version=expected_version,
        data={"confirmed_by": confirmed_by_name, "cause": cause, "human_cause": human_cause},
    )
    return SiteConfirmation.objects.create(
        workorder=workorder,
        confirmed_by_name=confirmed_by_name,
        confirmed_by_phone=confirmed_by_phone,
        symptom=symptom,
        cause=cause,
        human_cause=human_cause,
        note=note,
        recorded_by=actor,
        event=event,
    )


# --- 2. quotes ----------------------------------------------------------------------------------------------------


@dataclass
class _Line:
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    spare_part: SparePart | None
    device: Device | None
    labour_basis: str

    @property
    def amount(self) -> Decimal:
        return line_amount(self.quantity, self.unit_price)


def _clean_lines(workorder: WorkOrder, lines: list[dict]) -> list[_Line]:
    """Every line checked (errors keyed `lines.<i>.<field>`), prices filled from the price list or the contract."""
    if not lines:
        raise ValidationError({"lines": _("Add at least one line.")})
    if len(lines) > MAX_QUOTE_LINES:
        raise ValidationError({"lines": _("At most %(n)s lines.") % {"n": MAX_QUOTE_LINES}})
    contract = workorder.contract
    errors: dict[str, list[str]] = {}
    cleaned: list[_Line] = []
    for i, raw in enumerate(lines):
        prefix = f"lines.{i}."
        try:
            kind = _choice(raw.get("kind"), prefix + "kind", LineKind)
            part = raw.get("spare_part")
            device = raw.get("device")
            if device is not None and device.site_id != workorder.site_id:
                raise ValidationError({prefix + "device_id": _("This device is not at the order's site.")})
            basis = _choice(raw.get("labour_basis") or "", prefix + "labour_basis", LabourBasis, blank=True)
            quantity = _decimal(
                raw.get("quantity", 1), prefix + "quantity", minimum=Decimal(0), strictly=True, maximum=MAX_QUANTITY
            )
            price = raw.get("unit_price")
            unit = _text(raw.get("unit") or "", prefix + "unit", max_length=20)
            description = _text(raw.get("description") or "", prefix + "description", max_length=300)
            if kind == LineKind.PART and part is None and device is not None:
                # A part for a device of the site: the price-list entry of the device's model, if there is one.
                part = SparePart.objects.filter(model=device.model, active=True).order_by("id").first()
            if price is None or price == "":
                if kind == LineKind.PART and part is not None:
                    price = part.unit_price
                elif kind == LineKind.LABOUR and contract is not None:
                    basis = basis or LabourBasis.HOUR
                    price = contract.labour_rate_hour if basis == LabourBasis.HOUR else contract.labour_rate_visit
                elif kind == LineKind.TRANSPORT and contract is not None:
                    price = contract.transport_rate
                else:
                    raise ValidationError({prefix + "unit_price": _("Enter the unit price.")})
            price = _decimal(price, prefix + "unit_price", minimum=Decimal(0), strictly=False, maximum=MAX_MONEY)
            if kind == LineKind.PART and part is not None:
                description = description or str(part)
                unit = unit or part.unit
            elif kind == LineKind.PART and device is not None:
                description = description or _("Replacement for %(device)s") % {"device": device.model}
            if kind == LineKind.LABOUR:
                basis = basis or LabourBasis.HOUR
                unit = unit or (_("hour") if basis == LabourBasis.HOUR else _("visit"))
                description = description or _("Labour")
            if kind == LineKind.TRANSPORT:
                description = description or _("Transport")
                unit = unit or _("visit")
            if not description:
                raise ValidationError({prefix + "description": _("This field is required.")})
            line = _Line(kind, description, quantity, unit, price, part, device, basis)
            if line.amount > MAX_MONEY:
                raise ValidationError({prefix + "quantity": _("The line's amount is too large.")})
            cleaned.append(line)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _store_quote(
    *,
    workorder: WorkOrder,
    actor: User,
    lines: list[_Line],
    tax_rate: Decimal,
    note: str,
    revision: int,
    previous: Quote | None,
) -> Quote:
    totals = price_totals((line.amount for line in lines), tax_rate)
    quote = Quote.objects.create(
        workorder=workorder,
        revision=revision,
        previous=previous,
        tax_rate=tax_rate,
        note=note,
        created_by=actor,
        **totals,
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            position=i,
            kind=line.kind,
            description=line.description,
            spare_part=line.spare_part,
            device=line.device,
            labour_basis=line.labour_basis,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount=line.amount,
        )
        for i, line in enumerate(lines)
    )
    return quote


def _quote_event_data(quote: Quote) -> dict[str, Any]:
    return {"quote": quote.pk, "revision": quote.revision, "total": str(quote.total)}


@transaction.atomic
def quote_create(
    *,
    workorder: WorkOrder,
    actor: User,
    lines: list[dict],
    tax_rate: Any = None,
    note: str = "",
    expected_version: int | None = None,
) -> Quote:
    """Quote paid work (报价) and send it to the customer: the order waits for the answer (its clocks pause,
    reason "awaiting quote approval"). An order with a current quote gets a new version through `quote_revise`."""
    _check_order_actor(actor, "onsite.quote", workorder)
    note = _text(note, "note")
    wo = workorder_lock(workorder)
    workorder_check_version(workorder=wo, expected_version=expected_version)
    cleaned, rate = _clean_lines(wo, lines), clean_tax_rate(tax_rate)
    if Quote.objects.filter(workorder=wo).exclude(status=QuoteStatus.SUPERSEDED).exists():
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label),
            requested=str(EventKind.QUOTE_ISSUED.label),
            message=_("The order already has a quote: change it to make a new version."),
        )
    last = Quote.objects.filter(workorder=wo).order_by("-revision").values_list("revision", flat=True).first() or 0
    quote = _store_quote(
        workorder=wo, actor=actor, lines=cleaned, tax_rate=rate, note=note, revision=last + 1, previous=None
    )
    workorder_await_customer(
        workorder=workorder,
        actor=actor,
        perm="onsite.quote",
        reason=WaitReason.QUOTE_APPROVAL,
        kind=EventKind.QUOTE_ISSUED,
        body=note,
        data=_quote_event_data(quote),
        expected_version=expected_version,
    )
    return quote


@transaction.atomic
def quote_revise(
    *,
    quote: Quote,
    actor: User,
    lines: list[dict],
    tax_rate: Any = None,
    note: str = "",
    expected_version: int | None = None,
) -> Quote:
    """A changed quote is a new version: the current one is superseded (kept as it was), the new one waits for the
    customer, and the order waits again."""
    workorder = quote.workorder
    _check_order_actor(actor, "onsite.quote", workorder)
    note = _text(note, "note")
    wo = workorder_lock(workorder)
    workorder_check_version(workorder=wo, expected_version=expected_version)
    cleaned, rate = _clean_lines(wo, lines), clean_tax_rate(tax_rate)
    current = Quote.objects.select_for_update().get(pk=quote.pk)
    if current.status == QuoteStatus.SUPERSEDED:
        raise TransitionNotAllowed(
            current=str(current.get_status_display()),
            requested=str(EventKind.QUOTE_REVISED.label),
            message=_("A newer version of this quote exists: change that one."),
        )
    old_status = current.status
    Quote.objects.filter(pk=current.pk).update(status=QuoteStatus.SUPERSEDED, updated_at=timezone.now())
    new = _store_quote(
        workorder=wo,
        actor=actor,
        lines=cleaned,
        tax_rate=rate,
        note=note,
        revision=current.revision + 1,
        previous=current,
    )
    ApprovalLink.objects.filter(quote=current, used_at__isnull=True).update(expires_at=timezone.now())
    data = {**_quote_event_data(new), "previous_total": str(current.total), "previous_status": old_status}
    workorder_await_customer(
        workorder=workorder,
        actor=actor,
        perm="onsite.quote",
        reason=WaitReason.QUOTE_APPROVAL,
        kind=EventKind.QUOTE_REVISED,
        body=note,
        data=data,
        expected_version=expected_version,
    )
    quote.status = QuoteStatus.SUPERSEDED
    return new


def _answer(
    *,
    quote: Quote,
    actor: User,
    approve: bool,
    channel: str,
    name: str,
    reason: str,
    signature: Any,
    expected_version: int | None,
    link: ApprovalLink | None = None,
) -> Quote:
    """The customer's yes or no to one quote version. A second answer of the same kind (two tabs, a retried
    request) changes nothing; a different answer to an answered or superseded version is refused."""
    workorder = quote.workorder
    channel = _choice(channel, "channel", AnswerChannel)
    perm = "onsite.quote_answer"
    if link is None:
        _check_order_actor(actor, perm, workorder)
        if actor.is_customer and channel != AnswerChannel.PORTAL:
            raise ValidationError({"channel": _("Answer in the customer portal.")})
        if actor.is_internal and channel != AnswerChannel.PHONE:
            raise ValidationError({"channel": _("Our staff record the customer's answer with their signature.")})
    name = answerer_name(actor=actor, name=_text(name, "name", max_length=100), via=channel)
    reason = _text(reason, "reason")
    png = _signature_bytes(signature, "signature") if channel == AnswerChannel.PHONE else None
    wo = workorder_lock(workorder)
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    wanted = answer_wanted(
        locked, approve=approve, message=_("This quote version was already answered or replaced by a newer one.")
    )
    if wanted is None:
        return locked  # the same answer again: one approval recorded
    workorder_check_version(workorder=wo, expected_version=expected_version)
    sig = None
    if png is not None:
        sig = _signature_store(workorder=wo, actor=actor, role=SignerRole.CUSTOMER, name=name, png=png)
    answer_store(
        locked,
        wanted=wanted,
        actor=actor if link is None else None,
        via=channel,
        name=name,
        reason=reason,
        signature=sig,
    )
    data = {**_quote_event_data(locked), "via": channel, "name": name}
    if link is not None:
        data["link"] = link.pk
    workorder_end_wait(
        workorder=workorder,
        actor=actor,
        perm=perm,
        reason=WaitReason.QUOTE_APPROVAL,
        kind=EventKind.QUOTE_APPROVED if approve else EventKind.QUOTE_REFUSED,
        body=reason,
        data=data,
    )
    return locked


@transaction.atomic
def quote_approve(
    *,
    quote: Quote,
    actor: User,
    channel: str,
    name: str = "",
    signature: Any = None,
    expected_version: int | None = None,
) -> Quote:
    """The customer approves the quote (in the portal, or signing on the engineer's phone): the order resumes."""
    return _answer(
        quote=quote,
        actor=actor,
        approve=True,
        channel=channel,
        name=name,
        reason="",
        signature=signature,
        expected_version=expected_version,
    )


@transaction.atomic
def quote_refuse(
    *,
    quote: Quote,
    actor: User,
    channel: str,
    name: str = "",
    reason: str = "",
    signature: Any = None,
    expected_version: int | None = None,
) -> Quote:
    """The customer refuses: the order resumes but cannot be resolved until the quote is revised or it is
    cancelled."""
    return _answer(
        quote=quote,
        actor=actor,
        approve=False,
        channel=channel,
        name=name,
        reason=reason,
        signature=signature,
        expected_version=expected_version,
    )


@transaction.atomic
def quote_withdraw(*, quote: Quote, actor: User, reason: str, expected_version: int | None = None) -> Quote:
    """A manager withdraws the current quote (no paid work after all, or the customer declined and the order is
    finished without it): the gate lifts, a waiting order resumes, the reason is on the timeline."""
    workorder = quote.workorder
    _check_order_actor(actor, "onsite.quote_withdraw", workorder)
    reason = _text(reason, "reason", required=True)
    wo = workorder_lock(workorder)
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    if locked.status == QuoteStatus.WITHDRAWN:
        return locked
    if locked.status not in (QuoteStatus.PENDING, QuoteStatus.REFUSED):
        raise TransitionNotAllowed(
            current=str(locked.get_status_display()),
            requested=str(QuoteStatus.WITHDRAWN.label),
            message=_("Only a quote waiting for the customer or refused can be withdrawn."),
        )
    workorder_check_version(workorder=wo, expected_version=expected_version)
    now = timezone.now()
    Quote.objects.filter(pk=locked.pk).update(
        status=QuoteStatus.WITHDRAWN, answer_reason=reason, updated_at=now, version=locked.version + 1
    )
    ApprovalLink.objects.filter(quote=locked, used_at__isnull=True).update(expires_at=now)
    locked.refresh_from_db()
    workorder_end_wait(
        workorder=workorder,
        actor=actor,
        perm="onsite.quote_withdraw",
        reason=WaitReason.QUOTE_APPROVAL,
        kind=EventKind.QUOTE_WITHDRAWN,
        body=reason,
        data=_quote_event_data(locked),
    )
    return locked


# --- one-time approval links --------------------------------------------------------------------------------------


class LinkRefused(Exception):
    """An approval link that cannot be used (any more): `code` is invalid, expired, used, answered or closed."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = {
            "invalid": _("This link is not valid. Ask us for a new one."),
            "expired": _("This link has expired. Ask us for a new one."),
            "used": _("This link was already used: the quote has been answered."),
            "answered": _("This quote was already answered or has been replaced by a newer version."),
            "closed": _("This work order is closed: the quote can no longer be answered."),
        }[code]
        super().__init__(self.message)


def link_valid_for() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.WEIBAO_QUOTE_LINK_HOURS)


@transaction.atomic
def approval_link_create(
    *,
    quote: Quote,
    actor: User,
    channel: str,
    sent_to: str,
    valid_for: datetime.timedelta | None = None,
    expected_version: int | None = None,
) -> tuple[ApprovalLink, str]:
    """A signed, expiring, one-time link to answer `quote` without logging in; returns the row and its token.
    Sending it (SMS / e-mail / WeCom) is the caller's side effect after commit; the timeline records who got it."""
    workorder = quote.workorder
    _check_order_actor(actor, "onsite.quote", workorder)
    channel, sent_to = link_recipient(channel, sent_to)
    workorder_lock(workorder)
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    if locked.status != QuoteStatus.PENDING:
        raise TransitionNotAllowed(
            current=str(locked.get_status_display()),
            requested=str(EventKind.QUOTE_LINK_SENT.label),
            message=_("Only a quote waiting for the customer can be sent."),
        )
    link = ApprovalLink.objects.create(
        quote=locked,
        channel=channel,
        sent_to=sent_to,
        created_by=actor,
        expires_at=timezone.now() + (valid_for or link_valid_for()),
    )
    workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="onsite.quote",
        kind=EventKind.QUOTE_LINK_SENT,
        internal=True,
        expected_version=expected_version,
        data={**_quote_event_data(locked), "channel": channel, "to": sent_to, "link": link.pk},
    )
    return link, approval_link_token(link)


def approval_link_token(link: ApprovalLink) -> str:
    return signing.dumps({"l": link.pk, "q": link.quote_id}, salt=LINK_SALT)


def _link_from_token(token: str, *, lock: bool) -> ApprovalLink:
    try:
        payload = signing.loads(token or "", salt=LINK_SALT)
        pk, quote_id = int(payload["l"]), int(payload["q"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused("invalid") from None
    qs = ApprovalLink.objects.select_related("quote", "quote__workorder")
    if lock:
        qs = qs.select_for_update(of=("self",))
    link = qs.filter(pk=pk, quote_id=quote_id).first()
    if link is None:
        raise LinkRefused("invalid")
    if link.used_at is not None:
        raise LinkRefused("used")
    if link.expires_at <= timezone.now():
        raise LinkRefused("expired")
    if link.quote.status != QuoteStatus.PENDING:
        raise LinkRefused("answered")
    if link.quote.workorder.status not in STEP_STATUSES:
        raise LinkRefused("closed")
    return link


def approval_link_open(*, token: str) -> ApprovalLink:
    """The link behind `token` if it may still be used (the public page shows only its quote), else LinkRefused."""
    return _link_from_token(token, lock=False)


@transaction.atomic
def quote_answer_by_link(*, token: str, approve: bool, name: str, reason: str = "") -> Quote:
    """The customer answers through the one-time link: used once, then refused; recorded under the system user
    with the name they typed."""
    from weibao.workorders.services import system_user

    name = _text(name, "name", required=True, max_length=100)
    link = _link_from_token(token, lock=True)
    workorder_lock(link.quote.workorder)
    link = _link_from_token(token, lock=True)  # re-read under the order's lock: a second tab waits, then is refused
    quote = _answer(
        quote=link.quote,
        actor=system_user(),
        approve=approve,
        channel=AnswerChannel.LINK,
        name=name,
        reason=reason,
        signature=None,
        expected_version=None,
        link=link,
    )
    ApprovalLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
    return quote


# --- 3. replacement -----------------------------------------------------------------------------------------------


@transaction.atomic
def replacement_record(
    *,
    workorder: WorkOrder,
    actor: User,
    old_device: Device,
    new_serial: str,
    new_model: str = "",
    signer_name: str,
    signature: Any,
    new_signature: Any = None,
    note: str = "",
    expected_version: int | None = None,
) -> Replacement:
    """Swap a faulty device of the site for a new unit (更换设备): the customer signs for both (one signature, or one
    each). The device history shows the swap with both serials and the order number; the old unit is marked faulty
    and stays linked for repair (`Replacement.rma_ref` is the RMA hook)."""
    from weibao.assets.services import device_replace

    _check_order_actor(actor, "onsite.record", workorder)
    if not actor.is_internal:
        raise PermissionDenied("onsite.record")
    new_serial = _text(new_serial, "new_serial", required=True, max_length=120)
    new_model = _text(new_model, "new_model", max_length=120)
    signer_name = _text(signer_name, "signer_name", required=True, max_length=100)
    note = _text(note, "note")
    if old_device.site_id != workorder.site_id:
        raise ValidationError({"old_device_id": _("This device is not at the order's site.")})
    old_png = _signature_bytes(signature, "signature")
    new_png = _signature_bytes(new_signature, "new_signature") if new_signature else None
    wo = workorder_lock(workorder)
    _refuse_blocked(wo, str(EventKind.DEVICE_REPLACED.label))
    workorder_check_version(workorder=wo, expected_version=expected_version)
    if Replacement.objects.filter(old_device=old_device).exists() or old_device.status == DeviceStatus.RETIRED:
        raise ValidationError({"old_device_id": _("This device was already replaced.")})
    try:
        new_device = device_replace(
            device=old_device,
            actor=actor,
            serial_number=new_serial,
            model=new_model,
            note=note,
            installed_on=timezone.localdate(),
            old_status=DeviceStatus.FAULTY,
            data={"workorder": wo.number},
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError({"new_serial": [m for ms in exc.message_dict.values() for m in ms]}) from None
        raise ValidationError({"new_serial": exc.messages}) from None
    sig_old = _signature_store(workorder=wo, actor=actor, role=SignerRole.CUSTOMER, name=signer_name, png=old_png)
    sig_new = sig_old
    if new_png is not None:
        sig_new = _signature_store(workorder=wo, actor=actor, role=SignerRole.CUSTOMER, name=signer_name, png=new_png)
    quote = Quote.objects.filter(workorder=wo, status=QuoteStatus.APPROVED).first()
    workorder, event = workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="onsite.record",
        kind=EventKind.DEVICE_REPLACED,
        body=note,
        expected_version=expected_version,
        data={
            "old_device": old_device.pk,
            "new_device": new_device.pk,
            "old_serial": old_device.serial_number,
            "new_serial": new_device.serial_number,
            "new_model": new_device.model,
        },
    )
    if not workorder.devices.filter(pk=new_device.pk).exists():
        workorder.devices.add(new_device)
    return Replacement.objects.create(
        workorder=workorder,
        old_device=old_device,
        new_device=new_device,
        old_serial=old_device.serial_number,
        new_serial=new_device.serial_number,
        new_model=new_device.model,
        note=note,
        old_signature=sig_old,
        new_signature=sig_new,
        quote=quote,
        recorded_by=actor,
        event=event,
    )


def replacement_link_rma(*, replacement: Replacement, rma_ref: str) -> None:
    """The old unit of a replacement went to repair: its RMA number is kept on the swap (the `rma_ref` hook)."""
    Replacement.objects.filter(pk=replacement.pk).update(rma_ref=rma_ref[:60], updated_at=timezone.now())
    replacement.rma_ref = rma_ref[:60]


# --- 4. backup and change ----------------------------------------------------------------------------------------


@transaction.atomic
def backup_record(
    *,
    workorder: WorkOrder,
    actor: User,
    what: str,
    location: str,
    performed_by_name: str,
    performed_at: datetime.datetime | None = None,
    file=None,
    customer_agreed: bool = False,
    agreed_by_name: str = "",
    expected_version: int | None = None,
) -> Backup:
    """Record the backup taken before a system/software change (what, where kept, by whom, when, an optional file)
    and whether the customer agreed to the change (who)."""
    _check_order_actor(actor, "onsite.record", workorder)
    if not actor.is_internal:
        raise PermissionDenied("onsite.record")
    what = _text(what, "what", required=True)
    location = _text(location, "location", required=True, max_length=300)
    performed_by_name = _text(performed_by_name, "performed_by_name", required=True, max_length=100)
    agreed_by_name = _text(agreed_by_name, "agreed_by_name", max_length=100)
    now = timezone.now()
    if performed_at is not None and (
        timezone.is_naive(performed_at) or performed_at > now + datetime.timedelta(minutes=5)
    ):
        raise ValidationError({"performed_at": _("Give a time with its time zone, not in the future.")})
    if customer_agreed and not agreed_by_name:
        raise ValidationError({"agreed_by_name": _("Enter who agreed on the customer's side.")})
    checked = _checked_upload(file, "file") if file is not None else None
    workorder, event = workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="onsite.record",
        kind=EventKind.BACKUP_RECORDED,
        body=what,
        expected_version=expected_version,
        data={
            "location": location,
            "by": performed_by_name,
            "customer_agreed": bool(customer_agreed),
            "agreed_by": agreed_by_name,
            "file": checked.name if checked else "",
        },
    )
    backup = Backup(
        workorder=workorder,
        what=what,
        location=location,
        performed_by_name=performed_by_name,
        performed_at=performed_at or now,
        customer_agreed=bool(customer_agreed),
        agreed_by_name=agreed_by_name if customer_agreed else "",
        agreed_at=now if customer_agreed else None,
        recorded_by=actor,
        event=event,
    )
    if checked is not None:
        backup.sha256, backup.file_name = checked.sha256, checked.name
        backup.file.save(checked.name, file, save=False)
    backup.save()
    return backup


@transaction.atomic
def change_record(
    *,
    workorder: WorkOrder,
    actor: User,
    description: str,
    backup: Backup | None = None,
    expected_version: int | None = None,
) -> ChangeRecord:
    """Record a system/software change. Gate: refused unless the order has a backup the customer agreed to."""
    _check_order_actor(actor, "onsite.record", workorder)
    if not actor.is_internal:
        raise PermissionDenied("onsite.record")
    description = _text(description, "description", required=True)
    wo = workorder_lock(workorder)
    _refuse_blocked(wo, str(EventKind.CHANGE_RECORDED.label))
    if backup is not None and backup.workorder_id != wo.pk:
        raise ValidationError({"backup_id": _("Unknown backup.")})
    if backup is None:
        backup = Backup.objects.filter(workorder=wo, customer_agreed=True).order_by("-id").first()
    if backup is None or not backup.customer_agreed:
        message = (
            _("Record the backup before the change.")
            if backup is None and not Backup.objects.filter(workorder=wo).exists()
            else _("The customer has not agreed to the change yet.")
        )
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label), requested=str(EventKind.CHANGE_RECORDED.label), message=message
        )
    workorder, event = workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="onsite.record",
        kind=EventKind.CHANGE_RECORDED,
        body=description,
        expected_version=expected_version,
        data={"backup": backup.pk},
    )
    return ChangeRecord.objects.create(
        workorder=workorder, backup=backup, description=description, recorded_by=actor, event=event
    )


# --- 5. the service form ------------------------------------------------------------------------------------------

FORM_TEXT_FIELDS = ("symptom", "inspection", "cause_detail", "work_done", "customer_remark")
FORM_SHORT_FIELDS = {
    "customer_contact_name": 100,
    "customer_contact_phone": 40,
    "engineer_name": 100,
    "engineer_phone": 40,
}
FORM_FIELDS = (*FORM_TEXT_FIELDS, *FORM_SHORT_FIELDS, "cause", "solved", "next_appointment_at", "satisfaction")


def form_missing(form: ServiceForm) -> list[str]:
    """The codes of the required parts `form` lacks (empty: complete)."""
    missing = [f for f in ("symptom", "inspection") if not getattr(form, f).strip()]
    if form.cause == Cause.UNKNOWN:
        missing.append("cause")
    if not form.work_done.strip():
        missing.append("work_done")
    if form.solved is None:
        missing.append("solved")
    elif form.solved is False and form.next_appointment_at is None:
        missing.append("next_appointment_at")
    if not (form.customer_contact_name.strip() and form.customer_contact_phone.strip()):
        missing.append("customer_contact")
    if not (form.engineer_name.strip() and form.engineer_phone.strip()):
        missing.append("engineer_contact")
    if form.satisfaction is None:
        missing.append("satisfaction")
    if form.customer_signature_id is None:
        missing.append("customer_signature")
    if form.engineer_signature_id is None:
        missing.append("engineer_signature")
    return missing


def _replaced_devices(workorder: WorkOrder) -> list[dict]:
    return [
        {
            "old_serial": r.old_serial,
            "new_serial": r.new_serial,
            "new_model": r.new_model,
            "device": r.old_device.name or r.old_device.model,
        }
        for r in Replacement.objects.filter(workorder=workorder).select_related("old_device").order_by("id")
    ]


def service_form_initial(*, workorder: WorkOrder) -> dict[str, Any]:
    """A new form's values from what the order already knows (symptom, cause, work done, contacts, replacements)."""
    confirmation = SiteConfirmation.objects.filter(workorder=workorder).order_by("-id").first()
    engineer = workorder.assignee
    contact = workorder.contact
    return {
        "symptom": confirmation.symptom if confirmation else workorder.symptom,
        "inspection": "",
        "cause": workorder.cause,
        "cause_detail": confirmation.note if confirmation else "",
        "work_done": workorder.resolution or workorder.plan,
        "solved": None,
        "next_appointment_at": None,
        "customer_contact_name": (confirmation.confirmed_by_name if confirmation else "")
        or (contact.name if contact else workorder.reporter_name),
        "customer_contact_phone": (confirmation.confirmed_by_phone if confirmation else "")
        or ((contact.mobile or contact.phone) if contact else workorder.reporter_phone),
        "engineer_name": engineer.name if engineer else "",
        "engineer_phone": engineer.phone if engineer else "",
        "satisfaction": None,
        "customer_remark": "",
    }


def _clean_form_data(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(FORM_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, value in data.items():
        try:
            if field in FORM_TEXT_FIELDS:
                cleaned[field] = _text(value, field)
            elif field in FORM_SHORT_FIELDS:
                cleaned[field] = _text(value, field, max_length=FORM_SHORT_FIELDS[field])
            elif field == "cause":
                cleaned[field] = _choice(value or Cause.UNKNOWN, field, Cause)
            elif field == "solved":
                if value not in (None, True, False):
                    raise ValidationError({field: _("Answer yes or no.")})
                cleaned[field] = value
            elif field == "satisfaction":
                if value in (None, ""):
                    cleaned[field] = None
                elif isinstance(value, bool) or str(value) not in {str(v) for v in Satisfaction.values}:
                    raise ValidationError({field: _("Rate from 1 to 5.")})
                else:
                    cleaned[field] = int(value)
            elif field == "next_appointment_at":
                if value is not None and (not isinstance(value, datetime.datetime) or timezone.is_naive(value)):
                    raise ValidationError({field: _("Give the time with its time zone.")})
                cleaned[field] = value
        except ValidationError as exc:
            for f, messages in exc.message_dict.items():
                errors.setdefault(f, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _current_form(workorder: WorkOrder, *, lock: bool = False) -> ServiceForm | None:
    qs = ServiceForm.objects.filter(workorder=workorder).order_by("-revision")
    if lock:
        qs = qs.select_for_update()
    return qs.first()


FORM_STATUSES = frozenset({*STEP_STATUSES, Status.RESOLVED, Status.OBSERVING})


def _form_for_edit(wo: WorkOrder, actor: User) -> tuple[ServiceForm, bool]:
    """The draft to edit: the current draft, or a new revision (copy of the signed one, or prefilled)."""
    current = _current_form(wo, lock=True)
    if current is not None and current.status == FormStatus.DRAFT:
        return current, False
    if current is None:
        return ServiceForm(workorder=wo, revision=1, updated_by=actor, **service_form_initial(workorder=wo)), True
    copy = ServiceForm(
        workorder=wo,
        revision=current.revision + 1,
        previous=current,
        updated_by=actor,
        **{f: getattr(current, f) for f in FORM_FIELDS},
    )
    return copy, True


@transaction.atomic
def service_form_save(
    *, workorder: WorkOrder, actor: User, data: dict[str, Any], expected_version: int | None = None
) -> ServiceForm:
    """Save the service form's draft (filled on the phone). A signed form is frozen: saving creates the next
    revision, the signed one stays as it was. Completeness and the missing parts are stored each time."""
    _check_order_actor(actor, "onsite.record", workorder)
    if not actor.is_internal:
        raise PermissionDenied("onsite.record")
    cleaned = _clean_form_data(dict(data))
    wo = workorder_lock(workorder)
    workorder_check_version(workorder=wo, expected_version=expected_version)
    form, new = _form_for_edit(wo, actor)
    diff = {f: [str(getattr(form, f)), str(v)] for f, v in cleaned.items() if getattr(form, f) != v}
    for field, value in cleaned.items():
        setattr(form, field, value)
    if new:
        # A new revision is unsigned until signed again.
        form.status, form.signed_at = FormStatus.DRAFT, None
        form.customer_signature = form.engineer_signature = None
        form.stamp_photo, form.sha256 = "", ""
    form.replaced_devices = _replaced_devices(wo)
    form.missing = form_missing(form)
    form.complete = not form.missing
    form.updated_by = actor
    workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="onsite.record",
        kind=EventKind.SERVICE_FORM_SAVED,
        internal=True,
        expected_version=expected_version,
        statuses=FORM_STATUSES,
        data={"revision": form.revision, "changed": sorted(diff), "missing": form.missing},
    )
    if not new:
        form.version += 1
    form.save()
    return form


@transaction.atomic
def service_form_sign(
    *,
    workorder: WorkOrder,
    actor: User,
    customer_name: str,
    customer_signature: Any,
    engineer_signature: Any,
    stamp_photo=None,
    expected_version: int | None = None,
) -> ServiceForm:
    """Both parties sign the current draft (optionally with a photo of the company stamp); it is frozen from now
    on. Not solved: the next appointment becomes the order's appointment. Completeness is stored with the
    missing parts named (an incomplete signed form does not count in the KPIs)."""
    _check_order_actor(actor, "onsite.record", workorder)
    if not actor.is_internal:
        raise PermissionDenied("onsite.record")
    customer_name = _text(customer_name, "customer_name", required=True, max_length=100)
    customer_png = _signature_bytes(customer_signature, "customer_signature")
    engineer_png = _signature_bytes(engineer_signature, "engineer_signature")
    checked = _checked_upload(stamp_photo, "stamp_photo", allowed=IMAGE_TYPES) if stamp_photo is not None else None
    wo = workorder_lock(workorder)
    workorder_check_version(workorder=wo, expected_version=expected_version)
    form = _current_form(wo, lock=True)
    if form is None or form.status != FormStatus.DRAFT:
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label),
            requested=str(EventKind.SERVICE_FORM_SIGNED.label),
            message=_("Fill in and save the service form before it is signed."),
        )
    if form.solved is False and form.next_appointment_at is not None and form.next_appointment_at <= timezone.now():
        raise ValidationError({"next_appointment_at": _("The next appointment lies in the past.")})
    now = timezone.now()
    form.customer_signature = _signature_store(
        workorder=wo, actor=actor, role=SignerRole.CUSTOMER, name=customer_name, png=customer_png
    )
    form.engineer_signature = _signature_store(
        workorder=wo, actor=actor, role=SignerRole.ENGINEER, name=form.engineer_name or actor.name, png=engineer_png
    )
    if checked is not None:
        form.sha256 = checked.sha256
        form.stamp_photo.save(checked.name, stamp_photo, save=False)
    form.replaced_devices = _replaced_devices(wo)
    form.status, form.signed_at, form.updated_by = FormStatus.SIGNED, now, actor
    form.missing = form_missing(form)
    form.complete = not form.missing
    form.version += 1
    changes = {}
    if form.solved is False and form.next_appointment_at is not None:
        changes["appointment_at"] = form.next_appointment_at
    form.save()
    workorder_record_step(
        workorder=workorder,
        actor=actor,
        perm="onsite.record",
        kind=EventKind.SERVICE_FORM_SIGNED,
        expected_version=expected_version,
        statuses=FORM_STATUSES,
        changes=changes,
        data={
            "form": form.pk,
            "revision": form.revision,
            "complete": form.complete,
            "missing": form.missing,
            "satisfaction": form.satisfaction,
            "solved": form.solved,
            "signed_by": customer_name,
        },
    )
    transaction.on_commit(partial(_after_sign, form.pk))
    return form


def _after_sign(form_id: int) -> None:
    """After commit: the PDF attached to the timeline and e-mailed to the customer's contact (UI helper's task)."""
    try:
        from weibao.onsite.tasks import service_form_deliver
    except ImportError:  # the PDF task is not there (yet)
        return
    service_form_deliver.enqueue(form_id=form_id)


# --- price list ---------------------------------------------------------------------------------------------------


@transaction.atomic
def spare_part_save(
    *,
    actor: User,
    model: str,
    name: str,
    unit_price: Any,
    unit: str = "台",
    vendor=None,
    part: SparePart | None = None,
    active: bool = True,
) -> SparePart:
    """Add or change a price-list entry (a sent quote keeps the price it was sent with)."""
    require(actor, "onsite.price_list")
    part = part or SparePart()
    part.model = _text(model, "model", required=True, max_length=120)
    part.name = _text(name, "name", required=True, max_length=200)
    part.unit = _text(unit, "unit", required=True, max_length=20)
    part.unit_price = _decimal(unit_price, "unit_price", minimum=Decimal(0), strictly=False, maximum=MAX_MONEY)
    part.vendor, part.active = vendor, active
    part.save()
    return part
