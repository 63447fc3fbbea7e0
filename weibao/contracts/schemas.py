"""API schemas for contracts, SLA policies and calendars."""

import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from weibao.core.apischema import SaneDate, Schema

# A price or rate in CNY: never negative, at most 99,999,999.99 (the model's max_digits=10, decimal_places=2).
Money = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]


class WarrantyTermIO(Schema):
    category: str
    months: int = Field(ge=1, le=600)
    covers_parts: bool = True
    covers_labour: bool = True
    notes: str = ""


class ContractOut(Schema):
    id: int
    code: str
    name: str
    customer_id: int
    covers_all: bool
    project_ids: list[int]
    site_ids: list[int]
    start_date: datetime.date
    end_date: datetime.date
    status: str
    display_status: str
    calendar_id: int
    renewed_from_id: int | None
    labour_rate_hour: Decimal
    labour_rate_visit: Decimal
    transport_rate: Decimal
    pm_frequency: str
    onsite_support: bool
    training_days: int
    lifetime_support: bool
    notes: str
    version: int
    warranty_terms: list[WarrantyTermIO]

    @staticmethod
    def resolve_project_ids(obj) -> list[int]:
        return [p.pk for p in obj.projects.all()]

    @staticmethod
    def resolve_site_ids(obj) -> list[int]:
        return [s.pk for s in obj.sites.all()]

    @staticmethod
    def resolve_warranty_terms(obj) -> list[dict]:
        return [
            {
                "category": t.category,
                "months": t.months,
                "covers_parts": t.covers_parts,
                "covers_labour": t.covers_labour,
                "notes": t.notes,
            }
            for t in obj.warranty_terms.all()
        ]


class ContractIn(Schema):
    code: str
    name: str
    customer_id: int
    calendar_id: int
    start_date: datetime.date
    end_date: datetime.date
    status: str = "active"
    covers_all: bool = True
    project_ids: list[int] = []
    site_ids: list[int] = []
    labour_rate_hour: Money = Decimal("0")
    labour_rate_visit: Money = Decimal("0")
    transport_rate: Money = Decimal("0")
    pm_frequency: str = "quarterly"
    onsite_support: bool = True
    training_days: int = Field(default=0, ge=0, le=365)
    lifetime_support: bool = False
    notes: str = ""
    warranty_terms: list[WarrantyTermIO] = []


class ContractPatch(Schema):
    version: int | None = None
    name: str | None = None
    status: str | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    calendar_id: int | None = None
    covers_all: bool | None = None
    project_ids: list[int] | None = None
    site_ids: list[int] | None = None
    labour_rate_hour: Money | None = None
    labour_rate_visit: Money | None = None
    transport_rate: Money | None = None
    pm_frequency: str | None = None
    onsite_support: bool | None = None
    training_days: int | None = Field(default=None, ge=0, le=365)
    lifetime_support: bool | None = None
    notes: str | None = None
    warranty_terms: list[WarrantyTermIO] | None = None


class RenewIn(Schema):
    code: str
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None


class SlaRow(Schema):
    severity: str
    response_minutes: int | None = None
    arrival_city_minutes: int | None = None
    arrival_county_minutes: int | None = None
    arrival_remote_minutes: int | None = None
    plan_minutes: int | None = None
    resolution_minutes: int | None = None
    observation_hours: int = 72


class SlaPolicyOut(Schema):
    contract_id: int
    response_spoken_minutes: int
    response_written_minutes: int
    warn_percent: int
    pause_states: list[str]
    version: int
    targets: list[SlaRow]


class SlaPolicyIn(Schema):
    version: int | None = None
    response_spoken_minutes: int
    response_written_minutes: int
    warn_percent: int = 75
    pause_states: list[str] = ["waiting_customer"]
    targets: list[SlaRow]


class PreviewClockOut(Schema):
    kind: str
    target_minutes: int | None
    deadline: datetime.datetime | None
    warning: datetime.datetime | None
    skipped: list[dict]


class PreviewOut(Schema):
    calendar: str
    reported_in_hours: bool
    clocks: list[PreviewClockOut]


class EntitlementOut(Schema):
    contract_id: int | None
    contract_code: str | None
    service_type: str
    chargeable: bool
    in_warranty: bool | None
    warranty_end: datetime.date | None
    reasons: list[str]


class CalendarOut(Schema):
    id: int
    name: str
    kind: str
    timezone: str
    china_holidays: bool
    mon_hours: str
    tue_hours: str
    wed_hours: str
    thu_hours: str
    fri_hours: str
    sat_hours: str
    sun_hours: str
    makeup_hours: str
    description: str
    version: int


class CalendarIn(Schema):
    name: str
    kind: str = "weekly"
    timezone: str = "Asia/Shanghai"
    china_holidays: bool = True
    mon_hours: str = ""
    tue_hours: str = ""
    wed_hours: str = ""
    thu_hours: str = ""
    fri_hours: str = ""
    sat_hours: str = ""
    sun_hours: str = ""
    makeup_hours: str = ""
    description: str = ""


class CalendarPatch(Schema):
    version: int | None = None
    name: str | None = None
    kind: str | None = None
    timezone: str | None = None
    china_holidays: bool | None = None
    mon_hours: str | None = None
    tue_hours: str | None = None
    wed_hours: str | None = None
    thu_hours: str | None = None
    fri_hours: str | None = None
    sat_hours: str | None = None
    sun_hours: str | None = None
    makeup_hours: str | None = None
    description: str | None = None


class OverrideIn(Schema):
    date: SaneDate
    action: str = "closed"
    hours: str = ""
    reason: str = ""


class OverrideOut(Schema):
    id: int
    calendar_id: int
    date: datetime.date
    action: str
    hours: str
    reason: str


class DayOut(Schema):
    date: datetime.date
    kind: str
    name: str
    hours: str


class HolidayYearOut(Schema):
    year: int
    status: str
    source: str
    note: str


class StatutoryDayIn(Schema):
    date: SaneDate
    kind: str
    name: str = ""


class StatutoryDayOut(Schema):
    id: int
    date: datetime.date
    kind: str
    name: str
