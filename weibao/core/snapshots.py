"""Report snapshots: a heavy read-only report is computed in the background and read from one row.

A report that aggregates a period of orders (the fault analysis, the KPI board) costs 0.2-1 s at a million orders;
as a page it would grow with the data. An app declares the report once, in its `snapshots.py`:

    @snapshot_kind("slareports.fault_analysis", max_age=dt.timedelta(hours=1))
    def fault_analysis(params: dict) -> dict: ...     # JSON in, JSON out; no translated strings in the result

and its view calls `snapshot_read(kind, params)`: the stored result with the time it was computed, or no data while
the first computation runs (the page says so and reloads itself). A missing or stale row, or a user's "recompute
now", queues one `core.tasks.snapshot_refresh`; readers that come while it is queued or running do not queue it again (one
conditional UPDATE claims the request; the stored result clears it). The result is as of the moment its computation started.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from weibao.core.models import ReportSnapshot

log = logging.getLogger(__name__)

# A request whose task has not produced a result after this long (a lost enqueue, a killed worker) may be made again.
REQUEST_TIMEOUT = dt.timedelta(minutes=10)
# A stored result not recomputed for this long is deleted by the daily `core.tasks.snapshot_prune` (every distinct
# period or filter a user asks for gets its own row).
PRUNE_AFTER = dt.timedelta(days=30)


@dataclass(frozen=True)
class SnapshotKind:
    name: str
    compute: Callable[[dict], dict]
    max_age: Callable[[dict], dt.timedelta]
    warm: Callable[[], list[dict]] | None = None


KINDS: dict[str, SnapshotKind] = {}


def snapshot_kind(
    name: str,
    *,
    max_age: dt.timedelta | Callable[[dict], dt.timedelta],
    warm: Callable[[], list[dict]] | None = None,
):
    """Register `compute(params) -> dict` as the report `name`; a stored result older than `max_age` (a duration, or
    a function of the parameters: a past month ages slower than the current one) is recomputed when next read.
    `warm()` gives the parameters the report's page opens with (this month, last month): the hourly
    `core.tasks.snapshots_warm` keeps those computed, so the first reader of a new month does not wait."""

    def register(compute: Callable[[dict], dict]) -> Callable[[dict], dict]:
        age = max_age if callable(max_age) else (lambda _params: max_age)
        KINDS[name] = SnapshotKind(name=name, compute=compute, max_age=age, warm=warm)
        return compute

    return register


def kind_get(name: str) -> SnapshotKind:
    if name not in KINDS:
        autodiscover_modules("snapshots")  # every app's snapshots.py registers its kinds
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown report snapshot kind {name!r}") from None


def params_key(params: dict) -> str:
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Snapshot:
    data: dict | None
    computed_at: dt.datetime | None
    refreshing: bool  # a recomputation is queued or running
    error: str = ""

    @property
    def ready(self) -> bool:
        return self.data is not None


def _max_age(spec: SnapshotKind, params: dict) -> dt.timedelta:
    override = getattr(settings, "WEIBAO_SNAPSHOT_MAX_AGE_SECONDS", None)
    return dt.timedelta(seconds=override) if override is not None else spec.max_age(params)


def _claim_request(pk: int, now: dt.datetime, *, seen: dt.datetime | None, forced: bool) -> bool:
    """Mark the row as requested unless a request is already pending; True if this caller should queue the task.
    Unless `forced` (the "recompute now" button), only while the row still holds the result this reader `seen`:
    a reader that found it stale just before a worker stored a new one must not queue it once more."""
    qs = ReportSnapshot.objects.filter(pk=pk).exclude(
        requested_at__isnull=False, requested_at__gte=now - REQUEST_TIMEOUT
    )
    if not forced:
        qs = qs.filter(computed_at=seen) if seen is not None else qs.filter(computed_at__isnull=True)
    return bool(qs.update(requested_at=now))


def snapshot_read(kind: str, params: dict, *, refresh: bool = False) -> Snapshot:
    """The stored result of report `kind` for `params`; queues a recomputation when it is missing, older than the
    kind's age, or `refresh` is asked for. The data may be stale (`computed_at` says how old) or None (not yet)."""
    return snapshot_read_many(kind, [params], refresh=refresh)[0]


