"""The real task worker executes a task that a real HTTP request enqueued (no immediate backend here).

Web server (gunicorn) and `weibao db_worker` run as subprocesses on a scratch database of the suite's kind;
the test talks to them over HTTP only, like a browser and a monitoring system would.
"""

import http.cookiejar
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from weibao.core.tests.procs import free_port, scratch_database, stop, weibao, weibao_env, weibao_popen

pytestmark = pytest.mark.django_db(transaction=True)

CREATE_ADMIN = (
    "from weibao.accounts.services import own_company, user_create; "
    "u = user_create(username='root', name='管理员', organisation=own_company(), role='admin', password='Qz7!river-lamp');"
)


def _opener() -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.jar = jar  # type: ignore[attr-defined]
    return opener


def _csrf(opener) -> str:
    return next(c.value for c in opener.jar if c.name == "csrftoken")


def _wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - localhost test server
            return
        except urllib.error.HTTPError:
            return  # answering, even if unhealthy
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def _health(base: str) -> dict:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as exc:
        return json.load(exc)


def test_task_enqueued_by_a_request_is_run_by_the_real_worker(tmp_path):
    with scratch_database(tmp_path, "worker", migrated=True) as url:
        # DEBUG on only so that static URLs resolve without collectstatic; everything else is production code.
        env = weibao_env(url, WEIBAO_DEBUG="true", WEIBAO_VAR_DIR=str(tmp_path / "var"))
        weibao("shell", "-c", CREATE_ADMIN, env=env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        web = weibao_popen(
            "gunicorn",
            "weibao.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            env=env,
            log=tmp_path / "web.log",
        )
        worker = weibao_popen(
            "weibao.cli", "db_worker", "--interval", "0.2", "--no-startup-delay", env=env, log=tmp_path / "worker.log"
        )
        try:
            _wait_http(f"{base}/healthz")
            assert _health(base)["worker"] == "starting"  # fresh install: no heartbeat yet, still healthy

            browser = _opener()
            browser.open(f"{base}/accounts/login/", timeout=10)
            login = urllib.parse.urlencode(
                {"username": "root", "password": "Qz7!river-lamp", "csrfmiddlewaretoken": _csrf(browser)}
            ).encode()
            request = urllib.request.Request(f"{base}/accounts/login/", data=login)  # noqa: S310 - localhost
            browser.open(request, timeout=10)
            assert any(c.name == "sessionid" for c in browser.jar), "login failed"
            ping = urllib.parse.urlencode({"csrfmiddlewaretoken": _csrf(browser)}).encode()
            request = urllib.request.Request(f"{base}/system/ping-worker/", data=ping)  # noqa: S310 - localhost
            browser.open(request, timeout=10)

            deadline = time.monotonic() + 60
            health = _health(base)
            while health["worker"] != "ok" and time.monotonic() < deadline:
                time.sleep(0.3)
                health = _health(base)
            logs = (tmp_path / "worker.log").read_text() + (tmp_path / "web.log").read_text()
            assert health["worker"] == "ok", logs
            assert health["ok"] is True
            assert health["tasks_pending"] == 0
        finally:
            stop(worker)
            stop(web)
        result = weibao(
            "shell",
            "-c",
            "from django_tasks_db.models import DBTaskResult; "
            "print(list(DBTaskResult.objects.values_list('task_path', 'status')))",
            env=env,
        )
        assert "('weibao.core.tasks.heartbeat', 'SUCCESSFUL')" in result


def test_scheduler_loads_the_heartbeat_job(tmp_path):
    with scratch_database(tmp_path, "cron", migrated=True) as url:
        env = weibao_env(url, WEIBAO_DEBUG="true")
        scheduler = weibao_popen("weibao.cli", "crontask", env=env, log=tmp_path / "cron.log")
        try:
            deadline = time.monotonic() + 30
            while "Starting scheduler" not in (tmp_path / "cron.log").read_text() and time.monotonic() < deadline:
                time.sleep(0.3)
        finally:
            stop(scheduler)
        log = (tmp_path / "cron.log").read_text()
        assert "Loaded tasks from weibao.core" in log, log
        assert "Starting scheduler" in log
