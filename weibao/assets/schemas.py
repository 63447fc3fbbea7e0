import datetime

from ninja import Field

from weibao.core.apischema import Phone, Schema


class VendorOut(Schema):
    id: int
    name: str
    support_contact: str
    support_phone: str
    support_email: str
    rma_address: str
    offers_onsite_service: bool


class VendorIn(Schema):
    name: str
    support_contact: str = ""
    support_phone: Phone = ""
    support_email: str = ""
    rma_address: str = ""
    offers_onsite_service: bool = False


class ProjectOut(Schema):
    id: int
    customer_id: int
    site_id: int | None
    code: str
    name: str
    built_by_us: bool
    delivered_on: datetime.date | None
    accepted_on: datetime.date | None
    warranty_end: datetime.date | None


class ProjectIn(Schema):
    customer_id: int
    site_id: int | None = None
    code: str
    name: str
    built_by_us: bool = True
    description: str = ""
    delivered_on: datetime.date | None = None
    accepted_on: datetime.date | None = None
    warranty_end: datetime.date | None = None


class SubsystemOut(Schema):
    id: int
    project_id: int
    kind: str
    name: str
    function: str
    cautions: str


class SubsystemIn(Schema):
    kind: str
    name: str
    function: str = ""
    cautions: str = ""


class DeviceOut(Schema):
    id: int
    customer_id: int
    site_id: int
    project_id: int | None
    subsystem_id: int | None
    vendor_id: int
    category: str
    name: str
    model: str
    serial_number: str
    location: str
    ip_address: str
    firmware: str
    parameters: dict
    installed_on: datetime.date | None
    warranty_end: datetime.date | None
    status: str


class DevicePage(Schema):
    items: list[DeviceOut]
    next_after: int | None = Field(None, description="pass as `after` to get the next page")


class DeviceIn(Schema):
    customer_id: int
    site_id: int
    vendor_id: int
    model: str
    project_id: int | None = None
    subsystem_id: int | None = None
    category: str = "hardware"
    name: str = ""
    serial_number: str = ""
    location: str = ""
    ip_address: str = ""
    firmware: str = ""
    parameters: dict[str, str] = {}
    installed_on: datetime.date | None = None
    warranty_end: datetime.date | None = None
    notes: str = ""


class DevicePatch(Schema):
    site_id: int | None = None
    subsystem_id: int | None = None
    name: str | None = None
    model: str | None = None
    serial_number: str | None = None
    location: str | None = None
    ip_address: str | None = None
    firmware: str | None = None
    parameters: dict[str, str] | None = None
    installed_on: datetime.date | None = None
    warranty_end: datetime.date | None = None
    notes: str | None = None


class DeviceStatusIn(Schema):
    status: str
    note: str = ""


class DeviceEventOut(Schema):
    id: int
    at: datetime.datetime
    kind: str
    actor_id: int | None
    old_status: str
    new_status: str
    related_device_id: int | None
    note: str
    data: dict


class DocumentVersionOut(Schema):
    number: int
    original_name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: datetime.datetime
    download_url: str


class DocumentOut(Schema):
    id: int
    customer_id: int
    project_id: int | None
    subsystem_id: int | None
    device_id: int | None
    doc_type: str
    title: str
    current_version: int


class SearchOut(Schema):
    customers: list[dict]
    sites: list[dict]
    devices: list[DeviceOut]


class DeviceReplaceIn(Schema):
    serial_number: str
    model: str = ""
    installed_on: datetime.date | None = None
    warranty_end: datetime.date | None = None
    note: str = ""
