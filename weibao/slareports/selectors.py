"""Reads of the SLA reports, regular reports and fault analysis; every one starts from a scoping selector."""

from __future__ import annotations

import datetime

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.contracts.models import Contract
from weibao.contracts.selectors import contract_qs_for
from weibao.slareports import metrics, similar
from weibao.slareports.choices import Dimension, ReportStatus
from weibao.slareports.models import PeriodicReport, ReportSchedule
from weibao.workorders.choices import Cause, MaintenanceType, ServiceKind, Status
from weibao.workorders.models import WorkOrder
from weibao.workorders.selectors import workorder_qs_for

PICKER_LIMIT = 200
DRILL_LIMIT = 500


def report_contracts(*, user, query: str = "", include: int | None = None) -> list[Contract]:
    """Contracts offered in the report's picker: the first PICKER_LIMIT the user may see (plus `include`)."""
    require(user, "slareports.view")
    qs = contract_qs_for(user)
    if query:
        qs = qs.filter(code__icontains=query) | qs.filter(name__icontains=query)
    found = list(qs.order_by("-start_date", "code")[:PICKER_LIMIT])
    if include and all(c.pk != include for c in found):
        extra = contract_qs_for(user).filter(pk=include).first()
        if extra is not None:
            found.insert(0, extra)
    return found


def contract_for_report(*, user, pk: int) -> Contract:
    """One contract whose report the user may see, else 404 (another customer's, or any for a vendor)."""
    contract = get_for_user(Contract.objects.select_related("customer", "calendar"), user, pk=pk)
    require(user, "slareports.view")
    return contract


def sla_report(
    *, user, contract_id: int, start: datetime.date, end: datetime.date, as_of: datetime.datetime | None = None
) -> tuple[Contract, dict]:
    contract = contract_for_report(user=user, pk=contract_id)
    return contract, metrics.build_report(contract=contract, start=start, end=end, as_of=as_of)


def drill_orders(*, user, data: dict, key: str, limit: int = DRILL_LIMIT) -> tuple[list[WorkOrder], int]:
    """The orders behind one number of a report (its drill-down key), scoped to what the user may see."""
    ids = data.get("drill", {}).get(key, [])
    qs = (
        workorder_qs_for(user)
        .filter(pk__in=ids, contract_id=data["contract"]["id"])
        .select_related("site", "assignee")
        .order_by("reported_at", "id")
    )
    return list(qs[:limit]), len(ids)


def schedule_for(*, contract: Contract) -> ReportSchedule | None:
    return ReportSchedule.objects.filter(contract=contract).first()


def periodic_report_qs_for(user) -> QuerySet[PeriodicReport]:
    """Regular reports the user may see: staff all, a customer its own contracts' reports once sent."""
    qs = scope_queryset(PeriodicReport.objects.select_related("contract__customer", "reviewed_by"), user)
    if getattr(user, "is_customer", False):
        qs = qs.filter(status=ReportStatus.SENT)
    return qs


def periodic_report_list(*, user, contract_id: int | None = None, status: str = "") -> QuerySet[PeriodicReport]:
    require(user, "slareports.view")
    qs = periodic_report_qs_for(user)
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-period_start", "-id")


def periodic_report_get(*, user, pk: int) -> PeriodicReport:
    report = get_for_user(periodic_report_qs_for(user), user, pk=pk)
    require(user, "slareports.view")
    return report


# Fault analysis (故障统一分析) -----------------------------------------------------------------------------------

# dimension -> (the value grouped on, the label shown); the device dimensions go through the order's devices.
GROUPS = {
    Dimension.DEVICE: ("devices__id", None),
    Dimension.MODEL: ("devices__model", None),
    Dimension.VENDOR: ("devices__vendor_id", "devices__vendor__name"),
    Dimension.SUBSYSTEM: ("devices__subsystem_id", "devices__subsystem__name"),
    Dimension.SITE: ("site_id", "site__name"),
    Dimension.CAUSE: ("cause", None),
    Dimension.SERVICE_KIND: ("service_kind", None),
    Dimension.MAINTENANCE_TYPE: ("maintenance_type", None),
}
# Dimensions whose key is a choice value: the label is the choice's.
CHOICE_LABELS = {
    Dimension.CAUSE: Cause,
    Dimension.SERVICE_KIND: ServiceKind,
    Dimension.MAINTENANCE_TYPE: MaintenanceType,
}


def fault_orders_qs(
    *, user, start: datetime.date, end: datetime.date, customer_id: int | None = None, contract_id: int | None = None
) -> QuerySet[WorkOrder]:
    """Orders reported in [start, end] that the analysis counts (cancelled ones left out)."""
    require(user, "slareports.analysis")
    return fault_orders_in(
        workorder_qs_for(user), start=start, end=end, customer_id=customer_id, contract_id=contract_id
    )


