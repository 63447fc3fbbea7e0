"""API shapes of emergency plans and training."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field

from weibao.core.apischema import Id, Phone, SaneDate, Schema


class EmergencyContactIn(Schema):
    side: str = "ours"
    name: str = Field(..., max_length=100)
    role: str = Field("", max_length=100)
    phone: Phone


class EmergencyStepIn(Schema):
    text: str = Field(..., max_length=500)
    responsible: str = Field("", max_length=100)


class EmergencyPlanIn(Schema):
    title: str = Field(..., max_length=200)
    scope: str = Field(..., max_length=20_000)
    triggers: str = Field(..., max_length=20_000)
    spare_parts: str = Field("", max_length=20_000)
    fallback: str = Field("", max_length=20_000)
    communication: str = Field("", max_length=20_000)
    contacts: list[EmergencyContactIn] = Field(..., max_length=100)
    steps: list[EmergencyStepIn] = Field(..., max_length=100)


class EmergencyPlanCreateIn(EmergencyPlanIn):
    subsystem_id: Id


class EmergencyContactOut(Schema):
    id: int
    side: str
    name: str
    role: str
    phone: str


class StepOut(Schema):
    id: int
    position: int
    text: str
    responsible: str


class EmergencyPlanOut(Schema):
    id: int
    version: int
    customer_id: int
    subsystem_id: int
    revision: int
    status: str
    title: str
    scope: str
    triggers: str
    spare_parts: str
    fallback: str
    communication: str
    approved_at: datetime.datetime | None
    contacts: list[EmergencyContactOut]
    steps: list[StepOut]


class ApproveIn(Schema):
    expected_version: int | None = None


class DrillIn(Schema):
    held_on: SaneDate
    participants: str = Field(..., max_length=5000)
    findings: str = Field("", max_length=20_000)


class DrillOut(Schema):
    id: int
    plan_id: int
    held_on: datetime.date
    participants: str
    findings: str


class OrderPlanOut(Schema):
    plan: EmergencyPlanOut | None
    done_step_ids: list[int]


class TrainingPlanIn(Schema):
    contract_id: Id
    project_id: Id | None = None
    vendor_id: Id | None = None
    title: str = Field(..., max_length=200)
    method: str = "on_site"
    trainers: str = Field(..., max_length=300)
    content: str = Field(..., max_length=20_000)
    scope: str = Field("", max_length=20_000)
    trainees: str = Field("", max_length=20_000)
    starts_on: SaneDate
    ends_on: SaneDate


class TrainingPlanOut(Schema):
    id: int
    version: int
    customer_id: int
    contract_id: int | None
    project_id: int | None
    title: str
    method: str
    trainers: str
    content: str
    starts_on: datetime.date
    ends_on: datetime.date


class SessionIn(Schema):
    held_on: SaneDate
    days: Decimal | str = Field(..., description="Training days in half days, 0.5 to 30.")
    location: str = Field("", max_length=300)
    topic: str = Field("", max_length=300)


class AttendanceOut(Schema):
    id: int
    name: str
    contact_id: int | None
    user_id: int | None
    signed_in_at: datetime.datetime
    feedback_score: int | None


class SessionOut(Schema):
    id: int
    plan_id: int
    held_on: datetime.date
    days: Decimal
    location: str
    topic: str


class TrainingAttendanceIn(Schema):
    contact_id: Id
    feedback_score: int | None = Field(None, ge=1, le=5)


class SignInIn(Schema):
    feedback_score: int | None = Field(None, ge=1, le=5)


class TrainingSummaryOut(Schema):
    contract_id: int
    training_days: int
    used: Decimal
