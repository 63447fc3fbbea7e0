"""Reads of the spare-parts store. The store is our own staff's: customers and vendors see none of it (the models
carry no CUSTOMER_SCOPE/VENDOR_SCOPE, so `scope_queryset` gives them nothing, and the pages ask `spares.view`),
except the parts on their own orders, read through the order they may see (`parts_for_order`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.spares.choices import MoveKind, SaleStatus, TransferStatus, WarehouseKind
from weibao.spares.models import Move, Part, PartSale, Stock, StockAlert, StockImport, Transfer, Warehouse

LEDGER_PAGE = 50


def _ledger_rows() -> QuerySet[Move]:
    """Ledger rows with what a line shows. The order's number comes by a second small query: joining the wide order
    table (with transfer and sale) made PostgreSQL spend far longer planning than running the query."""
    from django.db.models import Prefetch

    from weibao.workorders.models import WorkOrder

    return Move.objects.select_related("warehouse", "part", "actor").prefetch_related(
        Prefetch("workorder", queryset=WorkOrder.objects.only("id", "number"))
    )


def warehouse_list(*, user) -> QuerySet[Warehouse]:
    require(user, "spares.view")
    return scope_queryset(Warehouse.objects.select_related("branch", "owner"), user).filter(is_active=True)


def warehouse_get_for_user(*, user, pk) -> Warehouse:
    if not has_perm(user, "spares.view"):
        raise Http404
    return get_for_user(Warehouse.objects.select_related("branch", "owner"), user, pk=pk)


def van_of(*, user) -> Warehouse | None:
    return Warehouse.objects.filter(kind=WarehouseKind.VAN, owner=user, is_active=True).first()


def warehouses_usable_by(*, user) -> list[Warehouse]:
    """The warehouses the user may take parts from: his own van first, then the stores (all, for store keepers)."""
    from weibao.spares.services import may_use_warehouse

    rows = [w for w in warehouse_list(user=user) if may_use_warehouse(user, w)]
    rows.sort(key=lambda w: (w.owner_id != user.pk, w.kind == WarehouseKind.VAN, w.name))
    return rows


def part_list(*, user, q: str = "", active_only: bool = True) -> QuerySet[Part]:
    require(user, "spares.view")
    qs = scope_queryset(Part.objects.select_related("vendor"), user)
    if active_only:
        qs = qs.filter(active=True)
    q = (q or "").strip()[:60]
    if q:
        qs = qs.filter(Q(part_number__icontains=q) | Q(name__icontains=q) | Q(model__icontains=q))
    return qs.order_by("part_number")


def part_get_for_user(*, user, pk) -> Part:
    if not has_perm(user, "spares.view"):
        raise Http404
    return get_for_user(Part.objects.select_related("vendor"), user, pk=pk)


def stock_for_warehouse(*, warehouse: Warehouse, q: str = "", low_only: bool = False) -> QuerySet[Stock]:
    """One warehouse's stock rows (parts it has or had), by part number. Reads `Stock` only, never the ledger:
    the page costs the same with a million ledger rows."""
    qs = Stock.objects.filter(warehouse=warehouse).select_related("part")
    q = (q or "").strip()[:60]
    if q:
        qs = qs.filter(Q(part__part_number__icontains=q) | Q(part__name__icontains=q) | Q(part__model__icontains=q))
    if low_only:
        open_parts = StockAlert.objects.filter(warehouse=warehouse, cleared_at__isnull=True).values("part_id")
        qs = qs.filter(part_id__in=open_parts)
    return qs.order_by("part__part_number")


def stock_value(*, warehouse: Warehouse) -> Decimal:
    from django.db.models import DecimalField, ExpressionWrapper, F

    total = Stock.objects.filter(warehouse=warehouse).aggregate(
        v=Sum(ExpressionWrapper(F("on_hand") * F("part__unit_cost"), output_field=DecimalField()))
    )["v"]
    return total or Decimal("0")


def stock_for_part(*, part: Part) -> QuerySet[Stock]:
    return Stock.objects.filter(part=part).select_related("warehouse").order_by("warehouse__name")


def in_transit_to(*, warehouse: Warehouse) -> QuerySet[Transfer]:
    return Transfer.objects.filter(to_warehouse=warehouse, status=TransferStatus.IN_TRANSIT).select_related(
        "part", "from_warehouse", "sent_by"
    )


def transfers_in_transit(*, user) -> QuerySet[Transfer]:
    require(user, "spares.view")
    return Transfer.objects.filter(status=TransferStatus.IN_TRANSIT).select_related(
        "part", "from_warehouse", "to_warehouse", "sent_by"
    )


def transfer_get_for_user(*, user, pk) -> Transfer:
    if not has_perm(user, "spares.view"):
        raise Http404
    return get_for_user(Transfer.objects.select_related("part", "from_warehouse", "to_warehouse"), user, pk=pk)


@dataclass
class LedgerFilters:
    warehouse: int | None = None
    part: int | None = None
    kind: str = ""
    workorder: int | None = None


def ledger(*, user, filters: LedgerFilters, before: int | None = None, limit: int = LEDGER_PAGE) -> list[Move]:
    """Ledger rows newest first, keyset-paged by id (`before`): as fast on page 1,000 as on page 1."""
    require(user, "spares.view")
    qs = _ledger_rows()
    if filters.warehouse:
        qs = qs.filter(warehouse_id=filters.warehouse)
    if filters.part:
        qs = qs.filter(part_id=filters.part)
    if filters.kind and filters.kind in MoveKind.values:
        qs = qs.filter(kind=filters.kind)
    if filters.workorder:
        qs = qs.filter(workorder_id=filters.workorder)
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs.order_by("-id")[:limit])


def ledger_for_export(*, user, filters: LedgerFilters, cap: int = 100_000):
    require(user, "spares.view")
    qs = _ledger_rows()
    if filters.warehouse:
        qs = qs.filter(warehouse_id=filters.warehouse)
    if filters.part:
        qs = qs.filter(part_id=filters.part)
    if filters.kind and filters.kind in MoveKind.values:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("-id")[:cap].iterator(chunk_size=2000)


def open_alerts(*, user, branch=None) -> QuerySet[StockAlert]:
    require(user, "spares.view")
    qs = StockAlert.objects.filter(cleared_at__isnull=True).select_related("warehouse", "part")
    if branch is not None:
        qs = qs.filter(warehouse__branch=branch)
    return qs.order_by("-id")


# ---------------------------------------------------------------------------------------------------- on an order


@dataclass
class OrderPart:
    part: Part
    issued: int = 0  # issued and not returned
    reserved: int = 0
    serials: list[str] = field(default_factory=list)
    amount: Decimal = Decimal("0")


@dataclass
class OrderParts:
    parts: list[OrderPart]
    moves: list[Move]
    total: Decimal

    @property
    def has_issued(self) -> bool:
        return any(p.issued for p in self.parts)


def parts_for_order(*, workorder, user) -> OrderParts:
    """The parts reserved for and issued to an order (the caller fetched the order through the user's scope).
    A customer sees the parts issued to its order and their prices, not reservations, costs or warehouses."""
    moves = list(Move.objects.filter(workorder=workorder).select_related("part", "warehouse", "actor").order_by("id"))
    by_part: dict[int, OrderPart] = {}
    for m in moves:
        row = by_part.setdefault(m.part_id, OrderPart(part=m.part))
        if m.kind in (MoveKind.ISSUE, MoveKind.RETURN):
            row.issued -= m.on_hand_delta
            if m.kind == MoveKind.ISSUE:
                row.serials.extend(m.serials)
            else:
                row.serials = [s for s in row.serials if s not in set(m.serials)]
        row.reserved += m.reserved_delta
    parts = []
    for row in by_part.values():
        row.amount = row.part.price * row.issued
        if row.issued or (row.reserved and user.is_internal):
            parts.append(row)
    if not user.is_internal:
        moves = [m for m in moves if m.kind in (MoveKind.ISSUE, MoveKind.RETURN)]
    return OrderParts(parts=parts, moves=moves, total=sum((p.amount for p in parts), Decimal("0")))


# ---------------------------------------------------------------------------------------------------- sales, imports


def sale_list(*, user, status: str = "") -> QuerySet[PartSale]:
    require(user, "spares.sales")
    qs = PartSale.objects.select_related("customer", "warehouse", "created_by")
    if status in SaleStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def sale_get_for_user(*, user, pk) -> PartSale:
    """Staff who sell parts: any sale; a customer user: its own organisation's (404 for any other)."""
    if not (has_perm(user, "spares.sales") or user.is_customer and has_perm(user, "spares.sale_answer")):
        raise Http404
    return get_for_user(
        PartSale.objects.select_related("customer", "warehouse", "created_by").prefetch_related("lines__part"),
        user,
        pk=pk,
    )


def stock_import_get_for_user(*, user, pk) -> StockImport:
    if not has_perm(user, "spares.manage"):
        raise Http404
    return get_for_user(StockImport.objects.select_related("warehouse"), user, pk=pk)
