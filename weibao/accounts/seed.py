"""Demo and scale data for organisations and people."""

from weibao.accounts.choices import AuthorityLevel, OrganisationKind, Role
from weibao.accounts.models import Branch, Organisation, Region, Skill, User
from weibao.accounts.services import own_company

DEMO_PASSWORD = "Weibao#2026"  # noqa: S105 - printed by the run command; demo data only

BRANCHES = [
    ("hq", "南京总部", "南京", True, ["南京市区", "南京其他区县"]),
    ("sz", "苏州分公司", "苏州", False, ["苏州市区", "苏州其他市县"]),
    ("wx", "无锡分公司", "无锡", False, ["无锡市区", "无锡其他市县"]),
]
SKILLS = [("cabling", "综合布线"), ("network", "网络"), ("pbx", "程控交换"), ("cctv", "视频监控"),
          ("access", "门禁一卡通"), ("av", "音视频"), ("server", "机房服务器"), ("software", "软件")]  # fmt: skip

# username, name, role, branch, authority, skills
DEMO_STAFF = [
    ("admin", "系统管理员", Role.ADMIN, "hq", AuthorityLevel.STAFF, []),
    ("manager", "王建国", Role.SERVICE_MANAGER, "hq", AuthorityLevel.DEPARTMENT_MANAGER, []),
    ("duty", "李明", Role.DUTY_ENGINEER, "hq", AuthorityLevel.STAFF, ["network", "software"]),
    ("field", "张伟", Role.FIELD_ENGINEER, "hq", AuthorityLevel.STAFF, ["network", "cctv", "cabling"]),
    ("field2", "刘洋", Role.FIELD_ENGINEER, "sz", AuthorityLevel.STAFF, ["pbx", "access"]),
    ("clerk", "陈静", Role.SERVICE_ADMIN, "hq", AuthorityLevel.STAFF, []),
    ("pm", "赵磊", Role.PROJECT_MANAGER, "hq", AuthorityLevel.STAFF, []),
]


def demo(*, stdout) -> None:
    own = own_company()
    if own.name == "本公司":
        own.name = "江苏华信系统集成有限公司"
        own.short_name = "华信集成"
        own.save(update_fields=["name", "short_name"])
    branches = {}
    for code, name, city, head, regions in BRANCHES:
        branch, _ = Branch.objects.get_or_create(
            code=code, defaults={"name": name, "city": city, "is_head_office": head}
        )
        branches[code] = branch
        for region in regions:
            Region.objects.get_or_create(name=region, defaults={"branch": branch})
    skills = {code: Skill.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in SKILLS}
    for username, name, role, branch, authority, skill_codes in DEMO_STAFF:
        user = _demo_user(username, name, role, own, branch=branches[branch], authority_level=authority)
        user.skills.set([skills[c] for c in skill_codes])
        if role == Role.ADMIN:
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    # Customer and vendor logins are created by the customers/assets seeds next to their organisations.
    stdout.write("  accounts: demo staff ready")


def _demo_user(username: str, name: str, role: str, organisation: Organisation, **extra) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, name=name, role=role, organisation=organisation, **extra)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def demo_external_user(username: str, name: str, role: str, organisation: Organisation) -> User:
    """Used by other apps' seeds for customer and vendor logins."""
    assert organisation.kind in (OrganisationKind.CUSTOMER, OrganisationKind.VENDOR)  # noqa: S101
    return _demo_user(username, name, role, organisation)


def scale(*, n: int, stdout) -> None:
    """Staff sized for n work orders: roughly one field engineer per 5,000 orders a year."""
    demo(stdout=stdout)
    own = own_company()
    branches = list(Branch.objects.all())
    wanted = max(10, n // 5000)
    existing = User.objects.filter(username__startswith="eng").count()
    password = User(username="x").password or ""
    probe = User(username="probe")
    probe.set_password(DEMO_PASSWORD)
    password = probe.password  # hash once, reuse: hashing a million times would take hours
    new = [
        User(
            username=f"eng{i:05d}",
            name=f"工程师{i:05d}",
            role=Role.FIELD_ENGINEER if i % 4 else Role.DUTY_ENGINEER,
            organisation=own,
            branch=branches[i % len(branches)],
            password=password,
            is_dedicated=i % 7 != 0,
        )
        for i in range(existing, wanted)
    ]
    User.objects.bulk_create(new, batch_size=1000)
    stdout.write(f"  accounts: {wanted} engineers")
