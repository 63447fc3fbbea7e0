"""REST API of project delivery (mounted at /api/delivery/). Every id goes through the scoping selectors: a project
the user may not see is a 404; a refused gate is a 422 naming what is missing; a stale `expected_version` a 409."""

from __future__ import annotations

from django.utils import timezone
from ninja import Router, Status

from weibao.accounts.permissions import require
from weibao.core.apischema import Id
from weibao.delivery import selectors, services
from weibao.delivery.choices import WORK_STAGES
from weibao.delivery.handover import project_handover
from weibao.delivery.schemas import (
    DeliveryDocumentOut,
    DeliveryEquipmentOut,
    DeliveryGatesOut,
    DeliveryIssueIn,
    DeliveryIssueOut,
    DeliveryMilestoneOut,
    DeliveryProjectOut,
    DeliveryReviewIn,
    DeliveryStageCloseIn,
)

router = Router(tags=["project delivery"])


def _project(request, project_id: int, perm: str = "delivery.view"):
    require(request.auth, perm)
    return selectors.delivery_project_get_for_user(user=request.auth, pk=project_id)


@router.get("/projects", response=list[DeliveryProjectOut])
def projects(request, stage: str = "", q: str = ""):
    require(request.auth, "delivery.view")
    return list(selectors.delivery_project_list(user=request.auth, stage=stage[:24], query=q[:100])[:500])


@router.get("/projects/{int:project_id}", response=DeliveryProjectOut)
def project(request, project_id: Id):
    return _project(request, project_id)


@router.get("/projects/{int:project_id}/gates", response=DeliveryGatesOut)
def gates(request, project_id: Id):
    """What the current stage still needs before it can close."""
    p = _project(request, project_id)
    problems = services.stage_problems(p, timezone.localdate()) if p.stage in WORK_STAGES else []
    return {"stage": p.stage, "problems": problems}


@router.post("/projects/{int:project_id}/close-stage", response=DeliveryProjectOut)
def close_stage(request, project_id: Id, payload: DeliveryStageCloseIn):
    p = _project(request, project_id, "delivery.edit")
    return services.stage_close(project=p, actor=request.auth, version=payload.expected_version)


@router.post("/projects/{int:project_id}/handover", response=DeliveryProjectOut)
def handover(request, project_id: Id):
    """Hand the accepted project over to maintenance; calling it again changes nothing."""
    p = _project(request, project_id, "delivery.handover")
    return project_handover(project=p, actor=request.auth)


@router.get("/projects/{int:project_id}/milestones", response=list[DeliveryMilestoneOut])
def milestones(request, project_id: Id):
    p = _project(request, project_id)
    today = timezone.localdate()
    return [
        {
            "code": m.code,
            "name": m.name,
            "working_days": m.working_days,
            "planned_on": m.planned_on,
            "actual_on": m.actual_on,
            "late": m.is_late(today),
        }
        for m in p.milestones.all()
    ]


@router.get("/projects/{int:project_id}/documents", response=list[DeliveryDocumentOut])
def documents(request, project_id: Id):
    p = _project(request, project_id)
    return list(selectors.document_qs_for(user=request.auth, project=p))


@router.post("/documents/{int:document_id}/review", response=DeliveryDocumentOut)
def review(request, document_id: Id, payload: DeliveryReviewIn):
    require(request.auth, "delivery.review")
    doc = selectors.document_get_for_user(user=request.auth, pk=document_id)
    return services.document_review(document=doc, actor=request.auth, approve=payload.approve, note=payload.note)


@router.get("/projects/{int:project_id}/equipment", response=list[DeliveryEquipmentOut])
def equipment(request, project_id: Id):
    return list(selectors.equipment_list(project=_project(request, project_id)))


@router.get("/projects/{int:project_id}/issues", response=list[DeliveryIssueOut])
def issues(request, project_id: Id):
    return list(selectors.issue_list(project=_project(request, project_id)))


@router.post("/projects/{int:project_id}/issues", response={201: DeliveryIssueOut})
def issue_create(request, project_id: Id, payload: DeliveryIssueIn):
    p = _project(request, project_id, "delivery.records")
    return Status(201, services.issue_add(project=p, actor=request.auth, **payload.dict()))
