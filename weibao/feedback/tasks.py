"""Periodic feedback jobs. Safe to run twice or in parallel (one callback per order by constraint)."""

from crontask import cron
from django.tasks import task

from weibao.feedback.services import callbacks_select


@cron("7 * * * *")
@task()
def select_callbacks() -> int:
    """Every hour: closed orders that a callback rule selects join the department manager's queue."""
    return callbacks_select()
