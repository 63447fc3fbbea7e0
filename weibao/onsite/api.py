"""REST API of the on-site visit (mounted at /api/onsite/): confirm the cause, quotes (create, change = new
version, approve/refuse, one-time links), replacements, backups, changes, the service form, PDFs.

Every URL starts from the scoped work order (another organisation's order or quote: 404); writes take the work
order's `version` as `expected_version` (409 when it changed since); gates answer 409 with the reason; bad input 422
with field errors."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field, scope_queryset
from weibao.assets.models import Device
from weibao.onsite import selectors, services
from weibao.onsite.models import Backup, SparePart
from weibao.onsite.schemas import (
    AnswerIn,
    BackupOut,
    ChangeIn,
    ChangeOut,
    ConfirmationOut,
    ConfirmCauseIn,
    LinkIn,
    LinkOut,
    OnsiteOut,
    QuoteIn,
    QuoteOut,
    ReplacementIn,
    ReplacementOut,
    ServiceFormIn,
    ServiceFormOut,
    SparePartOut,
    WithdrawIn,
)

router = Router(tags=["on site"])


def _order(request, workorder_id: int, *, for_write: bool = True):
    require(request.auth, "onsite.view")
    return selectors.order_for_user(user=request.auth, pk=workorder_id, for_write=for_write)


def _quote(request, quote_id: int):
    quote = selectors.quote_get_for_user(user=request.auth, pk=quote_id)
    # The quote's order must be in scope too (vendors, for one, see orders but never quotes).
    selectors.order_for_user(user=request.auth, pk=quote.workorder_id, for_write=True)
    return quote


def _lines(request, workorder, payload: QuoteIn) -> list[dict]:
    lines, errors = [], {}
    for i, line in enumerate(payload.lines):
        part = device = None
        if line.spare_part_id is not None:
            part = SparePart.objects.filter(pk=line.spare_part_id, active=True).first()
            if part is None:
                errors[f"lines.{i}.spare_part_id"] = [_("Unknown spare part.")]
        if line.device_id is not None:
            device = scope_queryset(Device.objects.all(), request.auth).filter(pk=line.device_id).first()
            if device is None or device.site_id != workorder.site_id:
                errors[f"lines.{i}.device_id"] = [_("Unknown device.")]
        lines.append(
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "unit": line.unit,
                "spare_part": part,
                "device": device,
                "labour_basis": line.labour_basis,
            }
        )
    if errors:
        raise ValidationError(errors)
    return lines


@router.get("/work-orders/{int:workorder_id}", response=OnsiteOut)
def visit(request, workorder_id: int):
    """The order's visit: its current quote, replacements, backups, changes, service form and what blocks it."""
    wo = _order(request, workorder_id, for_write=False)
    summary = selectors.onsite_for_order(workorder=wo, user=request.auth)
    return {
        "workorder_id": wo.pk,
        "version": wo.version,
        "status": wo.status,
        "wait_reason": wo.wait_reason,
        "chargeable": wo.chargeable,
        "charge_reason": wo.charge_reason,
        "block_reason": summary.block_reason,
        "quote": summary.quote,
        "replacements": summary.replacements,
        "backups": summary.backups,
        "changes": summary.changes,
        "form": summary.form,
    }


@router.post("/work-orders/{int:workorder_id}/confirm-cause", response={201: ConfirmationOut})
def confirm_cause(request, workorder_id: int, payload: ConfirmCauseIn):
    """The customer's system owner confirmed the symptom; the cause is human error (chargeable even in warranty)
    or the system."""
    wo = _order(request, workorder_id)
    data = payload.dict()
    return Status(201, services.site_confirm(workorder=wo, actor=request.auth, **data))


# --- quotes -------------------------------------------------------------------------------------------------------


@router.get("/work-orders/{int:workorder_id}/quotes", response=list[QuoteOut])
def quotes(request, workorder_id: int):
    """Every version of the order's quote, newest first."""
    wo = _order(request, workorder_id, for_write=False)
    require(request.auth, "onsite.view")
    return selectors.quote_list(workorder=wo)


