"""Demo and scale data for organisations and people."""

from functools import cache

from django.contrib.auth.hashers import make_password

from weibao.accounts.choices import AuthorityLevel, OrganisationKind, Role
from weibao.accounts.models import Branch, Organisation, Region, Skill, User
from weibao.accounts.services import own_company

DEMO_PASSWORD = "Weibao#2026"  # noqa: S105 - printed by the run command; demo data only
SCALE_PREFIX = "eng"  # usernames of bulk-created engineers (left out of the demo login list)

BRANCHES = [
    ("hq", "南京总部", "南京", True, "南京市建邺区江东中路 228 号", "025-8668 7000", ["南京市区", "南京其他区县"]),
    ("sz", "苏州分公司", "苏州", False, "苏州工业园区星湖街 328 号", "0512-6295 1200", ["苏州市区", "苏州其他市县"]),
    ("wx", "无锡分公司", "无锡", False, "无锡市滨湖区太湖大道 1588 号", "0510-8518 3300", ["无锡市区", "无锡其他市县"]),
]
SKILLS = [
    ("cabling", "综合布线"),
    ("network", "网络"),
    ("pbx", "程控交换"),
    ("cctv", "视频监控"),
    ("access", "门禁一卡通"),
    ("av", "音视频"),
    ("server", "机房服务器"),
    ("software", "软件"),
]

# username, name, role, branch, authority, skills, mobile, dedicated, probation
DEMO_STAFF = [
    ("admin", "系统管理员", Role.ADMIN, "hq", AuthorityLevel.STAFF, [], "13805140001", True, False),
    ("gm", "孙志强", Role.SERVICE_MANAGER, "hq", AuthorityLevel.GENERAL_MANAGER, [], "13805140002", True, False),
    (
        "manager",
        "王建国",
        Role.SERVICE_MANAGER,
        "hq",
        AuthorityLevel.DEPARTMENT_MANAGER,
        [],
        "13805140003",
        True,
        False,
    ),
    (
        "duty",
        "李明",
        Role.DUTY_ENGINEER,
        "hq",
        AuthorityLevel.STAFF,
        ["network", "software"],
        "13805140004",
        True,
        False,
    ),
    (
        "field",
        "张伟",
        Role.FIELD_ENGINEER,
        "hq",
        AuthorityLevel.STAFF,
        ["network", "cctv", "cabling"],
        "13805140005",
        True,
        False,
    ),
    ("field2", "刘洋", Role.FIELD_ENGINEER, "sz", AuthorityLevel.STAFF, ["pbx", "access"], "13913550006", True, False),
    (
        "field3",
        "黄磊",
        Role.FIELD_ENGINEER,
        "wx",
        AuthorityLevel.STAFF,
        ["cctv", "av", "server"],
        "13961770007",
        False,
        True,
    ),
    ("clerk", "陈静", Role.SERVICE_ADMIN, "hq", AuthorityLevel.STAFF, [], "13805140008", True, False),
    ("pm", "赵磊", Role.PROJECT_MANAGER, "hq", AuthorityLevel.STAFF, [], "13805140009", False, False),
    ("commercial", "周敏", Role.COMMERCIAL, "hq", AuthorityLevel.STAFF, [], "13805140010", True, False),
    ("sales", "吴芳", Role.SALES, "hq", AuthorityLevel.STAFF, [], "13805140011", True, False),
    ("presales", "郑凯", Role.PRESALES, "hq", AuthorityLevel.STAFF, [], "13805140012", True, False),
]


@cache
def _demo_password_hash() -> str:
    # Hash once per process: the slow default hasher would otherwise cost seconds per demo account.
    return make_password(DEMO_PASSWORD)


def demo(*, stdout) -> None:
    """Our company, its three offices with their regions, skills and one login per staff role. Idempotent."""
    own = own_company()
    if own.name == "本公司":
        own.name = "江苏华信系统集成有限公司"
        own.short_name = "华信集成"
        own.save(update_fields=["name", "short_name"])
    branches = {}
    for code, name, city, head, address, phone, regions in BRANCHES:
        branch, _ = Branch.objects.get_or_create(
            code=code, defaults={"name": name, "city": city, "is_head_office": head, "address": address, "phone": phone}
        )
        branches[code] = branch
        for region in regions:
            Region.objects.get_or_create(name=region, defaults={"branch": branch})
    skills = {code: Skill.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in SKILLS}
    for username, name, role, branch, authority, skill_codes, mobile, dedicated, probation in DEMO_STAFF:
        user = _demo_user(
            username,
            name,
            role,
            own,
            branch=branches[branch],
            authority_level=authority,
            phone=mobile,
            email=f"{username}@huaxin-it.example",
            is_dedicated=dedicated,
            on_probation=probation,
        )
        user.skills.set([skills[c] for c in skill_codes])
        if role == Role.ADMIN:
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    # Customer and vendor logins are created by the customers/assets seeds next to their organisations.
    stdout.write("  accounts: demo staff ready")


def _demo_user(username: str, name: str, role: str, organisation: Organisation, **extra) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, name=name, role=role, organisation=organisation, **extra)
        user.password = _demo_password_hash()
        user.save()
    return user


def demo_external_user(username: str, name: str, role: str, organisation: Organisation) -> User:
    """Used by other apps' seeds for customer, vendor and supervisor (监理) logins."""
    assert organisation.kind != OrganisationKind.OWN  # noqa: S101
    return _demo_user(username, name, role, organisation)


def scale(*, n: int, stdout) -> None:
    """Staff sized for n work orders: roughly one engineer per 5,000 orders a year, spread over the offices."""
    demo(stdout=stdout)
    own = own_company()
    branches = list(Branch.objects.order_by("pk"))
    skills = list(Skill.objects.order_by("pk"))
    wanted = max(10, n // 5000)
    existing = User.objects.filter(username__startswith=SCALE_PREFIX).count()
    password = _demo_password_hash()  # one hash for all: hashing per row would take hours at scale
    new = [
        User(
            username=f"{SCALE_PREFIX}{i:05d}",
            name=f"工程师{i:05d}",
            role=Role.FIELD_ENGINEER if i % 4 else Role.DUTY_ENGINEER,
            organisation=own,
            branch=branches[i % len(branches)],
            password=password,
            phone=f"139{i:08d}",
            is_dedicated=i % 7 != 0,
            on_probation=i % 11 == 0,
        )
        for i in range(existing, wanted)
    ]
    created = User.objects.bulk_create(new, batch_size=1000)
    # Two skills each, so that dispatch suggestions have something to rank by.
    through = User.skills.through
    links = [
        through(user_id=user.pk, skill_id=skills[(k + j) % len(skills)].pk)
        for k, user in enumerate(created)
        for j in (0, 3)
    ]
    through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
    stdout.write(f"  accounts: {wanted} engineers ({len(created)} new)")
