"""Demo delivery projects (issue 16): one in execution with daily reports and an issue log, one in its trial run,
one handed over to maintenance. Idempotent: a project whose code exists is left alone."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def fill_stage(project, actor, stage: str | None = None, reviewer=None) -> None:
    """Upload every required document of a stage that has none, and approve those awaiting review."""
    from weibao.delivery import services

    for doc in project.documents.filter(stage=stage or project.stage):
        if doc.current_version == 0:
            services.document_upload(document=doc, actor=actor, upload=_pdf(f"{doc.kind}.pdf"))
            doc.refresh_from_db()
        if doc.review_status == "pending":
            services.document_review(document=doc, actor=reviewer or actor, approve=True)


def advance(project, actor, target: str, *, dates: dict[str, dt.date], today: dt.date, reviewer=None):
    """Close stages, meeting every gate with `dates`, until `target` is the current stage (demo data and tests).

    dates: confirmed, signed, ready, arrived, initial, trial, final."""
    from weibao.delivery import services
    from weibao.delivery.choices import ReadinessItem, Stage

    for _guard in range(20):
        project.refresh_from_db()
        current = project.stage
        if current == target:
            return project
        if current == Stage.PRESALES:
            services.delivery_project_update(project=project, actor=actor, bid_won=True)
        elif current == Stage.CONTRACT:
            services.delivery_project_update(
                project=project,
                actor=actor,
                equipment_confirmed_on=dates["confirmed"],
                contract_signed_on=dates["signed"],
            )
        elif current == Stage.EXECUTION:
            for item in ReadinessItem:
                services.readiness_check(project=project, actor=actor, item=item, done_on=dates["ready"])
            if not project.arrivals.exists():
                services.arrival_record(
                    project=project, actor=actor, arrived_on=dates["arrived"], description="第一批设备"
                )
        elif current == Stage.INITIAL_ACCEPTANCE:
            services.delivery_project_update(project=project, actor=actor, initial_acceptance_on=dates["initial"])
        elif current == Stage.TRIAL_RUN:
            services.delivery_project_update(project=project, actor=actor, trial_run_start=dates["trial"])
        elif current == Stage.FINAL_ACCEPTANCE:
            services.delivery_project_update(project=project, actor=actor, final_acceptance_on=dates["final"])
        project.refresh_from_db()
        fill_stage(project, actor, reviewer=reviewer)
        if current == Stage.PROCUREMENT:
            fill_stage(project, actor, Stage.DESIGN, reviewer=reviewer)  # reviewed before the equipment arrives
        services.stage_close(project=project, actor=actor, today=today)
    raise RuntimeError(f"could not reach {target}")


def _equipment(project, actor, vendors, rows) -> None:
    from weibao.delivery import services

    if project.equipment.exists():
        return
    for site, subsystem, vendor, category, name, model, serial, location, installed in rows:
        services.equipment_add(
            project=project,
            actor=actor,
            site_name=site,
            subsystem_name=subsystem,
            vendor=vendors[vendor],
            category=category,
            name=name,
            model=model,
            serial_number=serial,
            location=location,
            installed_on=installed,
        )


@transaction.atomic
def demo(*, stdout) -> None:
    from weibao.accounts.choices import OrganisationKind, Role
    from weibao.accounts.models import Organisation, User
    from weibao.accounts.seed import demo_external_user
    from weibao.assets.models import Vendor
    from weibao.contracts.models import BusinessCalendar, Contract
    from weibao.customers.models import Customer
    from weibao.delivery import services
    from weibao.delivery.choices import Stage
    from weibao.delivery.handover import project_handover
    from weibao.delivery.models import DeliveryProject, ProjectType

    pm = User.objects.filter(username="pm").first()
    customers = {c.code: c for c in Customer.objects.filter(code__in=["C001", "C002", "C003"])}
    calendar = BusinessCalendar.objects.filter(name="5x8 工作日").first()
    vendors = {v.name: v for v in Vendor.objects.filter(name__in=["华为", "海康威视", "H3C", "APC"])}
    if pm is None or len(customers) < 3 or calendar is None or len(vendors) < 4:
        stdout.write("  delivery: skipped (needs the accounts, customers, assets and contracts demo data)")
        return
    today = timezone.localdate()
    std = ProjectType.objects.filter(code="std").first() or services.project_type_create(
        actor=pm, code="std", name="智能化弱电工程"
    )
    if not ProjectType.objects.filter(code="large").exists():
        services.project_type_create(actor=pm, code="large", name="大型园区项目", large=True)
    supervision, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.SUPERVISOR, name="江苏华建工程监理有限公司"
    )
    demo_external_user("supervisor", "钱监理", Role.SUPERVISOR, supervision)
    customer_user = User.objects.filter(username="customer").first()
    gold = Contract.objects.filter(code="HT-DEMO-001").first()
    made = 0

    def project(code, customer_code, name, signed, **extra):
        nonlocal made
        found = DeliveryProject.objects.filter(code=code).first()
        if found is not None:
            return found, False
        made += 1
        p = services.delivery_project_create(
            actor=pm,
            customer=customers[customer_code],
            project_type=std,
            code=code,
            name=name,
            calendar=calendar,
            bid_date=signed - dt.timedelta(days=30),
            **extra,
        )
        services.team_member_add(project=p, actor=pm, role="project_manager", name=pm.name, user=pm, phone=pm.phone)
        services.team_member_add(project=p, actor=pm, role="sales", name="吴芳", phone="13805140011")
        services.team_member_add(project=p, actor=pm, role="presales", name="郑凯", phone="13805140012")
        services.team_member_add(project=p, actor=pm, role="quality", name="孙质检")
        return p, True

    # 1. in execution: daily reports, an issue log, a risk, a meeting, an owner's instruction, a weekly report
    signed = today - dt.timedelta(days=75)
    p1, new = project("D2026-001", "C001", "门诊医技楼智能化改造工程", signed)
    if new:
        services.party_invite(project=p1, actor=pm, organisation=supervision, kind="supervisor")
        services.team_member_add(project=p1, actor=pm, role="supervisor", name="钱监理", phone="13900001111")
        _equipment(
            p1,
            pm,
            vendors,
            [
                (
                    "门诊医技楼",
                    "网络系统",
                    "华为",
                    "hardware",
                    "核心交换机",
                    "CE12804",
                    "21023A1001",
                    "1F 弱电间 机柜A U20",
                    signed + dt.timedelta(days=50),
                ),
                (
                    "门诊医技楼",
                    "网络系统",
                    "华为",
                    "hardware",
                    "接入交换机",
                    "S5735-L48T4X",
                    "21023A1002",
                    "3F 弱电间",
                    signed + dt.timedelta(days=52),
                ),
                (
                    "门诊医技楼",
                    "视频监控系统",
                    "海康威视",
                    "hardware",
                    "网络硬盘录像机",
                    "DS-9664N-I16",
                    "HK2026001",
                    "监控中心",
                    signed + dt.timedelta(days=55),
                ),
            ],
        )
        advance(
            p1,
            pm,
            Stage.EXECUTION,
            today=today,
            reviewer=customer_user,
            dates={
                "confirmed": signed - dt.timedelta(days=3),
                "signed": signed,
                "arrived": signed + dt.timedelta(days=40),
            },
        )
        services.arrival_record(
            project=p1, actor=pm, arrived_on=signed + dt.timedelta(days=40), description="网络设备第一批"
        )
        for n in range(10):
            day = today - dt.timedelta(days=n + 1)
            if day.weekday() < 5:
                services.daily_report_add(
                    project=p1,
                    actor=pm,
                    day=day,
                    crew=4 + n % 3,
                    work_done=[
                        "3F 综合布线穿线",
                        "弱电间机柜安装",
                        "核心交换机上架加电",
                        "摄像机点位安装",
                        "配线架打线测试",
                    ][n % 5],
                    problems="桥架局部未完工" if n == 3 else "",
                )
        i1 = services.issue_add(
            project=p1,
            actor=pm,
            occurred_on=today - dt.timedelta(days=8),
            description="3F 弱电间强电未到位，机柜无法加电",
            reported_by="钱监理",
        )
        services.issue_solve(
            issue=i1, actor=pm, solution="协调甲方电工临时接入，三天后正式送电", solved_on=today - dt.timedelta(days=5)
        )
        services.issue_add(
            project=p1,
            actor=pm,
            occurred_on=today - dt.timedelta(days=3),
            description="部分摄像机点位与图纸不符，需甲方确认",
            reported_by="张伟",
        )
        services.risk_add(
            project=p1,
            actor=pm,
            description="门诊不停业施工，夜间作业窗口有限",
            level="high",
            mitigation="割接安排在周末 22:00 后，提前报备信息科",
        )
        services.meeting_add(
            project=p1,
            actor=pm,
            held_on=today - dt.timedelta(days=7),
            title="第 6 周工程例会",
            attendees="甲方信息科、监理、我方项目组",
            minutes="确认强电送电时间；摄像机点位变更待甲方书面确认。",
        )
        services.instruction_add(
            project=p1,
            actor=pm,
            received_on=today - dt.timedelta(days=6),
            instruction="急诊区增加 4 个监控点位",
            response="已纳入变更清单，报价另行提交",
            answered_on=today - dt.timedelta(days=5),
        )
        services.payment_add(
            project=p1,
            actor=pm,
            period="到货款（30%）",
            amount="360000.00",
            signed_by_customer_on=today - dt.timedelta(days=20),
            signed_by_supervisor_on=today - dt.timedelta(days=21),
        )
        services.weekly_report_generate(project=p1, actor=pm, week_start=today - dt.timedelta(days=7))

    # 2. in its trial run
    signed = today - dt.timedelta(days=200)
    p2, new = project("D2025-014", "C002", "会议中心音视频系统", signed)
    if new:
        _equipment(
            p2,
            pm,
            vendors,
            [
                (
                    "会议中心",
                    "音视频系统",
                    "H3C",
                    "hardware",
                    "视频会议终端",
                    "MG6060",
                    "H3CAV0001",
                    "主会场",
                    signed + dt.timedelta(days=60),
                ),
                (
                    "会议中心",
                    "音视频系统",
                    "APC",
                    "hardware",
                    "UPS",
                    "SRT6KXLI",
                    "APC0002201",
                    "设备间",
                    signed + dt.timedelta(days=62),
                ),
            ],
        )
        advance(
            p2,
            pm,
            Stage.TRIAL_RUN,
            today=today,
            dates={
                "confirmed": signed - dt.timedelta(days=2),
                "signed": signed,
                "ready": signed + dt.timedelta(days=35),
                "arrived": signed + dt.timedelta(days=40),
                "initial": today - dt.timedelta(days=30),
            },
        )
        services.delivery_project_update(project=p2, actor=pm, trial_run_start=today - dt.timedelta(days=29))

    # 3. handed over: devices, documents and a warranty contract in the estate
    signed = today - dt.timedelta(days=400)
    p3, new = project("D2025-003", "C003", "实验中学智慧教室与校园广播", signed, sla_template=gold)
    if new:
        _equipment(
            p3,
            pm,
            vendors,
            [
                (
                    "新教学楼",
                    "网络系统",
                    "H3C",
                    "hardware",
                    "汇聚交换机",
                    "S6520X-30QC",
                    "H3C2025A01",
                    "新教学楼 1F 弱电间",
                    signed + dt.timedelta(days=70),
                ),
                (
                    "新教学楼",
                    "视频监控系统",
                    "海康威视",
                    "hardware",
                    "教室摄像机",
                    "DS-2CD3T47",
                    "HK2025C01",
                    "新教学楼 2F 走廊",
                    signed + dt.timedelta(days=75),
                ),
                (
                    "新教学楼",
                    "网络系统",
                    "华为",
                    "software",
                    "网管软件",
                    "eSight",
                    "",
                    "信息中心服务器",
                    signed + dt.timedelta(days=80),
                ),
            ],
        )
        advance(
            p3,
            pm,
            Stage.ACCEPTED,
            today=today,
            dates={
                "confirmed": signed - dt.timedelta(days=2),
                "signed": signed,
                "ready": signed + dt.timedelta(days=50),
                "arrived": signed + dt.timedelta(days=60),
                "initial": signed + dt.timedelta(days=150),
                "trial": signed + dt.timedelta(days=151),
                "final": today - dt.timedelta(days=40),
            },
        )
        project_handover(project=p3, actor=pm)
    stdout.write(f"  delivery: {made} demo projects (execution, trial run, handed over)")


def scale(*, n: int, stdout) -> None:
    """Delivery projects are few (tens a year); the scale data is the maintained estate the other apps seed."""
    stdout.write("  delivery: nothing at scale")
