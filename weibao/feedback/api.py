"""REST API of the customer loop (mounted at /api/feedback/): the callback queue and results, complaints and their
steps, satisfaction figures, the customer service archive.

Every read starts from a scoping selector (another organisation's row: 404; vendors see none); writes take
`expected_version` (409 when the row changed since), illegal moves answer 409, bad input 422 with field errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from weibao.accounts.models import Organisation, User
from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field
from weibao.core.apischema import Id, api_errors
from weibao.feedback import selectors, services
from weibao.feedback.models import Callback, Complaint
from weibao.feedback.schemas import (
    ArchiveOut,
    CallbackAddIn,
    CallbackOut,
    CallbackResultIn,
    CallbackStatsOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintStepIn,
    PeriodQuery,
    SatisfactionRowOut,
    SelectOut,
)
from weibao.workorders.models import WorkOrder

router = Router(tags=["feedback"])
LIMIT = 200


def _callback(cb: Callback) -> dict:
    return {
        **{
            f: getattr(cb, f)
            for f in (
                "id",
                "version",
                "customer_id",
                "order_id",
                "complaint_id",
                "engineer_id",
                "contract_id",
                "rule",
                "status",
                "contact_name",
                "contact_phone",
                "due_at",
                "next_try_at",
                "attempts",
                "outcome",
                "satisfaction",
                "remark",
                "follow_up",
                "follow_up_order_id",
                "done_at",
            )
        },
        "customer_name": cb.customer.name,
        "overdue": cb.is_overdue(),
    }


def _complaint(user, c: Complaint, *, timeline: bool = False) -> dict:
    access = selectors.complaint_access(user=user, complaint=c)
    data = {
        **{
            f: getattr(c, f)
            for f in (
                "id",
                "version",
                "number",
                "customer_id",
                "order_id",
                "source",
                "category",
                "severity",
                "status",
                "registered_at",
                "answer_due_at",
                "close_due_at",
                "answered_at",
                "closed_at",
            )
        },
        "access": access,
        "answer_overdue": c.answer_overdue(),
        "close_overdue": c.close_overdue(),
    }
    if access == "full":
        data |= {
            "engineer_id": c.engineer_id,
            "complainant_name": c.complainant_name,
            "complainant_phone": c.complainant_phone,
            "confirmed_at": c.confirmed_at,
        }
    if access != "engineer":
        data |= {"description": c.description, "answer": c.answer}
    if timeline:
        events = selectors.complaint_timeline(user=user, complaint=c)
        data["timeline"] = [
            {
                "id": e.id,
                "kind": e.kind,
                "old_status": e.old_status,
                "new_status": e.new_status,
                "body": e.body if access != "engineer" or e.kind == "engineer_statement" else "",
                "internal": e.internal,
                "created_at": e.created_at,
                "actor_name": e.actor.name if e.actor and access != "customer" else None,
            }
            for e in events
        ]
    return data


# --- callbacks ----------------------------------------------------------------------------------------------------


@router.get("/callbacks", response=list[CallbackOut])
def callback_list(request, view: str = "due"):
    """The callback queue: `due` (call now), `overdue`, `later` (waiting for a retry), `done`. At most 200 rows."""
    require(request.auth, "feedback.callbacks_view")
    return [_callback(cb) for cb in selectors.callback_queue(user=request.auth, view=view)[:LIMIT]]


@router.get("/callbacks/{int:callback_id}", response=CallbackOut)
def callback_get(request, callback_id: Id):
    return _callback(selectors.callback_get_for_user(user=request.auth, pk=callback_id))


@router.post("/callbacks/{int:callback_id}/result", response=CallbackOut)
@api_errors(409)
def callback_result(request, callback_id: Id, payload: CallbackResultIn):
    """Record one call: not reached (a try; back in the queue after the retry delay until the tries are used up) or
    reached with satisfaction 1–5, the customer's words and an optional follow-up (new order or complaint)."""
    cb = selectors.callback_get_for_user(user=request.auth, pk=callback_id)
    data = payload.dict()
    version = data.pop("expected_version")
    cb = services.callback_record(callback=cb, actor=request.auth, expected_version=version, **data)
    return _callback(selectors.callback_get_for_user(user=request.auth, pk=cb.pk))


