"""Who sees which delivery project and which of its documents and records.

Our staff see every project; a customer user its organisation's projects; a supervisor (监理) or vendor user only
the projects its organisation was invited to. Outside parties see a document only when it is marked visible to
them, and never the risk register. Anything else is a 404.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from weibao.accounts.permissions import has_perm
from weibao.delivery.choices import STAGE_ORDER, Stage
from weibao.delivery.models import DeliveryDocument, DeliveryProject, EquipmentItem, Issue, Milestone


def delivery_project_qs_for(user) -> QuerySet[DeliveryProject]:
    if not has_perm(user, "delivery.view"):
        return DeliveryProject.objects.none()
    qs = DeliveryProject.objects.all()
    if user.is_internal:
        return qs
    if user.is_customer:
        return qs.filter(organisation_id=user.organisation_id)
    # supervisor or vendor: invited projects only
    return qs.filter(
        pk__in=DeliveryProject.parties.through.objects.filter(organisation_id=user.organisation_id).values("project_id")
    )


def delivery_project_get_for_user(*, user, pk) -> DeliveryProject:
    try:
        return delivery_project_qs_for(user).select_related("customer", "project_type", "calendar").get(pk=pk)
    except (DeliveryProject.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def delivery_project_list(*, user, stage: str = "", query: str = "") -> QuerySet[DeliveryProject]:
    qs = delivery_project_qs_for(user).select_related("customer", "project_type")
    if stage:
        qs = qs.filter(stage=stage)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(customer__name__icontains=query))
    return qs.order_by("-created_at")


def stage_board(*, user, query: str = "") -> list[dict]:
    """The projects by stage, one column per stage (the board); three queries whatever the number of projects."""
    projects = list(
        delivery_project_list(user=user, query=query).annotate(
            late=Count("milestones", filter=Q(milestones__actual_on__isnull=True, milestones__planned_on__lt=_today()))
        )
    )
    columns = [{"stage": s, "label": Stage(s).label, "projects": []} for s in STAGE_ORDER]
    by_stage = {c["stage"]: c for c in columns}
    for p in projects:
        if p.stage in by_stage:
            by_stage[p.stage]["projects"].append(p)
    return columns


def _today():
    from django.utils import timezone

    return timezone.localdate()


def document_qs_for(*, user, project: DeliveryProject) -> QuerySet[DeliveryDocument]:
    qs = project.documents.all()
    if user.is_internal:
        return qs
    if user.is_customer:
        return qs.filter(visible_to_customer=True)
    if user.role == "supervisor":
        return qs.filter(visible_to_supervisor=True)
    return qs.none()  # an invited vendor sees the project's equipment and records, not its documents


def document_get_for_user(*, user, pk) -> DeliveryDocument:
    doc = DeliveryDocument.objects.select_related("project").filter(pk=pk).first()
    if doc is None or not delivery_project_qs_for(user).filter(pk=doc.project_id).exists():
        raise Http404
    if not document_qs_for(user=user, project=doc.project).filter(pk=doc.pk).exists():
        raise Http404
    return doc


def documents_by_stage(*, user, project: DeliveryProject) -> list[dict]:
    """The documents grouped by stage with their versions (two queries), required ones marked."""
    required = set(project.project_type.requirements.values_list("stage", "kind"))
    docs = list(
        document_qs_for(user=user, project=project)
        .select_related("reviewed_by")
        .prefetch_related(Prefetch("versions", to_attr="version_list"))
    )
    groups = []
    for stage in STAGE_ORDER:
        stage_docs = [d for d in docs if d.stage == stage]
        for d in stage_docs:
            d.required = (d.stage, d.kind) in required
        if stage_docs:
            groups.append({"stage": stage, "label": Stage(stage).label, "documents": stage_docs})
    return groups


def equipment_list(*, project: DeliveryProject) -> QuerySet[EquipmentItem]:
    return project.equipment.select_related("vendor", "device").order_by("line")


def issue_list(*, project: DeliveryProject) -> QuerySet[Issue]:
    return project.issues.order_by("-occurred_on", "-id")


def gantt_rows(*, project: DeliveryProject) -> dict:
    """Plan vs actual of each milestone as bar positions in percent of the span signing → latest date."""
    milestones: list[Milestone] = list(project.milestones.all())
    start = project.contract_signed_on
    if start is None:
        return {"rows": [], "start": None, "end": None}
    today = _today()
    dates = [d for m in milestones for d in (m.planned_on, m.actual_on) if d] + [today]
    end = max(dates)
    span = max((end - start).days, 1)

    def pct(day):
        return round(100 * max((day - start).days, 0) / span, 1)

    rows = []
    for m in milestones:
        reached = m.actual_on or (today if m.planned_on and today > m.planned_on else None)
        rows.append(
            {
                "milestone": m,
                "late": m.is_late(today),
                "plan_width": pct(m.planned_on) if m.planned_on else 0,
                "actual_width": pct(reached) if reached else 0,
                "running": m.actual_on is None,
            }
        )
    return {"rows": rows, "start": start, "end": end, "today_pct": pct(today)}
