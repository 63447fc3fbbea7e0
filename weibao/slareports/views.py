"""Pages of the SLA reports (服务级别报告), the regular reports (定期报告) and the fault analysis (故障统一分析).
Thin views (STYLE §5): a scoped fetch, a form, one selector or service call, a page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.slareports import exports, selectors, services, snapshots
from weibao.slareports.choices import ReportStatus
from weibao.slareports.forms import (
    AnalysisDrillForm,
    AnalysisForm,
    ReportForm,
    ReviewForm,
    ScheduleForm,
    VersionForm,
    previous_month,
)
from weibao.workorders.selectors import workorder_get_for_user


def _report_form(request: HttpRequest) -> tuple[ReportForm, dict | None]:
    """The report form from the query string, and the report when the form is valid."""
    start, end = previous_month()
    raw = request.GET.get("contract")
    include = int(raw) if raw and raw.isdigit() and len(raw) < 12 else None
    if include is not None:
        selectors.contract_for_report(user=request.user, pk=include)  # another's contract (or a vendor): 404
    require(request.user, "slareports.view")
    contracts = selectors.report_contracts(user=request.user, include=include)
    if "contract" not in request.GET and contracts:
        initial = {"contract": contracts[0].pk, "start": start, "end": end}
        form = ReportForm(initial, contracts=contracts)
    else:
        form = ReportForm(request.GET or None, contracts=contracts)
    if include is not None and all(c.pk != include for c in contracts):
        raise Http404  # a contract the user may not see does not exist for them
    if not form.is_bound or not form.is_valid():
        return form, None
    d = form.cleaned_data
    _contract, data = selectors.sla_report(user=request.user, contract_id=d["contract"], start=d["start"], end=d["end"])
    return form, data


def _query(data: dict) -> str:
    return f"contract={data['contract']['id']}&start={data['period']['start']}&end={data['period']['end']}"


def _charts(data: dict) -> dict:
    """What the ECharts script draws (passed through json_script, never inline code)."""
    shown = exports.rows_for_display(data)
    comp = {"labels": [str(s["label"]) for s in shown["compliance_rows"][0]["rows"][:-1]], "series": []}
    for block in shown["compliance_rows"]:
        comp["series"].append(
            {
                "name": str(block["label"]),
                "data": [float(r["rate"]) if r["rate"] is not None else None for r in block["rows"][:-1]],
            }
        )
    return {
        "compliance": comp,
        "severity": [{"name": s["severity"], "value": s["count"]} for s in data["by_severity"]],
        "satisfaction": data["satisfaction"]["distribution"],
        "times": {
            "labels": [str(t["label"]) for t in shown["time_rows"]],
            "mean": [t["mean_minutes"] for t in shown["time_rows"]],
            "p90": [t["p90_minutes"] for t in shown["time_rows"]],
        },
    }


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The SLA report of one contract and period, with charts, tables and a drill-down behind every number."""
    form, data = _report_form(request)
    context = {"form": form, "data": data}
    if data is not None:
        context.update(
            r=exports.rows_for_display(data),
            charts=_charts(data),
            query=_query(data),
            drill_url=reverse("slareports:drill"),
            summary=exports.summary_rows(data),
            can_schedule=has_perm(request.user, "slareports.schedule"),
        )
    context["perms_analysis"] = has_perm(request.user, "slareports.analysis")
    return render(request, "slareports/report.html", context)


def _drill_page(request: HttpRequest, data: dict, key: str, back: str) -> HttpResponse:
    orders, total = selectors.drill_orders(user=request.user, data=data, key=key)
    return render(
        request, "slareports/drill.html", {"orders": orders, "total": total, "key": key, "data": data, "back": back}
    )


@login_required
def drill(request: HttpRequest) -> HttpResponse:
    """Exactly the orders behind one number of the report (`key`: e.g. resolution.A.missed, major, legacy)."""
    form, data = _report_form(request)
    if data is None:
        return render(request, "slareports/report.html", {"form": form, "data": None}, status=400)
    back = f"{reverse('slareports:report')}?{_query(data)}"
    return _drill_page(request, data, request.GET.get("key", "orders")[:60], back)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def report_xlsx(request: HttpRequest) -> HttpResponse:
    form, data = _report_form(request)
    if data is None:
        return render(request, "slareports/report.html", {"form": form, "data": None}, status=400)
    name = f"sla-{data['contract']['code']}-{data['period']['start']}-{data['period']['end']}.xlsx"
    return _download(exports.to_xlsx(data), name, XLSX)


