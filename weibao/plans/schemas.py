"""API shapes of the plans app. Writes take `expected_version`: the plan's or change request's own version, or the
work order's version where the write hangs off the order (409 when it changed since). Money and estimates come back
as decimal strings."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field

from weibao.core.apischema import Id, SaneDate, Schema


class PlanMilestoneIn(Schema):
    title: str = Field("", max_length=200)
    due_on: SaneDate | None = None


class SolutionPlanIn(Schema):
    expected_version: int | None = Field(None, description="The work order's version (a new plan).")
    cause: str = Field("", max_length=20_000)
    cause_confirmed_by: str = Field("", max_length=100)
    actions: str = Field("", max_length=20_000)
    risks: str = Field("", max_length=20_000)
    parts: str = Field("", max_length=20_000)
    internal_note: str = Field("", max_length=20_000)
    milestones: list[PlanMilestoneIn] = Field(default_factory=list, max_length=20)


class SolutionPlanUpdateIn(SolutionPlanIn):
    expected_version: int | None = Field(None, description="The plan's version.")
    milestones: list[PlanMilestoneIn] | None = Field(None, max_length=20)


class PlanVersionIn(Schema):
    expected_version: int | None = None


class PlanAnswerIn(Schema):
    decision: str = Field(..., description="approve, changes or reject")
    reason: str = Field("", max_length=5000)
    name: str = Field("", max_length=100)
    expected_version: int | None = Field(None, description="The plan's version.")


class PlanLinkIn(Schema):
    sent_to: str = Field(..., max_length=254)
    channel: str = "email"


class PlanLinkOut(Schema):
    url: str
    expires_at: datetime.datetime


class PlanMilestoneOut(Schema):
    id: int
    position: int
    title: str
    due_on: datetime.date
    due_at: datetime.datetime
    active: bool
    done_at: datetime.datetime | None
    missed_at: datetime.datetime | None
    state: str


class SolutionPlanOut(Schema):
    id: int
    workorder_id: int
    revision: int
    status: str
    version: int
    cause: str
    cause_confirmed_by: str
    actions: str
    risks: str
    parts: str
    internal_note: str = Field("", description="Staff only; empty for customers.")
    submitted_at: datetime.datetime | None
    answered_at: datetime.datetime | None
    answered_via: str
    answer_name: str
    answer_reason: str
    milestones: list[PlanMilestoneOut]

    @staticmethod
    def resolve_milestones(obj) -> list:
        return list(obj.milestones.all())


class PlanMilestoneDoneIn(Schema):
    note: str = Field("", max_length=2000)
    expected_version: int | None = Field(None, description="The work order's version.")


class ChangeRequestIn(Schema):
    contract_id: Id
    workorder_id: Id | None = None
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=20_000)
    plan: str = Field("", max_length=20_000)
    estimate_days: Decimal | str | None = None
    chargeable: bool = False
    quote_amount: Decimal | str | None = None
    agreed_on: SaneDate | None = None
    internal_note: str = Field("", max_length=20_000)


class ChangeRequestUpdateIn(Schema):
    expected_version: int | None = None
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20_000)
    plan: str | None = Field(None, max_length=20_000)
    estimate_days: Decimal | str | None = None
    chargeable: bool | None = None
    quote_amount: Decimal | str | None = None
    agreed_on: SaneDate | None = None
    internal_note: str | None = Field(None, max_length=20_000)


class ChangeRequestMoveIn(Schema):
    to: str
    name: str = Field("", max_length=100)
    expected_version: int | None = None


class ChangeRequestOut(Schema):
    id: int
    contract_id: int
    workorder_id: int | None
    title: str
    description: str
    plan: str
    estimate_days: Decimal | None
    chargeable: bool
    quote_amount: Decimal | None
    agreed_on: datetime.date | None
    status: str
    is_overdue: bool
    accepted_at: datetime.datetime | None
    accepted_by_name: str
    internal_note: str = Field("", description="Staff only; empty for customers.")
    version: int


class LegacyRowOut(Schema):
    id: int
    number: str
    status: str
    severity: str
    title: str
    resolution_due_at: datetime.datetime | None
    last_reviewed_at: datetime.datetime | None
    next_review_on: datetime.date | None
    review_overdue: bool


class LegacyReviewIn(Schema):
    notes: str = Field(..., max_length=20_000)
    next_steps: str = Field("", max_length=20_000)
    customer_report: str = Field("", max_length=20_000)
    next_review_on: SaneDate | None = None
    expected_version: int | None = Field(None, description="The work order's version.")


class LegacyReviewOut(Schema):
    id: int
    reviewed_at: datetime.datetime
    notes: str = ""
    next_steps: str = ""
    next_review_on: datetime.date | None = None
    customer_report: str


class ProcessingReportIn(Schema):
    body: str = Field(..., max_length=20_000)
    review_id: Id | None = None
    send_to: str = Field("", max_length=254)
    expected_version: int | None = Field(None, description="The work order's version.")


class ProcessingReportOut(Schema):
    id: int
    workorder_id: int
    revision: int
    body: str
    sent_to: str = ""
    sent_at: datetime.datetime | None
    pdf_ready: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_pdf_ready(obj) -> bool:
        return bool(obj.file)
