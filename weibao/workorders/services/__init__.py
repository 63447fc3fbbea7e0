"""Writes on work orders: intake, one function per transition, edits, comments, work log, reviews (SPEC §4).

Every function locks the order row, refuses what the state table does not allow (TransitionNotAllowed), writes what
changed and appends exactly one timeline event (a repeated identical click appends none). Subscribers of
`workorders.events` hear about new events after commit. Import from here: `from weibao.workorders import services`.
"""

from weibao.workorders.services.alarms import alarm_receive, alarms_process
from weibao.workorders.services.common import SYSTEM_USERNAME, allocate_number, system_user
from weibao.workorders.services.edits import (
    EDITABLE_FIELDS,
    alerts_mark_read,
    legacy_review_add,
    workorder_assign,
    workorder_comment,
    workorder_log_work,
    workorder_update,
)
from weibao.workorders.services.intake import (
    reports_resolve,
    workorder_add_attachments,
    workorder_attach_document,
    workorder_create,
    workorder_create_each,
    workorder_create_many,
)
from weibao.workorders.services.observation import (
    observation_link_answer,
    observation_links_for,
    observation_sms_answer,
    workorder_customer_answer,
    workorder_reply_decide,
)
from weibao.workorders.services.periodic import deadlines_recompute, observation_close_due
from weibao.workorders.services.site_move import workorder_move_site
from weibao.workorders.services.transitions import (
    workorder_accept,
    workorder_acknowledge,
    workorder_arrive,
    workorder_cancel,
    workorder_close,
    workorder_customer_confirm,
    workorder_customer_reject,
    workorder_decline,
    workorder_depart,
    workorder_dispatch,
    workorder_escalate,
    workorder_record_plan,
    workorder_reopen,
    workorder_request_dispatch,
    workorder_resolve,
    workorder_resume,
    workorder_set_appointment,
    workorder_start_diagnosis,
    workorder_wait_customer,
)

__all__ = [
    "EDITABLE_FIELDS",
    "alarm_receive",
    "alarms_process",
    "reports_resolve",
    "SYSTEM_USERNAME",
    "alerts_mark_read",
    "deadlines_recompute",
    "allocate_number",
    "legacy_review_add",
    "observation_close_due",
    "observation_link_answer",
    "observation_links_for",
    "observation_sms_answer",
    "system_user",
    "workorder_accept",
    "workorder_acknowledge",
    "workorder_add_attachments",
    "workorder_attach_document",
    "workorder_arrive",
    "workorder_assign",
    "workorder_cancel",
    "workorder_close",
    "workorder_comment",
    "workorder_create",
    "workorder_create_each",
    "workorder_create_many",
    "workorder_customer_answer",
    "workorder_customer_confirm",
    "workorder_customer_reject",
    "workorder_decline",
    "workorder_depart",
    "workorder_dispatch",
    "workorder_escalate",
    "workorder_log_work",
    "workorder_move_site",
    "workorder_record_plan",
    "workorder_reopen",
    "workorder_reply_decide",
    "workorder_request_dispatch",
    "workorder_resolve",
    "workorder_resume",
    "workorder_set_appointment",
    "workorder_start_diagnosis",
    "workorder_update",
    "workorder_wait_customer",
]
