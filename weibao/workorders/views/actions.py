"""The actions on a work order's detail page: one entry per transition or edit, each a form and one service call.

Which actions a person is offered comes from `selectors.workorder_allowed_actions` (permission table + state
table); the services check both again, so a stale page gets a clear 409 message rather than a wrong change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.permissions import has_perm
from weibao.workorders import forms as wf
from weibao.workorders import services as svc
from weibao.workorders.choices import CloseReason, CustomerAnswer, ReopenSource, ReplyDecision, Status, action_perm
from weibao.workorders.models import WorkOrder
from weibao.workorders.selectors import workorder_allowed_actions


@dataclass(frozen=True)
class Action:
    """One thing a person can do on the detail page; `name` is the selectors' action verb."""

    name: str
    label: Any
    form: type[forms.Form]
    call: Callable[[WorkOrder, Any, dict], Any]  # (workorder, actor, cleaned_data)
    style: str = ""  # "primary" | "danger" | ""
    quick: bool = False  # a one-click button (its form has no required field)
    customer_label: Any = None

    @property
    def perm(self) -> str:
        return action_perm(self.name)  # declared once, in workorders.choices.ACTIONS


def _v(data: dict) -> int | None:
    return data.get("version") or None


def _portal_answer(wo: WorkOrder, user, answer: str, note: str):
    return svc.workorder_customer_answer(
        workorder=wo,
        answer=answer,
        source=ReopenSource.CUSTOMER_PORTAL,
        channel="web",
        answered_by=str(user),
        actor=user,
        note=note,
    )


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "acknowledge",
            _("Acknowledge"),
            wf.NoteForm,
            lambda wo, u, d: svc.workorder_acknowledge(workorder=wo, actor=u, note=d["note"], expected_version=_v(d)),
            style="primary",
            quick=True,
        ),
        Action(
            "start_diagnosis",
            _("Start remote diagnosis"),
            wf.NoteForm,
            lambda wo, u, d: svc.workorder_start_diagnosis(
                workorder=wo, actor=u, note=d["note"], expected_version=_v(d)
            ),
            style="primary",
            quick=True,
        ),
        Action(
            "accept",
            _("Accept the job"),
            wf.NoteForm,
            lambda wo, u, d: svc.workorder_accept(workorder=wo, actor=u, note=d["note"], expected_version=_v(d)),
            style="primary",
            quick=True,
        ),
        Action(
            "decline",
            _("Decline the job"),
            wf.ReasonForm,
            lambda wo, u, d: svc.workorder_decline(workorder=wo, actor=u, reason=d["reason"], expected_version=_v(d)),
            style="danger",
        ),
        Action(
            "depart",
            _("On my way"),
            wf.NoteForm,
            lambda wo, u, d: svc.workorder_depart(workorder=wo, actor=u, note=d["note"]),
            style="primary",
            quick=True,
        ),
        Action(
            "arrive",
            _("Arrived on site"),
            wf.NoteForm,
            lambda wo, u, d: svc.workorder_arrive(workorder=wo, actor=u, note=d["note"], expected_version=_v(d)),
            style="primary",
            quick=True,
        ),
        Action(
            "resume",
            _("Customer answered: resume"),
            wf.NoteForm,
            lambda wo, u, d: svc.workorder_resume(workorder=wo, actor=u, note=d["note"], expected_version=_v(d)),
            style="primary",
            quick=True,
        ),
        # The portal's buttons do what the notice's links do (issue 23): one service, source "customer portal".
        Action(
            "customer_confirm",
            _("Confirm the fix"),
            wf.NoteForm,
            lambda wo, u, d: _portal_answer(wo, u, CustomerAnswer.FIXED, d["note"]),
            style="primary",
            quick=True,
            customer_label=_("Yes, it is fixed"),
        ),
        Action(
            "log_work",
            _("Log work (time spent)"),
            wf.WorkLogForm,
            lambda wo, u, d: svc.workorder_log_work(
                workorder=wo, actor=u, minutes=d["minutes"], note=d["note"], kind=d["kind"]
            ),
        ),
        Action(
            "resolve",
            _("Resolved"),
            wf.ResolveForm,
            lambda wo, u, d: svc.workorder_resolve(
                workorder=wo, actor=u, resolution=d["resolution"], cause=d["cause"], expected_version=_v(d)
            ),
            style="primary",
        ),
        Action(
            "dispatch",
            _("Dispatch to a field engineer"),
            wf.DispatchForm,
            lambda wo, u, d: svc.workorder_dispatch(
                workorder=wo,
                actor=u,
                engineer=d["engineer"],
                note=d["note"],
                appointment_at=d.get("appointment_at"),
                customer_agreed=d.get("customer_agreed", False),
                appointment_reason=d.get("appointment_reason", ""),
                expected_version=_v(d),
            ),
            style="primary",
        ),
        Action(
            "request_dispatch",
            _("Ask the manager to dispatch"),
            wf.NoteForm,
            lambda wo, u, d: svc.workorder_request_dispatch(workorder=wo, actor=u, note=d["note"]),
            style="primary",
            quick=True,
        ),
        Action(
            "set_appointment",
            _("Agree a visit time"),
            wf.AppointmentForm,
            lambda wo, u, d: svc.workorder_set_appointment(
                workorder=wo,
                actor=u,
                appointment_at=d["appointment_at"],
                note=d["note"],
                customer_agreed=d["customer_agreed"],
                expected_version=_v(d),
            ),
        ),
        Action(
            "record_plan",
            _("Record solution plan"),
            wf.PlanForm,
            lambda wo, u, d: svc.workorder_record_plan(workorder=wo, actor=u, plan=d["plan"], expected_version=_v(d)),
        ),
        Action(
            "wait_customer",
            _("Wait on the customer"),
            wf.WaitForm,
            lambda wo, u, d: svc.workorder_wait_customer(
                workorder=wo, actor=u, reason_code=d["reason_code"], reason=d["reason"], expected_version=_v(d)
            ),
        ),
        Action(
            "escalate",
            _("Escalate to the vendor"),
            wf.EscalateForm,
            lambda wo, u, d: svc.workorder_escalate(
                workorder=wo, actor=u, vendor=d["vendor"], reason=d["reason"], expected_version=_v(d)
            ),
        ),
        Action(
            "customer_reject",
            _("Not fixed: reject"),
            wf.ReasonForm,
            lambda wo, u, d: _portal_answer(wo, u, CustomerAnswer.NOT_FIXED, d["reason"]),
            style="danger",
            customer_label=_("No, it is not fixed"),
        ),
        Action(
            "update",
            _("Edit triage (severity, category, devices)"),
            wf.TriageForm,
            lambda wo, u, d: svc.workorder_update(
                workorder=wo,
                actor=u,
                expected_version=d["version"],
                devices=list(d["devices"]),
                title=d["title"] or wo.title,
                severity=d["severity"],
                category=d["category"],
                cause=d["cause"],
                service_kind=d["service_kind"] or wo.service_kind,
                maintenance_type=d["maintenance_type"] or wo.maintenance_type,
            ),
        ),
        Action(
            "move_site",
            _("Move to another site"),
            wf.MoveSiteForm,
            lambda wo, u, d: svc.workorder_move_site(
                workorder=wo, actor=u, site=d["site"], note=d["note"], expected_version=d["version"]
            ),
        ),
        Action(
            "close",
            _("Close"),
            wf.CloseForm,
            lambda wo, u, d: svc.workorder_close(
                workorder=wo, actor=u, note=d["note"], reason_code=d["reason_code"], expected_version=_v(d)
            ),
        ),
        Action(
            "reopen",
            _("Reopen"),
            wf.ReopenForm,
            lambda wo, u, d: svc.workorder_reopen(
                workorder=wo,
                actor=u,
                reason=d["reason"],
                source=d["source"],
                reason_code=d["reason_code"],
                expected_version=_v(d),
            ),
            style="danger",
        ),
        Action(
            "reply_reopen",
            _("Customer reply: reopen"),
            wf.ReplyReopenForm,
            lambda wo, u, d: svc.workorder_reply_decide(
                workorder=wo,
                actor=u,
                decision=ReplyDecision.REOPENED,
                reason_code=d["reason_code"],
                reason=d["reason"],
                expected_version=_v(d),
            ),
            style="danger",
        ),
        Action(
            "reply_keep",
            _("Customer reply: keep observing"),
            wf.NoteForm,
            lambda wo, u, d: svc.workorder_reply_decide(
                workorder=wo, actor=u, decision=ReplyDecision.KEPT, reason=d["note"], expected_version=_v(d)
            ),
            style="primary",
            quick=True,
        ),
        Action(
            "cancel",
            _("Cancel the order"),
            wf.ReasonForm,
            lambda wo, u, d: svc.workorder_cancel(workorder=wo, actor=u, reason=d["reason"], expected_version=_v(d)),
            style="danger",
        ),
    ]
}