@router.post("/callbacks", response={201: CallbackOut})
def callback_add(request, payload: CallbackAddIn):
    """Add a closed order to the queue by hand."""
    require(request.auth, "feedback.callbacks")
    from weibao.accounts.scoping import scope_queryset

    order = get_for_field(
        scope_queryset(WorkOrder.objects.all(), request.auth),
        request.auth,
        payload.order_id,
        field="order_id",
        message=_("Unknown work order."),
    )
    cb = services.callback_add(order=order, actor=request.auth)
    return Status(201, _callback(selectors.callback_get_for_user(user=request.auth, pk=cb.pk)))


@router.post("/callbacks/select", response=SelectOut)
def callback_select(request):
    """Run the selection now (it also runs every hour)."""
    require(request.auth, "feedback.callbacks")
    return {"added": services.callbacks_select()}


@router.get("/callbacks/stats", response=list[CallbackStatsOut])
def callback_stats(request, query: Query[PeriodQuery]):
    """Callbacks finished in [start, end] (dates; default the last twelve months) per engineer or contract (`by`)."""
    require(request.auth, "feedback.satisfaction")
    start, end = selectors.check_period(query.start, query.end)
    rows = selectors.callback_stats(user=request.auth, by=query.by, start=start, end=end)
    return [{**r, "label": str(r["label"])} for r in rows]


# --- complaints ---------------------------------------------------------------------------------------------------


@router.get("/complaints", response=list[ComplaintOut])
def complaint_list(request, status: str = "", overdue: bool = False):
    """Complaints the caller may see (`status`: a status, `open` or empty for all). At most 200 rows."""
    require(request.auth, "feedback.complaints_view")
    rows = selectors.complaint_list(user=request.auth, status=status, overdue=overdue)[:LIMIT]
    return [_complaint(request.auth, c) for c in rows]


@router.get("/complaints/{int:complaint_id}", response=ComplaintOut)
def complaint_get(request, complaint_id: Id):
    c = selectors.complaint_get_for_user(user=request.auth, pk=complaint_id)
    return _complaint(request.auth, c, timeline=True)


