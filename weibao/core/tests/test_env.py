"""Start-up refuses bad configuration with a clear message (checked through the real `weibao` command)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from weibao.env import env_bool, env_int, parse_database_url

ROOT = Path(__file__).resolve().parents[3]


def _weibao(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WEIBAO_", "DATABASE_URL", "DJANGO_"))}
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "weibao.cli", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("url", ["postgres//nohost", "mysql://u@h/db", "sqlite://", "postgres://u@h:notaport/db"])
def test_malformed_database_url_stops_start_up(url):
    result = _weibao("check", DATABASE_URL=url, WEIBAO_DEBUG="true")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_bad_boolean_stops_start_up():
    result = _weibao("check", WEIBAO_DEBUG="maybe")
    assert result.returncode != 0
    assert "WEIBAO_DEBUG='maybe' is not a boolean" in result.stderr


def test_missing_secret_key_stops_start_up():
    result = _weibao("check")
    assert result.returncode != 0
    assert "WEIBAO_SECRET_KEY" in result.stderr


def test_good_configuration_starts(tmp_path):
    result = _weibao("check", DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3", WEIBAO_SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr


def test_parse_database_url():
    assert parse_database_url("sqlite:////srv/a.sqlite3")["NAME"] == "/srv/a.sqlite3"
    pg = parse_database_url("postgres://weibao:pw@db.example:5433/weibao")
    assert (pg["HOST"], pg["PORT"], pg["NAME"], pg["PASSWORD"]) == ("db.example", 5433, "weibao", "pw")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url("nonsense")


def test_env_bool(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG", False)


@pytest.mark.parametrize("raw", ["0", "-3"])
def test_limit_of_zero_or_less_stops_start_up(raw):
    result = _weibao("check", WEIBAO_DEBUG="true", WEIBAO_LOGIN_FAILURE_LIMIT=raw)
    assert result.returncode != 0
    assert f"WEIBAO_LOGIN_FAILURE_LIMIT='{raw}' is too small: it must be at least 1." in result.stderr


def test_zero_is_accepted_where_it_means_off(tmp_path):
    result = _weibao(
        "check",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        WEIBAO_SECRET_KEY="k" * 50,
        WEIBAO_PROXY_COUNT="0",
        WEIBAO_LIST_COUNT_TTL="0",
        WEIBAO_QUEUE_COUNTS_TTL="0",
    )
    assert result.returncode == 0, result.stderr


def test_env_int_minimum(monkeypatch):
    monkeypatch.setenv("X_COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match=r"X_COUNT='0' is too small: it must be at least 1\."):
        env_int("X_COUNT", 5)
    assert env_int("X_COUNT", 5, minimum=0) == 0
    monkeypatch.setenv("X_COUNT", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("X_COUNT", 5, minimum=0)
    assert env_int("X_COUNT", 5, minimum=None) == -1
    monkeypatch.delenv("X_COUNT")
    assert env_int("X_COUNT", 5) == 5


def test_smtp_settings_become_the_default_mailer(tmp_path):
    """WEIBAO_SMTP_* fill settings.MAILERS (Django 6.1); no deprecated EMAIL_* setting is left to warn about."""
    show = "from django.core import mail; m = mail.mailers.default; print(m.host, m.port, m.use_tls, m.use_ssl, m.username)"
    result = _weibao(
        "shell",
        "-c",
        show,
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        WEIBAO_SECRET_KEY="k" * 50,
        WEIBAO_SMTP_HOST="smtp.example.cn",
        WEIBAO_SMTP_PORT="587",
        WEIBAO_SMTP_STARTTLS="true",
        WEIBAO_SMTP_USER="service",
        PYTHONWARNINGS="error::PendingDeprecationWarning",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["smtp.example.cn", "587", "True", "False", "service"]


def test_starttls_and_tls_together_stop_start_up():
    result = _weibao("check", WEIBAO_DEBUG="true", WEIBAO_SMTP_STARTTLS="true", WEIBAO_SMTP_SSL="true")
    assert result.returncode != 0
    assert "WEIBAO_SMTP_STARTTLS and WEIBAO_SMTP_SSL exclude each other" in result.stderr
