"""Delivery stages, document kinds and the default document set per project type (SPEC §7, SEED-GAPS §2.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    PRESALES = "presales", _("Pre-sales")
    CONTRACT = "contract", _("Contract")
    PROCUREMENT = "procurement", _("Procurement")
    DESIGN = "design", _("Design")
    EXECUTION = "execution", _("Execution")
    INITIAL_ACCEPTANCE = "initial_acceptance", _("Initial acceptance")
    TRIAL_RUN = "trial_run", _("Trial run")
    MAINTENANCE_PLANS = "maintenance_plans", _("Maintenance and emergency plans")
    FINAL_ACCEPTANCE = "final_acceptance", _("Final acceptance")
    ACCEPTED = "accepted", _("Accepted, awaiting handover")
    HANDED_OVER = "handed_over", _("In maintenance")
    LOST = "lost", _("Bid lost")


# The only place stage moves are defined: each stage closes into the next one (pre-sales may end in a lost bid).
STAGE_ORDER: list[str] = [
    Stage.PRESALES,
    Stage.CONTRACT,
    Stage.PROCUREMENT,
    Stage.DESIGN,
    Stage.EXECUTION,
    Stage.INITIAL_ACCEPTANCE,
    Stage.TRIAL_RUN,
    Stage.MAINTENANCE_PLANS,
    Stage.FINAL_ACCEPTANCE,
    Stage.ACCEPTED,
    Stage.HANDED_OVER,
]
WORK_STAGES = STAGE_ORDER[: STAGE_ORDER.index(Stage.ACCEPTED)]  # the stages that are closed by a person
TRANSITIONS: dict[str, set[str]] = {
    **{s: {STAGE_ORDER[i + 1]} for i, s in enumerate(STAGE_ORDER[:-1])},
    Stage.PRESALES: {Stage.CONTRACT, Stage.LOST},
    Stage.HANDED_OVER: set(),
    Stage.LOST: set(),
}
# Equipment may arrive (arrival batches) from procurement to the end of execution.
ARRIVAL_STAGES = frozenset({Stage.PROCUREMENT, Stage.DESIGN, Stage.EXECUTION})

STAGE_BADGE = {
    Stage.ACCEPTED: "warn",
    Stage.HANDED_OVER: "ok",
    Stage.LOST: "muted",
}


class DocKind(models.TextChoices):
    REQUIREMENTS = "requirements", _("Requirements form (需求信息表)")
    PROPOSAL = "proposal", _("Technical proposal (技术建议方案)")
    TENDER = "tender", _("Tender / bid documents (招标/投标文件)")
    BID_SUMMARY = "bid_summary", _("Bid review (投标总结表)")
    EQUIPMENT_LIST = "equipment_list", _("Equipment list (设备清单)")
    CONTRACT = "contract", _("Contract with the customer (合同)")
    STOCKING = "stocking", _("Stocking list (备货清单)")
    DETAILED_DESIGN = "detailed_design", _("Detailed design (详细设计方案)")
    IMPLEMENTATION_PLAN = "implementation_plan", _("Implementation plan (实施方案)")
    ZONE_PROCESS = "zone_process", _("Zone implementation process (分区实施工艺)")
    SCHEDULE = "schedule", _("Project schedule (工程进度计划)")
    CUTOVER_PLAN = "cutover_plan", _("Cutover plan (割接方案)")
    INITIAL_ACCEPTANCE_PLAN = "initial_acceptance_plan", _("Initial acceptance plan (初验方案)")
    INITIAL_ACCEPTANCE_REPORT = "initial_acceptance_report", _("Initial acceptance report (初验报告)")
    TRIAL_RUN_REPORT = "trial_run_report", _("Trial run report (试运行报告)")
    MAINTENANCE_PLAN = "maintenance_plan", _("Maintenance plan (维护方案)")
    EMERGENCY_PLAN = "emergency_plan", _("Emergency plan (应急预案)")
    FINAL_ACCEPTANCE_PLAN = "final_acceptance_plan", _("Final acceptance plan (终验方案)")
    FINAL_ACCEPTANCE_REPORT = "final_acceptance_report", _("Final acceptance report (终验报告)")
    DRAWING = "drawing", _("As-built drawings (竣工图)")
    PARAMETERS = "parameters", _("Parameters / configuration")
    SOFTWARE_MEDIA = "software_media", _("Software media")
    OTHER = "other", _("Other")


# Which delivery documents become estate documents at handover, and as which assets document type.
ESTATE_DOC_TYPES: dict[str, str] = {
    DocKind.DRAWING: "drawing",
    DocKind.PARAMETERS: "configuration",
    DocKind.SOFTWARE_MEDIA: "software_media",
    DocKind.MAINTENANCE_PLAN: "maintenance_plan",
    DocKind.EMERGENCY_PLAN: "emergency_plan",
    DocKind.DETAILED_DESIGN: "plan",
    DocKind.IMPLEMENTATION_PLAN: "plan",
}


class ReviewStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("No review needed")
    PENDING = "pending", _("Waiting for the customer's review")
    APPROVED = "approved", _("Approved")
    CHANGES = "changes", _("Changes requested")


REVIEW_BADGE = {
    ReviewStatus.PENDING: "warn",
    ReviewStatus.APPROVED: "ok",
    ReviewStatus.CHANGES: "danger",
}

# The default document set (stage -> [(kind, reviewed by the customer)]); `large` adds the zone process.
# A project type copies it into editable DocumentRequirement rows, so the set is configurable per type.
DEFAULT_DOCUMENT_SET: dict[str, list[tuple[str, bool]]] = {
    Stage.PRESALES: [
        (DocKind.REQUIREMENTS, False),
        (DocKind.PROPOSAL, False),
        (DocKind.TENDER, False),
        (DocKind.BID_SUMMARY, False),
    ],
    Stage.CONTRACT: [(DocKind.EQUIPMENT_LIST, True), (DocKind.CONTRACT, False)],
    Stage.PROCUREMENT: [(DocKind.STOCKING, False)],
    Stage.DESIGN: [(DocKind.DETAILED_DESIGN, True), (DocKind.IMPLEMENTATION_PLAN, True), (DocKind.SCHEDULE, False)],
    Stage.EXECUTION: [(DocKind.DRAWING, False)],
    Stage.INITIAL_ACCEPTANCE: [(DocKind.INITIAL_ACCEPTANCE_PLAN, True), (DocKind.INITIAL_ACCEPTANCE_REPORT, False)],
    Stage.TRIAL_RUN: [(DocKind.TRIAL_RUN_REPORT, False)],
    Stage.MAINTENANCE_PLANS: [(DocKind.MAINTENANCE_PLAN, True), (DocKind.EMERGENCY_PLAN, True)],
    Stage.FINAL_ACCEPTANCE: [(DocKind.FINAL_ACCEPTANCE_PLAN, True), (DocKind.FINAL_ACCEPTANCE_REPORT, False)],
}
LARGE_PROJECT_EXTRA: dict[str, list[tuple[str, bool]]] = {Stage.DESIGN: [(DocKind.ZONE_PROCESS, True)]}

# Milestones counted from contract signing in working days (SEED-GAPS §2.7: arrival within 30 working days,
# installation within 30 more, 90 days to deployment, tests, training and archive).
DEFAULT_MILESTONES: list[tuple[str, str, int]] = [
    ("arrival", "设备到货", 30),
    ("installation", "安装完成", 60),
    ("deployment", "部署、测试、培训、归档完成", 90),
]


class ReadinessItem(models.TextChoices):
    SITE = "site", _("Site ready (场地)")
    POWER = "power", _("Mains power ready (强电)")
    CREW_ENTRY = "crew_entry", _("Crew entry approved (进场)")


class TeamRole(models.TextChoices):
    PROJECT_MANAGER = "project_manager", _("Project manager")
    SALES = "sales", _("Sales")
    PRESALES = "presales", _("Pre-sales engineer")
    ENGINEER = "engineer", _("Engineer")
    QUALITY = "quality", _("Quality inspector")
    EXPERT = "expert", _("Expert group")
    CUSTOMER = "customer", _("Customer representative")
    SUPERVISOR = "supervisor", _("Supervisor (监理)")


class PartyKind(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisor (监理)")
    VENDOR = "vendor", _("Vendor")


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SOLVED = "solved", _("Solved")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
