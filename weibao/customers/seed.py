"""Demo and scale data for customers, sites and contacts."""

from django.db import connection

from weibao.accounts.choices import OrganisationKind, Role
from weibao.accounts.models import Branch, Organisation, Region
from weibao.accounts.seed import demo_external_user
from weibao.customers.choices import RegionTier
from weibao.customers.models import Contact, Customer, Site
from weibao.customers.services import contact_create, customer_create, site_create

# code, name, industry, address, branch code, email domains, sites [(name, address, tier, region name)],
# contacts [(name, role, mobile, phone, email, wechat, site index or None, primary)]
DEMO_CUSTOMERS = [
    (
        "C001",
        "南京市第一人民医院",
        "医疗卫生",
        "南京市秦淮区长乐路68号",
        "hq",
        "njfyy.cn",
        [
            ("门诊大楼", "南京市秦淮区长乐路68号", RegionTier.CITY, "南京市区"),
            ("住院部", "南京市秦淮区长乐路70号", RegionTier.CITY, "南京市区"),
            ("江宁分院", "南京市江宁区天元东路1号", RegionTier.COUNTY, "南京其他区县"),
        ],
        [
            ("周建华", "信息科科长", "13905161234", "025-52271001", "zhoujh@njfyy.cn", "zjh_njfyy", None, True),
            ("吴晓燕", "网络管理员", "13813901234", "025-52271088", "wuxy@njfyy.cn", "", 0, False),
            ("孙立", "后勤保障处", "13770611234", "", "sunli@njfyy.cn", "", 2, False),
        ],
    ),
    (
        "C002",
        "苏州工业园区管理委员会",
        "政府机关",
        "苏州工业园区现代大道999号",
        "sz",
        "sipac.gov.cn",
        [
            ("管委会大楼", "苏州工业园区现代大道999号", RegionTier.CITY, "苏州市区"),
            ("独墅湖数据中心", "苏州工业园区若水路388号", RegionTier.CITY, "苏州市区"),
            ("吴江办事处", "苏州市吴江区中山南路1979号", RegionTier.COUNTY, "苏州其他市县"),
        ],
        [
            ("钱文斌", "信息中心主任", "13962101234", "0512-66681234", "qianwb@sipac.gov.cn", "qwb_sip", None, True),
            ("蒋丽", "机房值班", "13584801234", "0512-66681299", "jiangli@sipac.gov.cn", "", 1, False),
        ],
    ),
    (
        "C003",
        "无锡市实验中学",
        "教育",
        "无锡市梁溪区解放西路88号",
        "wx",
        "wxsyzx.edu.cn",
        [
            ("本部校区", "无锡市梁溪区解放西路88号", RegionTier.CITY, "无锡市区"),
            ("宜兴分校", "宜兴市宜城街道东山路6号", RegionTier.COUNTY, "无锡其他市县"),
        ],
        [("冯国强", "电教中心主任", "13951501234", "0510-82701234", "fenggq@wxsyzx.edu.cn", "", None, True)],
    ),
    (
        "C004",
        "江苏银河物流股份有限公司",
        "物流运输",
        "南京市鼓楼区中山北路200号",
        "hq",
        "yinhe-logistics.com",
        [
            ("集团总部", "南京市鼓楼区中山北路200号", RegionTier.CITY, "南京市区"),
            ("溧水仓储中心", "南京市溧水区永阳街道工业园8号", RegionTier.COUNTY, "南京其他区县"),
            ("连云港分拨中心", "连云港市连云区港口路18号", RegionTier.REMOTE, None),
        ],
        [
            ("郑海涛", "IT部经理", "13601581234", "025-83451234", "zhenght@yinhe-logistics.com", "zht_yh", None, True),
            ("何静", "仓储IT专员", "13605181234", "", "hejing@yinhe-logistics.com", "", 1, False),
        ],
    ),
]


