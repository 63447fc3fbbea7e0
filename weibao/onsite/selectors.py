"""Reads of the on-site visit, every one starting from the work-order scoping (another organisation's rows do not
exist for the caller: Http404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.assets.choices import DeviceStatus
from weibao.assets.models import Device
from weibao.onsite import gates
from weibao.onsite.choices import BLOCKING_QUOTE_STATUSES, QuoteStatus
from weibao.onsite.models import (
    Backup,
    ChangeRecord,
    Quote,
    QuoteLine,
    Replacement,
    ServiceForm,
    SiteConfirmation,
    SparePart,
)
from weibao.onsite.services import form_missing, service_form_initial  # noqa: F401 - re-exported for the UI
from weibao.workorders.models import WorkOrder
from weibao.workorders.selectors import workorder_get_for_user


@dataclass
class OnsiteSummary:
    """Everything the order page and the PDFs show of the visit."""

    confirmation: SiteConfirmation | None
    quote: Quote | None  # the current version (not superseded)
    quotes: list[Quote]  # every version, newest first, lines prefetched
    replacements: list[Replacement]
    backups: list[Backup]
    changes: list[ChangeRecord]
    form: ServiceForm | None  # the newest revision
    signed_form: ServiceForm | None  # the newest signed revision
    block_reason: str | None  # why the order may not be resolved (a quote), or None
    pdf_available: bool = False  # a signed service form exists
    extra: dict = field(default_factory=dict)


def _quotes(workorder: WorkOrder) -> QuerySet[Quote]:
    lines = Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "id"))
    return (
        Quote.objects.filter(workorder=workorder)
        .select_related("signature", "answered_by")
        .prefetch_related(lines)
        .order_by("-revision")
    )


def onsite_for_order(*, workorder: WorkOrder, user, overview: bool = False) -> OnsiteSummary:
    """The visit of an order the caller already fetched through `workorder_get_for_user` (so it is in scope).

    `overview`: for the visit page and the order page's card, which show each record's own fields only: no quote
    lines, signatures or devices (one query fewer and lighter joins)."""
    require(user, "onsite.view")
    if overview:
        quotes = list(Quote.objects.filter(workorder=workorder).order_by("-revision"))
        forms = list(ServiceForm.objects.filter(workorder=workorder).order_by("-revision"))
        replacements = Replacement.objects.filter(workorder=workorder)
    else:
        quotes = list(_quotes(workorder))
        forms = list(
            ServiceForm.objects.filter(workorder=workorder)
            .select_related("customer_signature", "engineer_signature")
            .order_by("-revision")
        )
        replacements = Replacement.objects.filter(workorder=workorder).select_related(
            "old_device", "new_device", "old_signature", "new_signature"
        )
    current = next((q for q in quotes if q.status != QuoteStatus.SUPERSEDED), None)
    reason = None
    if current is not None and current.status in BLOCKING_QUOTE_STATUSES:
        reason = gates.quote_block_reason(workorder, status=current.status)
    return OnsiteSummary(
        confirmation=SiteConfirmation.objects.filter(workorder=workorder).order_by("-id").first(),
        quote=current,
        quotes=quotes,
        replacements=list(replacements.order_by("id")),
        backups=list(Backup.objects.filter(workorder=workorder).order_by("id")),
        changes=list(ChangeRecord.objects.filter(workorder=workorder).order_by("id")),
        form=forms[0] if forms else None,
        signed_form=next((f for f in forms if f.is_signed), None),
        block_reason=reason,
        pdf_available=any(f.is_signed for f in forms),
    )


def quote_get_for_user(*, user, pk: int) -> Quote:
    """One quote version the user may see (its order in their scope), else Http404."""
    require(user, "onsite.view")
    return get_for_user(Quote.objects.select_related("workorder", "signature"), user, pk=pk)


def quote_list(*, workorder: WorkOrder) -> list[Quote]:
    return list(_quotes(workorder))


def service_form_current(*, workorder: WorkOrder) -> ServiceForm | None:
    return (
        ServiceForm.objects.filter(workorder=workorder)
        .select_related("customer_signature", "engineer_signature")
        .order_by("-revision")
        .first()
    )


def service_form_get_for_user(*, user, pk: int) -> ServiceForm:
    require(user, "onsite.view")
    return get_for_user(
        ServiceForm.objects.select_related("workorder", "customer_signature", "engineer_signature"), user, pk=pk
    )


def service_forms_complete(*, user) -> QuerySet[ServiceForm]:
    """Signed, complete forms (the ones KPIs count: "填写不完整的不计入考核")."""
    return scope_queryset(ServiceForm.objects.filter(status="signed", complete=True), user)


def spare_parts(*, q: str = "", limit: int = 50) -> list[SparePart]:
    qs = SparePart.objects.filter(active=True).select_related("vendor")
    if q.strip():
        qs = qs.filter(model__icontains=q.strip()) | qs.filter(name__icontains=q.strip())
    return list(qs.order_by("model", "id")[:limit])


def replacements_awaiting_rma() -> QuerySet[Replacement]:
    """Old units swapped out and not yet sent to repair: the hook for the RMA issue."""
    return Replacement.objects.filter(rma_ref="").select_related("old_device", "workorder").order_by("id")


def order_for_user(*, user, pk: int, for_write: bool = False) -> WorkOrder:
    """The order (404 outside the user's organisation) — the start of every on-site URL."""
    return workorder_get_for_user(user=user, pk=pk, for_write=for_write)


# --- for the UI's forms and the PDFs ------------------------------------------------------------------------------


def quote_current(*, workorder: WorkOrder) -> Quote | None:
    """The order's current quote version (not superseded), lines prefetched."""
    return _quotes(workorder).exclude(status=QuoteStatus.SUPERSEDED).first()


def quote_initial_lines(*, workorder: WorkOrder, quote: Quote | None = None) -> list[dict]:
    """Initial lines of the quote form: a copy of `quote`'s lines, or suggestions (a part per affected device whose
    model is on the price list, labour per visit and transport from the contract)."""
    if quote is not None:
        return [
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "spare_part": line.spare_part_id,
                "device": line.device_id,
                "labour_basis": line.labour_basis,
                "unit": line.unit,
            }
            for line in quote.lines.all()
        ]
    lines: list[dict] = []
    devices = list(workorder.devices.all())
    parts = {p.model: p for p in SparePart.objects.filter(active=True, model__in=[d.model for d in devices])}
    for device in devices:
        part = parts.get(device.model)
        if part is not None:
            lines.append(
                {
                    "kind": "part",
                    "description": str(part),
                    "quantity": Decimal("1"),
                    "unit_price": part.unit_price,
                    "spare_part": part.pk,
                    "device": device.pk,
                    "labour_basis": "",
                    "unit": part.unit,
                }
            )
    contract = workorder.contract
    if contract is not None:
        lines.append(
            {
                "kind": "labour",
                "description": "",
                "quantity": Decimal("1"),
                "unit_price": contract.labour_rate_visit,
                "spare_part": None,
                "device": None,
                "labour_basis": "visit",
                "unit": "",
            }
        )
        if contract.transport_rate:
            lines.append(
                {
                    "kind": "transport",
                    "description": "",
                    "quantity": Decimal("1"),
                    "unit_price": contract.transport_rate,
                    "spare_part": None,
                    "device": None,
                    "labour_basis": "",
                    "unit": "",
                }
            )
    return lines


