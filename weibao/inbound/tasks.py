"""Background work of inbound IM/SMS: routing the receipts the callbacks stored (see services.py)."""

from crontask import cron
from django.tasks import task

from weibao.inbound.services import ROUTE_QUEUE


@cron("* * * * *")  # also every minute: receipts a killed worker or a lost enqueue left pending
@task(queue_name=ROUTE_QUEUE)
def route_receipts() -> dict[str, int]:
    """One batch of pending receipts, in order of arrival; another run is queued while some are left."""
    from weibao.inbound.choices import ReceiptStatus
    from weibao.inbound.models import InboundReceipt
    from weibao.inbound.services import receipts_route_pending, route_soon

    counts = receipts_route_pending()
    if InboundReceipt.objects.filter(status=ReceiptStatus.PENDING).exists():
        route_soon()
    return counts
