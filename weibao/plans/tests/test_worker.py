"""The legacy-review reminder through the real task worker: `manage.py db_worker` runs the enqueued reminder job in a
separate process against a file database; the review's next review day has come, so it reminds the reviewer and
the manager — once, however often the job runs (twice enqueued, then again after a restart)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from weibao.core.tests.procs import copy_migrated_sqlite

ROOT = Path(__file__).resolve().parents[3]

SETUP = """
import datetime
from django.utils import timezone
from weibao.accounts.services import own_company
from weibao.accounts.models import User, Branch
from weibao.accounts.tests.factories import OrganisationFactory
from weibao.customers.models import Customer, Site
from weibao.workorders.services import workorder_create
from weibao.plans.services import review_add
from weibao.plans.tasks import remind_due_reviews
branch = Branch.objects.create(code="hq", name="总部", city="南京", is_head_office=True)
own = own_company()
duty = User.objects.create(username="duty", name="值班", organisation=own, role="duty_engineer", branch=branch)
mgr = User.objects.create(username="mgr", name="经理", organisation=own, role="service_manager", branch=branch)
org = OrganisationFactory(kind="customer", name="甲公司")
customer = Customer.objects.create(organisation=org, code="C1", name="甲公司", branch=branch)
site = Site.objects.create(customer=customer, organisation=org, name="总部")
wo = workorder_create(actor=duty, customer=customer, site=site, channel="phone", symptom="断网", severity="B",
                      reported_at=timezone.now() - datetime.timedelta(days=10), historic=True)
review_add(workorder=wo, actor=mgr, notes="等厂商补丁", next_review_on=timezone.localdate())
wo2 = workorder_create(actor=duty, customer=customer, site=site, channel="phone", symptom="掉线", severity="B")
review_add(workorder=wo2, actor=mgr, notes="观察", next_review_on=timezone.localdate() + datetime.timedelta(days=7))
remind_due_reviews.enqueue()
remind_due_reviews.enqueue()
"""

REPORT = """
import json
from weibao.plans.models import ReviewReminder
from weibao.workorders.models import Alert, WorkOrderEvent
from django_tasks_db.models import DBTaskResult
print(json.dumps({
    "reminders": ReviewReminder.objects.count(),
    "events": WorkOrderEvent.objects.filter(kind="review_due").count(),
    "alerts": sorted(Alert.objects.filter(event__kind="review_due").values_list("recipient__username", flat=True)),
    "tasks_done": DBTaskResult.objects.filter(task_path__endswith="remind_due_reviews", status="SUCCESSFUL").count(),
}))
"""


def manage(env, *args) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_reminder_fires_once_through_the_real_worker(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "weibao.settings",
        "WEIBAO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "WEIBAO_VAR_DIR": str(tmp_path),
        "WEIBAO_LOG_LEVEL": "WARNING",
    }
    env.pop("WEIBAO_SECRET_KEY", None)
    copy_migrated_sqlite(tmp_path / "worker.sqlite3")  # what `manage.py migrate` makes, built once per run
    manage(env, "shell", "--no-imports", "-c", SETUP)
    manage(env, "db_worker", "--batch", "--no-startup-delay", "--no-reload")
    first = json.loads(manage(env, "shell", "--no-imports", "-c", REPORT))
    assert first["tasks_done"] == 2
    assert (first["reminders"], first["events"]) == (1, 1)
    assert first["alerts"] == ["mgr"]  # the reviewer is the manager here: one alert, not two
    # A restarted worker running the job again: nothing new.
    manage(env, "shell", "--no-imports", "-c", "from weibao.plans.tasks import remind_due_reviews as t; t.enqueue()")
    manage(env, "db_worker", "--batch", "--no-startup-delay", "--no-reload")
    second = json.loads(manage(env, "shell", "--no-imports", "-c", REPORT))
    assert second["tasks_done"] == 3
    assert {k: second[k] for k in ("reminders", "events", "alerts")} == {
        k: first[k] for k in ("reminders", "events", "alerts")
    }
