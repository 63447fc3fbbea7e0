"""API schemas of the channels app."""

import datetime as dt

from weibao.core.apischema import LocalTime, Schema


class DeliveryOut(Schema):
    id: int
    workorder_id: int | None
    notice: str
    channel: str
    recipient: str
    status: str
    attempts: int
    next_try_at: dt.datetime | None
    sent_at: dt.datetime | None
    reason: str
    created_at: dt.datetime


class InboundOut(Schema):
    id: int
    mailbox_id: int
    status: str
    from_address: str
    from_name: str
    subject: str
    reason: str
    workorder_id: int | None
    customer_id: int | None
    created_at: dt.datetime


class InboundAssignIn(Schema):
    customer_id: int
    site_id: int


class PreferenceIO(Schema):
    notices: list[str] = []
    channels: list[str] = []
    quiet_start: LocalTime | None = None
    quiet_end: LocalTime | None = None


class SmsReplyIn(Schema):
    """An inbound SMS as the provider's upstream message hands it over (phone number and text)."""

    phone: str
    text: str


class SmsReplyOut(Schema):
    result: str  # fixed | not_fixed | reply | used | unknown