def demo(*, stdout) -> None:
    branches = {b.code: b for b in Branch.objects.all()}
    regions = {r.name: r for r in Region.objects.all()}
    for code, name, industry, address, branch_code, domains, sites, contacts in DEMO_CUSTOMERS:
        customer = Customer.objects.filter(code=code).first()
        if customer is None:
            customer = customer_create(
                actor=None,
                code=code,
                name=name,
                industry=industry,
                address=address,
                branch=branches.get(branch_code),
                email_domains=domains,
            )
        site_rows = []
        for site_name, site_address, tier, region_name in sites:
            site = Site.objects.filter(customer=customer, name=site_name).first() or site_create(
                actor=None,
                customer=customer,
                name=site_name,
                address=site_address,
                region_tier=tier,
                region=regions.get(region_name) if region_name else None,
            )
            site_rows.append(site)
        for c_name, role, mobile, phone, email, wechat, site_idx, primary in contacts:
            if not Contact.objects.filter(customer=customer, name=c_name).exists():
                contact_create(
                    actor=None,
                    customer=customer,
                    name=c_name,
                    role=role,
                    mobile=mobile,
                    phone=phone,
                    email=email,
                    wechat_id=wechat,
                    is_primary=primary,
                    site=site_rows[site_idx] if site_idx is not None else None,
                )
    first = Customer.objects.get(code="C001")
    second = Customer.objects.get(code="C002")
    demo_external_user("customer", "周建华", Role.CUSTOMER_CONTACT, first.organisation)
    demo_external_user("customer2", "钱文斌", Role.CUSTOMER_CONTACT, second.organisation)
    stdout.write(f"  customers: {len(DEMO_CUSTOMERS)} demo customers; logins customer, customer2")


# --- scale data --------------------------------------------------------------------------------------------------
CITIES = ["南京", "苏州", "无锡", "常州", "镇江", "扬州", "泰州", "南通", "盐城", "淮安", "宿迁", "徐州", "连云港"]
KINDS = [
    "医院",
    "中学",
    "大学",
    "银行支行",
    "物流园",
    "制造有限公司",
    "区政府",
    "税务局",
    "酒店",
    "商场",
    "电厂",
    "水务集团",
]
SITE_NAMES = ["主楼", "分部", "数据中心", "仓库", "办公楼", "门诊楼", "教学楼", "厂区"]
SCALE_PREFIX = "S"


def scale_factor(n: int) -> float:
    return n / 1_000_000


def scale(*, n: int, stdout) -> None:
    """Bulk customers and sites: 20,000 customers and 60,000 sites at n = 1,000,000 (proportionally, min 50)."""
    demo(stdout=stdout)
    wanted = max(50, int(20_000 * scale_factor(n)))
    existing = Customer.objects.filter(code__startswith=SCALE_PREFIX).count()
    if existing >= wanted:
        stdout.write(f"  customers: {existing} scale customers present")
        return
    branches = list(Branch.objects.all()) or [None]
    regions = list(Region.objects.all()) or [None]
    tiers = [RegionTier.CITY, RegionTier.CITY, RegionTier.COUNTY, RegionTier.REMOTE]
    batch = 2000
    for start in range(existing, wanted, batch):
        stop = min(start + batch, wanted)
        names = {i: f"{CITIES[i % len(CITIES)]}{KINDS[(i // 13) % len(KINDS)]}{i:05d}" for i in range(start, stop)}
        orgs = Organisation.objects.bulk_create(
            [Organisation(kind=OrganisationKind.CUSTOMER, name=names[i]) for i in range(start, stop)]
        )
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    organisation=org,
                    code=f"{SCALE_PREFIX}{i:06d}",
                    name=names[i],
                    industry=KINDS[(i // 13) % len(KINDS)],
                    address=f"{CITIES[i % len(CITIES)]}市某某路{i % 500 + 1}号",
                    branch=branches[i % len(branches)],
                )
                for i, org in zip(range(start, stop), orgs, strict=True)
            ]
        )
        sites = []
        for i, customer in zip(range(start, stop), customers, strict=True):
            for k in range(3):
                sites.append(
                    Site(
                        customer=customer,
                        organisation_id=customer.organisation_id,
                        name=f"{SITE_NAMES[(i + k) % len(SITE_NAMES)]}{k + 1}",
                        address=f"{customer.address}{k + 1}栋",
                        region_tier=tiers[(i + k) % len(tiers)],
                        region=regions[(i + k) % len(regions)],
                    )
                )
        Site.objects.bulk_create(sites, batch_size=5000)
    if connection.vendor == "postgresql":
        # Fresh statistics, or the planner keeps estimating "1 row" and skips the trigram indexes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
            cursor.execute("ANALYZE customers_site")
    stdout.write(f"  customers: {wanted} scale customers, {wanted * 3} sites")
