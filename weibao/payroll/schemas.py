"""API shapes of the month end. Money goes out as decimal strings (never floats) and comes in as numbers or
decimal strings; edits carry `expected_version` (409 when the row changed since)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from pydantic import Field

from weibao.core.apischema import Schema


class PayStepIn(Schema):
    note: str = Field("", max_length=2000)
    expected_version: int | None = None


class PrepareIn(Schema):
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    expected_version: int | None = None


class PayEventOut(Schema):
    kind: str
    actor: str
    authority_level: str
    note: str
    at: datetime.datetime


class MonthOut(Schema):
    month: str
    status: str
    version: int
    prepared_by: str | None
    prepared_at: datetime.datetime
    reviewed_by: str | None
    reviewed_at: datetime.datetime | None
    approved_by: str | None
    locked_at: datetime.datetime | None
    computed_at: datetime.datetime


class TeamRowOut(Schema):
    branch_id: int | None
    branch: str
    engineers: int
    services: int
    complaints: int
    allowance: Decimal
    visit_fees: Decimal
    bonus: Decimal
    fines: Decimal
    travel: Decimal
    adjustments: Decimal
    total: Decimal


class MonthDetailOut(MonthOut):
    events: list[PayEventOut]
    team: list[TeamRowOut]


class LineOut(Schema):
    kind: str
    on: datetime.date
    workorder_id: int | None
    number: str
    ref: str
    amount: Decimal
    reason: str
    rule_id: int | None
    from_month: datetime.date | None


class StatementOut(Schema):
    id: int
    month: str
    month_status: str
    engineer_id: int
    engineer: str
    branch_id: int | None
    is_dedicated: bool
    on_probation: bool
    services: int
    not_counted: int
    complaints: int
    allowance: Decimal
    visit_fees: Decimal
    bonus: Decimal
    bonus_forfeited: bool
    fines: Decimal
    travel: Decimal
    adjustments: Decimal
    total: Decimal
    attendance_days: Decimal | None
    seniority_years: int
    base_salary: Decimal
    version: int


class StatementDetailOut(StatementOut):
    lines: list[LineOut]


class AttendanceIn(Schema):
    attendance_days: Decimal | str | None = None
    expected_version: int | None = None


class PayRuleIn(Schema):
    valid_from: datetime.date
    service_allowance: Decimal | str
    monthly_bonus: Decimal | str
    complaint_fine: Decimal | str
    forfeit_threshold: int
    non_dedicated_visit_fee: Decimal | str
    base_salary: Decimal | str
    probation_base_salary: Decimal | str
    seniority_per_year: Decimal | str
    standard_days: Decimal | str = "21.75"
    note: str = Field("", max_length=300)


class PayRuleOut(Schema):
    id: int
    valid_from: datetime.date
    service_allowance: Decimal
    monthly_bonus: Decimal
    complaint_fine: Decimal
    forfeit_threshold: int
    non_dedicated_visit_fee: Decimal
    base_salary: Decimal
    probation_base_salary: Decimal
    seniority_per_year: Decimal
    standard_days: Decimal
    note: str


class ProfileIn(Schema):
    hire_date: datetime.date | None = None
    confirmation_date: datetime.date | None = None


class ProfileOut(Schema):
    user_id: int
    hire_date: datetime.date | None
    confirmation_date: datetime.date | None


class ApprovalIn(Schema):
    workorder_id: int
    kind: str
    reason: str = Field(..., max_length=2000)
    estimated_amount: Decimal | str | None = None


class TravelAnswerIn(Schema):
    approve: bool
    note: str = Field("", max_length=300)


class ApprovalOut(Schema):
    id: int
    engineer_id: int
    workorder_id: int
    kind: str
    reason: str
    estimated_amount: Decimal | None
    status: str
    answered_by_id: int | None
    answered_at: datetime.datetime | None
    answer_note: str
    created_at: datetime.datetime


class ClaimOut(Schema):
    id: int
    engineer_id: int
    workorder_id: int
    kind: str
    trip_at: datetime.datetime
    amount: Decimal
    description: str
    approval_id: int | None
    status: str
    refusal_reason: str
    has_receipt: bool
    created_at: datetime.datetime


class KpiOut(Schema):
    engineer_id: int | None = None
    engineer: str = ""
    branch_id: int | None = None
    branch: str = ""
    services: int
    ftf_rate: float | None
    sla_rate: float | None
    satisfaction: float | None
    complaints: int
    callbacks: int
    callback_satisfaction: float | None
    travel_per_service: Decimal | None


class KpiBoardOut(Schema):
    month: str
    engineers: list[KpiOut]
    branches: list[KpiOut]
    trend: dict
    as_of: datetime.datetime | None = Field(None, description="When the oldest of the months' figures was computed.")
    pending: bool = Field(False, description="A month is being recomputed; ask again in a few seconds.")
