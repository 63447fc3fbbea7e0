"""Parts sales to a customer without a fault (配件销售): quote → the customer's approval → issue from a warehouse
→ invoice. The state table is `choices.SALE_TRANSITIONS`; each transition locks the sale, checks the version and
refuses illegal moves. Issuing writes one ledger row per line, all or nothing."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.choices import OrganisationKind
from weibao.accounts.permissions import require
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.spares.choices import SALE_TRANSITIONS, MoveKind, SaleStatus, UnitStatus
from weibao.spares.models import Part, PartSale, PartSaleLine, StockUnit, Warehouse
from weibao.spares.services import _check_warehouse, _lock_stock, _move, _quantity, _shortage, _units, clean_serials

CENT = Decimal("0.01")
MAX_LINES = 100
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
    rate = Decimal("0.13") if tax_rate in (None, "") else Decimal(str(tax_rate))
    if rate < 0 or rate >= 1:
        raise ValidationError({"tax_rate": _("The tax rate is a fraction between 0 and 1, e.g. 0.13.")})
    cleaned = _clean_lines(lines)
    sale = PartSale.objects.create(customer=customer, warehouse=warehouse, tax_rate=rate, note=note[:2000],
                                   contact_name=contact_name[:100], created_by=actor)  # fmt: skip
    subtotal = Decimal("0")
    for part, qty, price in cleaned:
        amount = (price * qty).quantize(CENT, rounding=ROUND_HALF_UP)
        PartSaleLine.objects.create(sale=sale, part=part, quantity=qty, unit_price=price, amount=amount)
        subtotal += amount
    sale.subtotal = subtotal
    sale.tax = (subtotal * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    sale.total = sale.subtotal + sale.tax
    sale.save(update_fields=["subtotal", "tax", "total", "updated_at"])
    return sale


@transaction.atomic
def sale_approve(*, sale: PartSale, actor, approved_by_name: str, expected_version: int | None = None) -> PartSale:
    """Record the customer's approval of the quote (who approved, by phone, mail or stamped order)."""
    require(actor, "spares.sales")
    name = (approved_by_name or "").strip()
    if not name:
        raise ValidationError({"approved_by_name": _("Who approved it for the customer?")})
    locked = _lock(sale, expected_version, SaleStatus.APPROVED)
    locked.status, locked.approved_by_name, locked.approved_at = SaleStatus.APPROVED, name[:100], timezone.now()
    locked.version += 1
    locked.save()
    return locked


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
        _move(stock=stock, warehouse=warehouse, part=line.part, kind=MoveKind.SALE, on_hand=-line.quantity,
              actor=actor, serials=given, sale=locked, unit_cost=line.part.unit_cost)  # fmt: skip
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
