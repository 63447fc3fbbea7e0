"""Issue 19.3: the real task worker is killed (SIGKILL) twice in the middle of a batch of 100 notices — once while it
turns the events into notices, once while the mail server holds a message before answering — and restarted each
time. Every notice arrives exactly once, the interrupted tasks are re-queued and finish, nothing stays running. (The
batch's notices are made in one transaction and sent by one `deliver_many` task: the first kill leaves none or all.)

`weibao db_worker` runs as a subprocess on a scratch database of the suite's kind, mail goes to aiosmtpd on loopback.
"""

import asyncio
import collections
import json
import os
import signal
import subprocess
import threading
import time
from email import message_from_bytes

import pytest

from weibao.core.tests.procs import free_port, scratch_database, weibao, weibao_env, weibao_popen

pytestmark = pytest.mark.django_db(transaction=True)

N = 100
HOLD_AT = 60  # the mail server keeps the 60th message without answering until the worker is dead

SETUP = """
from weibao.accounts.models import Branch, User
from weibao.accounts.services import own_company
from weibao.accounts.tests.factories import OrganisationFactory
from weibao.customers.models import Customer, Site
from weibao.workorders.services import workorder_create_many
branch = Branch.objects.create(code="hq", name="总部", city="南京", is_head_office=True)
duty = User.objects.create(username="duty", name="值班", organisation=own_company(), role="duty_engineer", branch=branch)
org = OrganisationFactory(kind="customer", name="甲公司")
customer = Customer.objects.create(organisation=org, code="C1", name="甲公司", branch=branch)
site = Site.objects.create(customer=customer, organisation=org, name="总部")
workorder_create_many(actor=duty, reports=[
    dict(customer=customer, site=site, channel="phone", symptom=f"告警 {i}", severity="B",
         reporter_email=f"r{i:03d}@example.com") for i in range(N_ORDERS)
])
""".replace("N_ORDERS", str(N))

REPORT = """
import json
from django_tasks_db.models import DBTaskResult
from weibao.notifications.models import Delivery
print(json.dumps({
    "deliveries": list(Delivery.objects.values_list("recipient", "status")),
    "tasks": [[t.task_path.rsplit(".", 1)[1], t.status, len(t.worker_ids), t.args_kwargs["kwargs"]]
              for t in DBTaskResult.objects.all()],
}))
"""


class HoldingSmtp:
    """aiosmtpd that records every message and, for the HOLD_AT-th, waits before answering (the worker is then
    between handing the message over and hearing the answer)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):  # noqa: N802
                server.received.append(message_from_bytes(envelope.content)["To"])
                if len(server.received) == HOLD_AT:
                    server.holding.set()
                    while not server.release.is_set():
                        await asyncio.sleep(0.05)
                return "250 Message accepted"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _wait(predicate, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _scalar(url: str, sql: str) -> int:
    """One number from the scratch database, read directly (fast enough to poll every 20 ms)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10) as conn:
            return conn.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(url.replace("postgresql://", "postgres://", 1)) as conn:
        return conn.execute(sql).fetchone()[0]


def test_worker_killed_twice_mid_batch_every_notice_delivered_exactly_once(tmp_path):
    smtp = HoldingSmtp()
    smtp.controller.start()
    with scratch_database(tmp_path, "killed", migrated=True) as url:
        env = weibao_env(
            url,
            WEIBAO_DEBUG="true",
            WEIBAO_VAR_DIR=str(tmp_path / "var"),
            WEIBAO_LOG_LEVEL="WARNING",
            WEIBAO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            WEIBAO_SMTP_HOST="127.0.0.1",
            WEIBAO_SMTP_PORT=str(smtp.port),
            WEIBAO_TASK_LEASE_SECONDS="2",
        )
        weibao("shell", "--no-imports", "-c", SETUP, env=env)  # 100 orders → one task turning 100 events into notices
        assert _scalar(url, "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult") == 1

        def start(n: int) -> subprocess.Popen:
            return weibao_popen(
                "weibao.cli",
                "db_worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
                env=env,
                log=tmp_path / f"worker{n}.log",
            )

        worker = start(1)
        try:
            # Kill 1: while the events become notices (the task has started). The batch's deliveries and their
            # send task commit together: none of them, or all (when the kill came after the commit).
            running = "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
            _wait(lambda: _scalar(url, running) == 1, "the notice task to start")
            _kill(worker)
            made = _scalar(url, "SELECT COUNT(*) FROM notifications_delivery")
            assert made in (0, N)

            # Kill 2: the mail server has the 60th message but has not answered it yet.
            worker = start(2)
            assert smtp.holding.wait(120), (tmp_path / "worker2.log").read_text()
            _kill(worker)
            smtp.release.set()

            worker = start(3)
            _wait(
                lambda: (
                    _scalar(
                        url,
                        "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')",
                    )
                    == 0
                    and _scalar(
                        url, "SELECT COUNT(*) FROM notifications_delivery WHERE status NOT IN ('sent', 'unconfirmed')"
                    )
                    == 0
                    and _scalar(url, "SELECT COUNT(*) FROM notifications_delivery") == N
                ),
                "the batch to finish",
            )
        finally:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
            smtp.release.set()
            smtp.controller.stop()
        report = json.loads(weibao("shell", "--no-imports", "-c", REPORT, env=env))

    # Every notice reached the mail server exactly once.
    per_address = collections.Counter(smtp.received)
    assert len(per_address) == N
    assert set(per_address.values()) == {1}, [a for a, n in per_address.items() if n > 1]
    # The one interrupted between hand-over and answer is unconfirmed (it did arrive), not sent a second time.
    statuses = dict(report["deliveries"])
    assert collections.Counter(statuses.values()) == {"sent": N - 1, "unconfirmed": 1}
    assert next(a for a, s in statuses.items() if s == "unconfirmed") == smtp.received[HOLD_AT - 1]
    # Both interrupted tasks went back to the queue and finished on the next worker; none is left running.
    tasks = report["tasks"]
    assert {status for _name, status, _claims, _kw in tasks} == {"SUCCESSFUL"}
    [notify] = [t for t in tasks if t[0] == "notify_events"]
    if made == 0:
        assert notify[2] == 2  # claimed by the killed worker, then again after the re-queue
    # The batch's notices went out in one task, interrupted once (the held message) and finished after the re-queue.
    [send] = [t for t in tasks if t[0] in ("deliver", "deliver_many")]
    assert send[0] == "deliver_many"
    assert send[2] == 2
    assert len(set(send[3]["delivery_ids"])) == N