@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    form, data = _report_form(request)
    if data is None:
        return render(request, "slareports/report.html", {"form": form, "data": None}, status=400)
    name = f"sla-{data['contract']['code']}-{data['period']['start']}-{data['period']['end']}.pdf"
    return _download(exports.to_pdf(data, brand=str(settings.WEIBAO_BRAND)), name, "application/pdf")


# Regular reports --------------------------------------------------------------------------------------------------


@login_required
def periodic_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ReportStatus.values else ""
    reports = selectors.periodic_report_list(user=request.user, status=status)[:200]
    return render(
        request,
        "slareports/periodic_list.html",
        {"reports": reports, "status": status, "statuses": ReportStatus.choices},
    )


def _periodic_context(request: HttpRequest, report, **extra) -> dict:
    data = report.data
    return {
        "report": report,
        "data": data,
        "r": exports.rows_for_display(data),
        "charts": _charts(data),
        "summary": exports.summary_rows(data),
        "drill_url": reverse("slareports:periodic_drill", args=[report.pk]),
        "query": "",
        "can_review": has_perm(request.user, "slareports.review") and request.user.is_internal,
        "recipients": services.report_recipients(report) if request.user.is_internal else [],
        "review_form": extra.pop("review_form", None) or ReviewForm(initial={"version": report.version}),
        **extra,
    }


@login_required
def review_panel(request: HttpRequest) -> HttpResponse:
    """Home-page fragment for managers: regular reports waiting for review (empty when none)."""
    waiting = []
    if has_perm(request.user, "slareports.review") and request.user.is_internal:
        waiting = list(selectors.periodic_report_list(user=request.user, status=ReportStatus.GENERATED)[:11])
    return render(
        request, "slareports/partials/_review_panel.html", {"waiting": waiting[:10], "more": len(waiting) > 10}
    )


@login_required
def periodic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.periodic_report_get(user=request.user, pk=pk)
    return render(request, "slareports/periodic_detail.html", _periodic_context(request, report))


