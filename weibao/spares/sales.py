"""Parts sales to a customer without a fault (配件销售): quote → the customer's approval → issue from a warehouse
→ invoice. The state table is `choices.SALE_TRANSITIONS`; each transition locks the sale, checks the version and
refuses illegal moves. Issuing writes one ledger row per line, all or nothing."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.choices import OrganisationKind
from weibao.accounts.permissions import require
from weibao.core.approvals import (
    AnswerChannel,
    answer_by_link,
    answer_link_check,
    answer_link_create,
    answer_store,
    answer_wanted,
    answerer_name,
    clean_tax_rate,
    line_amount,
    link_recipient,
    price_totals,
)
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.spares.choices import SALE_TRANSITIONS, MoveKind, SaleStatus, UnitStatus
from weibao.spares.models import Part, PartSale, PartSaleLine, StockUnit, Warehouse
from weibao.spares.services import _check_warehouse, _lock_stock, _move, _quantity, _shortage, _units, clean_serials

CENT = Decimal("0.01")
MAX_LINES = 100
SALE_LINK_PURPOSE = "spares.sale"
INVOICE_RE = re.compile(r"^[0-9A-Za-z-]{6,40}$")


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount.")}) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("9999999999"):
        raise ValidationError({field: _("Enter an amount of zero or more.")})
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _lock(sale: PartSale, expected_version: int | None, to: str) -> PartSale:
    locked = PartSale.objects.select_for_update().get(pk=sale.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    if to not in SALE_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed(current=str(locked.get_status_display()), requested=str(SaleStatus(to).label))
    return locked


def _clean_lines(lines: list[dict]) -> list[tuple[Part, int, Decimal]]:
    if not lines:
        raise ValidationError({"lines": _("Add at least one part.")})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": _("At most %(n)s lines.") % {"n": MAX_LINES}})
    errors: dict[str, list[str]] = {}
    cleaned = []
    for i, raw in enumerate(lines):
        prefix = f"lines.{i}."
        part = raw.get("part")
        if not isinstance(part, Part):
            part = Part.objects.filter(pk=part, active=True).first() if str(part or "").isdigit() else None
        if part is None or not part.active:
            errors[prefix + "part"] = [_("Choose a part from the store.")]
            continue
        try:
            qty = _quantity(raw.get("quantity"))
            price = part.price if raw.get("unit_price") in (None, "") else _money(raw["unit_price"], "unit_price")
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[prefix + field] = messages
            continue
        cleaned.append((part, qty, price))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def sale_quote(
    *, customer, warehouse: Warehouse, lines: list[dict], actor, tax_rate=None, note: str = "", contact_name: str = ""
) -> PartSale:
    """Quote parts to a customer (销售报价): prices copied from the part (or given), tax added."""
    require(actor, "spares.sales")
    if customer is None or customer.kind != OrganisationKind.CUSTOMER:
        raise ValidationError({"customer": _("Choose a customer.")})
    rate = clean_tax_rate(tax_rate)
    cleaned = _clean_lines(lines)
    rows = [(part, qty, price, line_amount(qty, price)) for part, qty, price in cleaned]
    totals = price_totals((amount for *_, amount in rows), rate)
    sale = PartSale.objects.create(
        customer=customer,
        warehouse=warehouse,
        tax_rate=rate,
        note=note[:2000],
        contact_name=contact_name[:100],
        created_by=actor,
        **totals,
    )
    PartSaleLine.objects.bulk_create(
        PartSaleLine(sale=sale, part=part, quantity=qty, unit_price=price, amount=amount)
        for part, qty, price, amount in rows
    )
    return sale


def _answer(
    *, sale_id: int, actor, approve: bool, via: str, name: str, reason: str, expected_version: int | None
) -> PartSale:
    """The customer's yes (approved, ready to issue) or no (cancelled, with the reason) — core.approvals' rule."""
    locked = PartSale.objects.select_for_update().get(pk=sale_id)
    wanted = answer_wanted(
        locked,
        approve=approve,
        pending=SaleStatus.QUOTED,
        approved=SaleStatus.APPROVED,
        refused=SaleStatus.CANCELLED,
        message=_("This quote was already answered or the sale has moved on."),
    )
    if wanted is None:
        return locked  # the same answer twice: one approval recorded
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    extra = {} if approve else {"cancel_reason": (reason or _("Refused by the customer."))[:300]}
    return answer_store(locked, wanted=wanted, actor=actor, via=via, name=name, reason=reason, **extra)


@transaction.atomic
def sale_answer(
    *, sale: PartSale, actor, approve: bool, name: str = "", reason: str = "", expected_version: int | None = None
) -> PartSale:
    """The customer approves or refuses the quote in the portal, or our staff record the answer the customer gave
    (by phone, mail or stamped order: the person's name required)."""
    require(actor, "spares.sale_answer")
    if actor.is_customer and sale.customer_id != actor.organisation_id:
        raise PermissionDenied
    via = AnswerChannel.PORTAL if actor.is_customer else AnswerChannel.PHONE
    name = answerer_name(actor=actor, name=name, via=via)
    reason = (reason or "").strip()[:2000]
    return _answer(
        sale_id=sale.pk,
        actor=actor,
        approve=approve,
        via=via,
        name=name,
        reason=reason,
        expected_version=expected_version,
    )


def sale_approve(*, sale: PartSale, actor, approved_by_name: str, expected_version: int | None = None) -> PartSale:
    """Record the customer's approval of the quote (who approved, by phone, mail or stamped order)."""
    try:
        return sale_answer(
            sale=sale, actor=actor, approve=True, name=approved_by_name, expected_version=expected_version
        )
    except ValidationError as exc:
        raise ValidationError(
            {"approved_by_name" if k == "name" else k: v for k, v in exc.message_dict.items()}
        ) from None


@transaction.atomic
def sale_link_create(*, sale: PartSale, actor, channel: str, sent_to: str) -> dict[str, str]:
    """A signed one-time link for the customer to approve or refuse the quote without logging in (the RMA fee's);
    returns the token of each answer. Sending it is the caller's after-commit business."""
    require(actor, "spares.sales")
    channel, sent_to = link_recipient(channel, sent_to)
    locked = PartSale.objects.select_for_update().get(pk=sale.pk)
    if locked.status != SaleStatus.QUOTED:
        raise TransitionNotAllowed(
            current=str(locked.get_status_display()),
            requested=str(SaleStatus.APPROVED.label),
            message=_("Only a quote waiting for the customer can be sent."),
        )
    return answer_link_create(purpose=SALE_LINK_PURPOSE, document=locked, channel=channel, sent_to=sent_to)[1]


def sale_link_check(*, token: str) -> tuple[PartSale, str]:
    """The sale and the answer a link stands for (core.action_links.LinkError when it cannot be used)."""
    return answer_link_check(token=token, purpose=SALE_LINK_PURPOSE, model=PartSale, related=("customer",))


def sale_answer_by_link(*, token: str, name: str, reason: str = "") -> PartSale:
    """The customer answers through the one-time link (used once; a second click is refused)."""
    from weibao.workorders.services import system_user

    name = answerer_name(actor=None, name=name, via=AnswerChannel.LINK)
    reason = (reason or "").strip()[:2000]
    return answer_by_link(
        token=token,
        purpose=SALE_LINK_PURPOSE,
        answer=lambda pk, approve: _answer(
            sale_id=pk,
            actor=system_user(),
            approve=approve,
            via=AnswerChannel.LINK,
            name=name,
            reason=reason,
            expected_version=None,
        ),
    )


@transaction.atomic
def sale_issue(
    *, sale: PartSale, actor, serials: dict[int, list[str] | str] | None = None, expected_version: int | None = None
) -> PartSale:
    """Take the sold parts out of the warehouse (出库): one ledger row per line; serial-tracked lines need their
    serials. Too little stock on any line refuses the whole issue."""
    require(actor, "spares.sales")
    locked = _lock(sale, expected_version, SaleStatus.ISSUED)
    warehouse = locked.warehouse
    _check_warehouse(actor, warehouse)
    serials = serials or {}
    errors: dict[str, list[str]] = {}
    lines = list(locked.lines.select_related("part").order_by("part_id", "id"))  # one lock order: by part
    for line in lines:
        key = f"lines.{line.pk}.serials"
        try:
            given = clean_serials(serials.get(line.pk) or serials.get(str(line.pk)))
        except ValidationError as exc:
            errors[key] = exc.message_dict["serials"]
            continue
        if line.part.is_serial and len(given) != line.quantity:
            errors[key] = [_("Enter %(n)s serial numbers.") % {"n": line.quantity}]
            continue
        if not line.part.is_serial and given:
            errors[key] = [_("This part is counted, not serial-tracked: leave the serials empty.")]
            continue
        stock = _lock_stock(warehouse, line.part)
        try:
            units = _units(line.part, warehouse, given, statuses={UnitStatus.IN_STOCK}) if given else []
        except ValidationError as exc:
            errors[key] = exc.message_dict["serials"]
            continue
        if stock.available < line.quantity:
            errors[f"lines.{line.pk}.quantity"] = _shortage(stock, line.part, line.quantity).message_dict["quantity"]
            continue
        if units:
            StockUnit.objects.filter(pk__in=[u.pk for u in units]).update(
                status=UnitStatus.SOLD, warehouse=None, sale=locked, updated_at=timezone.now()
            )
        line.serials = given
        line.save(update_fields=["serials"])
        _move(
            stock=stock,
            warehouse=warehouse,
            part=line.part,
            kind=MoveKind.SALE,
            on_hand=-line.quantity,
            actor=actor,
            serials=given,
            sale=locked,
            unit_cost=line.part.unit_cost,
        )
    if errors:
        raise ValidationError(errors)  # the transaction rolls back every line already moved
    locked.status, locked.issued_at = SaleStatus.ISSUED, timezone.now()
    locked.version += 1
    locked.save()
    return locked


@transaction.atomic
def sale_invoice(*, sale: PartSale, actor, invoice_number: str, expected_version: int | None = None) -> PartSale:
    """Record the invoice (开票) for an issued sale."""
    require(actor, "spares.sales")
    number = (invoice_number or "").strip()
    if not INVOICE_RE.match(number):
        raise ValidationError({"invoice_number": _("Enter the invoice number (6–40 letters, digits or dashes).")})
    locked = _lock(sale, expected_version, SaleStatus.INVOICED)
    locked.status, locked.invoice_number, locked.invoiced_at = SaleStatus.INVOICED, number, timezone.now()
    locked.version += 1
    locked.save()
    return locked


@transaction.atomic
def sale_cancel(*, sale: PartSale, actor, reason: str, expected_version: int | None = None) -> PartSale:
    """Cancel a sale not yet issued (the customer declined, or the quote lapsed)."""
    require(actor, "spares.sales")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the sale is cancelled.")})
    locked = _lock(sale, expected_version, SaleStatus.CANCELLED)
    locked.status, locked.cancel_reason = SaleStatus.CANCELLED, reason[:300]
    locked.version += 1
    locked.save()
    return locked
