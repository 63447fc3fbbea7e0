"""API shapes of inspections. Readings travel as numbers or decimal strings (a reading that is not a number is a
422 on `answers.<id>.value`) and come back as strings; plan edits take `expected_version` (409 when stale)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field

from weibao.core.apischema import Id, LocalTime, SaneDate, Schema


class ChecklistItemIn(Schema):
    kind: str = "yes_no"
    text: str = Field(..., max_length=300)
    unit: str = Field("", max_length=20)
    min_value: Decimal | str | None = None
    max_value: Decimal | str | None = None
    photo_required: bool = False


class ChecklistIn(Schema):
    name: str = Field(..., max_length=200)
    subsystem_kind: str = "other"
    items: list[ChecklistItemIn] = Field(..., max_length=200)


class ChecklistItemOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    unit: str
    min_value: Decimal | None
    max_value: Decimal | None
    photo_required: bool


class ChecklistOut(Schema):
    id: int
    name: str
    subsystem_kind: str
    items: list[ChecklistItemOut]


class InspectionPlanIn(Schema):
    contract_id: Id
    site_id: Id
    template_id: Id
    subsystem_id: Id | None = None
    engineer_id: Id | None = None
    name: str = Field(..., max_length=200)
    frequency: str = "quarterly"
    interval_days: int | None = Field(None, ge=0, le=366)
    starts_on: SaneDate
    window_start: LocalTime | None = None
    window_end: LocalTime | None = None
    active: bool = True


class PlanPatch(Schema):
    expected_version: int | None = None
    name: str | None = Field(None, max_length=200)
    site_id: Id | None = None
    template_id: Id | None = None
    subsystem_id: Id | None = None
    engineer_id: Id | None = None
    frequency: str | None = None
    interval_days: int | None = Field(None, ge=0, le=366)
    starts_on: SaneDate | None = None
    window_start: LocalTime | None = None
    window_end: LocalTime | None = None
    active: bool | None = None


class PlanOut(Schema):
    id: int
    version: int
    contract_id: int
    site_id: int
    subsystem_id: int | None
    template_id: int
    engineer_id: int | None
    name: str
    frequency: str
    interval_days: int | None
    starts_on: datetime.date
    window_start: datetime.time | None
    window_end: datetime.time | None
    active: bool


class AnswerOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    unit: str
    min_value: Decimal | None
    max_value: Decimal | None
    photo_required: bool
    answered: bool
    value_bool: bool | None
    value_number: Decimal | None
    value_text: str
    has_photo: bool = False
    out_of_limit: bool
    finding: str
    risk: str
    workorder_id: int | None

    @staticmethod
    def resolve_has_photo(obj) -> bool:
        return bool(obj.photo)


class VisitOut(Schema):
    id: int
    plan_id: int
    contract_id: int
    period_start: datetime.date
    scheduled_on: datetime.date
    status: str
    assignee_id: int | None
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    signed_at: datetime.datetime | None
    customer_name: str
    risk_analysis: str
    recommendations: str


class VisitDetailOut(VisitOut):
    answers: list[AnswerOut]


class InspectionAnswerIn(Schema):
    id: Id
    value: bool | Decimal | str | None = None
    finding: str = Field("", max_length=5000)
    risk: str = "none"


class AnswersIn(Schema):
    answers: list[InspectionAnswerIn] = Field(..., min_length=1, max_length=200)


class CompleteIn(Schema):
    risk_analysis: str = Field("", max_length=20_000)
    recommendations: str = Field("", max_length=20_000)


class SignIn(Schema):
    customer_name: str = Field(..., max_length=100)
    customer_signature: str = Field(..., max_length=1_500_000, description="data:image/png;base64,… from the pad")
    engineer_signature: str = Field("", max_length=1_500_000)


class WorkOrderRef(Schema):
    workorder_id: int
    number: str


class PlannedVsDoneOut(Schema):
    contract_id: int
    start: datetime.date
    end: datetime.date
    planned: int
    done: int
    missed: int
