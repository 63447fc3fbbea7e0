"""Read-only questions about the platform's own state (health of database and worker)."""

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from weibao.core.models import WorkerHeartbeat
from weibao.core.services import WORKER

logger = logging.getLogger(__name__)

# The scheduler beats every minute; three missed beats mean the worker or the scheduler is down.
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)
PENDING_TASKS_CACHE_KEY = "core:health:tasks-pending"


@dataclass
class Health:
    ok: bool
    database: str  # "ok" | "error"
    worker: str  # "ok" | "stale" | "starting" | "unknown"
    heartbeat_at: str | None
    heartbeat_age_seconds: int | None
    tasks_pending: int | None

    def as_dict(self) -> dict:
        return asdict(self)


def health_check(*, pending_ttl: int = 0) -> Health:
    """Database reachable? Worker heartbeat fresh? A fresh install gets HEARTBEAT_STALE_AFTER to show its first beat.
    `pending_ttl`: seconds the count of queued tasks may be reused from the cache (0: count now)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = WorkerHeartbeat.objects.filter(name=WORKER).values_list("beat_at", flat=True).first()
        pending = _pending_tasks(ttl=pending_ttl)
        installed_at = None
        if beat is None:
            installed_at = (
                MigrationRecorder.Migration.objects.filter(app="core")
                .order_by("applied")
                .values_list("applied", flat=True)
                .first()
            )
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return Health(False, "error", "unknown", None, None, None)
    now = timezone.now()
    if beat is None:
        # Never beaten: fine right after installation, a failure once the grace period is over.
        young = installed_at is not None and now - installed_at < HEARTBEAT_STALE_AFTER
        worker = "starting" if young else "stale"
        return Health(young, "ok", worker, None, None, pending)
    age = now - beat
    fresh = age <= HEARTBEAT_STALE_AFTER
    return Health(fresh, "ok", "ok" if fresh else "stale", beat.isoformat(), int(age.total_seconds()), pending)


def _pending_tasks(*, ttl: int = 0) -> int | None:
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return None
    from django_tasks_db.models import DBTaskResult

    if not ttl:
        return DBTaskResult.objects.ready().count()
    # The count grows with the queue: an unauthenticated, frequently polled URL must not run it on every call.
    return cache.get_or_set(PENDING_TASKS_CACHE_KEY, lambda: DBTaskResult.objects.ready().count(), ttl)
