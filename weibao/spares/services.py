"""Every write to the spare-parts store (SPEC §6, issue 14 points 3–5). Each move locks the warehouse's `Stock` row
(`select_for_update`), checks it, updates it and appends one ledger `Move` in the same transaction: two engineers
taking the last unit at once queue on the lock and the second is refused, never taken below zero.

Errors: `ValidationError({field: message})` for bad input or too little stock (field `quantity` or `serials`),
`TransitionNotAllowed` for a wrong state, `StaleEdit` for an outdated `expected_version`."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.permissions import has_perm, require
from weibao.core.exceptions import TransitionNotAllowed
from weibao.spares.choices import MoveKind, TransferStatus, UnitStatus, WarehouseKind
from weibao.spares.models import Move, Part, Stock, StockAlert, StockUnit, Transfer, Warehouse

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------- validation


def _quantity(quantity) -> int:
    """A move's quantity: a whole number above zero (a negative receipt is not a write-off)."""
    try:
        value = Decimal(str(quantity).strip())
    except Exception:
        raise ValidationError({"quantity": _("Enter a whole number.")}) from None
    if value != value.to_integral_value():
        raise ValidationError({"quantity": _("Enter a whole number.")})
    if value <= 0:
        raise ValidationError({"quantity": _("The quantity must be greater than zero.")})
    if value > 1_000_000:
        raise ValidationError({"quantity": _("The quantity is too large.")})
    return int(value)


def clean_serials(serials: Iterable[str] | str | None) -> list[str]:
    """Serial numbers as typed or scanned: one per line or separated by commas/spaces; duplicates are refused."""
    if serials is None:
        return []
    if isinstance(serials, str):
        serials = serials.replace(",", "\n").replace("，", "\n").split()
    cleaned = [str(s).strip() for s in serials if str(s).strip()]
    for serial in cleaned:
        if len(serial) > 120:
            raise ValidationError({"serials": _("Serial number “%(serial)s” is too long.") % {"serial": serial[:40]}})
    duplicates = sorted(s for s, n in Counter(cleaned).items() if n > 1)
    if duplicates:
        raise ValidationError(
            {"serials": _("Serial number entered twice: %(serials)s.") % {"serials": ", ".join(duplicates)}}
        )
    return cleaned


def _quantity_and_serials(part: Part, quantity, serials) -> tuple[int, list[str]]:
    """Serial-tracked parts move by serial (the quantity is their count); counted parts by quantity only."""
    serial_list = clean_serials(serials)
    if part.is_serial:
        if not serial_list:
            raise ValidationError({"serials": _("This part is serial-tracked: enter the serial number of each unit.")})
        if quantity not in (None, "") and _quantity(quantity) != len(serial_list):
            raise ValidationError(
                {
                    "quantity": _("The quantity (%(q)s) differs from the number of serial numbers (%(n)s).")
                    % {"q": quantity, "n": len(serial_list)}
                }
            )
        return len(serial_list), serial_list
    if serial_list:
        raise ValidationError({"serials": _("This part is counted, not serial-tracked: leave the serials empty.")})
    if quantity in (None, ""):
        raise ValidationError({"quantity": _("Enter the quantity.")})
    return _quantity(quantity), []


def _active(warehouse: Warehouse, part: Part, field: str = "warehouse") -> None:
    if not warehouse.is_active:
        raise ValidationError({field: _("Warehouse %(name)s is closed.") % {"name": warehouse.name}})
    if not part.active:
        raise ValidationError({"part": _("Part %(part)s is no longer stocked.") % {"part": part.part_number}})


def may_use_warehouse(user, warehouse: Warehouse) -> bool:
    """Store keepers use every warehouse; an engineer takes parts from the stores and from his own van only."""
    if has_perm(user, "spares.manage"):
        return True
    if not has_perm(user, "spares.issue"):
        return False
    return warehouse.kind != WarehouseKind.VAN or warehouse.owner_id == user.pk


