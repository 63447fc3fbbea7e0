"""REST API of the spare-parts store (mounted at /api/spares/): warehouses and stock, parts, the ledger, moves
(receive, transfer and its receipt, write off, repaired back), a work order's parts (issue, return, reserve, release,
onto the quote), low-stock alerts and parts sales.

The store is our staff's: customers and vendors get 404 on all of it, except `GET /work-orders/{id}/parts` for an
order they may see. Bad input is 422 with field errors; a wrong state or a stale `expected_version` 409."""

from __future__ import annotations

from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from weibao.accounts.models import Organisation
from weibao.accounts.permissions import has_perm
from weibao.core.apischema import Id, Offset, Schema, api_errors
from weibao.spares import sales, selectors, services
from weibao.spares.models import Part, PartSale, Warehouse
from weibao.spares.schemas import (
    AlertOut,
    MoveOut,
    OrderMoveIn,
    OrderPartsOut,
    PartIn,
    PartOut,
    PartPatch,
    ReceiveIn,
    RepairedIn,
    SaleAnswerIn,
    SaleApproveIn,
    SaleCancelIn,
    SaleIn,
    SaleInvoiceIn,
    SaleIssueIn,
    SaleOut,
    StockOut,
    StockVersionIn,
    TransferIn,
    TransferOut,
    WarehouseOut,
    WriteOffIn,
)
from weibao.workorders.selectors import workorder_get_for_user

router = Router(tags=["spare parts"])
Limit = Annotated[int, Field(ge=1, le=500)]
SearchText = Annotated[str, Field(max_length=60)]


def _need(request, perm: str) -> None:
    if not has_perm(request.auth, perm):
        raise Http404


def _warehouse(request, pk: int, field: str = "warehouse_id") -> Warehouse:
    from django.core.exceptions import ValidationError

    _need(request, "spares.view")
    wh = Warehouse.objects.filter(pk=pk).first()
    if wh is None:
        raise ValidationError({field: [_("Unknown warehouse.")]})
    return wh


def _part(request, pk: int) -> Part:
    from django.core.exceptions import ValidationError

    part = Part.objects.filter(pk=pk).first()
    if part is None:
        raise ValidationError({"part_id": [_("Unknown part.")]})
    return part


# --- warehouses, stock, parts, ledger -----------------------------------------------------------------------------


@router.get("/warehouses", response=list[WarehouseOut])
@api_errors(404)
def warehouses(request):
    _need(request, "spares.view")
    return list(selectors.warehouse_list(user=request.auth))


class StockFilter(Schema):
    q: SearchText = ""
    low: bool = False
    limit: Limit = 100
    offset: Offset = 0


@router.get("/warehouses/{int:warehouse_id}/stock", response=list[StockOut])
@api_errors(404)
def stock(request, warehouse_id: int, filters: Query[StockFilter]):
    """The warehouse's stock by part number (on hand, reserved, available); `low=true` only parts below minimum."""
    wh = selectors.warehouse_get_for_user(user=request.auth, pk=warehouse_id)
    limit, offset = filters.limit, filters.offset
    rows = selectors.stock_for_warehouse(warehouse=wh, q=filters.q, low_only=filters.low)[offset : offset + limit]
    return [
        {
            "part": s.part,
            "on_hand": s.on_hand,
            "reserved": s.reserved,
            "available": s.available,
            "min_level": s.effective_min_level(wh.kind),
        }
        for s in rows
    ]


@router.get("/parts", response=list[PartOut])
@api_errors(404)
def parts(request, q: SearchText = "", limit: Limit = 100, offset: Offset = 0):
    _need(request, "spares.view")
    return list(selectors.part_list(user=request.auth, q=q, active_only=False)[offset : offset + limit])


@router.post("/parts", response={201: PartOut})
@api_errors(404)
def create_part(request, payload: PartIn):
    _need(request, "spares.manage")
    data = payload.dict()
    vendor_id = data.pop("vendor_id")
    return Status(201, services.part_create(actor=request.auth, vendor_id=vendor_id, **data))


