"""The SLA sweep through the real task worker: `manage.py db_worker` processes enqueued sweeps in a separate
process against a file database; a second run (a restarted worker) and a duplicate enqueue change nothing."""

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
from weibao.workorders.services import workorder_create, workorder_assign
from weibao.workorders.tasks import sweep_sla_clocks
branch = Branch.objects.create(code="hq", name="总部", city="南京", is_head_office=True)
own = own_company()
duty = User.objects.create(username="duty", name="值班", organisation=own, role="duty_engineer", branch=branch)
User.objects.create(username="mgr", name="经理", organisation=own, role="service_manager", branch=branch)
org = OrganisationFactory(kind="customer", name="甲公司")
customer = Customer.objects.create(organisation=org, code="C1", name="甲公司", branch=branch)
site = Site.objects.create(customer=customer, organisation=org, name="总部")
past = timezone.now() - datetime.timedelta(minutes=100)
for _ in range(3):
    wo = workorder_create(actor=duty, customer=customer, site=site, channel="phone", symptom="断网", severity="A",
                          reported_at=past)
    workorder_assign(workorder=wo, actor=duty, assignee=duty)
sweep_sla_clocks.enqueue()
sweep_sla_clocks.enqueue()
"""

REPORT = """
import json
from weibao.workorders.models import Alert, WorkOrderEvent
from django_tasks_db.models import DBTaskResult
print(json.dumps({
    "breach": WorkOrderEvent.objects.filter(kind="sla_breach").count(),
    "warning": WorkOrderEvent.objects.filter(kind="sla_warning").count(),
    "alerts": Alert.objects.count(),
    "tasks_done": DBTaskResult.objects.filter(task_path__endswith="sweep_sla_clocks", status="SUCCESSFUL").count(),
    "tasks": DBTaskResult.objects.filter(task_path__endswith="sweep_sla_clocks").count(),
}))
"""


def manage(env, *args, stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_sweep_through_db_worker_is_idempotent(tmp_path):
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
    assert first["tasks_done"] == first["tasks"] == 2
    # Three orders, each: the response clock (15 min) breached, arrival (2 h) warned; the second enqueued
    # sweep found nothing left to claim.
    assert (first["breach"], first["warning"]) == (3, 3)
    assert first["alerts"] == 3 + 3 * 2  # warning → assignee; breach → assignee and the branch manager
    # A restarted worker with a fresh sweep: nothing new.
    manage(env, "shell", "--no-imports", "-c", "from weibao.workorders.tasks import sweep_sla_clocks as t; t.enqueue()")
    manage(env, "db_worker", "--batch", "--no-startup-delay", "--no-reload")
    second = json.loads(manage(env, "shell", "--no-imports", "-c", REPORT))
    assert second["tasks_done"] == 3
    assert {k: second[k] for k in ("breach", "warning", "alerts")} == {
        k: first[k] for k in ("breach", "warning", "alerts")
    }
