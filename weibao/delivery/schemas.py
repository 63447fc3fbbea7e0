"""API shapes of project delivery (names start with Delivery: schema names are unique across apps)."""

from __future__ import annotations

import datetime

from ninja import Field

from weibao.core.apischema import SaneDate, Schema


class DeliveryProjectOut(Schema):
    id: int
    code: str
    name: str
    customer_id: int
    project_type_id: int
    stage: str
    version: int
    bid_date: datetime.date | None
    bid_won: bool | None
    contract_signed_on: datetime.date | None
    initial_acceptance_on: datetime.date | None
    trial_run_start: datetime.date | None
    final_acceptance_on: datetime.date | None
    estate_project_id: int | None
    service_contract_id: int | None
    handed_over_at: datetime.datetime | None


class DeliveryStageCloseIn(Schema):
    expected_version: int = Field(..., ge=1)


class DeliveryGatesOut(Schema):
    stage: str
    problems: list[str]


class DeliveryMilestoneOut(Schema):
    code: str
    name: str
    working_days: int
    planned_on: datetime.date | None
    actual_on: datetime.date | None
    late: bool


class DeliveryDocumentOut(Schema):
    id: int
    stage: str
    kind: str
    title: str
    current_version: int
    review_status: str


class DeliveryReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=2000)


class DeliveryEquipmentOut(Schema):
    line: int
    site_name: str
    subsystem_name: str
    vendor_id: int
    category: str
    name: str
    model: str
    serial_number: str
    location: str
    installed_on: datetime.date | None
    device_id: int | None


class DeliveryIssueIn(Schema):
    occurred_on: SaneDate
    description: str = Field(..., min_length=1, max_length=5000)
    reported_by: str = Field(..., min_length=1, max_length=100)


class DeliveryIssueOut(Schema):
    id: int
    occurred_on: datetime.date
    description: str
    reported_by: str
    solution: str
    solved_on: datetime.date | None
    status: str
