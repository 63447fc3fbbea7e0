import datetime as dt

from weibao.core.apischema import LocalTime, SaneDate, Schema


class RosterEntryIn(Schema):
    branch_id: int
    engineer_id: int
    date: SaneDate
    start: LocalTime
    end: LocalTime
    kind: str = "on_duty"
    note: str = ""


class RosterEntryOut(Schema):
    id: int
    branch_id: int
    engineer_id: int
    engineer_name: str
    date: dt.date
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    note: str

    @staticmethod
    def resolve_engineer_name(obj) -> str:
        return str(obj.engineer)


class SuggestionOut(Schema):
    engineer_id: int
    engineer_name: str
    score: int
    load: int
    roster_kind: str | None
    matched_skills: list[str]
    reasons: list[str]
