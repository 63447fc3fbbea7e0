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


@cron("* * * * *")
@task()
def recover_tasks() -> dict:
    """Every minute: tasks left RUNNING by a worker that died (its lease expired) go back to the queue, or fail
    after WEIBAO_TASK_MAX_ATTEMPTS; every running worker also does this itself (see core.workers)."""
    from weibao.core.workers import tasks_recover

    return tasks_recover()


@task()
def snapshot_refresh(kind: str, params: dict) -> dict:
    """Recompute one report snapshot (`core.snapshots`); queued by the page that found it missing or stale."""
    from weibao.core.snapshots import snapshot_compute

    row = snapshot_compute(kind, params)
    return {"kind": kind, "duration_ms": row.duration_ms}


@cron("7 * * * *")
@task()
def snapshots_warm() -> int:
    """Hourly: the report figures the pages open with (this month's and the last months' KPIs, last month's fault
    analysis) are computed before anybody asks (`core.snapshots.snapshots_warm`)."""
    from weibao.core.snapshots import snapshots_warm as warm

    return len(warm())


@cron("23 3 * * *")
@task()
def snapshot_prune() -> int:
    """Daily: delete report snapshots not recomputed for 30 days (`core.snapshots.PRUNE_AFTER`)."""
    from weibao.core.snapshots import snapshot_prune as prune

    return prune()
