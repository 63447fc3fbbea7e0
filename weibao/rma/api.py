"""REST API of vendor escalation and RMA (mounted at /api/rma/).

Every URL starts from a scoping selector: a customer sees its own RMA cases (404 for others'), a vendor the cases
sent to it and the escalations to its company (404 otherwise); ids in a body that the user may not see are a 422 on
that field. Writes take `expected_version` (409 when the row changed since); refused moves and gates answer 409."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field
from weibao.assets.models import Device, Vendor
from weibao.core.apischema import Schema, api_errors
from weibao.customers.models import Customer
from weibao.rma import selectors, services
from weibao.rma.models import RmaCase, RmaFee, VendorAgreement
from weibao.rma.schemas import (
    AgreementIn,
    AgreementOut,
    AnswerTextIn,
    CancelIn,
    CaseIn,
    CaseListOut,
    CaseOut,
    CollectIn,
    EscalationDetailOut,
    EscalationOut,
    EscalationPatchIn,
    FeeAnswerIn,
    FeeIn,
    FeeLinkIn,
    FeeLinkOut,
    QuestionIn,
    QuestionOut,
    ReturnIn,
    RmaNoteIn,
    RmaVersionIn,
    RmaWithdrawIn,
    ShipBackIn,
    ShipIn,
    SolveIn,
    VendorEscalationIn,
    VendorReceivedIn,
    VisitDoneIn,
    WarrantyIn,
)

router = Router(tags=["vendor escalation and RMA"])


# --- helpers ------------------------------------------------------------------------------------------------------


def _case(request, pk: int) -> RmaCase:
    require(request.auth, "rma.view")
    return selectors.rma_get_for_user(user=request.auth, pk=pk)


def _case_out(case: RmaCase, user) -> dict:
    view = selectors.rma_case_view(case=case, user=user)
    case = view.case
    out = {
        f: getattr(case, f)
        for f in CaseOut.model_fields
        if hasattr(case, f) and f not in ("age_days", "days_with_vendor")
    }
    out.update(
        age_days=case.age_days(),
        days_with_vendor=case.days_with_vendor(),
        shipments=view.shipments,
        timeline=view.events,
        actions=sorted(view.actions),
        fee=view.fee if view.show_fee else None,
    )
    if not view.show_costs:
        out["vendor_cost"] = None  # what the vendor charges us is ours alone
    if not view.show_fee:  # the vendor never sees our customer's fee or its collection
        out.update(invoice_number=None, invoiced_on=None, paid_on=None, paid_amount=None, customer_pays=None)
    return out


def _list_out(case: RmaCase) -> dict:
    out = {f: getattr(case, f) for f in CaseListOut.model_fields if f not in ("age_days", "days_with_vendor")}
    out.update(age_days=case.age_days(), days_with_vendor=case.days_with_vendor())
    return out


def _fee(request, case: RmaCase, fee_id: int) -> RmaFee:
    if request.auth.is_vendor:
        raise Http404
    fee = RmaFee.objects.filter(pk=fee_id, case=case).select_related("case__vendor").first()
    if fee is None:
        raise Http404
    return fee


def _pick(request, model, pk, field: str, message: str):
    if pk is None:
        return None
    return get_for_field(model.objects.all(), request.auth, pk, field=field, message=message)


def _staff_pick(request, model, pk, field: str, message: str):
    """An id only our staff can name (parts, warehouses, replacements): others get the same 422 as an unknown id."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first() if request.auth.is_internal else None
    if found is None:
        raise ValidationError({field: [message]})
    return found


# --- RMA cases ----------------------------------------------------------------------------------------------------


class CaseFilter(Schema):
    queue: str = "open"
    q: str = ""
    overdue: bool = False


@router.get("/cases", response=list[CaseListOut])
def case_list(request, filters: Query[CaseFilter]):
    """A queue of RMA cases: open, decide, fee, ship, with_vendor, back, collect, all; `overdue` = with the vendor
    for more than 30 days (the ageing queue)."""
    require(request.auth, "rma.view")
    cases = selectors.rma_list(user=request.auth, queue=filters.queue, q=filters.q, overdue=filters.overdue)
    return [_list_out(c) for c in cases]


