"""Demo and scale data for vendors, projects, subsystems, devices and documents."""

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.accounts.seed import demo_external_user
from weibao.assets.choices import DeviceCategory, DeviceStatus, DocumentType, SubsystemKind
from weibao.assets.models import Device, Document, Project, Subsystem, Vendor
from weibao.assets.services import (
    device_create,
    document_create,
    project_create,
    project_installer_add,
    subsystem_create,
    vendor_create,
)
from weibao.customers.models import Customer, Site

# name, support contact, phone, email, RMA address, on-site service
VENDORS = [
    ("华为", "华为企业技术支持", "400-822-9999", "support@huawei.com", "东莞市松山湖华为南方工厂备件中心", True),
    ("海康威视", "海康威视客服", "400-700-5998", "support@hikvision.com", "杭州市滨江区阙公路555号维修中心", True),
    ("大华", "大华技术支持", "400-672-8166", "service@dahuatech.com", "杭州市滨江区滨安路1199号", False),
    ("思科", "Cisco TAC", "400-810-8886", "tac@cisco.com", "上海市浦东新区外高桥保税区RMA中心", True),
    ("H3C", "新华三技术支持", "400-810-0504", "service@h3c.com", "杭州市滨江区长河路466号", True),
    ("锐捷", "锐捷服务热线", "400-620-8818", "service@ruijie.com.cn", "福州市仓山区金山大道618号", False),
    ("中兴", "中兴通讯客服", "400-830-3030", "support@zte.com.cn", "深圳市南山区高新科技园中兴大厦", False),
    ("Avaya", "Avaya 技术支持", "400-670-0288", "support@avaya.com", "北京市朝阳区建国路Avaya维修中心", False),
    ("戴尔", "戴尔企业服务", "400-884-6558", "support@dell.com", "厦门市火炬高新区戴尔维修中心", True),
    ("APC", "施耐德 APC 服务", "400-810-1315", "service@apc.com", "上海市闵行区APC维修中心", True),
]

# (kind, name, function, cautions, [(vendor, category, name, model, location, params)])
SUBSYSTEM_TEMPLATES = [
    (
        SubsystemKind.CABLING,
        "综合布线系统",
        "六类非屏蔽双绞线到桌面，楼层间万兆光纤主干。",
        "弱电井钥匙在物业值班室；配线架标签以竣工图为准，勿随意跳线。",
        [("APC", DeviceCategory.CABLING, "主配线架", "AR3100 机柜", "1F 弱电间", {"端口数": "48", "类型": "六类"})],
    ),
    (
        SubsystemKind.NETWORK,
        "计算机网络系统",
        "核心-汇聚-接入三层架构，内外网物理隔离。",
        "核心交换机为双机堆叠，升级或重启须先与信息科确认业务窗口（通常为凌晨 1:00–5:00）。",
        [
            (
                "华为",
                DeviceCategory.HARDWARE,
                "核心交换机",
                "CloudEngine S12708",
                "3F 中心机房 A02 机柜",
                {"管理VLAN": "100", "堆叠": "是"},
            ),
            ("H3C", DeviceCategory.HARDWARE, "汇聚交换机", "S6520X-30QC-EI", "各楼层弱电间", {"上联": "万兆光口"}),
            ("锐捷", DeviceCategory.HARDWARE, "接入交换机", "RG-S2910-48GT4XS-E", "各楼层弱电间", {"PoE": "否"}),
            ("思科", DeviceCategory.HARDWARE, "出口防火墙", "Firepower 2130", "3F 中心机房 A01 机柜", {"HA": "主备"}),
        ],
    ),
    (
        SubsystemKind.SURVEILLANCE,
        "视频监控系统",
        "全楼高清网络摄像机，集中存储 30 天。",
        "存储服务器硬盘为 RAID6，更换硬盘前须确认阵列状态；录像调取须有保卫处书面同意。",
        [
            ("海康威视", DeviceCategory.HARDWARE, "网络摄像机", "DS-2CD3T47WD-L", "大厅及走廊", {"分辨率": "400万"}),
            (
                "海康威视",
                DeviceCategory.HARDWARE,
                "网络硬盘录像机",
                "DS-9664N-I16",
                "3F 中心机房 B01 机柜",
                {"硬盘": "16×8TB", "RAID": "6"},
            ),
            ("大华", DeviceCategory.HARDWARE, "球机", "DH-SD6C84E-GN", "室外停车场", {"变焦": "40倍"}),
        ],
    ),
    (
        SubsystemKind.PBX,
        "程控交换系统",
        "IP-PBX 与模拟分机混合组网，两路 PRI 中继。",
        "中继线路属电信公司维护，故障须先报 10000 号；不得在工作时间重启交换机。",
        [
            (
                "Avaya",
                DeviceCategory.HARDWARE,
                "IP 程控交换机",
                "IP Office 500 V2",
                "2F 电话机房",
                {"中继": "2×PRI", "分机数": "480"},
            ),
            ("中兴", DeviceCategory.HARDWARE, "语音网关", "ZXV10 I508", "2F 电话机房", {"FXS口": "8"}),
        ],
    ),
    (
        SubsystemKind.ACCESS,
        "门禁一卡通系统",
        "门禁、考勤、消费一卡通，与人事系统同步。",
        "消防联动：火警时门禁自动释放，调试时须通知消控室。",
        [("海康威视", DeviceCategory.HARDWARE, "门禁控制器", "DS-K2604", "各楼层弱电间", {"门数": "4"})],
    ),
    (
        SubsystemKind.SERVER_ROOM,
        "机房工程",
        "精密空调、UPS、动环监控。",
        "UPS 维护须先切换旁路；机房温度超过 28℃ 立即通知值班工程师。",
        [
            (
                "APC",
                DeviceCategory.HARDWARE,
                "UPS 主机",
                "Galaxy VM 160kVA",
                "3F 中心机房 UPS 间",
                {"后备时间": "30分钟"},
            ),
            (
                "戴尔",
                DeviceCategory.HARDWARE,
                "虚拟化服务器",
                "PowerEdge R750",
                "3F 中心机房 C01 机柜",
                {"CPU": "2×Xeon 6330", "内存": "512GB"},
            ),
        ],
    ),
    (
        SubsystemKind.SOFTWARE,
        "综合管理平台软件",
        "视频、门禁、动环统一管理平台。",
        "软件授权绑定服务器硬件指纹，迁移前须向厂商申请重新授权；变更前先备份数据库。",
        [
            (
                "海康威视",
                DeviceCategory.SOFTWARE,
                "综合安防管理平台",
                "iSecure Center V1.7",
                "虚拟化服务器 VM-12",
                {"授权点数": "1024"},
            )
        ],
    ),
]