def spare_part_get(*, pk) -> SparePart:
    """An active price-list entry, else a field error on "spare_part"."""
    part = SparePart.objects.filter(pk=pk, active=True).first() if str(pk).isdigit() else None
    if part is None:
        raise ValidationError({"spare_part": _("Unknown spare part.")})
    return part


def replaceable_devices(*, workorder: WorkOrder) -> list[Device]:
    """The site's estate that can be swapped (not retired, not already swapped out), the order's own devices first."""
    own = set(workorder.devices.values_list("pk", flat=True))
    swapped = Replacement.objects.values("old_device_id")
    devices = list(
        Device.objects.filter(site_id=workorder.site_id)
        .exclude(status=DeviceStatus.RETIRED)
        .exclude(pk__in=swapped)
        .order_by("model", "id")[:500]
    )
    return sorted(devices, key=lambda d: d.pk not in own)


def replaced_devices(*, workorder: WorkOrder) -> list[Replacement]:
    return list(
        Replacement.objects.filter(workorder=workorder).select_related("old_device", "new_device").order_by("id")
    )


def service_form_for_pdf(*, workorder: WorkOrder, revision: str | None = None) -> ServiceForm | None:
    """The newest signed revision, or the given revision if it is signed (signatures loaded)."""
    qs = ServiceForm.objects.filter(workorder=workorder, status="signed").select_related(
        "customer_signature", "engineer_signature"
    )
    if revision:
        if not str(revision).isdigit():
            return None
        return qs.filter(revision=int(revision)).first()
    return qs.order_by("-revision").first()
