"""Periodic feedback jobs. Safe to run twice or in parallel (one callback per order by constraint)."""

from crontask import cron
from django.tasks import task

from weibao.feedback.services import callbacks_select

# Every minute: a closed order is in the manager's queue within a minute of closing. The sweep is incremental (the
# closing events after the last mark, a primary-key range), so a run with nothing new costs two small queries.
SELECT_SCHEDULE = "* * * * *"


@cron(SELECT_SCHEDULE)
@task()
def select_callbacks() -> int:
    """Closed orders that a callback rule selects join the department manager's queue."""
    return callbacks_select()
