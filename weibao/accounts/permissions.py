"""Role permissions: the one table of who may do what. Views and API endpoints ask `require()`.

Organisation scoping (whose rows) is the other half and lives in `weibao.accounts.scoping`.
Permission names are "<area>.<action>"; an app adds its actions here, next to the roles that hold them.
"""

from django.core.exceptions import PermissionDenied

from weibao.accounts.choices import Role

ALL_STAFF = {
    Role.ADMIN,
    Role.SERVICE_MANAGER,
    Role.DUTY_ENGINEER,
    Role.FIELD_ENGINEER,
    Role.SERVICE_ADMIN,
    Role.PROJECT_MANAGER,
    Role.COMMERCIAL,
    Role.SALES,
    Role.PRESALES,
}
MANAGERS = {Role.ADMIN, Role.SERVICE_MANAGER}
DESK = {Role.ADMIN, Role.SERVICE_MANAGER, Role.DUTY_ENGINEER, Role.SERVICE_ADMIN}
ENGINEERS = {Role.DUTY_ENGINEER, Role.FIELD_ENGINEER}
CUSTOMER = {Role.CUSTOMER_CONTACT}
VENDOR = {Role.VENDOR_CONTACT}
COMMERCIAL = {Role.COMMERCIAL}  # 商务部: repairs (RMA), fees, vendor agreements
SUPERVISOR = {Role.SUPERVISOR}  # 监理: an outside party, sees only the delivery projects it supervises
DELIVERY_TEAM = MANAGERS | {Role.PROJECT_MANAGER, Role.SALES, Role.PRESALES}  # runs delivery projects

