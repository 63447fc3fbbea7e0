"""Platform background jobs. `weibao crontask` imports this module and schedules the @cron jobs."""

from crontask import cron
from django.tasks import task

from weibao.core.services import heartbeat_record


@cron("* * * * *")
@task()
def heartbeat() -> str:
    """Every minute: the scheduler enqueues, the worker executes, /healthz reads the row's age."""
    beat = heartbeat_record()
    return beat.beat_at.isoformat()