def _check_warehouse(actor, warehouse: Warehouse, field: str = "warehouse") -> None:
    if not may_use_warehouse(actor, warehouse):
        raise ValidationError({field: _("You cannot take parts from %(name)s.") % {"name": warehouse.name}})


# Parts go to orders that are open; unused ones come back whatever the order's state (even after it closed).
def _open_statuses() -> frozenset[str]:
    from weibao.workorders.choices import Status

    return frozenset(Status.values) - {Status.CLOSED, Status.CANCELLED}


def _all_statuses() -> frozenset[str]:
    from weibao.workorders.choices import Status

    return frozenset(Status.values)


def _order_event(
    *,
    workorder,
    actor,
    kind: str,
    part: Part,
    quantity: int,
    serials: list[str],
    warehouse: Warehouse,
    statuses: frozenset[str],
    text: str,
) -> None:
    """One timeline event on the order for the move (locks the order first: the order, then the stock row). The
    text the customer sees names the part, never the warehouse; the warehouse is in the staff-only data."""
    from weibao.workorders.services.steps import workorder_record_step

    body = text % {
        "part": part.name,
        "model": part.model or part.part_number,
        "quantity": quantity,
        "unit": part.unit,
        "warehouse": warehouse.name,
    }
    if serials:
        body += " " + _("Serial numbers: %(serials)s") % {"serials": ", ".join(serials)}
    try:
        workorder_record_step(
            workorder=workorder,
            actor=actor,
            perm="spares.issue",
            kind=kind,
            body=body,
            statuses=statuses,
            data={
                "part": part.name,
                "part_number": part.part_number,
                "quantity": quantity,
                "serials": serials,
                "warehouse": warehouse.pk,
            },
        )
    except TransitionNotAllowed as exc:
        raise TransitionNotAllowed(
            current=exc.current,
            requested=exc.requested,
            message=_("Parts can only be issued to an open order."),
        ) from exc


# ---------------------------------------------------------------------------------------------------- the ledger


def _lock_stock(warehouse: Warehouse, part: Part) -> Stock:
    """The stock row of a warehouse and part, locked until the transaction ends (created at zero if new)."""
    stock = Stock.objects.select_for_update().filter(warehouse=warehouse, part=part).first()
    if stock is None:
        # get_or_create retries the get if another transaction inserted the row first.
        Stock.objects.get_or_create(warehouse=warehouse, part=part)
        stock = Stock.objects.select_for_update().get(warehouse=warehouse, part=part)
    stock.warehouse, stock.part = warehouse, part  # the minimum-level check reads them: no extra queries
    return stock


def _shortage(stock: Stock, part: Part, wanted: int, field: str = "quantity") -> ValidationError:
    return ValidationError(
        {
            field: _("Not enough stock: %(wanted)s wanted, %(available)s %(unit)s available.")
            % {"wanted": wanted, "available": stock.available, "unit": part.unit}
        }
    )


def _move(
    *,
    stock: Stock,
    warehouse: Warehouse,
    part: Part,
    kind: str,
    on_hand: int,
    reserved: int = 0,
    actor,
    serials: list[str] | None = None,
    unit_cost: Decimal | None = None,
    applied: bool = False,
    **links,
) -> Move:
    """Apply the deltas to the locked stock row and append the ledger row. The only writer of `Stock` (besides
    `_take_unreserved`, whose conditional UPDATE applied them already: `applied=True`)."""
    if not applied:
        stock.on_hand += on_hand
        stock.reserved += reserved
        if stock.on_hand < 0 or stock.reserved < 0 or stock.reserved > stock.on_hand:
            # Services check first with a friendly message; this is the last line before the check constraints.
            raise _shortage(stock, part, -on_hand)
        Stock.objects.filter(pk=stock.pk).update(
            on_hand=stock.on_hand, reserved=stock.reserved, updated_at=timezone.now()
        )
    move = Move.objects.create(
        kind=kind,
        warehouse=warehouse,
        part=part,
        on_hand_delta=on_hand,
        reserved_delta=reserved,
        on_hand_after=stock.on_hand,
        unit_cost=part.unit_cost if unit_cost is None else unit_cost,
        serials=serials or [],
        actor=actor,
        **links,
    )
    _check_level(stock=stock, warehouse=warehouse, part=part, rising=on_hand > 0 or reserved < 0)
    return move