@login_required
def periodic_drill(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.periodic_report_get(user=request.user, pk=pk)
    return _drill_page(
        request, report.data, request.GET.get("key", "orders")[:60], reverse("slareports:periodic", args=[pk])
    )


@login_required
def periodic_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.periodic_report_get(user=request.user, pk=pk)
    if report.pdf:
        with report.pdf.open("rb") as handle:
            content = handle.read()  # the very file that was sent
    else:
        content = exports.to_pdf(report.data, brand=str(settings.WEIBAO_BRAND))
    return _download(content, f"{report.contract.code}-{report.period_start:%Y%m%d}.pdf", "application/pdf")


@require_POST
@login_required
def periodic_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """review / reopen / send: one service call each; a stale version or wrong state is shown, nothing stored."""
    report = selectors.periodic_report_get(user=request.user, pk=pk)
    require(request.user, "slareports.review")
    form = ReviewForm(request.POST) if action == "review" else VersionForm(request.POST)
    status = 400
    if form.is_valid():
        status = 409
        version = form.cleaned_data["version"]
        try:
            if action == "review":
                services.report_review(
                    report=report, actor=request.user, expected_version=version, note=form.cleaned_data["note"]
                )
            elif action == "reopen":
                services.report_reopen(report=report, actor=request.user, expected_version=version)
            elif action == "send":
                services.report_send(report=report, actor=request.user, expected_version=version)
            else:
                raise Http404
            return redirect("slareports:periodic", pk=pk)
        except (StaleEdit, TransitionNotAllowed) as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            status = 400
    report.refresh_from_db()
    review_form = form if action == "review" else None
    context = _periodic_context(request, report, review_form=review_form, action_errors=form.non_field_errors())
    return render(request, "slareports/periodic_detail.html", context, status=status)


@login_required
def schedule_edit(request: HttpRequest, contract_pk: int) -> HttpResponse:
    """How a contract is reported: the regular report's frequency, the major-fault rule, extra recipients."""
    contract = selectors.contract_for_report(user=request.user, pk=contract_pk)
    require(request.user, "slareports.schedule")
    schedule = selectors.schedule_for(contract=contract)
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.schedule_set(
                    contract=contract,
                    actor=request.user,
                    frequency=d["frequency"],
                    major_down_hours=d["major_down_hours"],
                    extra_recipients=d["extra_recipients"],
                    expected_version=d["version"],
                )
                return redirect(f"{reverse('slareports:schedule', args=[contract.pk])}?saved=1")
            except StaleEdit as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
    else:
        initial = {"frequency": "none"}
        if schedule is not None:
            initial = {
                "frequency": schedule.frequency,
                "major_down_hours": schedule.major_down_hours,
                "extra_recipients": schedule.extra_recipients,
                "version": schedule.version,
            }
        form = ScheduleForm(initial=initial)
    reports = selectors.periodic_report_list(user=request.user, contract_id=contract.pk)[:50]
    return render(
        request,
        "slareports/schedule.html",
        {"contract": contract, "form": form, "reports": reports, "saved": "saved" in request.GET},
    )


# Fault analysis ---------------------------------------------------------------------------------------------------


@login_required
def analysis(request: HttpRequest) -> HttpResponse:
    """The fault analysis. Staff read the stored numbers (`slareports.snapshots`, recomputed in the background when
    stale or on "recompute now"); anyone else with the permission gets their own scope's numbers computed here."""
    require(request.user, "slareports.analysis")
    start, end = previous_month()
    form = AnalysisForm(request.GET if "start" in request.GET else {"start": start, "end": end})
    result = snapshot = None
    if form.is_valid():
        d = form.cleaned_data
        result, snapshot = snapshots.fault_analysis_read(
            user=request.user,
            start=d["start"],
            end=d["end"],
            customer_id=d["customer"],
            contract_id=d["contract"],
            refresh=request.method == "POST",
        )
        if request.method == "POST":
            return redirect(request.get_full_path())
    query = request.GET.urlencode() if "start" in request.GET else f"start={start}&end={end}"
    return render(
        request, "slareports/analysis.html", {"form": form, "result": result, "snapshot": snapshot, "query": query}
    )


@login_required
def analysis_drill(request: HttpRequest) -> HttpResponse:
    require(request.user, "slareports.analysis")
    form = AnalysisDrillForm(request.GET)
    if not form.is_valid():
        return render(request, "slareports/analysis.html", {"form": form, "result": None}, status=400)
    d = form.cleaned_data
    orders, total = selectors.fault_group_orders(
        user=request.user,
        start=d["start"],
        end=d["end"],
        dimension=d["dimension"],
        key=d["key"],
        customer_id=d["customer"],
        contract_id=d["contract"],
    )
    back = f"{reverse('slareports:analysis')}?start={d['start']}&end={d['end']}"
    return render(request, "slareports/drill.html", {"orders": orders, "total": total, "key": d["key"], "back": back})


# Similar past faults ----------------------------------------------------------------------------------------------


@login_required
def similar_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """Fragment on the order page: finished orders with a similar symptom and how they were solved."""
    wo = workorder_get_for_user(user=request.user, pk=pk)
    require(request.user, "slareports.similar")
    matches = selectors.similar_faults(user=request.user, text=f"{wo.title} {wo.symptom}", exclude=wo)
    return render(request, "slareports/partials/_similar.html", {"matches": matches, "panel": True})


@login_required
def similar_lookup(request: HttpRequest) -> HttpResponse:
    """Fragment at intake: as the symptom is typed, the past faults that read like it (htmx, `symptom`)."""
    require(request.user, "slareports.similar")
    text = (request.GET.get("symptom") or request.GET.get("text") or "")[:500]
    matches = selectors.similar_faults(user=request.user, text=text)
    return render(request, "slareports/partials/_similar.html", {"matches": matches, "text": text})
