"""API schemas of the SLA reports. The report body mirrors `metrics.build_report` (documented there)."""

from __future__ import annotations

import datetime

from pydantic import Field

from weibao.core.apischema import Id, SaneDate, Schema


class ComplianceRowOut(Schema):
    severity: str
    met: int
    missed: int
    pending: int
    rate: str | None


class ComplianceOut(Schema):
    kind: str
    rows: list[ComplianceRowOut]


class TimesOut(Schema):
    kind: str
    count: int
    mean_minutes: int | None
    p90_minutes: int | None


class FixOut(Schema):
    met: int
    missed: int
    pending: int
    rate: str | None = Field(description="Fix-on-time rate in percent (one decimal), null when nothing was decided.")


class ReportOut(Schema):
    contract: dict
    period: dict
    as_of: str
    orders_total: int
    by_severity: list[dict]
    by_service_kind: list[dict] = Field(default_factory=list, description="Orders per service kind (issue 17).")
    by_maintenance_type: list[dict] = Field(default_factory=list, description="Orders per maintenance type.")
    paused_by_reason: list[dict] = Field(
        default_factory=list, description="Business minutes paused per pause-reason code, and the orders behind it."
    )
    compliance: list[ComplianceOut]
    fix_on_time: FixOut
    times: list[TimesOut]
    major: dict
    satisfaction: dict
    legacy: dict
    milestones_missed: dict = Field(default_factory=dict, description="Agreed plan milestones missed in the period.")
    inspections: dict | None
    drill: dict[str, list[int]] = Field(description="Drill-down key → ids of exactly the orders behind the number.")


class ReportQuery(Schema):
    contract: Id
    start: SaneDate
    end: SaneDate


class DrillQuery(ReportQuery):
    key: str = Field("orders", max_length=60)


class OrderOut(Schema):
    id: int
    number: str
    severity: str
    status: str
    reported_at: datetime.datetime
    resolved_at: datetime.datetime | None


class PeriodicReportOut(Schema):
    id: int
    contract_id: int
    frequency: str
    period_start: datetime.date
    period_end: datetime.date
    status: str
    version: int
    generated_at: datetime.datetime
    reviewed_at: datetime.datetime | None
    review_note: str
    sent_at: datetime.datetime | None
    sent_to: list[str]


class PeriodicReportDetailOut(PeriodicReportOut):
    data: ReportOut


class ReviewIn(Schema):
    expected_version: int = Field(ge=1)
    note: str = Field("", max_length=4000)


class ReportVersionIn(Schema):
    expected_version: int = Field(ge=1)


class ScheduleIn(Schema):
    frequency: str = Field(description="none, monthly or quarterly", max_length=10)
    major_down_hours: int | None = Field(None, ge=1, le=10_000)
    extra_recipients: str = Field("", max_length=500)
    expected_version: int | None = Field(None, ge=1)


class ScheduleOut(Schema):
    contract_id: int
    frequency: str
    major_down_hours: int | None
    extra_recipients: str
    version: int


class AnalysisQuery(Schema):
    start: SaneDate
    end: SaneDate
    customer: Id | None = None
    contract: Id | None = None
    refresh: bool = Field(False, description="queue a recomputation of the stored numbers")


class SimilarOut(Schema):
    id: int
    number: str
    score: int = Field(description="0–100")
    title: str
    symptom: str
    resolution: str
    reported_at: datetime.datetime
