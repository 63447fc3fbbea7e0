"""API shapes of the spare-parts store. Quantities are sent as numbers or strings and checked by the services
(a negative or fractional quantity is a 422 with a field error); money comes back as decimal strings."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field

from weibao.core.apischema import Id, Schema


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    branch_id: int
    owner_id: int | None
    is_active: bool


class PartOut(Schema):
    id: int
    version: int
    part_number: str
    name: str
    model: str
    vendor_id: int | None
    unit: str
    tracking: str
    min_level: int
    unit_cost: Decimal
    price: Decimal
    active: bool


class PartIn(Schema):
    part_number: str = Field(..., max_length=60)
    name: str = Field(..., max_length=200)
    model: str = Field("", max_length=120)
    vendor_id: Id | None = None
    unit: str = Field("个", max_length=20)
    tracking: str = "counted"
    min_level: int = Field(0, ge=0, le=1_000_000)
    unit_cost: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    price: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    active: bool = True


class PartPatch(Schema):
    expected_version: int | None = None
    name: str | None = Field(None, max_length=200)
    model: str | None = Field(None, max_length=120)
    unit: str | None = Field(None, max_length=20)
    tracking: str | None = None
    min_level: int | None = Field(None, ge=0, le=1_000_000)
    unit_cost: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    price: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    active: bool | None = None


class StockOut(Schema):
    part: PartOut
    on_hand: int
    reserved: int
    available: int
    min_level: int | None


class MoveOut(Schema):
    id: int
    at: datetime.datetime
    kind: str
    warehouse_id: int
    part_id: int
    part_number: str = Field(..., alias="part.part_number")
    on_hand_delta: int
    reserved_delta: int
    on_hand_after: int
    serials: list[str]
    workorder_id: int | None
    transfer_id: int | None
    sale_id: int | None
    reference: str
    note: str
    actor_id: int


class StockMoveIn(Schema):
    warehouse_id: Id
    part_id: Id
    quantity: int | str | None = Field(None, description="Whole units > 0; for serial-tracked parts the serials count.")
    serials: list[str] = Field(default_factory=list, max_length=1000)
    note: str = Field("", max_length=300)


class ReceiveIn(StockMoveIn):
    unit_cost: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    reference: str = Field("", max_length=60)


class WriteOffIn(StockMoveIn):
    reason: str = Field(..., max_length=300)


class RepairedIn(Schema):
    warehouse_id: Id
    part_id: Id
    serial: str = Field("", max_length=120)
    quantity: int | str | None = 1
    reference: str = Field("", max_length=60, description="e.g. the RMA case number")
    note: str = Field("", max_length=300)


class TransferIn(StockMoveIn):
    to_warehouse_id: Id


class TransferOut(Schema):
    id: int
    number: str
    version: int
    from_warehouse_id: int
    to_warehouse_id: int
    part_id: int
    quantity: int
    status: str
    received_at: datetime.datetime | None


class StockVersionIn(Schema):
    expected_version: int | None = None


class OrderMoveIn(Schema):
    warehouse_id: Id
    part_id: Id
    quantity: int | str | None = None
    serials: list[str] = Field(default_factory=list, max_length=1000)
    note: str = Field("", max_length=300)


class OrderPartOut(Schema):
    part_id: int
    part_number: str
    name: str
    model: str
    unit: str
    issued: int
    reserved: int
    serials: list[str]
    price: Decimal
    amount: Decimal


class OrderPartsOut(Schema):
    workorder_id: int
    parts: list[OrderPartOut]
    total: Decimal


class AlertOut(Schema):
    id: int
    warehouse_id: int
    part_id: int
    available: int
    min_level: int
    created_at: datetime.datetime


class SaleLineIn(Schema):
    part_id: Id
    quantity: int | str
    unit_price: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class SaleIn(Schema):
    customer_id: Id
    warehouse_id: Id
    lines: list[SaleLineIn] = Field(..., min_length=1, max_length=100)
    tax_rate: Decimal | None = Field(None, ge=0, lt=1, max_digits=5, decimal_places=4)
    note: str = Field("", max_length=2000)
    contact_name: str = Field("", max_length=100)


class SaleLineOut(Schema):
    id: int
    part_id: int
    quantity: int
    unit_price: Decimal
    amount: Decimal
    serials: list[str]


class SaleOut(Schema):
    id: int
    number: str
    version: int
    customer_id: int
    warehouse_id: int
    status: str
    tax_rate: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    contact_name: str
    answer_name: str
    answered_via: str
    answered_at: datetime.datetime | None
    issued_at: datetime.datetime | None
    invoice_number: str
    invoiced_at: datetime.datetime | None
    lines: list[SaleLineOut]


class SaleApproveIn(StockVersionIn):
    approved_by_name: str = Field(..., max_length=100)


class SaleAnswerIn(StockVersionIn):
    approve: bool
    name: str = Field("", max_length=100, description="who answered (a customer user: empty for themselves)")
    reason: str = Field("", max_length=2000)


class SaleIssueIn(StockVersionIn):
    serials: dict[str, list[str]] = Field(default_factory=dict, description="line id → serial numbers")


class SaleInvoiceIn(StockVersionIn):
    invoice_number: str = Field(..., max_length=40)


class SaleCancelIn(StockVersionIn):
    reason: str = Field(..., max_length=300)
