"""Work-order pages. One module per page family; each view fetches through a scoped selector, validates a form,
calls one service and renders (STYLE §5)."""

from weibao.workorders.views.answer import answer
from weibao.workorders.views.dashboard import alerts_read, dashboard
from weibao.workorders.views.detail import (
    attachment_download,
    workorder_action,
    workorder_action_form,
    workorder_comment,
    workorder_detail,
)
from weibao.workorders.views.export import workorder_export
from weibao.workorders.views.intake import intake_new, intake_pick, intake_search, portal_new
from weibao.workorders.views.legacy import legacy_list, legacy_review
from weibao.workorders.views.queue import customer_pick, workorder_list

__all__ = [
    "alerts_read",
    "answer",
    "attachment_download",
    "customer_pick",
    "dashboard",
    "intake_new",
    "intake_pick",
    "intake_search",
    "legacy_list",
    "legacy_review",
    "portal_new",
    "workorder_action",
    "workorder_action_form",
    "workorder_comment",
    "workorder_detail",
    "workorder_export",
    "workorder_list",
]