@router.get("/parts/{int:part_id}", response=PartOut)
@api_errors(404)
def get_part(request, part_id: int):
    return selectors.part_get_for_user(user=request.auth, pk=part_id)


@router.patch("/parts/{int:part_id}", response=PartOut)
@api_errors(404, 409)
def update_part(request, part_id: int, payload: PartPatch):
    part = selectors.part_get_for_user(user=request.auth, pk=part_id)
    _need(request, "spares.manage")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "expected_version"}
    return services.part_update(part=part, actor=request.auth, expected_version=payload.expected_version, **changes)


class LedgerFilter(Schema):
    warehouse_id: Id | None = None
    part_id: Id | None = None
    workorder_id: Id | None = None
    kind: Annotated[str, Field(max_length=16)] = ""
    before: Id | None = None
    limit: Limit = 100


@router.get("/ledger", response=list[MoveOut])
@api_errors(404)
def ledger(request, filters: Query[LedgerFilter]):
    """Ledger rows newest first; page with `before` = the last id you got."""
    _need(request, "spares.view")
    f = selectors.LedgerFilters(
        warehouse=filters.warehouse_id, part=filters.part_id, kind=filters.kind, workorder=filters.workorder_id
    )
    return selectors.ledger(user=request.auth, filters=f, before=filters.before, limit=filters.limit)


@router.get("/alerts", response=list[AlertOut])
@api_errors(404)
def alerts(request):
    _need(request, "spares.view")
    return list(selectors.open_alerts(user=request.auth)[:500])


# --- moves --------------------------------------------------------------------------------------------------------


@router.post("/moves/receive", response={201: MoveOut})
@api_errors(404)
def receive(request, payload: ReceiveIn):
    _need(request, "spares.manage")
    return Status(
        201,
        services.receive(
            warehouse=_warehouse(request, payload.warehouse_id),
            part=_part(request, payload.part_id),
            actor=request.auth,
            quantity=payload.quantity,
            serials=payload.serials,
            unit_cost=payload.unit_cost,
            note=payload.note,
            reference=payload.reference,
        ),
    )


@router.post("/moves/write-off", response={201: MoveOut})
@api_errors(404)
def write_off(request, payload: WriteOffIn):
    _need(request, "spares.manage")
    return Status(
        201,
        services.write_off(
            warehouse=_warehouse(request, payload.warehouse_id),
            part=_part(request, payload.part_id),
            actor=request.auth,
            quantity=payload.quantity,
            serials=payload.serials,
            reason=payload.reason,
        ),
    )


@router.post("/moves/repaired", response={201: MoveOut})
@api_errors(404)
def repaired(request, payload: RepairedIn):
    """A repaired unit back into stock (e.g. from an RMA case: `reference` = its number)."""
    _need(request, "spares.manage")
    return Status(
        201,
        services.receive_repaired(
            warehouse=_warehouse(request, payload.warehouse_id),
            part=_part(request, payload.part_id),
            actor=request.auth,
            serial=payload.serial,
            quantity=payload.quantity,
            reference=payload.reference,
            note=payload.note,
        ),
    )


@router.post("/transfers", response={201: TransferOut})
@api_errors(404)
def send_transfer(request, payload: TransferIn):
    """Send parts to another warehouse; they count in neither until the receiver confirms."""
    _need(request, "spares.view")
    return Status(
        201,
        services.transfer_send(
            from_warehouse=_warehouse(request, payload.warehouse_id),
            to_warehouse=_warehouse(request, payload.to_warehouse_id, "to_warehouse_id"),
            part=_part(request, payload.part_id),
            actor=request.auth,
            quantity=payload.quantity,
            serials=payload.serials,
            note=payload.note,
        ),
    )


@router.get("/transfers", response=list[TransferOut])
@api_errors(404)
def transfers(request):
    """Transfers in transit."""
    _need(request, "spares.view")
    return list(selectors.transfers_in_transit(user=request.auth)[:500])


@router.post("/transfers/{int:transfer_id}/receive", response=TransferOut)
@api_errors(404, 409)
def receive_transfer(request, transfer_id: int, payload: StockVersionIn):
    tr = selectors.transfer_get_for_user(user=request.auth, pk=transfer_id)
    return services.transfer_receive(transfer=tr, actor=request.auth, expected_version=payload.expected_version)