def action_form(action: Action, wo: WorkOrder, *, data=None, files=None) -> forms.Form:
    """The action's form, bound to the POST or with the initial values taken from the order."""
    kwargs: dict[str, Any] = {"prefix": action.name}
    if action.form in (wf.TriageForm, wf.MoveSiteForm):
        kwargs["workorder"] = wo
    initial: dict[str, Any] = {"version": wo.version}
    if action.name == "update":
        initial.update(
            title=wo.title,
            severity=wo.severity,
            category=wo.category,
            cause=wo.cause,
            service_kind=wo.service_kind,
            maintenance_type=wo.maintenance_type,
            devices=[d.pk for d in wo.devices.all()],
        )
    if action.name == "resolve":
        initial["cause"] = wo.cause
    if action.name == "close" and wo.status == Status.OBSERVING:
        initial["reason_code"] = CloseReason.CUSTOMER_CONFIRMED  # the customer confirmed: that is the usual reason
    if action.name == "set_appointment" and wo.appointment_at:
        initial["appointment_at"] = wo.appointment_at
    if data is not None:
        return action.form(data, files, initial=initial, **kwargs)
    return action.form(initial=initial, **kwargs)


def action_permitted(action: Action, wo: WorkOrder, user) -> bool:
    """The permission of an action; dispatching follows the duty-dispatch rule (managers, or the duty engineer when
    the rule allows: dispatch/duty.py)."""
    if action.name == "dispatch":
        from weibao.dispatch.duty import may_dispatch

        return may_dispatch(user, branch_id=wo.branch_id, manager_perm=action_perm("dispatch"))
    return has_perm(user, action.perm)


def available_actions(wo: WorkOrder, user) -> list[Action]:
    """The actions to offer, in page order; availability comes from the one rule in the selectors."""
    allowed = set(workorder_allowed_actions(workorder=wo, user=user))
    return [a for a in ACTIONS.values() if a.name in allowed]