@router.post("/cases", response={201: CaseOut})
def case_create(request, payload: CaseIn):
    """Register a faulty unit: from a replacement on an order, from stock (a part and warehouse) or by hand."""
    from weibao.onsite.models import Replacement
    from weibao.spares.models import Part, Warehouse
    from weibao.workorders.models import WorkOrder

    require(request.auth, "rma.create")
    if not request.auth.is_internal:
        raise PermissionDenied("rma.create")
    unknown = _("Unknown or not yours.")
    refs = {}
    errors = {}
    for name, model, pick in (
        ("replacement", Replacement, _staff_pick),
        ("device", Device, _pick),
        ("customer", Customer, _pick),
        ("workorder", WorkOrder, _pick),
        ("part", Part, _staff_pick),
        ("from_warehouse", Warehouse, _staff_pick),
        ("vendor", Vendor, _pick),
    ):
        try:
            refs[name] = pick(request, model, getattr(payload, f"{name}_id"), f"{name}_id", unknown)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    case = services.rma_open(
        actor=request.auth,
        source=payload.source,
        fault=payload.fault,
        model=payload.model,
        serial_number=payload.serial_number,
        vendor_warranty_from=payload.vendor_warranty_from,
        vendor_warranty_until=payload.vendor_warranty_until,
        human_caused=payload.human_caused,
        **refs,
    )
    return Status(201, _case_out(selectors.rma_get_for_user(user=request.auth, pk=case.pk), request.auth))


@router.get("/cases/{int:case_id}", response=CaseOut)
def case_detail(request, case_id: int):
    """One case: the warranty check with its dates, the fee, shipments, the timeline and what you may do next."""
    return _case_out(_case(request, case_id), request.auth)


def _done(request, case: RmaCase) -> dict:
    return _case_out(selectors.rma_get_for_user(user=request.auth, pk=case.pk), request.auth)