# customer code, project code, name, built_by_us, site index, delivered, accepted, subsystem indexes, installers
DEMO_PROJECTS = [
    (
        "C001",
        "P2023-011",
        "门诊大楼智能化系统",
        True,
        0,
        datetime.date(2023, 6, 30),
        datetime.date(2023, 9, 15),
        [0, 1, 2, 4, 5, 6],
        [
            ("赵磊", "华信集成", "项目经理", "13912341111"),
            ("陈海", "南京弘图布线工程队", "布线施工队长", "13851112222"),
        ],
    ),
    (
        "C001",
        "P-EXT-01",
        "住院部程控交换系统",
        False,
        1,
        datetime.date(2019, 5, 20),
        datetime.date(2019, 8, 1),
        [3],
        [("刘工", "南京某通信工程公司", "原施工方", "13770009999")],
    ),
    (
        "C002",
        "P2024-003",
        "管委会大楼网络与安防改造",
        True,
        0,
        datetime.date(2024, 4, 10),
        datetime.date(2024, 6, 28),
        [0, 1, 2, 4],
        [("赵磊", "华信集成", "项目经理", "13912341111")],
    ),
    (
        "C002",
        "P2024-017",
        "独墅湖数据中心机房工程",
        True,
        1,
        datetime.date(2024, 11, 1),
        None,
        [5, 6],
        [("王刚", "华信集成", "实施工程师", "13912342222")],
    ),
    (
        "C003",
        "P2022-021",
        "校园网及监控系统",
        True,
        0,
        datetime.date(2022, 8, 20),
        datetime.date(2022, 10, 30),
        [1, 2],
        [("张伟", "华信集成", "实施工程师", "13912343333")],
    ),
    (
        "C004",
        "P2025-002",
        "仓储中心网络监控一体化",
        True,
        1,
        datetime.date(2025, 3, 15),
        datetime.date(2025, 5, 20),
        [1, 2, 5],
        [("赵磊", "华信集成", "项目经理", "13912341111")],
    ),
]


