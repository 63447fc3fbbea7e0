"""Excel export of the work queue with the filters the user has on screen (issue 18 point 18)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.permissions import require
from weibao.core import excel
from weibao.workorders.selectors import QueueFilters, workorder_export_rows


@login_required
def workorder_export(request: HttpRequest) -> HttpResponse:
    """The queue as .xlsx: the same filters (status, severity, branch, engineer, customer, site, SLA, search).

    More rows than WEIBAO_EXPORT_MAX_ROWS are not cut silently: the user is sent back with a message to narrow
    the filters. The workbook is written row by row (openpyxl's write-only mode) from a server-side cursor.
    """
    require(request.user, "workorders.view")
    cap = settings.WEIBAO_EXPORT_MAX_ROWS
    filters = QueueFilters.from_params(request.GET)
    headers, rows, total = workorder_export_rows(user=request.user, filters=filters, cap=cap)
    if total > cap:
        messages.warning(
            request,
            _("More than %(cap)s work orders match these filters; narrow them to export.") % {"cap": f"{cap:,}"},
        )
        return redirect(f"{reverse('workorders:list')}?{request.GET.urlencode()}")
    data = excel.export_table(_("Work orders"), headers, rows)
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="work-orders-{stamp}.xlsx"'
    return response
