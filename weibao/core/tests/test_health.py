from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse
from django.utils import timezone

from weibao.core.models import WorkerHeartbeat
from weibao.core.services import heartbeat_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_counts():
    from django.core.cache import cache

    cache.clear()  # /healthz keeps its task count for a while: no test sees another's


def _installed(ago: timedelta) -> None:
    MigrationRecorder.Migration.objects.filter(app="core").update(applied=timezone.now() - ago)


def test_fresh_install_without_heartbeat_is_healthy(client):
    _installed(timedelta(seconds=30))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() | {"tasks_pending": None} == {
        "ok": True,
        "database": "ok",
        "worker": "starting",
        "heartbeat_at": None,
        "heartbeat_age_seconds": None,
        "tasks_pending": None,
    }


def test_old_install_that_never_beat_is_unhealthy(client):
    _installed(timedelta(hours=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "stale"


def test_fresh_heartbeat_is_healthy(client):
    heartbeat_record()
    body = client.get("/healthz").json()
    assert body["ok"] is True
    assert body["worker"] == "ok"
    assert body["heartbeat_age_seconds"] <= 5


def test_stale_heartbeat_is_503(client):
    heartbeat_record()
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=4))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "stale"
    assert response["Cache-Control"].startswith("max-age=0")


def test_database_down_is_503(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_pending_tasks_are_counted_with_the_database_backend(client, settings):
    from weibao.core.tasks import heartbeat

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # Django resets its task backends
    heartbeat.enqueue()
    heartbeat.enqueue()
    assert client.get("/healthz").json()["tasks_pending"] == 2
    assert not WorkerHeartbeat.objects.exists()  # queued, not run: no worker in this test


def test_healthz_reuses_its_task_count_for_a_while(client, settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weibao.core.tasks import heartbeat

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    heartbeat.enqueue()
    assert client.get("/healthz").json()["tasks_pending"] == 1
    heartbeat.enqueue()
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/healthz").json()
    assert body["tasks_pending"] == 1  # the cached count: the table is not counted on every probe
    assert not [q for q in queries.captured_queries if "django_tasks_db" in q["sql"]]
    assert set(body) == {"ok", "database", "worker", "heartbeat_at", "heartbeat_age_seconds", "tasks_pending"}
    cache.clear()  # what ~30 s later looks like
    assert client.get("/healthz").json()["tasks_pending"] == 2


def test_system_status_counts_tasks_fresh(client, admin_user, settings):
    from weibao.core.tasks import heartbeat

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(admin_user)
    client.get("/healthz")
    heartbeat.enqueue()
    assert client.get(reverse("core:system_status")).context["health"].tasks_pending == 1


def test_heartbeat_counts_beats():
    heartbeat_record()
    beat = heartbeat_record()
    assert beat.beats == 2


def test_system_status_page_and_ping_button(client, admin_user, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    assert client.get(reverse("core:system_status")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:ping_worker"))
    assert response.status_code == 302
    # The immediate backend of the test settings runs the task at once.
    assert WorkerHeartbeat.objects.get().beats == 1


def test_ping_button_is_for_administrators(client, manager):
    client.force_login(manager)
    assert client.post(reverse("core:ping_worker")).status_code == 403


def test_heartbeat_command_enqueues_a_beat():
    from django.core.management import call_command

    call_command("heartbeat", stdout=__import__("io").StringIO())
    # The immediate backend of the test settings runs it at once; the real worker does in production.
    assert WorkerHeartbeat.objects.get().beats == 1