@router.post("/work-orders/{int:workorder_id}/quotes", response={201: QuoteOut})
def create_quote(request, workorder_id: int, payload: QuoteIn):
    """Quote paid work; the order waits for the customer's answer (clocks paused, "awaiting quote approval").
    Part prices default to the price list, labour/transport to the contract's rates."""
    wo = _order(request, workorder_id)
    require(request.auth, "onsite.quote")
    quote = services.quote_create(
        workorder=wo,
        actor=request.auth,
        lines=_lines(request, wo, payload),
        tax_rate=payload.tax_rate,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return Status(201, selectors.quote_get_for_user(user=request.auth, pk=quote.pk))


@router.get("/quotes/{int:quote_id}", response=QuoteOut)
def get_quote(request, quote_id: int):
    return _quote(request, quote_id)


@router.post("/quotes/{int:quote_id}/revise", response={201: QuoteOut})
def revise_quote(request, quote_id: int, payload: QuoteIn):
    """Change the quote: a new version (the old one is kept, superseded); the order waits again."""
    quote = _quote(request, quote_id)
    require(request.auth, "onsite.quote")
    new = services.quote_revise(
        quote=quote,
        actor=request.auth,
        lines=_lines(request, quote.workorder, payload),
        tax_rate=payload.tax_rate,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return Status(201, selectors.quote_get_for_user(user=request.auth, pk=new.pk))


@router.post("/quotes/{int:quote_id}/approve", response=QuoteOut)
def approve_quote(request, quote_id: int, payload: AnswerIn):
    """The customer approves (portal), or our engineer records it with the customer's signature (phone). Sent
    twice, it records one approval."""
    quote = _quote(request, quote_id)
    services.quote_approve(
        quote=quote,
        actor=request.auth,
        channel=payload.channel,
        name=payload.name,
        signature=payload.signature or None,
        expected_version=payload.expected_version,
    )
    return selectors.quote_get_for_user(user=request.auth, pk=quote.pk)


@router.post("/quotes/{int:quote_id}/refuse", response=QuoteOut)
def refuse_quote(request, quote_id: int, payload: AnswerIn):
    """The customer refuses; the order cannot be resolved until the quote is changed or the order cancelled."""
    quote = _quote(request, quote_id)
    services.quote_refuse(
        quote=quote,
        actor=request.auth,
        channel=payload.channel,
        name=payload.name,
        reason=payload.reason,
        signature=payload.signature or None,
        expected_version=payload.expected_version,
    )
    return selectors.quote_get_for_user(user=request.auth, pk=quote.pk)


@router.post("/quotes/{int:quote_id}/withdraw", response=QuoteOut)
def withdraw_quote(request, quote_id: int, payload: WithdrawIn):
    """A manager withdraws a waiting or refused quote (a reason is required): the gate lifts, the order resumes."""
    quote = _quote(request, quote_id)
    services.quote_withdraw(
        quote=quote, actor=request.auth, reason=payload.reason, expected_version=payload.expected_version
    )
    return selectors.quote_get_for_user(user=request.auth, pk=quote.pk)


def _deliver_link(link_id: int, url: str) -> None:
    from weibao.onsite.tasks import approval_link_deliver

    approval_link_deliver.enqueue(link_id=link_id, url=url)


def _public_url(request, token: str) -> str:
    try:
        path = reverse("onsite:public_quote", args=[token])
    except NoReverseMatch:  # pragma: no cover - the UI's URLs are not mounted
        path = f"/on-site/q/{token}/"
    return request.build_absolute_uri(path)


@router.post("/quotes/{int:quote_id}/links", response={201: LinkOut})
def send_link(request, quote_id: int, payload: LinkIn):
    """A signed, expiring, one-time link to answer this quote version without logging in (SMS / e-mail / WeCom)."""
    quote = _quote(request, quote_id)
    require(request.auth, "onsite.quote")
    link, token = services.approval_link_create(
        quote=quote,
        actor=request.auth,
        channel=payload.channel,
        sent_to=payload.sent_to,
        expected_version=payload.expected_version,
    )
    url = _public_url(request, token)
    transaction.on_commit(partial(_deliver_link, link.pk, url))
    return Status(
        201,
        {
            "id": link.pk,
            "quote_id": quote.pk,
            "channel": link.channel,
            "sent_to": link.sent_to,
            "expires_at": link.expires_at,
            "token": token,
            "url": url,
        },
    )


# --- replacement, backup, change ----------------------------------------------------------------------------------


@router.get("/work-orders/{int:workorder_id}/replacements", response=list[ReplacementOut])
def replacements(request, workorder_id: int):
    wo = _order(request, workorder_id, for_write=False)
    return selectors.replaced_devices(workorder=wo)


@router.post("/work-orders/{int:workorder_id}/replacements", response={201: ReplacementOut})
def replace_device(request, workorder_id: int, payload: ReplacementIn):
    """Swap a faulty device of the site for a new unit; the customer signs for both (`signature`, optional
    `new_signature` for the new unit). Refused (409) while the quote waits or was refused."""
    wo = _order(request, workorder_id)
    require(request.auth, "onsite.record")
    old = get_for_field(
        Device.objects.all(), request.auth, payload.old_device_id, field="old_device_id", message=_("Unknown device.")
    )
    swap = services.replacement_record(
        workorder=wo,
        actor=request.auth,
        old_device=old,
        new_serial=payload.new_serial,
        new_model=payload.new_model,
        signer_name=payload.signer_name,
        signature=payload.signature,
        new_signature=payload.new_signature or None,
        note=payload.note,
        expected_version=payload.expected_version,
    )
    return Status(201, swap)


@router.get("/work-orders/{int:workorder_id}/backups", response=list[BackupOut])
def backups(request, workorder_id: int):
    wo = _order(request, workorder_id, for_write=False)
    return selectors.onsite_for_order(workorder=wo, user=request.auth).backups


@router.post("/work-orders/{int:workorder_id}/backups", response={201: BackupOut})
def record_backup(
    request,
    workorder_id: int,
    what: Form[str],
    location: Form[str],
    performed_by_name: Form[str],
    customer_agreed: Form[bool] = False,
    agreed_by_name: Form[str] = "",
    expected_version: Form[int | None] = None,
    file: File[UploadedFile] = None,
):
    """The backup before a change (multipart): what, where it is kept, by whom, an optional file (size-limited,
    type-checked), and whether the customer agreed to the change."""
    wo = _order(request, workorder_id)
    require(request.auth, "onsite.record")
    backup = services.backup_record(
        workorder=wo,
        actor=request.auth,
        what=what,
        location=location,
        performed_by_name=performed_by_name,
        file=file,
        customer_agreed=customer_agreed,
        agreed_by_name=agreed_by_name,
        expected_version=expected_version,
    )
    return Status(201, backup)


@router.post("/work-orders/{int:workorder_id}/changes", response={201: ChangeOut})
def record_change(request, workorder_id: int, payload: ChangeIn):
    """A system/software change; refused (409) before a backup the customer agreed to."""
    wo = _order(request, workorder_id)
    require(request.auth, "onsite.record")
    backup = None
    if payload.backup_id is not None:
        backup = Backup.objects.filter(pk=payload.backup_id, workorder=wo).first()
        if backup is None:
            raise ValidationError({"backup_id": [_("Unknown backup.")]})
    change = services.change_record(
        workorder=wo,
        actor=request.auth,
        description=payload.description,
        backup=backup,
        expected_version=payload.expected_version,
    )
    return Status(201, change)


# --- the service form ---------------------------------------------------------------------------------------------


@router.get("/work-orders/{int:workorder_id}/service-form", response=ServiceFormOut)
def service_form(request, workorder_id: int):
    """The newest revision of the order's service form (404 while there is none)."""
    wo = _order(request, workorder_id, for_write=False)
    form = selectors.service_form_current(workorder=wo)
    if form is None:
        raise Http404
    return form


@router.put("/work-orders/{int:workorder_id}/service-form", response=ServiceFormOut)
def save_service_form(request, workorder_id: int, payload: ServiceFormIn):
    """Save the draft (fields sent are changed; the first save is prefilled from the order). A signed form is
    frozen: saving makes the next revision. `complete` and `missing` say what the form still lacks."""
    wo = _order(request, workorder_id)
    require(request.auth, "onsite.record")
    data = payload.dict(exclude_unset=True)
    expected = data.pop("expected_version", None)
    return services.service_form_save(workorder=wo, actor=request.auth, data=data, expected_version=expected)


@router.post("/work-orders/{int:workorder_id}/service-form/sign", response=ServiceFormOut)
def sign_service_form(
    request,
    workorder_id: int,
    customer_name: Form[str],
    customer_signature: Form[str],
    engineer_signature: Form[str],
    expected_version: Form[int | None] = None,
    stamp_photo: File[UploadedFile] = None,
):
    """Both signatures (`data:image/png;base64,…`) and optionally a photo of the company stamp (multipart); the
    form is frozen from now on and its PDF goes to the customer's contact."""
    wo = _order(request, workorder_id)
    require(request.auth, "onsite.record")
    return services.service_form_sign(
        workorder=wo,
        actor=request.auth,
        customer_name=customer_name,
        customer_signature=customer_signature,
        engineer_signature=engineer_signature,
        stamp_photo=stamp_photo,
        expected_version=expected_version,
    )


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/work-orders/{int:workorder_id}/service-form.pdf", response={200: bytes})
def service_form_pdf(request, workorder_id: int, revision: int | None = None):
    """The signed service form as a PDF (two copies: 第一联 客户留存 / 第二联 公司存档); 404 before it is signed."""
    from weibao.onsite import pdf

    wo = _order(request, workorder_id, for_write=False)
    form = selectors.service_form_for_pdf(workorder=wo, revision=str(revision) if revision else None)
    if form is None:
        raise Http404
    data = pdf.render_service_form(pdf.service_form_context(form=form, workorder=wo))
    return _pdf(data, f"{wo.number}-service-form-r{form.revision}.pdf")


@router.get("/work-orders/{int:workorder_id}/sheet.pdf", response={200: bytes})
def workorder_sheet_pdf(request, workorder_id: int):
    """The work-order sheet (故障处理工作单) as a PDF."""
    from weibao.onsite import pdf

    wo = _order(request, workorder_id, for_write=False)
    data = pdf.render_workorder_sheet(pdf.workorder_sheet_context(workorder=wo))
    return _pdf(data, f"{wo.number}-sheet.pdf")


@router.get("/spare-parts", response=list[SparePartOut])
def spare_parts(request, q: str = ""):
    """The spare-part price list (our staff)."""
    require(request.auth, "onsite.quote")
    return selectors.spare_parts(q=q)
