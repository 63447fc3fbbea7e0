from weibao.core.apischema import Phone, Schema


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    industry: str
    address: str
    branch_id: int | None
    email_domains: str
    organisation_id: int


class CustomerIn(Schema):
    code: str
    name: str
    industry: str = ""
    address: str = ""
    branch_id: int | None = None
    email_domains: str = ""
    notes: str = ""


class CustomerPatch(Schema):
    name: str | None = None
    industry: str | None = None
    address: str | None = None
    branch_id: int | None = None
    email_domains: str | None = None
    notes: str | None = None


class SiteOut(Schema):
    id: int
    customer_id: int
    name: str
    address: str
    region_tier: str
    region_id: int | None
    timezone: str


class SiteIn(Schema):
    name: str
    address: str = ""
    region_tier: str = "city"
    region_id: int | None = None
    timezone: str = "Asia/Shanghai"
    notes: str = ""


class ContactOut(Schema):
    id: int
    customer_id: int
    site_id: int | None
    name: str
    role: str
    mobile: str
    phone: str
    email: str
    wechat_id: str
    wecom_userid: str
    dingtalk_userid: str
    feishu_open_id: str
    is_primary: bool


class ContactIn(Schema):
    name: str
    role: str = ""
    site_id: int | None = None
    mobile: Phone = ""
    phone: Phone = ""
    email: str = ""
    wechat_id: str = ""
    wecom_userid: str = ""
    dingtalk_userid: str = ""
    feishu_open_id: str = ""
    is_primary: bool = False


class SitePatch(Schema):
    name: str | None = None
    address: str | None = None
    region_tier: str | None = None
    region_id: int | None = None
    timezone: str | None = None
    notes: str | None = None


class ContactPatch(Schema):
    name: str | None = None
    role: str | None = None
    site_id: int | None = None
    mobile: Phone | None = None
    phone: Phone | None = None
    email: str | None = None
    wechat_id: str | None = None
    wecom_userid: str | None = None
    dingtalk_userid: str | None = None
    feishu_open_id: str | None = None
    is_primary: bool | None = None
