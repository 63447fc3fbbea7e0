"""Report snapshots (core.snapshots): computed once per age, recomputed when stale or asked, one queued task for
many readers, a failure keeps the older figures."""

import datetime as dt

import pytest
from django.db import connection
from django.tasks import default_task_backend
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from weibao.core.models import ReportSnapshot
from weibao.core.snapshots import (
    PRUNE_AFTER,
    REQUEST_TIMEOUT,
    snapshot_kind,
    snapshot_prune,
    snapshot_read,
    snapshot_read_many,
)

pytestmark = pytest.mark.django_db

SOURCE = {"value": 1, "calls": 0, "fail": False}


@snapshot_kind("tests.counter", max_age=dt.timedelta(hours=1))
def counter(params: dict) -> dict:
    SOURCE["calls"] += 1
    if SOURCE["fail"]:
        raise RuntimeError("source unavailable")
    return {"value": SOURCE["value"] * params["factor"], "at": dt.date(2026, 12, 1)}


DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _source(settings):
    settings.WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = None  # the kind's own hour, not the test settings' 0
    SOURCE.update(value=1, calls=0, fail=False)


def test_first_read_computes_then_the_stored_figures_are_served_until_they_age():
    first = snapshot_read("tests.counter", {"factor": 2})
    assert first.ready
    assert first.data == {"value": 2, "at": "2026-12-01"}
    assert not first.refreshing
    SOURCE["value"] = 5
    second = snapshot_read("tests.counter", {"factor": 2})
    assert second.data["value"] == 2
    assert SOURCE["calls"] == 1
    assert snapshot_read("tests.counter", {"factor": 3}).data["value"] == 15  # other parameters, own row
    ReportSnapshot.objects.filter(params={"factor": 2}).update(computed_at=timezone.now() - dt.timedelta(hours=2))
    assert snapshot_read("tests.counter", {"factor": 2}).data["value"] == 10  # aged: recomputed on read
    assert snapshot_read("tests.counter", {"factor": 2}, refresh=True).data["value"] == 10
    assert SOURCE["calls"] == 4
    assert ReportSnapshot.objects.filter(kind="tests.counter").count() == 2


def test_many_readers_queue_one_task_and_see_it_pending():
    with override_settings(TASKS=DUMMY):
        backend = default_task_backend
        backend.clear()
        reads = [snapshot_read("tests.counter", {"factor": 1}) for _ in range(3)]
        assert all(r.data is None and r.refreshing for r in reads)
        assert len(backend.results) == 1  # one claimed request, two readers found it pending
        assert backend.results[0].args == []
        assert backend.results[0].kwargs == {
            "kind": "tests.counter",
            "params": {"factor": 1},
        }
        # A request that never produced a result (a lost task) may be made again after the timeout.
        ReportSnapshot.objects.update(requested_at=timezone.now() - REQUEST_TIMEOUT - dt.timedelta(seconds=1))
        assert snapshot_read("tests.counter", {"factor": 1}).refreshing
        assert len(backend.results) == 2
    assert SOURCE["calls"] == 0


def test_a_reader_that_saw_old_figures_queues_nothing_once_new_ones_are_stored():
    """Two readers find the figures aged; the first one's task stores new figures before the second claims: the
    second queues nothing (a duplicate cost a second computation of the KPI month on the large bench server)."""
    from weibao.core.snapshots import _claim_request

    snapshot_read("tests.counter", {"factor": 1})
    row = ReportSnapshot.objects.get()
    seen = row.computed_at - dt.timedelta(hours=2)  # what the second reader read, before the first's task ran
    now = timezone.now()
    assert not _claim_request(row.pk, now, seen=seen, forced=False)
    assert _claim_request(row.pk, now, seen=row.computed_at, forced=False)  # still what it saw: it may claim
    ReportSnapshot.objects.update(requested_at=None)
    assert _claim_request(row.pk, now, seen=seen, forced=True)  # "recompute now" recomputes whatever is stored