def _take_unreserved(warehouse: Warehouse, part: Part, quantity: int) -> Stock | None:
    """The common issue in one statement: take `quantity` from a stock row that has no reservations and enough on
    hand — a conditional UPDATE that locks the row, checks and writes at once (a concurrent taker waits for the lock
    and PostgreSQL re-checks the condition on the row it then sees). None: not that simple case (no row, too few,
    or reservations to weigh) — the caller takes the lock-then-check path, which also gives the refusal."""
    table = connection.ops.quote_name(Stock._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET on_hand = on_hand - %s, updated_at = %s "  # noqa: S608 - table name from model meta
            "WHERE warehouse_id = %s AND part_id = %s AND reserved = 0 AND on_hand >= %s "
            "RETURNING id, on_hand, reserved, min_level",
            [quantity, timezone.now(), warehouse.pk, part.pk, quantity],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Stock(id=row[0], warehouse=warehouse, part=part, on_hand=row[1], reserved=row[2], min_level=row[3])


def _check_level(*, stock: Stock, warehouse: Warehouse, part: Part, rising: bool = True) -> None:
    """Open a low-stock alert when the available quantity falls below the minimum; clear it when back. Only a move
    that raised the available quantity can clear one (an issue above the level costs no query here)."""
    level = stock.effective_min_level(warehouse.kind)
    if level <= 0:
        return
    if stock.available < level:
        alert, created = StockAlert.objects.get_or_create(
            warehouse=warehouse,
            part=part,
            cleared_at=None,
            defaults={"available": stock.available, "min_level": level},
        )
        if created:
            from weibao.spares.tasks import stock_alert_notify

            transaction.on_commit(lambda: stock_alert_notify.enqueue(alert_id=alert.pk))
    elif rising:
        StockAlert.objects.filter(warehouse=warehouse, part=part, cleared_at=None).update(cleared_at=timezone.now())


def _units(part: Part, warehouse: Warehouse | None, serials: list[str], *, statuses: set[str], workorder=None):
    """The units with these serials, locked; an unknown serial or one not where it should be is a field error."""
    units = {u.serial: u for u in StockUnit.objects.select_for_update().filter(part=part, serial__in=serials)}
    unknown = [s for s in serials if s not in units]
    if unknown:
        raise ValidationError({"serials": _("Unknown serial number: %(serials)s.") % {"serials": ", ".join(unknown)}})
    wrong = [
        s
        for s, u in units.items()
        if u.status not in statuses
        or (warehouse is not None and u.warehouse_id != warehouse.pk)
        or (workorder is not None and u.status == UnitStatus.RESERVED and u.workorder_id != workorder.pk)
    ]
    if wrong:
        raise ValidationError(
            {"serials": _("Not available here: %(serials)s.") % {"serials": ", ".join(sorted(wrong))}}
        )
    return [units[s] for s in serials]


# ---------------------------------------------------------------------------------------------------- reads


def available(warehouse: Warehouse, part: Part) -> int:
    """Units of `part` in `warehouse` that may still be reserved or issued (on hand minus reserved)."""
    stock = Stock.objects.filter(warehouse=warehouse, part=part).only("on_hand", "reserved").first()
    return stock.available if stock else 0


def reserved_for_order(*, warehouse: Warehouse, part: Part, workorder) -> int:
    total = Move.objects.filter(warehouse=warehouse, part=part, workorder=workorder).aggregate(n=Sum("reserved_delta"))[
        "n"
    ]
    return total or 0


def issued_to_order(*, part: Part, workorder) -> int:
    """Units of the part issued to the order and not returned (over all warehouses)."""
    total = Move.objects.filter(part=part, workorder=workorder, kind__in=[MoveKind.ISSUE, MoveKind.RETURN]).aggregate(
        n=Sum("on_hand_delta")
    )["n"]
    return -(total or 0)


# ---------------------------------------------------------------------------------------------------- moves


@transaction.atomic
def receive(
    *,
    warehouse: Warehouse,
    part: Part,
    actor,
    quantity=None,
    serials=None,
    unit_cost=None,
    note: str = "",
    reference: str = "",
    kind: str = MoveKind.RECEIVE,
) -> Move:
    """Goods received into a warehouse (入库). Serial-tracked parts need one new serial per unit."""
    require(actor, "spares.manage")
    _active(warehouse, part)
    qty, serial_list = _quantity_and_serials(part, quantity, serials)
    if unit_cost not in (None, ""):
        unit_cost = Decimal(str(unit_cost))
        if unit_cost < 0:
            raise ValidationError({"unit_cost": _("The unit cost cannot be negative.")})
    else:
        unit_cost = None
    if serial_list:
        known = sorted(StockUnit.objects.filter(part=part, serial__in=serial_list).values_list("serial", flat=True))
        if known:
            raise ValidationError(
                {"serials": _("Serial number already in the store: %(serials)s.") % {"serials": ", ".join(known)}}
            )
    stock = _lock_stock(warehouse, part)
    if serial_list:
        StockUnit.objects.bulk_create(StockUnit(part=part, serial=s, warehouse=warehouse) for s in serial_list)
    return _move(
        stock=stock,
        warehouse=warehouse,
        part=part,
        kind=kind,
        on_hand=qty,
        actor=actor,
        serials=serial_list,
        unit_cost=unit_cost,
        note=note[:300],
        reference=reference[:60],
    )


@transaction.atomic
def reserve_for_order(*, warehouse: Warehouse, part: Part, workorder, actor, quantity=None, serials=None) -> Move:
    """Set units aside for an order (预留): they stay on hand but are no longer available to anyone else."""
    from weibao.workorders.choices import EventKind

    _check_warehouse(actor, warehouse)
    _active(warehouse, part)
    qty, serial_list = _quantity_and_serials(part, quantity, serials)
    _order_event(
        workorder=workorder,
        actor=actor,
        kind=EventKind.PARTS_RESERVED,
        part=part,
        quantity=qty,
        serials=serial_list,
        warehouse=warehouse,
        statuses=_open_statuses(),
        text=_("Reserved %(part)s %(model)s × %(quantity)s %(unit)s."),
    )
    stock = _lock_stock(warehouse, part)
    if serial_list:
        units = _units(part, warehouse, serial_list, statuses={UnitStatus.IN_STOCK})
        StockUnit.objects.filter(pk__in=[u.pk for u in units]).update(
            status=UnitStatus.RESERVED, workorder=workorder, updated_at=timezone.now()
        )
    if stock.available < qty:
        raise _shortage(stock, part, qty)
    return _move(
        stock=stock,
        warehouse=warehouse,
        part=part,
        kind=MoveKind.RESERVE,
        on_hand=0,
        reserved=qty,
        actor=actor,
        serials=serial_list,
        workorder=workorder,
    )


@transaction.atomic
def release_reservation(*, warehouse: Warehouse, part: Part, workorder, actor, quantity=None, serials=None) -> Move:
    """Give back units reserved for an order that it will not need."""
    _check_warehouse(actor, warehouse)
    qty, serial_list = _quantity_and_serials(part, quantity, serials)
    stock = _lock_stock(warehouse, part)
    held = reserved_for_order(warehouse=warehouse, part=part, workorder=workorder)
    if qty > held:
        raise ValidationError({"quantity": _("Only %(held)s reserved for this order here.") % {"held": held}})
    if serial_list:
        units = _units(part, warehouse, serial_list, statuses={UnitStatus.RESERVED}, workorder=workorder)
        StockUnit.objects.filter(pk__in=[u.pk for u in units]).update(
            status=UnitStatus.IN_STOCK, workorder=None, updated_at=timezone.now()
        )
    return _move(
        stock=stock,
        warehouse=warehouse,
        part=part,
        kind=MoveKind.UNRESERVE,
        on_hand=0,
        reserved=-qty,
        actor=actor,
        serials=serial_list,
        workorder=workorder,
    )


@transaction.atomic
def issue_to_order(
    *, warehouse: Warehouse, part: Part, workorder, actor, quantity=None, serials=None, note: str = ""
) -> Move:
    """Take units out of a warehouse for an order (领用): first from what is reserved for that order, then from
    what is available. Refused, with nothing written, if the warehouse has too few."""
    from weibao.workorders.choices import EventKind

    _check_warehouse(actor, warehouse)
    _active(warehouse, part)
    qty, serial_list = _quantity_and_serials(part, quantity, serials)
    _order_event(
        workorder=workorder,
        actor=actor,
        kind=EventKind.PARTS_ISSUED,
        part=part,
        quantity=qty,
        serials=serial_list,
        warehouse=warehouse,
        statuses=_open_statuses(),
        text=_("Issued %(part)s %(model)s × %(quantity)s %(unit)s."),
    )
    if not serial_list:
        taken = _take_unreserved(warehouse, part, qty)
        if taken is not None:
            return _move(
                stock=taken,
                warehouse=warehouse,
                part=part,
                kind=MoveKind.ISSUE,
                on_hand=-qty,
                actor=actor,
                workorder=workorder,
                note=note[:300],
                applied=True,
            )
    stock = _lock_stock(warehouse, part)
    if serial_list:
        units = _units(
            part, warehouse, serial_list, statuses={UnitStatus.IN_STOCK, UnitStatus.RESERVED}, workorder=workorder
        )
        from_reservation = sum(1 for u in units if u.status == UnitStatus.RESERVED)
        StockUnit.objects.filter(pk__in=[u.pk for u in units]).update(
            status=UnitStatus.ISSUED, warehouse=None, workorder=workorder, updated_at=timezone.now()
        )
    else:
        held = reserved_for_order(warehouse=warehouse, part=part, workorder=workorder) if stock.reserved else 0
        from_reservation = min(qty, held)
    if stock.available < qty - from_reservation:
        raise _shortage(stock, part, qty - from_reservation)
    return _move(
        stock=stock,
        warehouse=warehouse,
        part=part,
        kind=MoveKind.ISSUE,
        on_hand=-qty,
        reserved=-from_reservation,
        actor=actor,
        serials=serial_list,
        workorder=workorder,
        note=note[:300],
    )


@transaction.atomic
def return_unused(
    *, warehouse: Warehouse, part: Part, workorder, actor, quantity=None, serials=None, note: str = ""
) -> Move:
    """Units issued to an order but not used go back into a warehouse (退库), at most what the order holds."""
    from weibao.workorders.choices import EventKind

    _check_warehouse(actor, warehouse)
    _active(warehouse, part)
    qty, serial_list = _quantity_and_serials(part, quantity, serials)
    _order_event(
        workorder=workorder,
        actor=actor,
        kind=EventKind.PARTS_RETURNED,
        part=part,
        quantity=qty,
        serials=serial_list,
        warehouse=warehouse,
        statuses=_all_statuses(),
        text=_("Returned %(part)s %(model)s × %(quantity)s %(unit)s unused."),
    )
    stock = _lock_stock(warehouse, part)
    held = issued_to_order(part=part, workorder=workorder)
    if qty > held:
        raise ValidationError({"quantity": _("Only %(held)s issued to this order.") % {"held": held}})
    if serial_list:
        units = _units(part, None, serial_list, statuses={UnitStatus.ISSUED})
        foreign = [u.serial for u in units if u.workorder_id != workorder.pk]
        if foreign:
            raise ValidationError(
                {"serials": _("Not issued to this order: %(serials)s.") % {"serials": ", ".join(foreign)}}
            )
        StockUnit.objects.filter(pk__in=[u.pk for u in units]).update(
            status=UnitStatus.IN_STOCK, warehouse=warehouse, workorder=None, updated_at=timezone.now()
        )
    return _move(
        stock=stock,
        warehouse=warehouse,
        part=part,
        kind=MoveKind.RETURN,
        on_hand=qty,
        actor=actor,
        serials=serial_list,
        workorder=workorder,
        note=note[:300],
    )


@transaction.atomic
def write_off(*, warehouse: Warehouse, part: Part, actor, reason: str, quantity=None, serials=None) -> Move:
    """Units lost, broken beyond repair or scrapped (报废): out of stock for good, with the reason."""
    require(actor, "spares.manage")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stock is written off.")})
    qty, serial_list = _quantity_and_serials(part, quantity, serials)
    stock = _lock_stock(warehouse, part)
    if serial_list:
        units = _units(part, warehouse, serial_list, statuses={UnitStatus.IN_STOCK})
        StockUnit.objects.filter(pk__in=[u.pk for u in units]).update(
            status=UnitStatus.WRITTEN_OFF, warehouse=None, updated_at=timezone.now()
        )
    if stock.available < qty:
        raise _shortage(stock, part, qty)
    return _move(
        stock=stock,
        warehouse=warehouse,
        part=part,
        kind=MoveKind.WRITE_OFF,
        on_hand=-qty,
        actor=actor,
        serials=serial_list,
        note=reason[:300],
    )


@transaction.atomic
def receive_repaired(
    *, warehouse: Warehouse, part: Part, actor, serial: str = "", quantity=1, reference: str = "", note: str = ""
) -> Move:
    """A repaired unit back into stock (修复入库), e.g. from an RMA case (`reference` = the case number).
    A serial already known to the store (issued, sold, written off) comes back to this warehouse; a unit the store
    never held is registered. A unit already in a warehouse is refused. The caller (e.g. the RMA case's service)
    checks its own permission: this is a step of its workflow."""
    _active(warehouse, part)
    if not part.is_serial:
        qty, _none = _quantity_and_serials(part, quantity, None)
        stock = _lock_stock(warehouse, part)
        return _move(
            stock=stock,
            warehouse=warehouse,
            part=part,
            kind=MoveKind.REPAIRED_IN,
            on_hand=qty,
            actor=actor,
            reference=reference[:60],
            note=note[:300],
        )
    (serial_clean,) = _quantity_and_serials(part, None, [serial])[1]
    stock = _lock_stock(warehouse, part)
    unit = StockUnit.objects.select_for_update().filter(part=part, serial=serial_clean).first()
    if unit is None:
        StockUnit.objects.create(part=part, serial=serial_clean, warehouse=warehouse)
    elif unit.status in (UnitStatus.IN_STOCK, UnitStatus.RESERVED, UnitStatus.IN_TRANSIT):
        raise ValidationError({"serials": _("Serial number %(serial)s is already in the store.") % {"serial": serial}})
    else:
        StockUnit.objects.filter(pk=unit.pk).update(
            status=UnitStatus.IN_STOCK,
            warehouse=warehouse,
            workorder=None,
            sale=None,
            transfer=None,
            updated_at=timezone.now(),
        )
    return _move(
        stock=stock,
        warehouse=warehouse,
        part=part,
        kind=MoveKind.REPAIRED_IN,
        on_hand=1,
        actor=actor,
        serials=[serial_clean],
        reference=reference[:60],
        note=note[:300],
    )


@dataclass
class TransferResult:
    transfer: Transfer
    move: Move


@transaction.atomic
def transfer_send(
    *,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    part: Part,
    actor,
    quantity=None,
    serials=None,
    note: str = "",
) -> Transfer:
    """Send units to another warehouse (调拨出库). Until the receiver confirms, they count in neither warehouse."""
    _check_warehouse(actor, from_warehouse, "from_warehouse")
    if from_warehouse.pk == to_warehouse.pk:
        raise ValidationError({"to_warehouse": _("Choose another warehouse to send to.")})
    _active(from_warehouse, part, "from_warehouse")
    _active(to_warehouse, part, "to_warehouse")
    qty, serial_list = _quantity_and_serials(part, quantity, serials)
    stock = _lock_stock(from_warehouse, part)
    units = _units(part, from_warehouse, serial_list, statuses={UnitStatus.IN_STOCK}) if serial_list else []
    if stock.available < qty:
        raise _shortage(stock, part, qty)
    transfer = Transfer.objects.create(
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        part=part,
        quantity=qty,
        sent_by=actor,
        note=note[:300],
    )
    if units:
        StockUnit.objects.filter(pk__in=[u.pk for u in units]).update(
            status=UnitStatus.IN_TRANSIT, warehouse=None, transfer=transfer, updated_at=timezone.now()
        )
    _move(
        stock=stock,
        warehouse=from_warehouse,
        part=part,
        kind=MoveKind.TRANSFER_OUT,
        on_hand=-qty,
        actor=actor,
        serials=serial_list,
        transfer=transfer,
        note=note[:300],
    )
    return transfer


@transaction.atomic
def transfer_receive(*, transfer: Transfer, actor, expected_version: int | None = None) -> Transfer:
    """The receiving warehouse confirms the parts arrived (调拨入库); only now do they count there."""
    locked = Transfer.objects.select_for_update().select_related("to_warehouse", "part").get(pk=transfer.pk)
    _check_warehouse(actor, locked.to_warehouse, "to_warehouse")
    if expected_version is not None and locked.version != expected_version:
        from weibao.core.exceptions import StaleEdit

        raise StaleEdit
    if locked.status != TransferStatus.IN_TRANSIT:
        raise TransitionNotAllowed(
            current=locked.status, requested=TransferStatus.RECEIVED, message=_("This transfer was already received.")
        )
    serial_list = list(locked.units.order_by("serial").values_list("serial", flat=True))
    stock = _lock_stock(locked.to_warehouse, locked.part)
    locked.units.update(
        status=UnitStatus.IN_STOCK, warehouse=locked.to_warehouse, transfer=None, updated_at=timezone.now()
    )
    _move(
        stock=stock,
        warehouse=locked.to_warehouse,
        part=locked.part,
        kind=MoveKind.TRANSFER_IN,
        on_hand=locked.quantity,
        actor=actor,
        serials=serial_list,
        transfer=locked,
    )
    locked.status, locked.received_by, locked.received_at = TransferStatus.RECEIVED, actor, timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "received_by", "received_at", "version", "updated_at"])
    return locked


