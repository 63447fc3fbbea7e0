"""Periodic work-order jobs: the SLA sweep and the observation close. Both are safe to run twice or in parallel."""

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
def process_alarms() -> int:
    """Pending alarms of the events intake become work orders, in batches, until none is left (queued by the web
    processes at the end of each batch window, see services.alarms.schedule_alarm_processing)."""
    return alarms_process()


@cron("* * * * *")
@task()
def sweep_alarms() -> int:
    """Every minute: alarms whose task was lost (a worker died) still become orders."""
    return alarms_process()
