"""API schemas of the customer loop (`…In` parse, `…Out` answer). Rules are checked by the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from pydantic import Field

from weibao.core.apischema import Id, Phone, SaneDate, Schema


class CallbackOut(Schema):
    id: int
    version: int
    customer_id: int
    customer_name: str
    order_id: int | None
    complaint_id: int | None
    engineer_id: int | None
    contract_id: int | None
    rule: str
    status: str
    contact_name: str
    contact_phone: str
    due_at: datetime.datetime
    next_try_at: datetime.datetime | None
    attempts: int
    outcome: str
    satisfaction: int | None
    remark: str
    follow_up: str
    follow_up_order_id: int | None
    done_at: datetime.datetime | None
    overdue: bool


class CallbackResultIn(Schema):
    outcome: str = Field(max_length=12, description="reached | not_reached")
    satisfaction: int | None = Field(default=None, strict=True, description="1–5, required when reached")
    remark: str = Field(default="", max_length=4000, description="the customer's words, verbatim")
    follow_up: str = Field(default="", max_length=12, description="'' | new_order | complaint")
    follow_up_text: str = Field(default="", max_length=4000)
    follow_up_severity: str = Field(default="", max_length=1, description="severity of the new order (A–D)")
    complaint_category: str = Field(default="", max_length=12)
    expected_version: int | None = None


class CallbackAddIn(Schema):
    order_id: Id


class SelectOut(Schema):
    added: int


class ComplaintIn(Schema):
    customer_id: Id | None = Field(default=None, description="the customer's organisation id (staff only)")
    order_id: Id | None = None
    engineer_id: Id | None = None
    source: str = Field(default="phone", max_length=12)
    category: str = Field(max_length=12)
    severity: str = Field(default="minor", max_length=10)
    complainant_name: str = Field(max_length=100)
    complainant_phone: Phone = ""
    description: str = Field(max_length=4000)


class ComplaintStepIn(Schema):
    text: str = Field(default="", max_length=4000, description="note, answer, reason or statement")
    expected_version: int | None = None


class ComplaintEventOut(Schema):
    id: int
    kind: str
    old_status: str
    new_status: str
    body: str
    internal: bool
    created_at: datetime.datetime
    actor_name: str | None = None


class ComplaintOut(Schema):
    """What of a complaint the caller sees (`access`): managers everything; the engineer concerned that it exists;
    the customer its complaint, the answer and the public steps."""

    id: int
    version: int
    number: str
    access: str
    customer_id: int
    order_id: int | None
    engineer_id: int | None = None
    source: str
    category: str
    severity: str
    status: str
    complainant_name: str | None = None
    complainant_phone: Phone | None = None
    description: str | None = None
    answer: str | None = None
    registered_at: datetime.datetime
    answer_due_at: datetime.datetime | None
    close_due_at: datetime.datetime | None
    answered_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    confirmed_at: datetime.datetime | None = None
    answer_overdue: bool
    close_overdue: bool
    timeline: list[ComplaintEventOut] = []


class SatisfactionRowOut(Schema):
    key: str | None
    label: str
    forms: int
    forms_average: Decimal | None
    callbacks: int
    callbacks_average: Decimal | None
    count: int
    average: Decimal | None


class PeriodQuery(Schema):
    by: str = Field(default="engineer", max_length=12)
    start: SaneDate | None = None
    end: SaneDate | None = None


class ArchiveOut(Schema):
    customer_id: int
    customer_name: str
    order_counts: dict[str, int]
    orders: list[dict]
    forms: list[dict]
    callbacks: list[CallbackOut]
    complaints: list[dict]
    trend: list[SatisfactionRowOut]


class CallbackStatsOut(Schema):
    key: int | None
    label: str
    done: int
    unreachable: int
    rated: int
    average: Decimal | None