@router.post("/complaints", response={201: ComplaintOut})
def complaint_create(request, payload: ComplaintIn):
    """Register a complaint. Staff name the customer (organisation id); a customer user complains for itself."""
    user = request.auth
    require(user, "feedback.complaints_register")
    from weibao.accounts.scoping import scope_queryset

    if user.is_customer:
        customer = user.organisation
    else:
        if payload.customer_id is None:
            raise ValidationError({"customer_id": _("This field is required.")})
        customer = Organisation.objects.filter(pk=payload.customer_id, kind="customer").first()
        if customer is None:
            raise ValidationError({"customer_id": _("Unknown customer.")})
    order = engineer = None
    if payload.order_id is not None:
        order = get_for_field(
            scope_queryset(WorkOrder.objects.all(), user),
            user,
            payload.order_id,
            field="order_id",
            message=_("Unknown work order."),
        )
    if payload.engineer_id is not None:
        if user.is_customer:
            raise ValidationError({"engineer_id": _("Name the work order; we find the engineer.")})
        engineer = User.objects.filter(pk=payload.engineer_id, role__in=["field_engineer", "duty_engineer"]).first()
        if engineer is None:
            raise ValidationError({"engineer_id": _("Unknown engineer.")})
    data = payload.dict(exclude={"customer_id", "order_id", "engineer_id"})
    try:
        c = services.complaint_register(actor=user, customer=customer, order=order, engineer=engineer, **data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "order" in exc.error_dict:
            raise ValidationError({"order_id": exc.message_dict["order"]}) from exc
        raise
    return Status(201, _complaint(user, c, timeline=True))


STEPS = {
    "investigate": ("complaint_investigate", "note", True),
    "statement": ("complaint_statement", "text", False),
    "note": ("complaint_note", "text", False),
    "answer": ("complaint_answer", "answer", True),
    "accept": ("complaint_accept", "note", True),
    "escalate": ("complaint_escalate", "reason", True),
    "confirm": ("complaint_confirm", "note", True),
    "unconfirm": ("complaint_confirm", "note", True),
}


def _step(request, complaint_id: int, step: str, payload: ComplaintStepIn) -> dict:
    c = selectors.complaint_get_for_user(user=request.auth, pk=complaint_id)
    name, arg, versioned = STEPS[step]
    kwargs = {"complaint": c, "actor": request.auth, arg: payload.text}
    if versioned:
        kwargs["expected_version"] = payload.expected_version
    if step in ("confirm", "unconfirm"):
        kwargs["confirmed"] = step == "confirm"
    try:
        getattr(services, name)(**kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and arg in exc.error_dict:
            raise ValidationError({"text": exc.message_dict[arg]}) from exc
        raise
    c = selectors.complaint_get_for_user(user=request.auth, pk=complaint_id)
    return _complaint(request.auth, c, timeline=True)


def _make_step(step: str, doc: str):
    @router.post(
        f"/complaints/{{int:complaint_id}}/{step}", response=ComplaintOut, operation_id=f"complaint_{step}", summary=doc
    )
    @api_errors(409)
    def view(request, complaint_id: Id, payload: ComplaintStepIn):
        return _step(request, complaint_id, step, payload)

    view.__doc__ = doc
    return view


for _name, _doc in (
    ("investigate", "Start investigating (managers)."),
    ("statement", "The engineer complained about gives their side (internal)."),
    ("note", "An internal note (managers)."),
    ("answer", "Send the answer to the customer (managers)."),
    ("accept", "The customer accepts the answer: closed (the customer, or a manager recording it)."),
    ("escalate", "Not accepted: to the general manager (the customer, or a manager)."),
    ("confirm", "Confirm the complaint counts against the engineer (managers)."),
    ("unconfirm", "Withdraw the confirmation (managers)."),
):
    _make_step(_name, _doc)


# --- satisfaction and the archive ---------------------------------------------------------------------------------


@router.get("/satisfaction", response=list[SatisfactionRowOut])
def satisfaction(request, query: Query[PeriodQuery]):
    """Satisfaction per order, engineer, contract, customer, branch or month (`by`) over [start, end] (dates; default
    the last twelve months): service-form and callback ratings, counted and averaged, and together."""
    rows = selectors.satisfaction(user=request.auth, by=query.by, start=query.start, end=query.end)
    return [{**r, "key": None if r["key"] is None else str(r["key"]), "label": str(r["label"])} for r in rows]


@router.get("/customers/{int:customer_id}/archive", response=ArchiveOut)
def archive(request, customer_id: Id):
    """The customer service archive: order counts, latest orders, signed forms, callbacks, complaints, the
    satisfaction trend. `customer_id` is the customers-app id (404 for another organisation; vendors: 404)."""
    customer = selectors.customer_for_archive(user=request.auth, pk=customer_id)
    a = selectors.customer_archive(user=request.auth, customer=customer)
    return {
        "customer_id": customer.pk,
        "customer_name": customer.name,
        "order_counts": a.order_counts,
        "orders": [
            {
                "id": o.pk,
                "number": o.number,
                "title": o.title,
                "status": o.status,
                "severity": o.severity,
                "reported_at": o.reported_at.isoformat(),
            }
            for o in a.orders
        ],
        "forms": [
            {
                "order_id": f.workorder_id,
                "revision": f.revision,
                "signed_at": f.signed_at.isoformat(),
                "satisfaction": f.satisfaction,
                "complete": f.complete,
            }
            for f in a.forms
        ],
        "callbacks": [_callback(cb) for cb in a.callbacks],
        "complaints": [
            {
                "id": c.pk,
                "number": c.number,
                "status": c.status,
                "category": c.category,
                "registered_at": c.registered_at.isoformat(),
            }
            for c in a.complaints
        ],
        "trend": [{**r, "key": None if r["key"] is None else str(r["key"]), "label": str(r["label"])} for r in a.trend],
    }