def snapshot_read_many(kind: str, params_list: list[dict], *, refresh: bool = False) -> list[Snapshot]:
    """`snapshot_read` for several parameter sets of one kind (a board of six months), their rows read at once."""
    from weibao.core.tasks import snapshot_refresh

    spec = kind_get(kind)
    keys = [params_key(params) for params in params_list]
    rows = {row.key: row for row in ReportSnapshot.objects.filter(kind=kind, key__in=keys)}
    now = timezone.now()
    out = []
    for key, params in zip(keys, params_list, strict=True):
        row = rows.get(key)
        if row is None:  # get_or_create: another reader may create it at the same moment
            row, _created = ReportSnapshot.objects.get_or_create(kind=kind, key=key, defaults={"params": params})
        stale = refresh or row.computed_at is None or now - row.computed_at >= _max_age(spec, params)
        pending = stale
        if stale and _claim_request(row.pk, now, seen=row.computed_at, forced=refresh):
            result = snapshot_refresh.enqueue(kind=kind, params=params)
            if result.is_finished:  # an immediate backend (or a very quick worker): show the new result now
                row.refresh_from_db()
                pending = False
        out.append(Snapshot(data=row.data, computed_at=row.computed_at, refreshing=pending, error=row.error))
    return out


def snapshot_prune(*, older_than: dt.timedelta = PRUNE_AFTER) -> int:
    """Delete stored results nobody has had recomputed for `older_than` (a period someone looked at once); a reader
    who comes back gets them computed again. Returns the number of rows deleted."""
    cutoff = timezone.now() - older_than
    never_computed = Q(computed_at__isnull=True) & (Q(requested_at__isnull=True) | Q(requested_at__lt=cutoff))
    stale = Q(computed_at__lt=cutoff) | never_computed
    deleted, _by_model = ReportSnapshot.objects.filter(stale).delete()
    return deleted


def snapshots_warm(*, now: dt.datetime | None = None) -> list[tuple[str, dict]]:
    """Compute every stored result a page opens with (each kind's `warm()`) that is missing or stale, here and now
    (run by the hourly task on a worker); a failing one is logged and the rest go on. Returns what was computed."""
    autodiscover_modules("snapshots")
    now = now or timezone.now()
    done = []
    for spec in list(KINDS.values()):
        if spec.warm is None:
            continue
        wanted = {params_key(params): params for params in spec.warm()}
        rows = ReportSnapshot.objects.filter(kind=spec.name, key__in=wanted).only("key", "computed_at")
        fresh = {row.key for row in rows if row.computed_at and now - row.computed_at < _max_age(spec, wanted[row.key])}
        for key, params in wanted.items():
            if key in fresh:
                continue
            try:
                snapshot_compute(spec.name, params)
            except Exception:
                log.exception("report snapshot %s %s could not be warmed", spec.name, params)
                continue
            done.append((spec.name, params))
    return done


def snapshot_compute(kind: str, params: dict) -> ReportSnapshot:
    """Compute report `kind` for `params` and store it (the task's body; safe to run twice)."""
    spec = kind_get(kind)
    key = params_key(params)
    started_at, started = timezone.now(), time.monotonic()
    try:
        data = spec.compute(params)
    except Exception as exc:
        ReportSnapshot.objects.filter(kind=kind, key=key).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    duration_ms = int((time.monotonic() - started) * 1000)
    row, _created = ReportSnapshot.objects.update_or_create(
        kind=kind,
        key=key,
        defaults={
            "params": params,
            "data": data,
            "computed_at": started_at,
            "duration_ms": duration_ms,
            "error": "",
            "requested_at": None,  # answered; a failure keeps the request, so readers wait REQUEST_TIMEOUT to retry
        },
    )
    log.info("report snapshot %s %s computed in %d ms", kind, params, duration_ms)
    return row
