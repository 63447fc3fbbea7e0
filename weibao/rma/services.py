"""Writes of vendor escalation (SPEC §4.7) and faulty-part repair, 坏件返修控制程序 (SPEC §4.9, SEED-GAPS §2.10.10).

Every function is one transaction: it validates all its input first, locks the row, checks `expected_version`,
refuses moves the state table does not allow and appends one event (the RMA case's own timeline; escalation steps
go on the work order's timeline through the work-order step services).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.accounts.permissions import has_perm, require
from weibao.assets.choices import DeviceStatus
from weibao.assets.models import Device, Vendor
from weibao.contracts import clock
from weibao.core.approvals import (
    AnswerChannel,
    answer_by_link,
    answer_link_check,
    answer_link_create,
    answer_store,
    answer_wanted,
    answerer_name,
    clean_tax_rate,
    link_recipient,
    price_totals,
)
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.rma.choices import (
    TRANSITIONS,
    WAYBILL_EXAMPLES,
    WAYBILL_PATTERNS,
    Carrier,
    Direction,
    EscalationStatus,
    FeeStatus,
    RepairOutcome,
    ReturnTo,
    RmaEventKind,
    Route,
    Source,
    Status,
    WarrantyState,
)
from weibao.rma.models import (
    RmaCase,
    RmaCounter,
    RmaEvent,
    RmaFee,
    RmaShipment,
    VendorAgreement,
    VendorEscalation,
    VendorQuestion,
    VendorWarranty,
)
from weibao.workorders.choices import TRANSITIONS as WO_TRANSITIONS
from weibao.workorders.choices import EventKind
from weibao.workorders.choices import Status as WOStatus
from weibao.workorders.models import WorkOrder

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")
DEFAULT_TAX_RATE = Decimal("0.13")  # VAT on repair services in China
ALL_ORDER_STATUSES = frozenset(WOStatus)
FEE_LINK_PURPOSE = "rma.fee"


# --- small checks -------------------------------------------------------------------------------------------------


def _text(value: Any, field: str, *, required: bool = False, max_length: int | None = None) -> str:
    value = "" if value is None else str(value).strip()
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a NUL character, which cannot be stored.")})
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if max_length is not None and len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters are allowed.") % {"n": max_length}})
    return value


def _money(value: Any, field: str, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    if isinstance(value, float):
        value = str(value)  # never carry a float's binary error into money
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter an amount such as 120.50.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter an amount such as 120.50.")})
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount > MAX_MONEY:
        raise ValidationError({field: _("The amount is too large.")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("At most two decimal places (fen).")})
    return amount.quantize(CENT)


def _date(value: Any, field: str, *, required: bool = False) -> datetime.date | None:
    if value is None or value == "":
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None


def _past_date(value: Any, field: str, *, required: bool = False) -> datetime.date | None:
    day = _date(value, field, required=required)
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: _("The date lies in the future.")})
    return day


def _collect(*checks) -> list[Any]:
    """Run every check and raise all their field errors at once (a form shows them all, nothing is stored)."""
    errors: dict[str, list[str]] = {}
    results = []
    for check in checks:
        try:
            results.append(check())
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            results.append(None)
    if errors:
        raise ValidationError(errors)
    return results


def clean_waybill(carrier: Any, waybill: Any) -> tuple[str, str]:
    """The carrier and its waybill number (运单号) in the carrier's published form, upper-cased, spaces removed."""
    carrier = "" if carrier is None else str(carrier)
    if carrier not in Carrier.values:
        raise ValidationError({"carrier": _("Choose a carrier.")})
    number = "".join(str(waybill or "").split()).upper()
    if not number:
        raise ValidationError({"waybill": _("This field is required.")})
    if not WAYBILL_PATTERNS[carrier].fullmatch(number):
        raise ValidationError(
            {
                "waybill": _("This is not a %(carrier)s waybill number (e.g. %(example)s).")
                % {"carrier": Carrier(carrier).label, "example": WAYBILL_EXAMPLES[carrier]}
            }
        )
    return carrier, number


