"""Periodic work-order jobs: the SLA sweep and the observation close. Both are safe to run twice or in parallel."""

from crontask import cron
from django.tasks import task

from weibao.workorders.clocks import sla_sweep
from weibao.workorders.services import deadlines_recompute, observation_close_due


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
