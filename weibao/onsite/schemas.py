"""API shapes of the on-site visit. Every write takes the work order's `version` as `expected_version` (409 when
the order changed since). Money and quantities are sent as numbers or decimal strings and come back as strings."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field, Schema

from weibao.core.apischema import Phone


class StepIn(Schema):
    expected_version: int | None = None


class ConfirmCauseIn(StepIn):
    confirmed_by_name: str = Field(..., max_length=100)
    confirmed_by_phone: Phone = ""
    symptom: str = Field(..., max_length=20_000)
    cause: str
    human_cause: str = ""
    note: str = Field("", max_length=20_000)


class ConfirmationOut(Schema):
    id: int
    confirmed_by_name: str
    confirmed_by_phone: str
    symptom: str
    cause: str
    human_cause: str
    note: str
    charge_reason: str = Field(..., alias="workorder.charge_reason")
    chargeable: bool = Field(..., alias="workorder.chargeable")
    created_at: datetime.datetime


class QuoteLineIn(Schema):
    kind: str
    description: str = Field("", max_length=300)
    # Numbers or decimal strings; checked by the service (field errors `lines.<i>.quantity` / `.unit_price`).
    quantity: Decimal | str = "1"
    unit_price: Decimal | str | None = None
    unit: str = Field("", max_length=20)
    spare_part_id: int | None = None
    device_id: int | None = None
    labour_basis: str = ""


class QuoteIn(StepIn):
    lines: list[QuoteLineIn] = Field(..., min_length=1, max_length=100)
    tax_rate: Decimal | str | None = Field(None, description="A fraction: 0.13 is 13 % VAT (the default).")
    note: str = Field("", max_length=20_000)


class QuoteLineOut(Schema):
    id: int
    position: int
    kind: str
    description: str
    spare_part_id: int | None
    device_id: int | None
    labour_basis: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


class QuoteOut(Schema):
    id: int
    workorder_id: int
    revision: int
    previous_id: int | None
    status: str
    tax_rate: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    note: str
    answered_at: datetime.datetime | None
    answered_via: str
    answer_name: str
    answer_reason: str
    created_at: datetime.datetime
    lines: list[QuoteLineOut]


class AnswerIn(StepIn):
    """`channel` "portal" (a customer, logged in) or "phone" (our engineer, with the customer's `signature` as a
    `data:image/png;base64,…` value and their `name`)."""

    channel: str = "portal"
    name: str = Field("", max_length=100)
    reason: str = Field("", max_length=20_000)
    signature: str = Field("", max_length=2_000_000)


class WithdrawIn(StepIn):
    reason: str = Field(..., max_length=20_000)


class LinkIn(StepIn):
    channel: str
    sent_to: str = Field(..., max_length=254)


class LinkOut(Schema):
    id: int
    quote_id: int
    channel: str
    sent_to: str
    expires_at: datetime.datetime
    token: str
    url: str


class ReplacementIn(StepIn):
    old_device_id: int
    new_serial: str = Field(..., max_length=120)
    new_model: str = Field("", max_length=120)
    signer_name: str = Field(..., max_length=100)
    signature: str = Field(..., max_length=2_000_000)
    new_signature: str = Field("", max_length=2_000_000)
    note: str = Field("", max_length=20_000)


class ReplacementOut(Schema):
    id: int
    old_device_id: int
    new_device_id: int
    old_serial: str
    new_serial: str
    new_model: str
    note: str
    quote_id: int | None
    rma_ref: str
    created_at: datetime.datetime


class BackupOut(Schema):
    id: int
    what: str
    location: str
    performed_by_name: str
    performed_at: datetime.datetime
    file_name: str
    customer_agreed: bool
    agreed_by_name: str
    agreed_at: datetime.datetime | None
    created_at: datetime.datetime


class ChangeIn(StepIn):
    description: str = Field(..., max_length=20_000)
    backup_id: int | None = None


class ChangeOut(Schema):
    id: int
    backup_id: int
    description: str
    created_at: datetime.datetime


class ServiceFormIn(StepIn):
    """Only the fields sent are changed; a signed form is never changed (a new revision is made)."""

    symptom: str | None = Field(None, max_length=20_000)
    inspection: str | None = Field(None, max_length=20_000)
    cause: str | None = None
    cause_detail: str | None = Field(None, max_length=20_000)
    work_done: str | None = Field(None, max_length=20_000)
    solved: bool | None = None
    next_appointment_at: datetime.datetime | None = None
    customer_contact_name: str | None = Field(None, max_length=100)
    customer_contact_phone: Phone | None = None
    engineer_name: str | None = Field(None, max_length=100)
    engineer_phone: Phone | None = None
    satisfaction: int | None = None
    customer_remark: str | None = Field(None, max_length=20_000)


class ServiceFormOut(Schema):
    id: int
    workorder_id: int
    revision: int
    previous_id: int | None
    status: str
    symptom: str
    inspection: str
    cause: str
    cause_detail: str
    work_done: str
    replaced_devices: list[dict]
    solved: bool | None
    next_appointment_at: datetime.datetime | None
    customer_contact_name: str
    customer_contact_phone: str
    engineer_name: str
    engineer_phone: str
    satisfaction: int | None
    customer_remark: str
    has_customer_signature: bool
    has_engineer_signature: bool
    has_stamp_photo: bool
    signed_at: datetime.datetime | None
    complete: bool
    missing: list[str]  # codes: symptom, inspection, cause, work_done, solved, next_appointment_at, …
    missing_labels: list[str]  # the same, named in the request's language

    @staticmethod
    def resolve_has_customer_signature(obj) -> bool:
        return obj.customer_signature_id is not None

    @staticmethod
    def resolve_has_engineer_signature(obj) -> bool:
        return obj.engineer_signature_id is not None

    @staticmethod
    def resolve_has_stamp_photo(obj) -> bool:
        return bool(obj.stamp_photo)


class SparePartOut(Schema):
    id: int
    model: str
    name: str
    unit: str
    unit_price: Decimal
    vendor_id: int | None


class OnsiteOut(Schema):
    """The order's visit at a glance."""

    workorder_id: int
    version: int
    status: str
    wait_reason: str
    chargeable: bool
    charge_reason: str
    block_reason: str | None
    quote: QuoteOut | None
    replacements: list[ReplacementOut]
    backups: list[BackupOut]
    changes: list[ChangeOut]
    form: ServiceFormOut | None