def test_a_failed_computation_keeps_the_older_figures_and_says_so():
    assert snapshot_read("tests.counter", {"factor": 1}).data["value"] == 1
    SOURCE.update(value=9, fail=True)
    failed = snapshot_read("tests.counter", {"factor": 1}, refresh=True)  # the task fails (logged), the page stays
    assert failed.data == {"value": 1, "at": "2026-12-01"}
    assert failed.error == "RuntimeError: source unavailable"
    SOURCE["fail"] = False
    # The failed request stays open: readers do not queue a failing computation on every view...
    assert snapshot_read("tests.counter", {"factor": 1}, refresh=True).refreshing
    assert SOURCE["calls"] == 2
    # ...until the request times out.
    ReportSnapshot.objects.update(requested_at=timezone.now() - REQUEST_TIMEOUT - dt.timedelta(seconds=1))
    again = snapshot_read("tests.counter", {"factor": 1}, refresh=True)
    assert again.data["value"] == 9
    assert again.error == ""
    assert not again.refreshing


def test_an_unknown_kind_is_refused():
    with pytest.raises(LookupError):
        snapshot_read("tests.nothing", {})


def test_a_board_reads_its_stored_results_in_one_query():
    params = [{"factor": f} for f in range(1, 7)]
    first = snapshot_read_many("tests.counter", params)
    assert [s.data["value"] for s in first] == [1, 2, 3, 4, 5, 6]
    with CaptureQueriesContext(connection) as queries:
        again = snapshot_read_many("tests.counter", params)
    assert [s.data["value"] for s in again] == [1, 2, 3, 4, 5, 6]
    assert len(queries) == 1  # fresh: one SELECT for the six rows, nothing queued
    assert SOURCE["calls"] == 6


def test_prune_deletes_results_not_recomputed_for_a_month():
    snapshot_read("tests.counter", {"factor": 1})
    snapshot_read("tests.counter", {"factor": 2})
    with override_settings(TASKS=DUMMY):
        snapshot_read("tests.counter", {"factor": 3})  # requested, not yet computed: kept
    old = timezone.now() - PRUNE_AFTER - dt.timedelta(days=1)
    ReportSnapshot.objects.filter(params={"factor": 1}).update(computed_at=old)
    assert snapshot_prune() == 1
    assert sorted(r.params["factor"] for r in ReportSnapshot.objects.all()) == [2, 3]
    ReportSnapshot.objects.filter(params={"factor": 3}).update(requested_at=old)  # a request that never ran
    assert snapshot_prune() == 1
    assert snapshot_read("tests.counter", {"factor": 1}).data["value"] == 1  # a reader who comes back: recomputed


WARMED = {"calls": []}


@snapshot_kind("tests.warmed", max_age=dt.timedelta(hours=1), warm=lambda: [{"n": 1}, {"n": 2}, {"n": 3}])
def warmed(params: dict) -> dict:
    WARMED["calls"].append(params["n"])
    if params["n"] == 2 and WARMED.get("fail"):
        raise RuntimeError("source unavailable")
    return {"n": params["n"]}


def test_warm_computes_what_the_pages_open_with_once_per_age_and_a_failure_stops_nothing():
    from weibao.core.snapshots import snapshots_warm
    from weibao.core.tasks import snapshots_warm as warm_task

    WARMED.update(calls=[], fail=True)
    done = snapshots_warm()
    assert WARMED["calls"] == [1, 2, 3]
    assert [p["n"] for kind, p in done if kind == "tests.warmed"] == [1, 3]  # 2 failed, 3 still computed
    # The real pages' defaults are among them: this month's KPIs (and the five months before), last month's analysis.
    month = f"{timezone.localdate():%Y-%m}"
    assert ("payroll.kpi_month", {"month": month}) in done
    assert sum(1 for kind, _p in done if kind == "payroll.kpi_month") == 6
    assert any(kind == "slareports.fault_analysis" for kind, _p in done)

    WARMED.update(calls=[], fail=False)
    assert [p for kind, p in snapshots_warm() if kind == "tests.warmed"] == [{"n": 2}]  # only what is missing
    assert snapshot_read("tests.warmed", {"n": 2}).data == {"n": 2}
    ReportSnapshot.objects.filter(kind="tests.warmed", params={"n": 3}).update(
        computed_at=timezone.now() - dt.timedelta(hours=2)
    )
    WARMED["calls"] = []
    assert warm_task.call() == 1  # the hourly task: the aged one only (the others are fresh)
    assert WARMED["calls"] == [3]