def demo(*, stdout) -> None:
    rng = random.Random(2026)  # noqa: S311 - demo data only
    vendors = {}
    for name, contact, phone, email, rma, onsite in VENDORS:
        vendors[name] = Vendor.objects.filter(name=name).first() or vendor_create(
            actor=None,
            name=name,
            support_contact=contact,
            support_phone=phone,
            support_email=email,
            rma_address=rma,
            offers_onsite_service=onsite,
        )
    demo_external_user("vendor", "海康威视技术支持", Role.VENDOR_CONTACT, vendors["海康威视"].organisation)
    actor = User.objects.filter(username="pm").first()
    serial_counter = 0
    for code, p_code, p_name, ours, site_idx, delivered, accepted, sub_idx, installers in DEMO_PROJECTS:
        customer = Customer.objects.get(code=code)
        sites = list(customer.sites.order_by("pk"))
        project = Project.objects.filter(customer=customer, code=p_code).first()
        created = project is None
        if created:
            project = project_create(
                actor=actor,
                customer=customer,
                code=p_code,
                name=p_name,
                built_by_us=ours,
                site=sites[site_idx],
                delivered_on=delivered,
                accepted_on=accepted,
                warranty_end=(accepted or delivered) + datetime.timedelta(days=3 * 365),
            )
            for i_name, company, role, mobile in installers:
                project_installer_add(
                    actor=actor, project=project, name=i_name, company=company, role=role, mobile=mobile
                )
        for idx in sub_idx:
            kind, s_name, function, cautions, device_specs = SUBSYSTEM_TEMPLATES[idx]
            subsystem = Subsystem.objects.filter(project=project, name=s_name).first() or subsystem_create(
                actor=actor, project=project, name=s_name, kind=kind, function=function, cautions=cautions
            )
            for vendor_name, category, d_name, model, location, params in device_specs:
                count = 4 if category == DeviceCategory.HARDWARE and "交换机" in d_name or "摄像机" in d_name else 1
                for n in range(count):
                    serial_counter += 1
                    serial = f"{vendor_name[:2].upper() if vendor_name.isascii() else 'CN'}{p_code[-3:]}{idx}{n:02d}{serial_counter:04d}"
                    if Device.objects.filter(vendor=vendors[vendor_name], serial_number=serial).exists():
                        continue
                    installed = delivered - datetime.timedelta(days=rng.randint(5, 40))
                    warranty = installed + datetime.timedelta(days=365 * rng.choice([1, 3, 3, 5]))
                    device_create(
                        actor=actor,
                        customer=customer,
                        site=sites[site_idx],
                        vendor=vendors[vendor_name],
                        model=model,
                        project=project,
                        subsystem=subsystem,
                        category=category,
                        name=f"{d_name}-{n + 1}" if count > 1 else d_name,
                        serial_number=serial,
                        location=location,
                        parameters=params,
                        ip_address=f"10.{10 + site_idx}.{idx}.{10 + serial_counter % 240}"
                        if category == DeviceCategory.HARDWARE and idx in (1, 2, 4)
                        else "",
                        firmware="V200R019C10" if vendor_name == "华为" else "",
                        installed_on=installed,
                        warranty_end=warranty,
                    )
        if created and ours and actor is not None:
            _demo_document(
                actor,
                project,
                DocumentType.CONFIGURATION,
                f"{p_name} 设备配置清单",
                "config.txt",
                "# 核心交换机配置备份\nsysname CORE-SW\nvlan batch 100 200 300\n",
            )
    # A few devices with a story: one faulty, one in repair.
    for status, serial_part in ((DeviceStatus.FAULTY, "0003"), (DeviceStatus.IN_REPAIR, "0007")):
        Device.objects.filter(serial_number__endswith=serial_part, status=DeviceStatus.IN_SERVICE).update(status=status)
    stdout.write(
        f"  assets: {len(VENDORS)} vendors, {Project.objects.count()} projects, {Device.objects.count()} devices"
    )


def _demo_document(actor, project: Project, doc_type: str, title: str, filename: str, text: str) -> Document:
    upload = SimpleUploadedFile(filename, text.encode("utf-8"), content_type="text/plain")
    return document_create(
        actor=actor, customer=project.customer, project=project, doc_type=doc_type, title=title, upload=upload
    )


# --- scale data --------------------------------------------------------------------------------------------------
SCALE_SERIAL_PREFIX = "SX"
MODELS = {
    "华为": ["S5735-L48T4X", "CloudEngine S6730", "AR6140", "AirEngine 5761"],
    "海康威视": ["DS-2CD3T47WD-L", "DS-2DE4425IW", "DS-9664N-I16", "DS-K1T671M"],
    "大华": ["DH-IPC-HFW2433M", "DH-SD6C84E-GN", "DH-NVR5864"],
    "思科": ["Catalyst 9300-48P", "ISR 4331", "Firepower 2130"],
    "H3C": ["S5130S-52S-EI", "S6520X-30QC-EI", "MSR3610"],
    "锐捷": ["RG-S2910-48GT4XS-E", "RG-EG3250", "RG-AP820"],
    "中兴": ["ZXR10 5960", "ZXV10 I508"],
    "Avaya": ["IP Office 500 V2", "J179 IP Phone"],
    "戴尔": ["PowerEdge R750", "PowerVault ME5024"],
    "APC": ["Smart-UPS SRT 10kVA", "NetShelter SX 42U"],
}
DEVICE_NAMES = [
    "接入交换机",
    "汇聚交换机",
    "核心交换机",
    "网络摄像机",
    "球机",
    "录像机",
    "门禁控制器",
    "路由器",
    "无线AP",
    "服务器",
    "存储",
    "UPS",
    "IP话机",
    "防火墙",
]
LOCATIONS = ["1F 弱电间", "2F 弱电间", "3F 中心机房", "地下一层配电房", "大厅吊顶", "东门岗亭", "楼顶", "5F 会议室"]