# ---------------------------------------------------------------------------------------------------- the order's quote


def _quote_description(part: Part) -> str:
    return f"{part.name} {part.model} [{part.part_number}]".replace("  ", " ")


@transaction.atomic
def parts_add_to_quote(*, workorder, actor, expected_version: int | None = None):
    """Put the parts issued to the order (and not returned) on its quote (报价) at their price: a new quote if it
    has none, else a new version of the current one (the on-site app's rules: the customer approves again).
    Parts already on the current quote are left as they are. Returns the quote, or None if there was nothing to add."""
    from weibao.onsite import selectors as onsite_selectors
    from weibao.onsite import services as onsite_services

    rows = (
        Move.objects.filter(workorder=workorder, kind__in=[MoveKind.ISSUE, MoveKind.RETURN])
        .values("part")
        .annotate(n=Sum("on_hand_delta"))
    )
    held = {r["part"]: -r["n"] for r in rows if r["n"] < 0}
    if not held:
        raise ValidationError({"parts": _("No parts have been issued to this order.")})
    current = onsite_selectors.quote_current(workorder=workorder)
    lines = onsite_selectors.quote_initial_lines(workorder=workorder, quote=current) if current else []
    on_quote = {line["description"] for line in lines}
    added = False
    for part in Part.objects.filter(pk__in=held).order_by("part_number"):
        description = _quote_description(part)
        if description in on_quote:
            continue
        lines.append(
            {
                "kind": "part",
                "description": description,
                "quantity": Decimal(held[part.pk]),
                "unit_price": part.price,
                "spare_part": None,
                "device": None,
                "labour_basis": "",
                "unit": part.unit,
            }
        )
        added = True
    if not added:
        raise ValidationError({"parts": _("The issued parts are already on the quote.")})
    if current is None:
        return onsite_services.quote_create(
            workorder=workorder, actor=actor, lines=lines, expected_version=expected_version
        )
    return onsite_services.quote_revise(quote=current, actor=actor, lines=lines, expected_version=expected_version)


