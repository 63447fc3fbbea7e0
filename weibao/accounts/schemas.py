from datetime import datetime

from pydantic import Field

from weibao.core.apischema import Schema


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    phone: str
    role: str
    role_label: str
    language: str
    organisation: OrganisationOut
    branch: str | None


class TokenIn(Schema):
    name: str = Field(max_length=100)  # the column's length: longer names are refused, not cut


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str  # the only time the raw value is ever returned
