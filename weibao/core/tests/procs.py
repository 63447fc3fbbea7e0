"""Helpers for tests that run the real `weibao` command in subprocesses against a real, separate database."""

import contextlib
import hashlib
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


def _pg_server() -> str:
    """postgresql://user@host:port of the suite's PostgreSQL server (no database name)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    return f"postgresql://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


@contextlib.contextmanager
def scratch_database(tmp_path: Path, suffix: str, *, migrated: bool = False) -> Iterator[str]:
    """A DATABASE_URL for an empty database of the suite's kind (a SQLite file, or a PostgreSQL database).

    migrated=True: every migration is applied already. The database is then a copy of one template that the real
    `weibao migrate` builds once per test run (see migrated_template), instead of a `migrate` from zero per test
    (40-60 s each on PostgreSQL on the CI machine)."""
    if not on_postgres():
        path = tmp_path / f"{suffix}.sqlite3"
        if migrated:
            copy_migrated_sqlite(path)
        yield f"sqlite:///{path}"
        return
    import psycopg
    from django.db import connection

    name = f"{connection.settings_dict['NAME']}_{suffix}"[:63]
    server = _pg_server()
    template = f' TEMPLATE "{migrated_template()}"' if migrated else ""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"{template}')
    if migrated:
        with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
            conn.execute(FRESH_INSTALL_SQL)
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_run() -> bool:
    """Called once per test run before the xdist workers start (root conftest): they inherit the variable, so all
    of them find the same template. Named after the suite's database, so parallel runs on one server do not meet.
    False when the caller set WEIBAO_TEST_RUN already (scripts/test.sh: the stages share the templates, and the
    script removes them at its end)."""
    import uuid

    from django.conf import settings

    if os.environ.get("WEIBAO_TEST_RUN"):
        return False
    os.environ["WEIBAO_TEST_RUN"] = f"{Path(settings.DATABASES['default']['NAME']).name}_{uuid.uuid4().hex[:8]}"
    return True


def _template_name() -> str:
    run = os.environ.get("WEIBAO_TEST_RUN") or f"weibao_{os.getpid()}"
    return f"{run[:48]}_tpl"


def _template_file() -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / f"{_template_name()}.sqlite3"


def migrated_template() -> str:
    """The migrated template of this test run (a PostgreSQL database name, or a SQLite file path), built on first use
    by the real `weibao migrate` in a subprocess; xdist workers wait for each other under a lock, so it is built once.
    Built under a temporary name and renamed when complete: a failed build leaves no half-migrated template."""
    if not on_postgres():
        return str(sqlite_template())
    import psycopg

    name = _template_name()
    with psycopg.connect(f"{_pg_server()}/postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [name])
        try:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                building = f"{name}_build"
                conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{building}"')
                weibao("migrate", "-v0", env=weibao_env(f"{_pg_server()}/{building}"), timeout=1800)
                conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])
    return name


def sqlite_template() -> Path:
    """The migrated SQLite template of this run (also for tests that use a SQLite file whatever the suite's kind)."""
    import fcntl

    path = _template_file()
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = Path(f"{path}.build")
            building.unlink(missing_ok=True)
            weibao("migrate", "-v0", env=weibao_env(f"sqlite:///{building}"), timeout=1800)
            _copy_sqlite(building, path)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{building}{suffix}").unlink(missing_ok=True)
    return path


# A copy of the template stands for a fresh install: its migrations were applied just now, not when the run's
# template was built (the health check gives a never-beaten worker a grace period counted from the install).
FRESH_INSTALL_SQL = "UPDATE django_migrations SET applied = CURRENT_TIMESTAMP"


def copy_migrated_sqlite(target: Path) -> None:
    """A migrated SQLite database at `target`, copied from the run's template (instead of `migrate` from zero), with
    its migrations stamped as applied now (a fresh install)."""
    import sqlite3
    from contextlib import closing

    _copy_sqlite(sqlite_template(), target)
    with closing(sqlite3.connect(target)) as conn, conn:
        conn.execute(FRESH_INSTALL_SQL)


def _copy_sqlite(source: Path | str, target: Path) -> None:
    """A consistent copy through SQLite's backup API (WAL content included), written under a temporary name."""
    import sqlite3
    from contextlib import closing

    partial = Path(f"{target}.partial")
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)
    os.replace(partial, target)


@contextlib.contextmanager
def template_test_database() -> Iterator[None]:
    """Before Django's test database setup: make this process's test database a copy of the run's migrated template,
    so that the `migrate` of the setup finds every migration applied (about a minute of CPU less per process and
    stage; migrations from zero still run once per run, in migrated_template). PostgreSQL: CREATE DATABASE ...
    TEMPLATE. SQLite (in memory): the template copied into the shared in-memory database through the backup API;
    that connection stays open while the block runs so that the memory database lives until Django connects."""
    from django.db import connection

    name = connection.creation._get_test_db_name()
    if on_postgres():
        import psycopg

        template = migrated_template()
        with psycopg.connect(f"{_pg_server()}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield
        return
    import sqlite3
    from contextlib import closing

    assert connection.creation.is_in_memory_db(name), name
    with closing(sqlite3.connect(name, uri=True)) as memory:
        with closing(sqlite3.connect(sqlite_template())) as template:
            template.backup(memory)
        yield


def drop_migrated_template() -> None:
    """End of the run (the root conftest, in the xdist controller): remove the template if one was built."""
    if on_postgres():
        import psycopg

        with psycopg.connect(f"{_pg_server()}/postgres", autocommit=True) as conn:
            for name in (_template_name(), f"{_template_name()}_build"):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    path = _template_file()
    for extra in ("", ".lock", ".partial", ".build", ".build-wal", ".build-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def weibao_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEIBAO_", "DJANGO_", "PYTEST_"))}
    # A cache prefix per database: with REDIS_URL set, processes of the xdist workers share one Redis, and their
    # scratch databases reuse the same primary keys.
    prefix = "test-" + hashlib.sha256(database_url.encode()).hexdigest()[:12]
    env.update(
        DATABASE_URL=database_url,
        WEIBAO_SECRET_KEY="test-secret-key-" + "x" * 40,
        WEIBAO_CACHE_PREFIX=prefix,
        **extra,
    )
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