# ---------------------------------------------------------------------------------------------------- master data


PART_FIELDS = (
    "part_number",
    "name",
    "model",
    "vendor",
    "unit",
    "tracking",
    "min_level",
    "unit_cost",
    "price",
    "active",
)


def _part_clean(part: Part) -> None:
    try:
        part.full_clean(exclude=["version"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


@transaction.atomic
def part_create(*, actor, **fields) -> Part:
    require(actor, "spares.manage")
    part = Part(**{k: v for k, v in fields.items() if k in PART_FIELDS})
    _part_clean(part)
    part.save()
    return part


@transaction.atomic
def part_update(*, part: Part, actor, expected_version: int | None = None, **fields) -> Part:
    """Change a part's master data. The tracking mode is fixed once the part has moved (serials would not match)."""
    from weibao.core.exceptions import StaleEdit

    require(actor, "spares.manage")
    locked = Part.objects.select_for_update().get(pk=part.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit
    changes = {k: v for k, v in fields.items() if k in PART_FIELDS}
    if "tracking" in changes and changes["tracking"] != locked.tracking and locked.moves.exists():
        raise ValidationError({"tracking": _("The part has stock moves: its tracking cannot change.")})
    for name, value in changes.items():
        setattr(locked, name, value)
    _part_clean(locked)
    locked.version += 1
    locked.save()
    return locked


@transaction.atomic
def warehouse_create(*, actor, code: str, name: str, kind: str, branch, owner=None) -> Warehouse:
    require(actor, "spares.manage")
    warehouse = Warehouse(code=code, name=name, kind=kind, branch=branch, owner=owner if kind == "van" else None)
    errors = {}
    if kind == WarehouseKind.VAN and owner is None:
        errors["owner"] = _("A van belongs to an engineer.")
    if kind == WarehouseKind.VAN and owner is not None and Warehouse.objects.filter(kind="van", owner=owner).exists():
        errors["owner"] = _("This engineer already has a van.")
    if owner is not None and not owner.is_internal:
        errors["owner"] = _("Only our own staff can hold a van.")
    if errors:
        raise ValidationError(errors)
    try:
        warehouse.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    warehouse.save()
    return warehouse


@transaction.atomic
def stock_set_min_level(*, warehouse: Warehouse, part: Part, actor, min_level: int | None) -> Stock:
    """The minimum level of one part in one warehouse (empty: the part's own). Not a stock move: quantities stay."""
    require(actor, "spares.manage")
    if min_level is not None and int(min_level) < 0:
        raise ValidationError({"min_level": _("The minimum level cannot be negative.")})
    stock = _lock_stock(warehouse, part)
    Stock.objects.filter(pk=stock.pk).update(min_level=min_level)
    stock.min_level = min_level
    _check_level(stock=stock, warehouse=warehouse, part=part)
    return stock
