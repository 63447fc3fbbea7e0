"""Helpers for tests that run the real `weibao` command in subprocesses against a real, separate database."""

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def on_postgres() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@contextlib.contextmanager
def scratch_database(tmp_path: Path, suffix: str) -> Iterator[str]:
    """A DATABASE_URL for an empty database of the suite's kind (a SQLite file, or a PostgreSQL database)."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}"
        return
    import psycopg
    from django.db import connection

    db = dict(connection.settings_dict)
    name = f"{db['NAME']}_{suffix}"[:63]
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    server = f"postgresql://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def weibao_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEIBAO_", "DJANGO_", "PYTEST_"))}
    env.update(DATABASE_URL=database_url, WEIBAO_SECRET_KEY="test-secret-key-" + "x" * 40, **extra)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def weibao(*args: str, env: dict[str, str], timeout: int = 180, input: str | None = None) -> str:
    """Run `weibao <args>`; return stdout, fail the test with stderr when it exits non-zero."""
    result = subprocess.run(  # noqa: S603 - our own command, argument list
        [sys.executable, "-m", "weibao.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        check=False,
    )
    assert result.returncode == 0, f"weibao {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def weibao_popen(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
