"""REST API of the channels (mounted at /api/notifications/): the delivery log, the triage list, preferences."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Status

from weibao.core.apischema import BoundedInt, Id, api_errors
from weibao.notifications import selectors, services
from weibao.notifications.choices import Channel, DeliveryStatus, InboundStatus
from weibao.notifications.intake import inbound_assign
from weibao.notifications.schemas import DeliveryOut, InboundAssignIn, InboundOut, PreferenceIO, SmsReplyIn, SmsReplyOut

router = Router(tags=["notifications"])


def _check_choice(name: str, value: str, allowed: list[str]) -> None:
    # A misspelt filter must not look like "nothing there".
    if value and value not in allowed:
        raise ValidationError({name: [_("Unknown value %(value)s.") % {"value": value}]})


@router.get("/deliveries", response=list[DeliveryOut])
def list_deliveries(
    request, workorder_id: Id | None = None, status: str = "", channel: str = "", limit: BoundedInt = 100
):
    """Notices and their state, newest first (at most 500); an unknown status or channel is refused (422)."""
    _check_choice("status", status, DeliveryStatus.values)
    _check_choice("channel", channel, Channel.values)
    qs = selectors.delivery_list(user=request.auth, status=status, channel=channel, workorder_id=workorder_id)
    return list(qs[: max(1, min(limit, 500))])


@router.post("/deliveries/{delivery_id}/retry", response=DeliveryOut)
@api_errors(409)
def retry_delivery(request, delivery_id: Id):
    """Send a failed notice again; 409 unless it failed."""
    delivery = selectors.delivery_get_for_user(user=request.auth, pk=delivery_id)
    return services.delivery_retry(delivery=delivery, actor=request.auth)


@router.post("/sms-replies", response=SmsReplyOut)
def sms_reply(request, payload: SmsReplyIn):
    """An inbound SMS (the provider's upstream message, relayed by an integration account with triage rights): "1"
    or "2" answers the resolution notice sent to that phone, other text is a reply during observation."""
    from weibao.accounts.permissions import require
    from weibao.workorders.services import observation_sms_answer

    require(request.auth, "notifications.triage")
    if len(payload.phone) > 40 or len(payload.text) > 2000:
        raise ValidationError({"text": [_("Too long.")]})
    return {"result": observation_sms_answer(phone=payload.phone, text=payload.text)}


@router.get("/inbound", response=list[InboundOut])
def list_inbound(request, status: str = "triage", limit: BoundedInt = 100):
    """Received mail by state (default: waiting for triage; '' for all); an unknown state is refused (422)."""
    _check_choice("status", status, InboundStatus.values)
    return list(selectors.inbound_list(user=request.auth, status=status)[: max(1, min(limit, 500))])


@router.post("/inbound/{inbound_id}/assign", response={201: InboundOut})
@api_errors(409)
def assign_inbound(request, inbound_id: Id, payload: InboundAssignIn):
    """Open a work order for a triaged mail under the given customer and site; 409 unless it is in triage."""
    from weibao.customers.models import Customer, Site

    row = selectors.inbound_get_for_user(user=request.auth, pk=inbound_id)
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    site = Site.objects.filter(pk=payload.site_id).first()
    if customer is None or site is None:
        raise ValidationError({"customer_id" if customer is None else "site_id": [_("Not found.")]})
    return Status(201, inbound_assign(inbound=row, actor=request.auth, customer=customer, site=site))


@router.get("/preferences", response=PreferenceIO)
def get_preferences(request):
    from weibao.accounts.permissions import require

    require(request.auth, "notifications.preferences")
    return services.preference_for(request.auth)


@router.put("/preferences", response=PreferenceIO)
def put_preferences(request, payload: PreferenceIO):
    from weibao.accounts.permissions import require

    require(request.auth, "notifications.preferences")
    return services.preference_update(user=request.auth, actor=request.auth, **payload.dict())