# --- a work order's parts -----------------------------------------------------------------------------------------


def _order(request, workorder_id: int):
    wo = workorder_get_for_user(user=request.auth, pk=workorder_id)  # 404 outside the user's scope
    _need(request, "spares.order_parts")
    return wo


def _order_parts(request, wo) -> dict:
    summary = selectors.parts_for_order(workorder=wo, user=request.auth)
    return {
        "workorder_id": wo.pk,
        "total": summary.total,
        "parts": [
            {
                "part_id": p.part.pk,
                "part_number": p.part.part_number,
                "name": p.part.name,
                "model": p.part.model,
                "unit": p.part.unit,
                "issued": p.issued,
                "reserved": p.reserved if request.auth.is_internal else 0,
                "serials": p.serials,
                "price": p.part.price,
                "amount": p.amount,
            }
            for p in summary.parts
        ],
    }


@router.get("/work-orders/{int:workorder_id}/parts", response=OrderPartsOut)
@api_errors(404)
def order_parts(request, workorder_id: int):
    """The parts issued to the order (customers: their own orders only, without costs or warehouses)."""
    return _order_parts(request, _order(request, workorder_id))


def _order_move(request, workorder_id: int, payload: OrderMoveIn, call):
    wo = _order(request, workorder_id)
    _need(request, "spares.issue")
    return call(wo, _warehouse(request, payload.warehouse_id), _part(request, payload.part_id))


@router.post("/work-orders/{int:workorder_id}/issue", response={201: MoveOut})
@api_errors(404, 409)
def order_issue(request, workorder_id: int, payload: OrderMoveIn):
    """Issue a part to the order from a warehouse (an engineer: the stores or his own van). 422 if too few."""
    return Status(
        201,
        _order_move(
            request,
            workorder_id,
            payload,
            lambda wo, wh, part: services.issue_to_order(
                warehouse=wh,
                part=part,
                workorder=wo,
                actor=request.auth,
                quantity=payload.quantity,
                serials=payload.serials,
                note=payload.note,
            ),
        ),
    )


@router.post("/work-orders/{int:workorder_id}/return", response={201: MoveOut})
@api_errors(404, 409)
def order_return(request, workorder_id: int, payload: OrderMoveIn):
    return Status(
        201,
        _order_move(
            request,
            workorder_id,
            payload,
            lambda wo, wh, part: services.return_unused(
                warehouse=wh,
                part=part,
                workorder=wo,
                actor=request.auth,
                quantity=payload.quantity,
                serials=payload.serials,
                note=payload.note,
            ),
        ),
    )


@router.post("/work-orders/{int:workorder_id}/reserve", response={201: MoveOut})
@api_errors(404, 409)
def order_reserve(request, workorder_id: int, payload: OrderMoveIn):
    return Status(
        201,
        _order_move(
            request,
            workorder_id,
            payload,
            lambda wo, wh, part: services.reserve_for_order(
                warehouse=wh,
                part=part,
                workorder=wo,
                actor=request.auth,
                quantity=payload.quantity,
                serials=payload.serials,
            ),
        ),
    )


@router.post("/work-orders/{int:workorder_id}/release", response={201: MoveOut})
@api_errors(404, 409)
def order_release(request, workorder_id: int, payload: OrderMoveIn):
    return Status(
        201,
        _order_move(
            request,
            workorder_id,
            payload,
            lambda wo, wh, part: services.release_reservation(
                warehouse=wh,
                part=part,
                workorder=wo,
                actor=request.auth,
                quantity=payload.quantity,
                serials=payload.serials,
            ),
        ),
    )


class QuoteRef(Schema):
    quote_id: int
    revision: int
    total: str


