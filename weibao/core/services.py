"""Writes for the platform itself (no business rules)."""

from django.db.models import F
from django.utils import timezone

from weibao.core.models import WorkerHeartbeat

WORKER = "worker"


def heartbeat_record(*, name: str = WORKER) -> WorkerHeartbeat:
    """Note that `name` is alive now. Safe to run twice; concurrent beats simply both count."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=name).update(beat_at=now, beats=F("beats") + 1, updated_at=now)
    if not updated:
        # First beat ever: a racing worker may create it first; then count ours on the row it made.
        heartbeat, created = WorkerHeartbeat.objects.get_or_create(name=name, defaults={"beat_at": now, "beats": 1})
        if not created:
            WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(beat_at=now, beats=F("beats") + 1)
    return WorkerHeartbeat.objects.get(name=name)
