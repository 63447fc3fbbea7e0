"""API shapes of vendor escalation and RMA. Writes take the row's `version` as `expected_version` (409 when it
changed since). Money is sent as a number or a decimal string and comes back as a string; dates are YYYY-MM-DD."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field

from weibao.core.apischema import Id, Phone, SaneDate, Schema


class RmaVersionIn(Schema):
    expected_version: int | None = None


# --- escalations --------------------------------------------------------------------------------------------------


class VendorEscalationIn(RmaVersionIn):
    vendor_id: Id
    reason: str = Field("", max_length=4000)
    vendor_case_number: str = Field("", max_length=60)
    vendor_engineer: str = Field("", max_length=100)
    vendor_engineer_phone: Phone = ""


class EscalationPatchIn(RmaVersionIn):
    vendor_case_number: str | None = Field(None, max_length=60)
    vendor_engineer: str | None = Field(None, max_length=100)
    vendor_engineer_phone: Phone | None = None


class QuestionIn(Schema):
    question: str = Field(..., max_length=4000)


class AnswerTextIn(Schema):
    answer: str = Field(..., max_length=4000)


class SolveIn(RmaVersionIn):
    root_cause: str = Field(..., max_length=4000)
    solution: str = Field(..., max_length=4000)


class RmaWithdrawIn(RmaVersionIn):
    note: str = Field(..., max_length=2000)


class QuestionOut(Schema):
    id: int
    question: str
    asked_at: datetime.datetime = Field(..., alias="created_at")
    answer: str
    answered_at: datetime.datetime | None


class EscalationOut(Schema):
    id: int
    version: int
    workorder_id: int
    workorder_number: str = Field(..., alias="workorder.number")
    vendor_id: int
    vendor_name: str = Field(..., alias="vendor.name")
    status: str
    escalated_at: datetime.datetime
    response_due_at: datetime.datetime | None
    responded_at: datetime.datetime | None
    response_overdue: bool
    vendor_case_number: str
    vendor_engineer: str
    vendor_engineer_phone: str
    root_cause: str
    solution: str
    closed_at: datetime.datetime | None
    close_note: str
    agreement_name: str | None = Field(None, alias="agreement.name")


class EscalationDetailOut(EscalationOut):
    questions: list[QuestionOut]


class AgreementIn(RmaVersionIn):
    vendor_id: Id
    name: str = Field(..., max_length=200)
    response_hours: int = Field(..., ge=1, le=8760)
    onsite_hours: int | None = Field(None, ge=1, le=8760)
    calendar_id: Id | None = None
    valid_from: SaneDate
    valid_until: SaneDate | None = None
    notes: str = Field("", max_length=4000)


class AgreementOut(Schema):
    id: int
    version: int
    vendor_id: int
    name: str
    response_hours: int
    onsite_hours: int | None
    calendar_id: int | None
    valid_from: datetime.date
    valid_until: datetime.date | None
    notes: str


# --- RMA cases ----------------------------------------------------------------------------------------------------


class CaseIn(Schema):
    source: str = Field(..., description="replacement | stock | manual")
    fault: str = Field(..., max_length=4000)
    replacement_id: Id | None = None
    device_id: Id | None = None
    customer_id: Id | None = None
    workorder_id: Id | None = None
    part_id: Id | None = None
    from_warehouse_id: Id | None = None
    vendor_id: Id | None = None
    model: str = Field("", max_length=120)
    serial_number: str = Field("", max_length=120)
    vendor_warranty_from: SaneDate | None = None
    vendor_warranty_until: SaneDate | None = None
    human_caused: bool = False


class WarrantyIn(RmaVersionIn):
    vendor_warranty_from: SaneDate | None = None
    vendor_warranty_until: SaneDate
    human_caused: bool | None = None


class RmaNoteIn(RmaVersionIn):
    note: str = Field("", max_length=2000)


class VisitDoneIn(RmaVersionIn):
    repaired: bool
    report: str = Field(..., max_length=4000)


class FeeIn(RmaVersionIn):
    repair: Decimal | str
    shipping_out: Decimal | str
    shipping_back: Decimal | str
    other: Decimal | str | None = None
    tax_rate: Decimal | str | None = Field(None, description="A fraction: 0.13 is 13 % VAT (the default).")
    note: str = Field("", max_length=2000)


class FeeAnswerIn(Schema):
    approve: bool
    name: str = Field("", max_length=100, description="Staff recording a phone answer: the customer's person.")
    reason: str = Field("", max_length=2000)


class FeeLinkIn(Schema):
    channel: str = Field(..., description="sms | email | wecom")
    sent_to: str = Field(..., max_length=254)


class FeeLinkOut(Schema):
    approve_url: str
    refuse_url: str


class ShipIn(RmaVersionIn):
    carrier: str
    waybill: str = Field(..., max_length=60)
    shipped_on: SaneDate | None = None
    address: str = Field("", max_length=300)


class VendorReceivedIn(RmaVersionIn):
    vendor_rma_number: str = Field("", max_length=60)


class ShipBackIn(RmaVersionIn):
    outcome: str = Field(..., description="repaired | exchanged | unrepairable")
    report: str = Field(..., max_length=4000)
    carrier: str
    waybill: str = Field(..., max_length=60)
    shipped_on: SaneDate | None = None
    returned_serial: str = Field("", max_length=120)
    vendor_cost: Decimal | str | None = Field(None, description="Staff only: what the vendor charges us.")


class ReturnIn(RmaVersionIn):
    to: str = Field(..., description="customer | stock")
    warehouse_id: Id | None = None
    part_id: Id | None = None
    note: str = Field("", max_length=2000)


class CollectIn(RmaVersionIn):
    invoice_number: str = Field(..., max_length=40)
    invoiced_on: SaneDate | None = None
    paid_on: SaneDate
    paid_amount: Decimal | str | None = None


class CancelIn(RmaVersionIn):
    reason: str = Field(..., max_length=2000)


class FeeOut(Schema):
    id: int
    revision: int
    status: str
    repair: Decimal
    shipping_out: Decimal
    shipping_back: Decimal
    other: Decimal
    tax_rate: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    note: str
    answered_at: datetime.datetime | None
    answered_via: str
    answer_name: str


class ShipmentOut(Schema):
    direction: str
    carrier: str
    waybill: str
    shipped_on: datetime.date


class RmaEventOut(Schema):
    kind: str
    old_status: str
    new_status: str
    body: str
    data: dict
    created_at: datetime.datetime


class CaseListOut(Schema):
    id: int
    version: int
    number: str
    status: str
    source: str
    route: str
    vendor_id: int
    customer_id: int | None
    workorder_id: int | None
    model: str
    serial_number: str
    customer_pays: bool | None
    age_days: int
    days_with_vendor: int | None
    created_at: datetime.datetime


class CaseOut(CaseListOut):
    fault: str
    device_id: int | None
    replacement_id: int | None
    part_id: int | None
    vendor_warranty_from: datetime.date | None
    vendor_warranty_until: datetime.date | None
    our_warranty_until: datetime.date | None
    human_caused: bool
    vendor_repair_free: bool | None
    decision_note: str
    vendor_rma_number: str
    repair_outcome: str
    repair_report: str
    returned_serial: str
    return_to: str
    invoice_number: str | None = None
    invoiced_on: datetime.date | None = None
    paid_on: datetime.date | None = None
    paid_amount: Decimal | None = None
    vendor_cost: Decimal | None = None
    fee: FeeOut | None = None
    shipments: list[ShipmentOut]
    timeline: list[RmaEventOut]
    actions: list[str]