def _check_version(row, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise StaleEdit


# --- the vendor's response deadline -------------------------------------------------------------------------------


def agreement_for(*, vendor: Vendor, on: datetime.date | None = None) -> VendorAgreement | None:
    """The vendor support agreement valid on `on` (the newest that started), or None."""
    on = on or timezone.localdate()
    return (
        VendorAgreement.objects.filter(vendor=vendor, valid_from__lte=on)
        .exclude(valid_until__lt=on)
        .select_related("calendar")
        .order_by("-valid_from", "-id")
        .first()
    )


def response_due(*, agreement: VendorAgreement | None, start: datetime.datetime) -> datetime.datetime | None:
    """When the vendor must have answered: `response_hours` of working time on the agreement's calendar (China's
    holidays and 调休 days included), or around the clock without a calendar."""
    if agreement is None:
        return None
    cal = agreement.calendar.build() if agreement.calendar_id else clock.WorkingCalendar(always=True)
    return clock.deadline(cal, start, datetime.timedelta(hours=agreement.response_hours))


@transaction.atomic
def agreement_save(
    *,
    actor: User,
    vendor: Vendor,
    name: str,
    response_hours: Any,
    valid_from: Any,
    valid_until: Any = None,
    calendar=None,
    onsite_hours: Any = None,
    notes: str = "",
    agreement: VendorAgreement | None = None,
    expected_version: int | None = None,
) -> VendorAgreement:
    """Create or change a vendor support agreement (商务部 / managers)."""
    require(actor, "vendors.agreements")

    def hours(value, field, required):
        if value is None or value == "":
            if required:
                raise ValidationError({field: _("This field is required.")})
            return None
        try:
            number = int(str(value))
        except ValueError:
            raise ValidationError({field: _("Enter a whole number of hours.")}) from None
        if not 1 <= number <= 24 * 365:
            raise ValidationError({field: _("Enter between 1 and 8760 hours.")})
        return number

    name, resp, onsite, start, end, notes = _collect(
        lambda: _text(name, "name", required=True, max_length=200),
        lambda: hours(response_hours, "response_hours", True),
        lambda: hours(onsite_hours, "onsite_hours", False),
        lambda: _date(valid_from, "valid_from", required=True),
        lambda: _date(valid_until, "valid_until"),
        lambda: _text(notes, "notes"),
    )
    if end is not None and end < start:
        raise ValidationError({"valid_until": _("The end lies before the start.")})
    fields = {
        "vendor": vendor,
        "name": name,
        "response_hours": resp,
        "onsite_hours": onsite,
        "valid_from": start,
        "valid_until": end,
        "calendar": calendar,
        "notes": notes,
    }
    if agreement is None:
        return VendorAgreement.objects.create(**fields)
    done = VendorAgreement.objects.filter(
        pk=agreement.pk, **({"version": expected_version} if expected_version is not None else {})
    ).update(**fields, version=F("version") + 1, updated_at=timezone.now())
    if not done:
        raise StaleEdit
    return VendorAgreement.objects.get(pk=agreement.pk)


# --- vendor escalation --------------------------------------------------------------------------------------------


def _after_commit(name: str, **kwargs) -> None:
    """Queue a notification task of `rma.tasks` once the step commits (no mail for a rolled-back step)."""
    from weibao.rma import tasks

    transaction.on_commit(lambda: getattr(tasks, name).enqueue(**kwargs))


def _escalated_at(wo: WorkOrder) -> datetime.datetime:
    at = wo.events.filter(kind=EventKind.ESCALATED).order_by("-id").values_list("created_at", flat=True).first()
    return at or timezone.now()


@transaction.atomic
def escalation_sync(*, workorder: WorkOrder) -> VendorEscalation | None:
    """The open escalation of an order escalated to a vendor, created when the order was escalated through the plain
    move (the tracking starts from the move's time and deadline); a re-escalation to another vendor withdraws the
    earlier one. Idempotent: two requests at once create one row (the unique constraint decides)."""
    if workorder.escalated_vendor_id is None:
        return None
    current = VendorEscalation.objects.filter(workorder_id=workorder.pk, status=EscalationStatus.OPEN).first()
    if current is not None and current.vendor_id == workorder.escalated_vendor_id:
        return current
    if workorder.status != WOStatus.ESCALATED:
        return current  # the order moved on; an earlier escalation stays as it was
    now = timezone.now()
    if current is not None:
        VendorEscalation.objects.filter(pk=current.pk).update(
            status=EscalationStatus.WITHDRAWN,
            closed_at=now,
            updated_at=now,
            version=F("version") + 1,
            close_note=_("Escalated to another vendor."),
        )
    started = _escalated_at(workorder)
    vendor = Vendor.objects.get(pk=workorder.escalated_vendor_id)
    agreement = agreement_for(vendor=vendor, on=timezone.localdate(started))
    try:
        with transaction.atomic():
            created = VendorEscalation.objects.create(
                workorder_id=workorder.pk,
                vendor=vendor,
                agreement=agreement,
                escalated_at=started,
                response_due_at=response_due(agreement=agreement, start=started),
            )
    except IntegrityError:
        return VendorEscalation.objects.get(workorder_id=workorder.pk, status=EscalationStatus.OPEN)
    _after_commit("escalation_notify", escalation_id=created.pk)  # the vendor's contacts are told
    return created


@transaction.atomic
def vendor_escalate(
    *,
    workorder: WorkOrder,
    actor: User,
    vendor: Vendor,
    reason: str = "",
    vendor_case_number: str = "",
    vendor_engineer: str = "",
    vendor_engineer_phone: str = "",
    expected_version: int | None = None,
) -> VendorEscalation:
    """Escalate the order to the vendor (the work-order move) and start tracking it: the response deadline comes
    from the vendor support agreement; the case number and engineer may be known already."""
    from weibao.workorders.services import workorder_escalate

    require(actor, "escalation.track")
    wo = workorder_escalate(
        workorder=workorder, actor=actor, vendor=vendor, reason=reason, expected_version=expected_version
    )
    escalation = escalation_sync(workorder=wo)
    if vendor_case_number or vendor_engineer or vendor_engineer_phone:
        escalation = escalation_update(
            escalation=escalation,
            actor=actor,
            vendor_case_number=vendor_case_number,
            vendor_engineer=vendor_engineer,
            vendor_engineer_phone=vendor_engineer_phone,
        )
    return escalation


def _check_escalation_actor(actor: User, escalation: VendorEscalation, perm: str) -> None:
    require(actor, perm)
    if actor.is_customer:
        raise PermissionDenied(perm)
    if actor.is_vendor and escalation.vendor.organisation_id != actor.organisation_id:
        raise PermissionDenied(perm)


def _lock_escalation(escalation: VendorEscalation, *, open_only: bool = True) -> VendorEscalation:
    locked = VendorEscalation.objects.select_for_update().select_related("vendor").get(pk=escalation.pk)
    if open_only and locked.status != EscalationStatus.OPEN:
        raise TransitionNotAllowed(
            current=str(locked.get_status_display()),
            requested=str(_("Change")),
            message=_("This escalation is closed."),
        )
    return locked


def _order_step(
    *,
    escalation: VendorEscalation,
    actor: User,
    perm: str,
    kind: str,
    body: str = "",
    data: dict | None = None,
    expected_version: int | None = None,
):
    from weibao.workorders.services.steps import workorder_record_step

    return workorder_record_step(
        workorder=escalation.workorder,
        actor=actor,
        perm=perm,
        kind=kind,
        body=body,
        data=data,
        expected_version=expected_version,
        statuses=ALL_ORDER_STATUSES,
    )


@transaction.atomic
def escalation_update(
    *,
    escalation: VendorEscalation,
    actor: User,
    vendor_case_number: str | None = None,
    vendor_engineer: str | None = None,
    vendor_engineer_phone: str | None = None,
    expected_version: int | None = None,
) -> VendorEscalation:
    """The vendor's case number and engineer (our staff, or the vendor's own users in the portal)."""
    perm = "escalation.answer" if actor.is_vendor else "escalation.track"
    _check_escalation_actor(actor, escalation, perm)
    values = {}
    if vendor_case_number is not None:
        values["vendor_case_number"] = _text(vendor_case_number, "vendor_case_number", max_length=60)
    if vendor_engineer is not None:
        values["vendor_engineer"] = _text(vendor_engineer, "vendor_engineer", max_length=100)
    if vendor_engineer_phone is not None:
        values["vendor_engineer_phone"] = _text(vendor_engineer_phone, "vendor_engineer_phone", max_length=40)
    locked = _lock_escalation(escalation)
    _check_version(locked, expected_version)
    changed = {k: [getattr(locked, k), v] for k, v in values.items() if getattr(locked, k) != v}
    if not changed:
        return locked
    VendorEscalation.objects.filter(pk=locked.pk).update(**values, version=F("version") + 1, updated_at=timezone.now())
    locked.refresh_from_db()
    _order_step(
        escalation=locked,
        actor=actor,
        perm=perm,
        kind=EventKind.VENDOR_CASE,
        data={"case_number": locked.vendor_case_number, "engineer": locked.vendor_engineer, "changed": changed},
    )
    return locked


@transaction.atomic
def escalation_ask(*, escalation: VendorEscalation, actor: User, question: str) -> VendorQuestion:
    """Put a question to the vendor; its users see it in the portal and answer there."""
    _check_escalation_actor(actor, escalation, "escalation.track")
    if not actor.is_internal:
        raise PermissionDenied("escalation.track")
    question = _text(question, "question", required=True, max_length=4000)
    locked = _lock_escalation(escalation)
    asked = VendorQuestion.objects.create(escalation=locked, question=question, asked_by=actor)
    _order_step(
        escalation=locked,
        actor=actor,
        perm="escalation.track",
        kind=EventKind.VENDOR_QUESTION,
        body=question,
        data={"question": asked.pk},
    )
    _after_commit("escalation_notify", escalation_id=locked.pk, question_id=asked.pk)
    return asked


@transaction.atomic
def escalation_answer(*, question: VendorQuestion, actor: User, answer: str) -> VendorQuestion:
    """The vendor's answer (a vendor user in the portal, or our staff writing down a phone answer). The first answer
    is the vendor's response against its deadline. Answered questions are not rewritten: ask again."""
    escalation = question.escalation
    _check_escalation_actor(actor, escalation, "escalation.answer")
    answer = _text(answer, "answer", required=True, max_length=4000)
    locked = _lock_escalation(escalation)
    q = VendorQuestion.objects.select_for_update().get(pk=question.pk)
    if q.answered_at is not None:
        if q.answer == answer:
            return q  # the same answer sent twice
        raise TransitionNotAllowed(
            current=str(_("Answered")),
            requested=str(_("Answer")),
            message=_("This question was already answered; ask a new one."),
        )
    now = timezone.now()
    VendorQuestion.objects.filter(pk=q.pk).update(answer=answer, answered_by=actor, answered_at=now, updated_at=now)
    if locked.responded_at is None:
        VendorEscalation.objects.filter(pk=locked.pk).update(responded_at=now, updated_at=now, version=F("version") + 1)
    q.refresh_from_db()
    _order_step(
        escalation=locked,
        actor=actor,
        perm="escalation.answer",
        kind=EventKind.VENDOR_ANSWER,
        body=answer,
        data={"question": q.pk},
    )
    if actor.pk != locked.workorder.assignee_id:  # our engineer who wrote it down knows already
        _after_commit("answer_notify", question_id=q.pk)
    return q


@transaction.atomic
def escalation_solve(
    *, escalation: VendorEscalation, actor: User, root_cause: str, solution: str, expected_version: int | None = None
) -> VendorEscalation:
    """Solved by the vendor: the root cause (根本原因) and the vendor's solution are recorded, the escalation closes
    and the order is resolved with the solution (when its state allows; otherwise only recorded)."""
    from weibao.workorders.services import workorder_resolve

    _check_escalation_actor(actor, escalation, "escalation.track")
    if not actor.is_internal:
        raise PermissionDenied("escalation.track")
    root_cause, solution = _collect(
        lambda: _text(root_cause, "root_cause", required=True, max_length=4000),
        lambda: _text(solution, "solution", required=True, max_length=4000),
    )
    locked = _lock_escalation(escalation)
    _check_version(locked, expected_version)
    now = timezone.now()
    VendorEscalation.objects.filter(pk=locked.pk).update(
        status=EscalationStatus.SOLVED,
        root_cause=root_cause,
        solution=solution,
        closed_at=now,
        closed_by=actor,
        updated_at=now,
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    wo, _event = _order_step(
        escalation=locked,
        actor=actor,
        perm="escalation.track",
        kind=EventKind.ROOT_CAUSE,
        body=root_cause,
        data={"case_number": locked.vendor_case_number},
    )
    if WOStatus.RESOLVED in WO_TRANSITIONS.get(wo.status, ()):
        workorder_resolve(workorder=wo, actor=actor, resolution=solution)
    return locked


@transaction.atomic
def escalation_withdraw(
    *, escalation: VendorEscalation, actor: User, note: str, expected_version: int | None = None
) -> VendorEscalation:
    """We no longer need the vendor (solved ourselves, wrong vendor): closed without a root cause, with why."""
    _check_escalation_actor(actor, escalation, "escalation.track")
    if not actor.is_internal:
        raise PermissionDenied("escalation.track")
    note = _text(note, "close_note", required=True, max_length=2000)
    locked = _lock_escalation(escalation)
    _check_version(locked, expected_version)
    now = timezone.now()
    VendorEscalation.objects.filter(pk=locked.pk).update(
        status=EscalationStatus.WITHDRAWN,
        close_note=note,
        closed_at=now,
        closed_by=actor,
        updated_at=now,
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    _order_step(escalation=locked, actor=actor, perm="escalation.track", kind=EventKind.ESCALATION_WITHDRAWN, body=note)
    return locked


# --- the warranty decision table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The warranty check of one faulty unit (SEED-GAPS §2.10.10 "首先确定是否在保修期内；其次确认厂商是否提供上门服务")."""

    vendor_warranty: str  # WarrantyState of the VENDOR's warranty of the serial
    our_warranty: str  # WarrantyState of OUR warranty to the customer ("unknown" for stock units: no customer)
    route: str  # Route: vendor visit or send back
    vendor_repair_free: bool
    customer_pays: bool

    @property
    def reason(self) -> str:
        if self.route == Route.VENDOR_VISIT:
            return str(_("In the vendor's warranty and the vendor offers on-site service: ask the vendor to come."))
        if self.vendor_warranty == WarrantyState.IN:
            return str(_("In the vendor's warranty, but the vendor offers no on-site service: send the unit back."))
        return str(_("Outside the vendor's warranty (or not known): send the unit back for a paid repair."))


def _state(until: datetime.date | None, on: datetime.date) -> str:
    if until is None:
        return WarrantyState.UNKNOWN
    return WarrantyState.IN if on <= until else WarrantyState.OUT


def decide(
    *,
    vendor_warranty_until: datetime.date | None,
    vendor_offers_onsite: bool,
    our_warranty_until: datetime.date | None,
    customer_owned: bool,
    human_caused: bool = False,
    on: datetime.date | None = None,
) -> Decision:
    """The decision table.

    | vendor warranty (of the serial) | vendor on site | human-caused | route        | vendor repairs free |
    | in                              | yes            | no           | vendor visit | yes                 |
    | in                              | no             | no           | send back    | yes                 |
    | out / unknown, or human-caused  | any            | any          | send back    | no                  |

    Who pays is OUR warranty's business: a customer's unit inside our warranty and not human-caused is free to the
    customer (we carry any vendor charge); otherwise the customer confirms the fee, shipping included. A unit from
    our own stock has no customer to charge.
    """
    on = on or timezone.localdate()
    vendor_state = _state(vendor_warranty_until, on)
    our_state = _state(our_warranty_until, on) if customer_owned else WarrantyState.UNKNOWN
    vendor_free = vendor_state == WarrantyState.IN and not human_caused
    route = Route.VENDOR_VISIT if vendor_free and vendor_offers_onsite else Route.SEND_BACK
    customer_pays = customer_owned and (human_caused or our_state != WarrantyState.IN)
    return Decision(vendor_state, our_state, route, vendor_free, customer_pays)


def vendor_warranty_of(*, vendor: Vendor, serial_number: str) -> VendorWarranty | None:
    return VendorWarranty.objects.filter(vendor=vendor, serial_number=serial_number).first()


# --- RMA cases: helpers -------------------------------------------------------------------------------------------


def _next_number() -> str:
    year = timezone.localdate().year
    RmaCounter.objects.get_or_create(year=year)
    counter = RmaCounter.objects.select_for_update().get(year=year)  # one number at a time
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"RMA-{year}-{counter.last:05d}"


def _event(
    case: RmaCase,
    *,
    kind: str,
    actor: User | None,
    old: str = "",
    new: str = "",
    body: str = "",
    data: dict | None = None,
) -> RmaEvent:
    return RmaEvent.objects.create(
        case=case, kind=kind, actor=actor, old_status=old, new_status=new, body=body, data=data or {}
    )


def _check_case_actor(actor: User, perm: str, case: RmaCase) -> None:
    require(actor, perm)
    if actor.is_customer and case.organisation_id != actor.organisation_id:
        raise PermissionDenied(perm)
    if actor.is_vendor and (case.vendor.organisation_id != actor.organisation_id or case.sent_to_vendor_at is None):
        raise PermissionDenied(perm)


def _lock(case: RmaCase) -> RmaCase:
    return RmaCase.objects.select_for_update().select_related(None).get(pk=case.pk)


def _move(
    case: RmaCase,
    *,
    actor: User,
    perm: str,
    to: str,
    kind: str,
    body: str = "",
    data: dict | None = None,
    changes: dict | None = None,
    expected_version: int | None = None,
    check=None,
) -> RmaCase:
    """Lock, check permission, state table, version and the caller's extra `check(locked)`, write, one event."""
    _check_case_actor(actor, perm, case)
    locked = _lock(case)
    if to not in TRANSITIONS[locked.status]:
        raise TransitionNotAllowed(current=str(Status(locked.status).label), requested=str(Status(to).label))
    _check_version(locked, expected_version)
    if check is not None:
        check(locked)
    old = locked.status
    fields = {"status": to, **(changes or {})}
    RmaCase.objects.filter(pk=locked.pk).update(**fields, version=F("version") + 1, updated_at=timezone.now())
    locked.refresh_from_db()
    _event(locked, kind=kind, actor=actor, old=old, new=to, body=body, data=data)
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _device_status(device_id: int | None, status: str, actor: User, note: str) -> None:
    if device_id is None:
        return
    from weibao.assets.services import device_set_status

    device_set_status(device=Device.objects.get(pk=device_id), status=status, actor=actor, note=note)


# --- RMA cases: registration and the warranty check ---------------------------------------------------------------


@transaction.atomic
def rma_open(
    *,
    actor: User,
    source: str,
    fault: str,
    vendor: Vendor | None = None,
    model: str = "",
    serial_number: str = "",
    replacement=None,
    device: Device | None = None,
    customer=None,
    workorder: WorkOrder | None = None,
    part=None,
    from_warehouse=None,
    vendor_warranty_from: Any = None,
    vendor_warranty_until: Any = None,
    human_caused: bool = False,
) -> RmaCase:
    """Register a faulty unit for repair: from a replacement on an order (the old unit), from our stock, or by hand.
    The warranty check runs at once (the vendor's warranty of the serial from its records, or the dates given) and
    its decision is stored with the dates; the case waits for the commercial department to act on it."""
    from weibao.accounts.services import own_company

    require(actor, "rma.create")
    if not actor.is_internal:
        raise PermissionDenied("rma.create")
    if source not in Source.values:
        raise ValidationError({"source": _("Choose where the faulty unit comes from.")})
    fault, model, serial_number, w_from, w_until = _collect(
        lambda: _text(fault, "fault", required=True, max_length=4000),
        lambda: _text(model, "model", max_length=120),
        lambda: "".join(_text(serial_number, "serial_number", max_length=120).split()),
        lambda: _date(vendor_warranty_from, "vendor_warranty_from"),
        lambda: _date(vendor_warranty_until, "vendor_warranty_until"),
    )
    if w_from and w_until and w_until < w_from:
        raise ValidationError({"vendor_warranty_until": _("The end lies before the start.")})
    organisation = own_company()
    our_until = None
    if source == Source.REPLACEMENT:
        if replacement is None:
            raise ValidationError({"replacement_id": _("Choose the replacement whose old unit goes to repair.")})
        if RmaCase.objects.filter(replacement=replacement).exists() or replacement.rma_ref:
            raise ValidationError({"replacement_id": _("This unit already has an RMA case.")})
        device = replacement.old_device
        workorder = replacement.workorder
        serial_number = replacement.old_serial
    elif source == Source.STOCK:
        # A faulty unit on a shelf: it leaves the store (written off as "sent to repair") and comes back repaired.
        device = customer = workorder = None
        errors = {}
        if part is None:
            errors["part_id"] = [_("Choose the spare part.")]
        if from_warehouse is None:
            errors["from_warehouse_id"] = [_("Choose the warehouse the unit is taken from.")]
        if errors:
            raise ValidationError(errors)
        if not has_perm(actor, "spares.manage"):
            raise ValidationError({"from_warehouse_id": _("Only the store keepers take a unit out of stock.")})
        vendor = vendor or part.vendor
        model = model or part.model or part.name
        if part.is_serial and not serial_number:
            raise ValidationError({"serial_number": _("Enter the serial number of the faulty unit.")})
        if not part.is_serial and not serial_number:
            serial_number = part.part_number  # a counted part is tracked by its part number
    if device is not None:
        model = model or device.model
        serial_number = serial_number or device.serial_number
        vendor = vendor or device.vendor
        if vendor.pk != device.vendor_id:
            raise ValidationError({"vendor_id": _("The device is from another vendor.")})
        if serial_number != device.serial_number:
            raise ValidationError({"serial_number": _("This is not the device's serial number.")})
        customer = device.customer
        our_until = device.warranty_end
    elif source == Source.MANUAL:
        if customer is None:
            raise ValidationError({"customer_id": _("Choose the customer whose unit this is, or the device.")})
        if serial_number and vendor is not None:
            # A serial of the customer's equipment list: link it (its warranty is ours to the customer).
            known = Device.objects.filter(vendor=vendor, serial_number=serial_number).first()
            if known is not None and known.customer_id != customer.pk:
                raise ValidationError({"serial_number": _("This serial number belongs to another customer's device.")})
            if known is not None:
                device, our_until, model = known, known.warranty_end, model or known.model
    if workorder is not None and customer is not None and workorder.customer_id != customer.pk:
        raise ValidationError({"workorder_id": _("The work order is another customer's.")})
    errors = {}
    if vendor is None:
        errors["vendor_id"] = [_("Choose the vendor.")]
    if not model:
        errors["model"] = [_("This field is required.")]
    if not serial_number:
        errors["serial_number"] = [_("Enter the unit's serial number: repairs are tracked by serial.")]
    if errors:
        raise ValidationError(errors)
    if RmaCase.objects.filter(
        vendor=vendor,
        serial_number=serial_number,
        status__in=[s for s in Status if s not in (Status.CLOSED, Status.CANCELLED)],
    ).exists():
        raise ValidationError({"serial_number": _("This unit is already in repair.")})
    if customer is not None:
        organisation = customer.organisation
    if w_until is None:
        known_warranty = vendor_warranty_of(vendor=vendor, serial_number=serial_number)
        if known_warranty is not None:
            w_from, w_until = known_warranty.starts_on, known_warranty.ends_on
    decision = decide(
        vendor_warranty_until=w_until,
        vendor_offers_onsite=vendor.offers_onsite_service,
        our_warranty_until=our_until,
        customer_owned=customer is not None,
        human_caused=bool(human_caused),
    )
    now = timezone.now()
    case = RmaCase.objects.create(
        number=_next_number(),
        organisation=organisation,
        source=source,
        customer=customer,
        workorder=workorder,
        replacement=replacement,
        device=device,
        part=part,
        from_warehouse=from_warehouse,
        vendor=vendor,
        model=model,
        serial_number=serial_number,
        fault=fault,
        vendor_warranty_from=w_from,
        vendor_warranty_until=w_until,
        our_warranty_until=our_until,
        human_caused=bool(human_caused),
        route=decision.route,
        vendor_repair_free=decision.vendor_repair_free,
        customer_pays=decision.customer_pays,
        decided_at=now,
        decision_note=decision.reason,
        created_by=actor,
        handler=actor if actor.role == "commercial" else None,
    )
    _event(
        case,
        kind=RmaEventKind.REGISTERED,
        actor=actor,
        new=Status.REGISTERED,
        body=fault,
        data={
            "source": source,
            "serial": serial_number,
            "route": decision.route,
            "vendor_warranty": decision.vendor_warranty,
            "our_warranty": decision.our_warranty,
            "customer_pays": decision.customer_pays,
        },
    )
    if source == Source.STOCK:
        from weibao.spares.services import write_off

        try:
            write_off(
                warehouse=from_warehouse,
                part=part,
                actor=actor,
                quantity=1,
                serials=[serial_number] if part.is_serial else None,
                reason=str(_("Faulty, sent to repair: %(rma)s")) % {"rma": case.number},
            )
        except ValidationError as exc:
            # Not on that shelf (an unknown serial, none left): the store's reason on the serial field; the whole
            # registration rolls back with it.
            messages = (
                [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages
            )
            raise ValidationError({"serial_number": messages}) from None
    if replacement is not None:
        from weibao.onsite.services import replacement_link_rma

        replacement_link_rma(replacement=replacement, rma_ref=case.number)
    if workorder is not None:
        from weibao.workorders.services.steps import workorder_record_step

        workorder_record_step(
            workorder=workorder,
            actor=actor,
            perm="rma.create",
            kind=EventKind.RMA_OPENED,
            data={"rma": case.number, "serial": serial_number},
            statuses=ALL_ORDER_STATUSES,
        )
    return case


@transaction.atomic
def rma_check_warranty(
    *,
    case: RmaCase,
    actor: User,
    vendor_warranty_from: Any = None,
    vendor_warranty_until: Any,
    human_caused: bool | None = None,
    expected_version: int | None = None,
) -> RmaCase:
    """Correct the vendor-warranty dates (as the vendor's records give them) and decide again, before anything was
    sent or quoted."""
    _check_case_actor(actor, "rma.manage", case)
    w_from, w_until = _collect(
        lambda: _date(vendor_warranty_from, "vendor_warranty_from"),
        lambda: _date(vendor_warranty_until, "vendor_warranty_until", required=True),
    )
    if w_from and w_until < w_from:
        raise ValidationError({"vendor_warranty_until": _("The end lies before the start.")})
    locked = _lock(case)
    if locked.status != Status.REGISTERED:
        raise TransitionNotAllowed(
            current=str(Status(locked.status).label),
            requested=str(RmaEventKind.DECIDED.label),
            message=_("The warranty can be checked again only before the unit is sent or the vendor is called."),
        )
    _check_version(locked, expected_version)
    human = locked.human_caused if human_caused is None else bool(human_caused)
    vendor = Vendor.objects.get(pk=locked.vendor_id)
    decision = decide(
        vendor_warranty_until=w_until,
        vendor_offers_onsite=vendor.offers_onsite_service,
        our_warranty_until=locked.our_warranty_until,
        customer_owned=locked.customer_id is not None,
        human_caused=human,
    )
    now = timezone.now()
    RmaCase.objects.filter(pk=locked.pk).update(
        vendor_warranty_from=w_from,
        vendor_warranty_until=w_until,
        human_caused=human,
        route=decision.route,
        vendor_repair_free=decision.vendor_repair_free,
        customer_pays=decision.customer_pays,
        decided_at=now,
        decision_note=decision.reason,
        updated_at=now,
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    _event(
        locked,
        kind=RmaEventKind.DECIDED,
        actor=actor,
        body=decision.reason,
        data={
            "route": decision.route,
            "vendor_warranty": decision.vendor_warranty,
            "vendor_warranty_until": w_until.isoformat(),
            "customer_pays": decision.customer_pays,
        },
    )
    return locked


# --- route 1: the vendor comes on site ----------------------------------------------------------------------------


def rma_request_visit(*, case: RmaCase, actor: User, note: str = "", expected_version: int | None = None) -> RmaCase:
    """In the vendor's warranty and it offers on-site service: ask the vendor to come (尽可能通知厂商上门服务)."""
    note = _text(note, "note", max_length=2000)

    def check(locked: RmaCase) -> None:
        if locked.route != Route.VENDOR_VISIT:
            raise TransitionNotAllowed(
                current=str(Status(locked.status).label),
                requested=str(Status.VENDOR_VISIT.label),
                message=_("The warranty check says: send the unit back (no vendor visit)."),
            )

    now = timezone.now()
    with transaction.atomic():
        return _move(
            case,
            actor=actor,
            perm="rma.manage",
            to=Status.VENDOR_VISIT,
            kind=RmaEventKind.VISIT_REQUESTED,
            body=note,
            changes={"visit_requested_at": now, "sent_to_vendor_at": now},
            check=check,
            expected_version=expected_version,
        )


def rma_visit_done(
    *, case: RmaCase, actor: User, repaired: bool, report: str, expected_version: int | None = None
) -> RmaCase:
    """The vendor came. Repaired on site: the unit is back in service (returned). Not repaired: it is sent back
    after all — ready to ship when the customer pays nothing, else the fee quote is the next step."""
    report = _text(report, "repair_report", required=True, max_length=4000)
    now = timezone.now()
    with transaction.atomic():
        if repaired:
            return _move(
                case,
                actor=actor,
                perm="rma.manage",
                to=Status.RETURNED,
                kind=RmaEventKind.VISIT_DONE,
                body=report,
                data={"repaired": True},
                changes={
                    "visit_done_at": now,
                    "repair_report": report,
                    "repair_outcome": RepairOutcome.REPAIRED,
                    "returned_at": now,
                    "return_to": ReturnTo.CUSTOMER if case.customer_id else ReturnTo.STOCK,
                },
                expected_version=expected_version,
            )
        changes = {"visit_done_at": now, "repair_report": report, "route": Route.SEND_BACK}
        if not case.customer_pays:
            return _move(
                case,
                actor=actor,
                perm="rma.manage",
                to=Status.READY_TO_SHIP,
                kind=RmaEventKind.VISIT_DONE,
                body=report,
                data={"repaired": False},
                changes=changes,
                expected_version=expected_version,
            )
        # A paying customer: the visit is recorded; quoting the fee moves the case on.
        _check_case_actor(actor, "rma.manage", case)
        locked = _lock(case)
        if locked.status != Status.VENDOR_VISIT:
            raise TransitionNotAllowed(
                current=str(Status(locked.status).label), requested=str(RmaEventKind.VISIT_DONE.label)
            )
        _check_version(locked, expected_version)
        RmaCase.objects.filter(pk=locked.pk).update(**changes, updated_at=now, version=F("version") + 1)
        locked.refresh_from_db()
        _event(locked, kind=RmaEventKind.VISIT_DONE, actor=actor, body=report, data={"repaired": False})
        return locked


# --- route 2: send back, the fee first ----------------------------------------------------------------------------


def _fee_amounts(repair, shipping_out, shipping_back, other, tax_rate) -> dict[str, Decimal]:
    repair, s_out, s_back, other, rate_value = _collect(
        lambda: _money(repair, "repair"),
        lambda: _money(shipping_out, "shipping_out"),
        lambda: _money(shipping_back, "shipping_back"),
        lambda: _money(other, "other", required=False) or Decimal("0.00"),
        lambda: clean_tax_rate(tax_rate),
    )
    totals = price_totals([repair, s_out, s_back, other], rate_value, field="repair")
    return {
        "repair": repair,
        "shipping_out": s_out,
        "shipping_back": s_back,
        "other": other,
        "tax_rate": rate_value,
        **totals,
    }


@transaction.atomic
def rma_fee_quote(
    *,
    case: RmaCase,
    actor: User,
    repair: Any,
    shipping_out: Any,
    shipping_back: Any,
    other: Any = None,
    tax_rate: Any = None,
    note: str = "",
    expected_version: int | None = None,
) -> RmaFee:
    """Quote the repair fee INCLUDING shipping both ways (维修费用含运费) to the customer, who confirms it before the
    unit ships. A changed fee is a new version; the earlier one is kept as superseded."""
    _check_case_actor(actor, "rma.manage", case)
    amounts = _fee_amounts(repair, shipping_out, shipping_back, other, tax_rate)
    note = _text(note, "note", max_length=2000)
    locked = _lock(case)
    if not locked.customer_pays:
        raise TransitionNotAllowed(
            current=str(Status(locked.status).label),
            requested=str(RmaEventKind.FEE_QUOTED.label),
            message=_("The customer pays nothing for this repair: send the unit without a fee."),
        )
    if Status.AWAITING_FEE not in TRANSITIONS[locked.status]:
        raise TransitionNotAllowed(current=str(Status(locked.status).label), requested=str(Status.AWAITING_FEE.label))
    _check_version(locked, expected_version)
    current = RmaFee.objects.select_for_update().filter(case=locked).exclude(status=FeeStatus.SUPERSEDED).first()
    revision = 1
    if current is not None:
        revision = current.revision + 1
        RmaFee.objects.filter(pk=current.pk).update(status=FeeStatus.SUPERSEDED, updated_at=timezone.now())
    fee = RmaFee.objects.create(case=locked, revision=revision, note=note, created_by=actor, **amounts)
    old = locked.status
    RmaCase.objects.filter(pk=locked.pk).update(
        status=Status.AWAITING_FEE, route=Route.SEND_BACK, version=F("version") + 1, updated_at=timezone.now()
    )
    locked.refresh_from_db()
    _event(
        locked,
        kind=RmaEventKind.FEE_QUOTED,
        actor=actor,
        old=old,
        new=Status.AWAITING_FEE,
        body=note,
        data={"fee": fee.pk, "revision": revision, "total": str(fee.total), "shipping": str(fee.shipping)},
    )
    return fee


def _fee_answer(*, fee: RmaFee, actor: User | None, approve: bool, via: str, name: str, reason: str) -> RmaFee:
    locked_fee = RmaFee.objects.select_for_update().get(pk=fee.pk)
    case = _lock(locked_fee.case)
    wanted = answer_wanted(
        locked_fee,
        approve=approve,
        open_too=case.status == Status.AWAITING_FEE,
        message=_("This fee was already answered or replaced by a newer version."),
    )
    if wanted is None:
        return locked_fee  # the same answer twice: one approval recorded
    locked_fee = answer_store(locked_fee, wanted=wanted, actor=actor, via=via, name=name, reason=reason)
    now = timezone.now()
    data = {
        "fee": locked_fee.pk,
        "revision": locked_fee.revision,
        "total": str(locked_fee.total),
        "via": via,
        "name": name,
    }
    if approve:
        RmaCase.objects.filter(pk=case.pk).update(status=Status.READY_TO_SHIP, version=F("version") + 1, updated_at=now)
        _event(
            case,
            kind=RmaEventKind.FEE_APPROVED,
            actor=actor,
            old=case.status,
            new=Status.READY_TO_SHIP,
            body=reason,
            data=data,
        )
    else:
        RmaCase.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=now)
        _event(case, kind=RmaEventKind.FEE_REFUSED, actor=actor, body=reason, data=data)
    return locked_fee


@transaction.atomic
def rma_fee_answer(*, fee: RmaFee, actor: User, approve: bool, name: str = "", reason: str = "") -> RmaFee:
    """The customer's yes or no to the repair fee: in the portal (a customer user), or our staff recording what the
    customer said on the phone (their name required). Approval opens the gate to ship."""
    _check_case_actor(actor, "rma.fee_answer", fee.case)
    via = AnswerChannel.PORTAL if actor.is_customer else AnswerChannel.PHONE
    name = answerer_name(actor=actor, name=_text(name, "name", max_length=100), via=via)
    reason = _text(reason, "reason", max_length=2000)
    return _fee_answer(fee=fee, actor=actor, approve=approve, via=via, name=name, reason=reason)


@transaction.atomic
def rma_fee_link_create(*, fee: RmaFee, actor: User, channel: str, sent_to: str) -> dict[str, str]:
    """A signed, expiring, one-time link (core.action_links) for the customer to approve or refuse the fee without
    logging in; returns the tokens for "approve" and "refuse". Sending it is the caller's after-commit business."""
    _check_case_actor(actor, "rma.manage", fee.case)
    channel, sent_to = link_recipient(channel, sent_to)
    locked = RmaFee.objects.select_for_update().get(pk=fee.pk)
    if locked.status != FeeStatus.PENDING:
        raise TransitionNotAllowed(
            current=str(locked.get_status_display()),
            requested=str(RmaEventKind.FEE_LINK_SENT.label),
            message=_("Only a fee waiting for the customer can be sent."),
        )
    link, tokens = answer_link_create(purpose=FEE_LINK_PURPOSE, document=locked, channel=channel, sent_to=sent_to)
    _event(
        locked.case,
        kind=RmaEventKind.FEE_LINK_SENT,
        actor=actor,
        data={"fee": locked.pk, "channel": channel, "to": sent_to, "link": link.pk},
    )
    return tokens


def rma_fee_link_check(*, token: str) -> tuple[RmaFee, str]:
    """The fee and the answer a link stands for (raises core.action_links.LinkError when it cannot be used)."""
    return answer_link_check(token=token, purpose=FEE_LINK_PURPOSE, model=RmaFee, related=("case",))


def rma_fee_answer_by_link(*, token: str, name: str, reason: str = "") -> RmaFee:
    """The customer answers through the one-time link (used once; a second click is refused)."""
    from weibao.workorders.services import system_user

    name = _text(name, "name", required=True, max_length=100)
    reason = _text(reason, "reason", max_length=2000)
    return answer_by_link(
        token=token,
        purpose=FEE_LINK_PURPOSE,
        answer=lambda pk, approve: _fee_answer(
            fee=RmaFee.objects.get(pk=pk),
            actor=system_user(),
            approve=approve,
            via=AnswerChannel.LINK,
            name=name,
            reason=reason,
        ),
    )


def rma_send_back(*, case: RmaCase, actor: User, expected_version: int | None = None) -> RmaCase:
    """Send the unit back without a customer fee (in our warranty, or a unit from our stock): ready to ship."""

    def check(locked: RmaCase) -> None:
        if locked.customer_pays:
            raise TransitionNotAllowed(
                current=str(Status(locked.status).label),
                requested=str(Status.READY_TO_SHIP.label),
                message=_(
                    "The customer pays for this repair: quote the fee, shipping included, and wait for the approval."
                ),
            )

    with transaction.atomic():
        return _move(
            case,
            actor=actor,
            perm="rma.manage",
            to=Status.READY_TO_SHIP,
            kind=RmaEventKind.DECIDED,
            body=str(_("Send back without a customer fee.")),
            changes={"route": Route.SEND_BACK},
            check=check,
            expected_version=expected_version,
        )


def _fee_gate(locked: RmaCase) -> None:
    """The gate before shipping out: a paying customer's approval of the current fee, shipping included."""
    if not locked.customer_pays:
        return
    approved = RmaFee.objects.filter(case=locked, status=FeeStatus.APPROVED).exists()
    if not approved:
        raise TransitionNotAllowed(
            current=str(Status(locked.status).label),
            requested=str(Status.SHIPPED_OUT.label),
            message=_("The customer has not approved the repair fee (shipping included): the unit cannot be sent yet."),
        )


@transaction.atomic
def rma_ship_out(
    *,
    case: RmaCase,
    actor: User,
    carrier: str,
    waybill: str,
    shipped_on: Any = None,
    address: str = "",
    expected_version: int | None = None,
) -> RmaCase:
    """The unit leaves for the vendor's RMA address with a carrier and waybill number; the ageing clock "with the
    vendor" starts. Refused before the customer approved the fee."""
    (carrier, number), shipped_on, address = _collect(
        lambda: clean_waybill(carrier, waybill),
        lambda: _past_date(shipped_on, "shipped_on") or timezone.localdate(),
        lambda: _text(address, "address", max_length=300),
    )
    _check_case_actor(actor, "rma.manage", case)
    locked = _lock(case)
    if locked.status in (Status.REGISTERED, Status.VENDOR_VISIT, Status.AWAITING_FEE):
        _fee_gate(locked)  # the clear reason first: no approved fee, no shipment
    if RmaShipment.objects.filter(carrier=carrier, waybill=number).exists():
        raise ValidationError({"waybill": _("This waybill number is already recorded on another shipment.")})
    address = address or Vendor.objects.get(pk=locked.vendor_id).rma_address
    now = timezone.now()
    case = _move(
        locked,
        actor=actor,
        perm="rma.manage",
        to=Status.SHIPPED_OUT,
        kind=RmaEventKind.SHIPPED_OUT,
        data={"carrier": carrier, "waybill": number, "shipped_on": shipped_on.isoformat()},
        changes={"sent_to_vendor_at": now},
        check=_fee_gate,
        expected_version=expected_version,
    )
    RmaShipment.objects.create(
        case=case,
        direction=Direction.OUT,
        carrier=carrier,
        waybill=number,
        shipped_on=shipped_on,
        address=address,
        recorded_by=actor,
    )
    _device_status(case.device_id, DeviceStatus.IN_REPAIR, actor, case.number)
    return case


def rma_vendor_received(
    *, case: RmaCase, actor: User, vendor_rma_number: str = "", expected_version: int | None = None
) -> RmaCase:
    """The vendor has the unit (its own RMA number, if it gives one): in repair."""
    number = _text(vendor_rma_number, "vendor_rma_number", max_length=60)
    changes = {"vendor_rma_number": number} if number else {}
    with transaction.atomic():
        return _move(
            case,
            actor=actor,
            perm="rma.vendor_repair",
            to=Status.IN_REPAIR,
            kind=RmaEventKind.VENDOR_RECEIVED,
            data={"vendor_rma_number": number},
            changes=changes,
            expected_version=expected_version,
        )


@transaction.atomic
def rma_ship_back(
    *,
    case: RmaCase,
    actor: User,
    outcome: str,
    report: str,
    carrier: str,
    waybill: str,
    shipped_on: Any = None,
    returned_serial: str = "",
    vendor_cost: Any = None,
    expected_version: int | None = None,
) -> RmaCase:
    """The vendor's repair report and the unit on its way back (the vendor's users or our staff). What the vendor
    charged us is ours to record (never the vendor's side of the form)."""
    outcome = "" if outcome is None else str(outcome)
    (carrier, number), shipped_on, report, returned_serial, cost = _collect(
        lambda: clean_waybill(carrier, waybill),
        lambda: _past_date(shipped_on, "shipped_on") or timezone.localdate(),
        lambda: _text(report, "repair_report", required=True, max_length=4000),
        lambda: "".join(_text(returned_serial, "returned_serial", max_length=120).split()),
        lambda: _money(vendor_cost, "vendor_cost", required=False),
    )
    if outcome not in RepairOutcome.values:
        raise ValidationError({"outcome": _("Choose the repair outcome.")})
    if outcome == RepairOutcome.EXCHANGED and not returned_serial:
        raise ValidationError({"returned_serial": _("Enter the serial number of the unit sent in exchange.")})
    if cost is not None and not has_perm(actor, "rma.costs"):
        raise PermissionDenied("rma.costs")
    if RmaShipment.objects.filter(carrier=carrier, waybill=number).exists():
        raise ValidationError({"waybill": _("This waybill number is already recorded on another shipment.")})
    changes = {"repair_outcome": outcome, "repair_report": report, "returned_serial": returned_serial}
    if cost is not None:
        changes["vendor_cost"] = cost
    case = _move(
        case,
        actor=actor,
        perm="rma.vendor_repair",
        to=Status.SHIPPED_BACK,
        kind=RmaEventKind.SHIPPED_BACK,
        body=report,
        data={"carrier": carrier, "waybill": number, "outcome": outcome, "returned_serial": returned_serial},
        changes=changes,
        expected_version=expected_version,
    )
    RmaShipment.objects.create(
        case=case, direction=Direction.BACK, carrier=carrier, waybill=number, shipped_on=shipped_on, recorded_by=actor
    )
    return case


def rma_receive(*, case: RmaCase, actor: User, note: str = "", expected_version: int | None = None) -> RmaCase:
    """The unit is back with us (checked on arrival)."""
    note = _text(note, "note", max_length=2000)
    with transaction.atomic():
        return _move(
            case,
            actor=actor,
            perm="rma.manage",
            to=Status.RECEIVED,
            kind=RmaEventKind.RECEIVED,
            body=note,
            changes={"received_at": timezone.now()},
            expected_version=expected_version,
        )


def rma_return(
    *,
    case: RmaCase,
    actor: User,
    to: str,
    warehouse=None,
    part=None,
    note: str = "",
    expected_version: int | None = None,
) -> RmaCase:
    """The repaired unit goes back to the customer (its device is in service again) or into our stock through the
    spare-parts store (`spares.services.receive_repaired`: a ledger row, the serial back on the shelf) — a unit that
    was swapped out on an order, or came from stock."""
    if to not in (ReturnTo.CUSTOMER, ReturnTo.STOCK):
        raise ValidationError({"return_to": _("Choose the customer or stock.")})
    note = _text(note, "note", max_length=2000)
    part = part or case.part
    if to == ReturnTo.STOCK:
        errors = {}
        if warehouse is None:
            errors["warehouse_id"] = [_("Choose the warehouse.")]
        if part is None:
            errors["part_id"] = [_("Choose the spare part this unit is stocked as.")]
        if errors:
            raise ValidationError(errors)
    if to == ReturnTo.CUSTOMER and case.customer_id is None:
        raise ValidationError({"return_to": _("This unit has no customer: put it back into stock.")})
    if case.repair_outcome == RepairOutcome.UNREPAIRABLE and to == ReturnTo.STOCK:
        raise ValidationError({"return_to": _("An unrepairable unit cannot go back into stock as a spare.")})
    with transaction.atomic():
        case = _move(
            case,
            actor=actor,
            perm="rma.manage",
            to=Status.RETURNED,
            kind=RmaEventKind.RETURNED,
            body=note,
            data={"to": to, "warehouse": str(warehouse) if warehouse else ""},
            changes={
                "return_to": to,
                "return_warehouse": warehouse if to == ReturnTo.STOCK else None,
                "part": part,
                "returned_at": timezone.now(),
            },
            expected_version=expected_version,
        )
        if to == ReturnTo.CUSTOMER:
            _device_status(case.device_id, DeviceStatus.IN_SERVICE, actor, case.number)
        else:
            # The unit is ours now (swapped out at the customer's): it leaves the customer's equipment list.
            _device_status(case.device_id, DeviceStatus.RETIRED, actor, case.number)
            from weibao.spares.services import receive_repaired

            serial = (case.returned_serial or case.serial_number) if part.is_serial else ""
            try:
                receive_repaired(
                    warehouse=warehouse,
                    part=part,
                    actor=actor,
                    serial=serial,
                    quantity=1,
                    reference=case.number,
                    note=note,
                )
            except ValidationError as exc:
                raise ValidationError({"warehouse_id": exc.messages}) from None
    return case


@transaction.atomic
def rma_collect(
    *,
    case: RmaCase,
    actor: User,
    invoice_number: str,
    paid_on: Any,
    paid_amount: Any = None,
    invoiced_on: Any = None,
    expected_version: int | None = None,
) -> RmaCase:
    """The commercial department records the fee collected (收回费用): invoice number and paid date."""
    _check_case_actor(actor, "rma.collect", case)
    invoice_number, invoiced_on, paid_on, amount = _collect(
        lambda: _text(invoice_number, "invoice_number", required=True, max_length=40),
        lambda: _past_date(invoiced_on, "invoiced_on"),
        lambda: _past_date(paid_on, "paid_on", required=True),
        lambda: _money(paid_amount, "paid_amount", required=False),
    )
    locked = _lock(case)
    _check_version(locked, expected_version)
    fee = RmaFee.objects.filter(case=locked, status=FeeStatus.APPROVED).first()
    if not locked.customer_pays or fee is None:
        raise TransitionNotAllowed(
            current=str(Status(locked.status).label),
            requested=str(RmaEventKind.FEE_COLLECTED.label),
            message=_("There is no approved fee to collect on this case."),
        )
    if locked.status in (Status.CANCELLED, Status.CLOSED):
        raise TransitionNotAllowed(
            current=str(Status(locked.status).label), requested=str(RmaEventKind.FEE_COLLECTED.label)
        )
    amount = fee.total if amount is None else amount
    now = timezone.now()
    RmaCase.objects.filter(pk=locked.pk).update(
        invoice_number=invoice_number,
        invoiced_on=invoiced_on,
        paid_on=paid_on,
        paid_amount=amount,
        updated_at=now,
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    _event(
        locked,
        kind=RmaEventKind.FEE_COLLECTED,
        actor=actor,
        data={"invoice": invoice_number, "paid_on": paid_on.isoformat(), "amount": str(amount)},
    )
    return locked


def rma_close(*, case: RmaCase, actor: User, note: str = "", expected_version: int | None = None) -> RmaCase:
    """Done: returned, and a paying customer's fee collected."""
    note = _text(note, "note", max_length=2000)

    def check(locked: RmaCase) -> None:
        if (
            locked.customer_pays
            and locked.paid_on is None
            and RmaFee.objects.filter(case=locked, status=FeeStatus.APPROVED).exists()
        ):
            raise TransitionNotAllowed(
                current=str(Status(locked.status).label),
                requested=str(Status.CLOSED.label),
                message=_("Record the fee collection (invoice number, paid date) first."),
            )

    with transaction.atomic():
        return _move(
            case,
            actor=actor,
            perm="rma.manage",
            to=Status.CLOSED,
            kind=RmaEventKind.CLOSED,
            body=note,
            changes={"closed_at": timezone.now()},
            check=check,
            expected_version=expected_version,
        )


def rma_cancel(*, case: RmaCase, actor: User, reason: str, expected_version: int | None = None) -> RmaCase:
    """Not repaired after all (the customer refused the fee, the unit is scrapped): before it was sent."""
    reason = _text(reason, "cancel_reason", required=True, max_length=2000)
    with transaction.atomic():
        return _move(
            case,
            actor=actor,
            perm="rma.manage",
            to=Status.CANCELLED,
            kind=RmaEventKind.CANCELLED,
            body=reason,
            changes={"cancel_reason": reason, "closed_at": timezone.now()},
            expected_version=expected_version,
        )


@transaction.atomic
def rma_note(*, case: RmaCase, actor: User, note: str) -> RmaEvent:
    """An internal note on the case (our staff only, never shown to the customer or the vendor)."""
    _check_case_actor(actor, "rma.manage", case)
    note = _text(note, "note", required=True, max_length=4000)
    return _event(_lock(case), kind=RmaEventKind.NOTE, actor=actor, body=note)