@router.post("/work-orders/{int:workorder_id}/quote", response={201: QuoteRef})
@api_errors(404, 409)
def order_to_quote(request, workorder_id: int, payload: StockVersionIn):
    """Put the issued parts on the order's quote (a new quote or a new version); the customer approves again."""
    wo = _order(request, workorder_id)
    _need(request, "onsite.quote")
    quote = services.parts_add_to_quote(workorder=wo, actor=request.auth, expected_version=payload.expected_version)
    return Status(201, {"quote_id": quote.pk, "revision": quote.revision, "total": str(quote.total)})


# --- parts sales --------------------------------------------------------------------------------------------------


@router.get("/sales", response=list[SaleOut])
@api_errors(404)
def sale_list(request, status: Annotated[str, Field(max_length=16)] = "", limit: Limit = 100, offset: Offset = 0):
    _need(request, "spares.sales")
    return list(
        selectors.sale_list(user=request.auth, status=status).prefetch_related("lines")[offset : offset + limit]
    )


@router.post("/sales", response={201: SaleOut})
@api_errors(404)
def sale_create(request, payload: SaleIn):
    from django.core.exceptions import ValidationError

    _need(request, "spares.sales")
    customer = Organisation.objects.filter(pk=payload.customer_id, kind="customer").first()
    if customer is None:
        raise ValidationError({"customer_id": [_("Unknown customer.")]})
    sale = sales.sale_quote(
        customer=customer,
        warehouse=_warehouse(request, payload.warehouse_id),
        actor=request.auth,
        lines=[
            {"part": line.part_id, "quantity": line.quantity, "unit_price": line.unit_price} for line in payload.lines
        ],
        tax_rate=payload.tax_rate,
        note=payload.note,
        contact_name=payload.contact_name,
    )
    return Status(201, selectors.sale_get_for_user(user=request.auth, pk=sale.pk))


@router.get("/sales/{int:sale_id}", response=SaleOut)
@api_errors(404)
def sale_get(request, sale_id: int):
    return selectors.sale_get_for_user(user=request.auth, pk=sale_id)


def _sale(request, sale_id: int) -> PartSale:
    return selectors.sale_get_for_user(user=request.auth, pk=sale_id)


@router.post("/sales/{int:sale_id}/approve", response=SaleOut)
@api_errors(404, 409)
def sale_approve(request, sale_id: int, payload: SaleApproveIn):
    """Record the customer's approval of the quote."""
    sales.sale_approve(
        sale=_sale(request, sale_id),
        actor=request.auth,
        approved_by_name=payload.approved_by_name,
        expected_version=payload.expected_version,
    )
    return _sale(request, sale_id)


@router.post("/sales/{int:sale_id}/answer", response=SaleOut)
@api_errors(404, 409)
def sale_answer(request, sale_id: int, payload: SaleAnswerIn):
    """The customer approves or refuses the quote (its own sales only, 404 otherwise); our staff may record it."""
    sales.sale_answer(
        sale=_sale(request, sale_id),
        actor=request.auth,
        approve=payload.approve,
        name=payload.name,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _sale(request, sale_id)


@router.post("/sales/{int:sale_id}/issue", response=SaleOut)
@api_errors(404, 409)
def sale_issue(request, sale_id: int, payload: SaleIssueIn):
    """Issue the sold parts from the sale's warehouse (serials per serial-tracked line); all lines or none."""
    serials = {int(k): v for k, v in payload.serials.items() if str(k).isdigit()}
    sales.sale_issue(
        sale=_sale(request, sale_id), actor=request.auth, serials=serials, expected_version=payload.expected_version
    )
    return _sale(request, sale_id)


@router.post("/sales/{int:sale_id}/invoice", response=SaleOut)
@api_errors(404, 409)
def sale_invoice(request, sale_id: int, payload: SaleInvoiceIn):
    sales.sale_invoice(
        sale=_sale(request, sale_id),
        actor=request.auth,
        invoice_number=payload.invoice_number,
        expected_version=payload.expected_version,
    )
    return _sale(request, sale_id)


@router.post("/sales/{int:sale_id}/cancel", response=SaleOut)
@api_errors(404, 409)
def sale_cancel(request, sale_id: int, payload: SaleCancelIn):
    sales.sale_cancel(
        sale=_sale(request, sale_id),
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _sale(request, sale_id)