# permission -> roles holding it
PERMISSIONS: dict[str, set[str]] = {
    # platform
    "users.manage": {Role.ADMIN},
    "users.unlock": {Role.ADMIN},
    "audit.view": {Role.ADMIN, Role.SERVICE_MANAGER},
    "api.tokens": ALL_STAFF | CUSTOMER,
    "system.status": {Role.ADMIN},
    "profile.edit": ALL_STAFF | CUSTOMER | VENDOR | SUPERVISOR,
    # estate: customers, sites, projects, devices, documents
    "estate.view": ALL_STAFF | CUSTOMER | VENDOR,
    "estate.browse": ALL_STAFF | CUSTOMER,  # menu entries: vendors see estate only through escalations
    "estate.edit": MANAGERS | {Role.SERVICE_ADMIN, Role.PROJECT_MANAGER},
    "estate.import": MANAGERS | {Role.SERVICE_ADMIN, Role.PROJECT_MANAGER},
    "estate.documents": ALL_STAFF | CUSTOMER,
    "labels.manage": MANAGERS | {Role.SERVICE_ADMIN, Role.PROJECT_MANAGER},  # print, regenerate, revoke QR labels
    # contracts, SLA policies, calendars
    "contracts.view": ALL_STAFF | CUSTOMER,
    "contracts.edit": MANAGERS,
    "calendars.edit": MANAGERS,
    # work orders
    "workorders.view": ALL_STAFF | CUSTOMER | VENDOR,
    "workorders.create": DESK | ENGINEERS | CUSTOMER,
    "workorders.comment": ALL_STAFF | CUSTOMER | VENDOR,
    "workorders.acknowledge": DESK | ENGINEERS,
    "workorders.triage": DESK | ENGINEERS,
    "workorders.diagnose": DESK | ENGINEERS,
    "workorders.dispatch": MANAGERS,
    # Issue 18: the duty engineer dispatches when the rule allows (WEIBAO_DUTY_DISPATCH, see dispatch/duty.py),
    # else asks the manager with one tap.
    "workorders.dispatch_on_duty": {Role.DUTY_ENGINEER},
    "workorders.request_dispatch": DESK | ENGINEERS,
    "workorders.accept": ENGINEERS | MANAGERS,
    "workorders.on_site": ENGINEERS | MANAGERS,
    "workorders.resolve": DESK | ENGINEERS,
    "workorders.wait_customer": DESK | ENGINEERS,
    "workorders.appointment": DESK | ENGINEERS,
    "workorders.escalate": MANAGERS | ENGINEERS,
    "workorders.close": MANAGERS | {Role.SERVICE_ADMIN},
    "workorders.reopen": DESK | ENGINEERS | CUSTOMER,
    "workorders.cancel": MANAGERS | {Role.SERVICE_ADMIN},
    "workorders.confirm": CUSTOMER | MANAGERS,
    "workorders.legacy_review": MANAGERS | {Role.SERVICE_ADMIN},
    # on site (issue 11): quotes, replacements, backups, changes, the service form
    "onsite.view": ALL_STAFF | CUSTOMER,
    "onsite.record": DESK | ENGINEERS | MANAGERS,
    "onsite.quote": DESK | ENGINEERS | MANAGERS,
    "onsite.quote_answer": CUSTOMER | DESK | ENGINEERS | MANAGERS,
    "onsite.quote_withdraw": MANAGERS,  # lifts the quote gate: a manager's decision, on the timeline
    "onsite.price_list": MANAGERS | {Role.SERVICE_ADMIN},
    # spare parts store (issue 14): engineers take parts for their orders (from stores and their own van);
    # store keeping, transfers, write-offs, imports and parts sales are the managers' and the service desk's.
    "spares.view": ALL_STAFF,
    "spares.issue": ENGINEERS | MANAGERS | {Role.SERVICE_ADMIN},
    "spares.manage": MANAGERS
    | {Role.SERVICE_ADMIN}
    | COMMERCIAL,  # the commercial department takes faulty units out for repair
    "spares.sales": MANAGERS | {Role.SERVICE_ADMIN} | COMMERCIAL,  # 配件销售 is the commercial department's too
    "spares.sale_answer": CUSTOMER | MANAGERS | {Role.SERVICE_ADMIN} | COMMERCIAL,  # the customer, or staff for them
    "spares.order_parts": ALL_STAFF | CUSTOMER,  # the parts card on an order (scoped to the order)
    # plans the customer agrees to (issue 22): solution plans, agreed schedules, D-class change requests, reports
    "plans.view": ALL_STAFF | CUSTOMER | VENDOR,  # what of a plan a vendor sees: scoping and the visibility rule
    "plans.edit": DESK | ENGINEERS | MANAGERS,  # draft, submit, send the approval link, mark milestones reached
    "plans.answer": CUSTOMER | MANAGERS,  # approve / ask for changes / reject (a manager records a phone answer)
    "plans.changes": ALL_STAFF | CUSTOMER,  # the change-request backlog (修改计划)
    "plans.changes_edit": DESK | MANAGERS | {Role.PROJECT_MANAGER},
    "plans.changes_propose": DESK | MANAGERS | {Role.PROJECT_MANAGER} | CUSTOMER,
    "plans.changes_accept": CUSTOMER | MANAGERS,
    "plans.report": MANAGERS | {Role.SERVICE_ADMIN},  # the processing report (处理报告) sent to the customer
    "dispatch.roster": MANAGERS | {Role.SERVICE_ADMIN},
    "dispatch.view": ALL_STAFF,
    # customer feedback (issue 12): callbacks (回访), complaints (投诉), satisfaction, the customer archive
    "feedback.callbacks": MANAGERS,  # the department manager works the callback queue
    "feedback.callbacks_view": MANAGERS | {Role.SERVICE_ADMIN} | CUSTOMER,  # customers: their own, in the archive
    "feedback.complaints_register": DESK | CUSTOMER,
    "feedback.complaints_view": ALL_STAFF | CUSTOMER,  # what of each complaint: feedback.selectors.complaint_qs_for
    "feedback.complaints_manage": MANAGERS,  # sees complaints about engineers, answers, confirms
    "feedback.satisfaction": MANAGERS | {Role.SERVICE_ADMIN},
    "feedback.archive": ALL_STAFF | CUSTOMER,
    "feedback.settings": MANAGERS,
    # month end and pay (issue 13); the approval steps also check `authority_level` in payroll.services
    "payroll.view": MANAGERS | {Role.SERVICE_ADMIN},  # every engineer's statement and the team table
    "payroll.own": ENGINEERS,  # his own statement only
    "payroll.prepare": {Role.ADMIN, Role.SERVICE_ADMIN},
    "payroll.review": MANAGERS,
    "payroll.approve": MANAGERS,
    "payroll.rules": {Role.ADMIN, Role.SERVICE_MANAGER},
    "payroll.travel": ENGINEERS,
    "payroll.travel_answer": MANAGERS,
    "payroll.kpi": MANAGERS | {Role.SERVICE_ADMIN},
    # vendor escalation and faulty-part repair (issue 14, the rma app)
    "escalation.view": ALL_STAFF | VENDOR,
    "escalation.track": DESK | ENGINEERS | MANAGERS,  # case number, engineer, questions, root cause, withdraw
    "escalation.answer": VENDOR | DESK | ENGINEERS | MANAGERS,  # vendor users answer; staff record a phone answer
    "vendors.agreements": MANAGERS | COMMERCIAL,
    "rma.view": ALL_STAFF | CUSTOMER | VENDOR,
    "rma.create": DESK | ENGINEERS | MANAGERS | COMMERCIAL,
    "rma.manage": MANAGERS | COMMERCIAL,  # warranty decision, fee, shipments, return, cancel
    "rma.fee_answer": CUSTOMER | MANAGERS | COMMERCIAL,  # the customer, or our staff recording their answer
    "rma.vendor_repair": VENDOR | MANAGERS | COMMERCIAL,  # the vendor's repair report and shipment back
    "rma.collect": MANAGERS | COMMERCIAL,  # invoice number, paid date
    "rma.costs": ALL_STAFF,  # what the vendor charges us: never shown to customers or vendors
    # SLA reports, regular reports to the customer, fault analysis (issue 12)
    "slareports.view": ALL_STAFF | CUSTOMER,
    "slareports.review": MANAGERS,
    "slareports.schedule": MANAGERS,
    "slareports.analysis": ALL_STAFF,
    "slareports.similar": ALL_STAFF | CUSTOMER,
    # planned work (issue 15): inspections, emergency plans, training
    "inspections.view": ALL_STAFF | CUSTOMER,
    "inspections.plan": MANAGERS | {Role.SERVICE_ADMIN},
    "inspections.perform": ENGINEERS | MANAGERS,
    "inspections.sign": ENGINEERS | MANAGERS | CUSTOMER,
    "planning.view": ALL_STAFF | CUSTOMER,
    "planning.edit": MANAGERS | {Role.SERVICE_ADMIN, Role.PROJECT_MANAGER},
    "planning.approve": MANAGERS,
    "planning.tick": DESK | ENGINEERS | MANAGERS,
    "training.edit": MANAGERS | {Role.SERVICE_ADMIN, Role.PROJECT_MANAGER},
    "training.sign_in": ALL_STAFF | CUSTOMER,
    # project delivery (issue 16): which projects each sees is delivery.selectors.delivery_project_qs_for
    # (customers their own, supervisors and invited vendors the projects they are a party to)
    "delivery.view": ALL_STAFF | CUSTOMER | SUPERVISOR | VENDOR,
    "delivery.edit": DELIVERY_TEAM,  # stages, team, milestones, equipment list, documents, handover
    "delivery.records": DELIVERY_TEAM | ENGINEERS | SUPERVISOR,  # daily reports, issues, risks, meetings
    "delivery.review": CUSTOMER | SUPERVISOR | DELIVERY_TEAM,  # staff record a review signed on paper
    "delivery.handover": MANAGERS | {Role.PROJECT_MANAGER},
    # channels
    "notifications.admin": {Role.ADMIN},
    "notifications.view_log": MANAGERS | {Role.SERVICE_ADMIN},
    "notifications.triage": DESK,
    "notifications.preferences": ALL_STAFF | CUSTOMER,
}


def has_perm(user, perm: str) -> bool:
    """Whether the user's role holds `perm`. Unknown permission names are a programming error."""
    if perm not in PERMISSIONS:
        raise KeyError(f"Unknown permission {perm!r}; add it to weibao.accounts.permissions.PERMISSIONS")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in PERMISSIONS[perm]


def require(user, perm: str) -> None:
    """Raise PermissionDenied (HTTP 403) unless the user's role holds `perm`."""
    if not has_perm(user, perm):
        raise PermissionDenied(perm)