@router.post("/cases/{int:case_id}/check-warranty", response=CaseOut)
@api_errors(409)
def check_warranty(request, case_id: int, payload: WarrantyIn):
    """Correct the vendor-warranty dates of the serial and decide again (before anything is sent)."""
    case = _case(request, case_id)
    return _done(request, services.rma_check_warranty(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/request-visit", response=CaseOut)
@api_errors(409)
def request_visit(request, case_id: int, payload: RmaNoteIn):
    """In the vendor's warranty and it offers on-site service: ask for the vendor's visit."""
    case = _case(request, case_id)
    return _done(request, services.rma_request_visit(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/visit-done", response=CaseOut)
@api_errors(409)
def visit_done(request, case_id: int, payload: VisitDoneIn):
    case = _case(request, case_id)
    return _done(request, services.rma_visit_done(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/send-back", response=CaseOut)
@api_errors(409)
def send_back(request, case_id: int, payload: RmaVersionIn):
    """Send the unit without a customer fee (in our warranty, or from our stock)."""
    case = _case(request, case_id)
    return _done(request, services.rma_send_back(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/fee", response={201: CaseOut})
@api_errors(409)
def fee_quote(request, case_id: int, payload: FeeIn):
    """Quote the repair fee including shipping both ways; a new version supersedes the current one."""
    case = _case(request, case_id)
    services.rma_fee_quote(case=case, actor=request.auth, **payload.dict())
    return Status(201, _done(request, case))


@router.post("/cases/{int:case_id}/fees/{int:fee_id}/answer", response=CaseOut)
@api_errors(409)
def fee_answer(request, case_id: int, fee_id: int, payload: FeeAnswerIn):
    """The customer approves or refuses the fee (or our staff record the customer's phone answer, with the name)."""
    case = _case(request, case_id)
    services.rma_fee_answer(fee=_fee(request, case, fee_id), actor=request.auth, **payload.dict())
    return _done(request, case)


@router.post("/cases/{int:case_id}/fees/{int:fee_id}/link", response={201: FeeLinkOut})
@api_errors(409)
def fee_link(request, case_id: int, fee_id: int, payload: FeeLinkIn):
    """A signed one-time link for the customer to answer the fee without logging in."""
    case = _case(request, case_id)
    tokens = services.rma_fee_link_create(fee=_fee(request, case, fee_id), actor=request.auth, **payload.dict())
    url = request.build_absolute_uri
    return Status(
        201,
        {
            "approve_url": url(reverse("rma:fee_link", args=[tokens["approve"]])),
            "refuse_url": url(reverse("rma:fee_link", args=[tokens["refuse"]])),
        },
    )


@router.post("/cases/{int:case_id}/ship-out", response=CaseOut)
@api_errors(409)
def ship_out(request, case_id: int, payload: ShipIn):
    """Send the unit to the vendor: carrier and waybill number (checked against the carrier's form). 409 until the
    paying customer approved the fee."""
    case = _case(request, case_id)
    return _done(request, services.rma_ship_out(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/vendor-received", response=CaseOut)
@api_errors(409)
def vendor_received(request, case_id: int, payload: VendorReceivedIn):
    case = _case(request, case_id)
    return _done(request, services.rma_vendor_received(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/ship-back", response=CaseOut)
@api_errors(409)
def ship_back(request, case_id: int, payload: ShipBackIn):
    """The vendor's repair report and the shipment back (vendor users or our staff)."""
    case = _case(request, case_id)
    return _done(request, services.rma_ship_back(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/receive", response=CaseOut)
@api_errors(409)
def receive(request, case_id: int, payload: RmaNoteIn):
    case = _case(request, case_id)
    return _done(request, services.rma_receive(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/return", response=CaseOut)
@api_errors(409)
def return_unit(request, case_id: int, payload: ReturnIn):
    """Back to the customer, or into stock (a warehouse and the part it is stocked as)."""
    from weibao.spares.models import Part, Warehouse

    case = _case(request, case_id)
    data = payload.dict()
    unknown = _("Unknown or not yours.")
    warehouse = _staff_pick(request, Warehouse, data.pop("warehouse_id"), "warehouse_id", unknown)
    part = _staff_pick(request, Part, data.pop("part_id"), "part_id", unknown)
    return _done(request, services.rma_return(case=case, actor=request.auth, warehouse=warehouse, part=part, **data))


@router.post("/cases/{int:case_id}/collect", response=CaseOut)
@api_errors(409)
def collect(request, case_id: int, payload: CollectIn):
    """The fee collected: invoice number and paid date (商务部)."""
    case = _case(request, case_id)
    return _done(request, services.rma_collect(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/close", response=CaseOut)
@api_errors(409)
def close(request, case_id: int, payload: RmaNoteIn):
    case = _case(request, case_id)
    return _done(request, services.rma_close(case=case, actor=request.auth, **payload.dict()))


@router.post("/cases/{int:case_id}/cancel", response=CaseOut)
@api_errors(409)
def cancel(request, case_id: int, payload: CancelIn):
    case = _case(request, case_id)
    return _done(request, services.rma_cancel(case=case, actor=request.auth, **payload.dict()))


# --- escalations --------------------------------------------------------------------------------------------------


class EscalationFilter(Schema):
    state: str = "open"


@router.get("/escalations", response=list[EscalationOut])
def escalation_list(request, filters: Query[EscalationFilter]):
    """Escalations to vendors (a vendor: those to its company), the open ones by the vendor's response deadline."""
    require(request.auth, "escalation.view")
    return selectors.escalation_list(user=request.auth, state=filters.state)


@router.get("/escalations/{int:escalation_id}", response=EscalationDetailOut)
def escalation_detail(request, escalation_id: int):
    require(request.auth, "escalation.view")
    return selectors.escalation_get_for_user(user=request.auth, pk=escalation_id)  # questions: in asking order


@router.post("/work-orders/{int:workorder_id}/escalate", response={201: EscalationOut})
@api_errors(409)
def escalate(request, workorder_id: int, payload: VendorEscalationIn):
    """Escalate an order to a vendor and start tracking it (the response deadline from the support agreement).
    `expected_version` is the WORK ORDER's version."""
    from weibao.workorders.selectors import workorder_get_for_user

    require(request.auth, "escalation.track")
    wo = workorder_get_for_user(user=request.auth, pk=workorder_id, for_write=True)
    data = payload.dict()
    vendor = get_for_field(
        Vendor.objects.all(), request.auth, data.pop("vendor_id"), field="vendor_id", message=_("Unknown vendor.")
    )
    return Status(201, services.vendor_escalate(workorder=wo, actor=request.auth, vendor=vendor, **data))


@router.patch("/escalations/{int:escalation_id}", response=EscalationOut)
@api_errors(409)
def escalation_patch(request, escalation_id: int, payload: EscalationPatchIn):
    """The vendor's case number and engineer (our staff, or the vendor's own users)."""
    require(request.auth, "escalation.view")
    esc = selectors.escalation_get_for_user(user=request.auth, pk=escalation_id)
    return services.escalation_update(escalation=esc, actor=request.auth, **payload.dict())


@router.post("/escalations/{int:escalation_id}/questions", response={201: QuestionOut})
@api_errors(409)
def ask(request, escalation_id: int, payload: QuestionIn):
    require(request.auth, "escalation.view")
    esc = selectors.escalation_get_for_user(user=request.auth, pk=escalation_id)
    return Status(201, services.escalation_ask(escalation=esc, actor=request.auth, question=payload.question))


@router.post("/questions/{int:question_id}/answer", response=QuestionOut)
@api_errors(409)
def answer(request, question_id: int, payload: AnswerTextIn):
    """The vendor answers a question (the first answer counts as its response against the deadline)."""
    require(request.auth, "escalation.view")
    q = selectors.question_get_for_user(user=request.auth, pk=question_id)
    return services.escalation_answer(question=q, actor=request.auth, answer=payload.answer)


@router.post("/escalations/{int:escalation_id}/solve", response=EscalationOut)
@api_errors(409)
def solve(request, escalation_id: int, payload: SolveIn):
    """Solved by the vendor: the root cause (required) and solution; the order is resolved with the solution."""
    require(request.auth, "escalation.view")
    esc = selectors.escalation_get_for_user(user=request.auth, pk=escalation_id)
    return services.escalation_solve(escalation=esc, actor=request.auth, **payload.dict())


@router.post("/escalations/{int:escalation_id}/withdraw", response=EscalationOut)
@api_errors(409)
def withdraw(request, escalation_id: int, payload: RmaWithdrawIn):
    require(request.auth, "escalation.view")
    esc = selectors.escalation_get_for_user(user=request.auth, pk=escalation_id)
    return services.escalation_withdraw(escalation=esc, actor=request.auth, **payload.dict())


# --- vendor support agreements ------------------------------------------------------------------------------------


@router.get("/agreements", response=list[AgreementOut])
def agreement_list(request):
    require(request.auth, "vendors.agreements")
    return selectors.agreement_list(user=request.auth)


@router.post("/agreements", response={201: AgreementOut})
def agreement_create(request, payload: AgreementIn):
    """A vendor support agreement: the vendor's response time in working hours on a calendar."""
    from weibao.contracts.models import BusinessCalendar

    require(request.auth, "vendors.agreements")
    data = payload.dict()
    data.pop("expected_version")
    vendor = get_for_field(
        Vendor.objects.all(), request.auth, data.pop("vendor_id"), field="vendor_id", message=_("Unknown vendor.")
    )
    calendar = _staff_pick(request, BusinessCalendar, data.pop("calendar_id"), "calendar_id", _("Unknown calendar."))
    return Status(201, services.agreement_save(actor=request.auth, vendor=vendor, calendar=calendar, **data))


@router.put("/agreements/{int:agreement_id}", response=AgreementOut)
@api_errors(409)
def agreement_update(request, agreement_id: int, payload: AgreementIn):
    from weibao.contracts.models import BusinessCalendar

    require(request.auth, "vendors.agreements")
    agreement = VendorAgreement.objects.filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404
    data = payload.dict()
    version = data.pop("expected_version")
    vendor = get_for_field(
        Vendor.objects.all(), request.auth, data.pop("vendor_id"), field="vendor_id", message=_("Unknown vendor.")
    )
    calendar = _staff_pick(request, BusinessCalendar, data.pop("calendar_id"), "calendar_id", _("Unknown calendar."))
    return services.agreement_save(
        actor=request.auth, vendor=vendor, calendar=calendar, agreement=agreement, expected_version=version, **data
    )