def scale(*, n: int, stdout) -> None:
    """About 1,000,000 devices at n = 1,000,000 (proportional, at least 2,000), spread over the scale sites.

    PostgreSQL: rows are streamed with COPY and the trigram index is rebuilt once afterwards (maintaining a GIN index
    row by row during a million inserts is many times slower).
    """
    demo(stdout=stdout)
    wanted = max(2_000, int(1_000_000 * n / 1_000_000))
    existing = Device.objects.filter(serial_number__startswith=SCALE_SERIAL_PREFIX).count()
    if existing >= wanted:
        stdout.write(f"  assets: {existing} scale devices present")
        return
    sites = list(
        Site.objects.filter(customer__code__startswith="S").values_list("pk", "customer_id", "organisation_id")
    )
    if not sites:
        sites = list(Site.objects.values_list("pk", "customer_id", "organisation_id"))
    vendors = list(Vendor.objects.values_list("pk", "name"))
    statuses = [DeviceStatus.IN_SERVICE] * 17 + [DeviceStatus.FAULTY, DeviceStatus.IN_REPAIR, DeviceStatus.RETIRED]
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date is all we need

    def row(i: int) -> tuple:
        site_id, customer_id, org_id = sites[i % len(sites)]
        vendor_id, vendor_name = vendors[(i * 7) % len(vendors)]
        models = MODELS.get(vendor_name, ["GENERIC-1"])
        installed = today - datetime.timedelta(days=30 + (i * 13) % 2500)
        warranty = installed + datetime.timedelta(days=365 * (1 + i % 5))
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}" if i % 3 else ""
        return (
            org_id,
            customer_id,
            site_id,
            vendor_id,
            DeviceCategory.HARDWARE,
            f"{DEVICE_NAMES[i % len(DEVICE_NAMES)]}-{i % 97 + 1}",
            models[i % len(models)],
            f"{SCALE_SERIAL_PREFIX}{i:010d}",
            f"{LOCATIONS[i % len(LOCATIONS)]} {i % 40 + 1}号机柜",
            ip,
            "",
            installed,
            warranty,
            statuses[i % len(statuses)],
        )

    if connection.vendor == "postgresql":
        _copy_devices(row, existing, wanted, stdout)
    else:
        batch = 5000
        for start in range(existing, wanted, batch):
            Device.objects.bulk_create(
                [
                    Device(
                        organisation_id=r[0],
                        customer_id=r[1],
                        site_id=r[2],
                        vendor_id=r[3],
                        category=r[4],
                        name=r[5],
                        model=r[6],
                        serial_number=r[7],
                        location=r[8],
                        ip_address=r[9],
                        firmware=r[10],
                        installed_on=r[11],
                        warranty_end=r[12],
                        status=r[13],
                        parameters={},
                    )
                    for r in map(row, range(start, min(start + batch, wanted)))
                ]
            )
    stdout.write(f"  assets: {wanted} scale devices")


def _copy_devices(row, start: int, stop: int, stdout) -> None:
    columns = (
        "organisation_id",
        "customer_id",
        "site_id",
        "vendor_id",
        "category",
        "name",
        "model",
        "serial_number",
        "location",
        "ip_address",
        "firmware",
        "installed_on",
        "warranty_end",
        "status",
        "parameters",
        "notes",
        "created_at",
        "updated_at",
    )
    from django.utils import timezone

    now = timezone.now()
    # Inside a transaction (tests) the index cannot be rebuilt while FK checks are pending; keep it then.
    rebuild = not connection.in_atomic_block
    with connection.cursor() as cursor:
        if rebuild:
            # Maintaining GIN indexes row by row during a million inserts is many times slower than one build.
            cursor.execute("DROP INDEX IF EXISTS device_search_trgm_idx")
            cursor.execute("DROP INDEX IF EXISTS device_pairs_trgm_idx")
        sql = f"COPY assets_device ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for i in range(start, stop):
                copy.write_row((*row(i), "{}", "", now, now))
        stdout.write(f"  assets: copied {stop - start} devices, rebuilding the search index")
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if rebuild and cursor.fetchone():
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS device_search_trgm_idx ON assets_device USING gin (search_text gin_trgm_ops)"
            )
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'assets_device' AND column_name = 'search_pairs'"
            )
            if cursor.fetchone():
                cursor.execute(
                    "CREATE INDEX IF NOT EXISTS device_pairs_trgm_idx ON assets_device USING gin (search_pairs gin_trgm_ops)"
                )
        cursor.execute("ANALYZE assets_device")