def fault_orders_in(
    qs: QuerySet[WorkOrder],
    *,
    start: datetime.date,
    end: datetime.date,
    customer_id: int | None = None,
    contract_id: int | None = None,
) -> QuerySet[WorkOrder]:
    """`qs` (already scoped to its reader) narrowed to the analysis' period, customer and contract."""
    lower, upper = metrics.period_bounds(start, end)
    qs = qs.filter(reported_at__gte=lower, reported_at__lt=upper).exclude(status=Status.CANCELLED)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    return qs


def fault_analysis(
    *,
    user,
    start: datetime.date,
    end: datetime.date,
    customer_id: int | None = None,
    contract_id: int | None = None,
    limit: int = 10,
) -> dict:
    """Recurring faults per device, model, vendor, subsystem, site and cause, with their labels in the active
    language; the top repeaters are the devices with more than one order in the period."""
    qs = fault_orders_qs(user=user, start=start, end=end, customer_id=customer_id, contract_id=contract_id)
    return fault_labels(fault_groups(qs, limit=limit))


def fault_groups(qs: QuerySet[WorkOrder], *, limit: int = 10) -> dict:
    """The analysis' numbers for the orders `qs`, as plain JSON (the stored snapshot of `slareports.snapshots`):
    each group carries the key its drill-down uses; choice rows and group names are labelled by `fault_labels`."""
    result: dict = {"total": qs.count(), "groups": []}
    for dimension, (field, label_field) in GROUPS.items():
        values = [field] + ([label_field] if label_field else [])
        if dimension == Dimension.DEVICE:
            values += ["devices__name", "devices__model", "devices__serial_number", "site__name"]
        rows = (
            qs.filter(**{f"{field}__isnull": False})
            .values(*values)
            .annotate(n=Count("id", distinct=True))
            .order_by("-n", field)[:limit]
        )
        groups = []
        for row in rows:
            key = row[field]
            if dimension == Dimension.DEVICE:
                label = " · ".join(
                    str(p)
                    for p in (
                        row["devices__name"] or row["devices__model"],
                        row["devices__serial_number"],
                        row["site__name"],
                    )
                    if p
                )
            elif dimension in CHOICE_LABELS:
                label = None  # the choice's label, in the reader's language (fault_labels)
            else:
                label = row[label_field] if label_field else key
            groups.append({"key": str(key), "label": label, "count": row["n"]})
        result["groups"].append({"dimension": dimension.value, "rows": groups})
    result["repeaters"] = [r for r in result["groups"][0]["rows"] if r["count"] > 1]
    return result


def fault_labels(result: dict) -> dict:
    """`fault_groups`' numbers with the group names and the choice rows' labels in the active language (a copy)."""
    groups = []
    for group in result["groups"]:
        dimension = Dimension(group["dimension"])
        rows = group["rows"]
        if dimension in CHOICE_LABELS:
            choices = CHOICE_LABELS[dimension]
            rows = [
                {**row, "label": str(choices(row["key"]).label) if row["key"] in choices.values else row["key"]}
                for row in rows
            ]
        groups.append({**group, "label": str(dimension.label), "rows": rows})
    return {**result, "groups": groups}


def fault_group_orders(
    *,
    user,
    start: datetime.date,
    end: datetime.date,
    dimension: str,
    key: str,
    customer_id: int | None = None,
    contract_id: int | None = None,
    limit: int = DRILL_LIMIT,
) -> tuple[list[WorkOrder], int]:
    """The orders behind one row of the fault analysis."""
    if dimension not in GROUPS:
        from django.core.exceptions import ValidationError

        raise ValidationError({"dimension": _("Unknown dimension.")})
    field = GROUPS[dimension][0]
    qs = fault_orders_qs(user=user, start=start, end=end, customer_id=customer_id, contract_id=contract_id)
    ids = qs.filter(**{field: key}).values("pk")
    orders = WorkOrder.objects.filter(pk__in=ids).select_related("site", "assignee").order_by("-reported_at", "-id")
    return list(orders[:limit]), orders.count()


# Similar past faults ----------------------------------------------------------------------------------------------


def similar_faults(*, user, text: str, exclude: WorkOrder | None = None, limit: int = 5) -> list[dict]:
    """Finished orders like `text`, best first, with how they were solved. Staff search everything they may see;
    a customer its own organisation's orders; a vendor nothing."""
    require(user, "slareports.similar")
    if not (user.is_internal or user.is_customer):
        return []
    org = None if user.is_internal else user.organisation_id
    matches = similar.similar_ids(
        text=text, organisation_id=org, exclude_id=exclude.pk if exclude else None, limit=limit
    )
    if not matches:
        return []
    rows = {
        wo.pk: wo
        for wo in workorder_qs_for(user)
        .filter(pk__in=[m.workorder_id for m in matches])
        .select_related("site", "customer")
    }
    return [
        {"workorder": rows[m.workorder_id], "score": round(m.score * 100)} for m in matches if m.workorder_id in rows
    ]
