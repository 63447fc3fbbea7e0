"""Periodic work-order jobs: the SLA sweep and the observation close. Both are safe to run twice or in parallel."""

import datetime

from crontask import cron
from django.tasks import task

from weibao.workorders.clocks import sla_sweep
from weibao.workorders.services import alarms_process, deadlines_recompute, observation_close_due


@cron("* * * * *")
@task()
def sweep_sla_clocks() -> dict:
    """Every minute: SLA warnings and breaches that came due become timeline events and alerts (once each)."""
    return sla_sweep()


@cron("*/5 * * * *")
@task()
def close_observed_orders() -> int:
    """Every five minutes: close orders whose observation period passed without a recurrence."""
    return observation_close_due()


@cron("17 2 * * *")
@task()
def recompute_deadlines(calendar_ids: list[int] | None = None) -> dict:
    """Deadlines of running clocks follow calendar changes (holiday periods, overrides, hours): queued after each
    such change for the calendars concerned, and nightly for all (a change whose task was lost is caught up)."""
    return deadlines_recompute(calendar_ids=calendar_ids)


@task()
def process_alarms(trailing: bool = False) -> int:
    """Pending alarms of the events intake become work orders (in batches). A run queued by an alarm queues one
    trailing run a batch window later, which catches the alarms its web process did not queue a task for; a
    trailing run that found work queues the next one."""
    from django.conf import settings
    from django.utils import timezone

    handled = alarms_process()
    backend = process_alarms.get_backend()
    if (handled or not trailing) and backend.supports_defer:
        delay = datetime.timedelta(seconds=max(settings.WEIBAO_ALARM_BATCH_SECONDS, 1))
        process_alarms.using(run_after=timezone.now() + delay).enqueue(trailing=True)
    return handled


@cron("* * * * *")
@task()
def sweep_alarms() -> int:
    """Every minute: alarms whose task was lost (a worker died) still become orders."""
    return alarms_process()
