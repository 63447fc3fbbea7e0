"""`weibao backup` / `weibao restore` round trip on the suite's database kind (SQLite file, or PostgreSQL)."""

import pytest

from weibao.core.tests.procs import on_postgres, scratch_database, weibao, weibao_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_and_restore_round_trip(tmp_path):
    with scratch_database(tmp_path, "backup") as url:
        env = weibao_env(url)
        weibao("migrate", "-v0", env=env)
        weibao("shell", "-c", "from weibao.accounts.models import Organisation as O; "
               "O.objects.create(kind='vendor', name='华为'); O.objects.create(kind='vendor', name='中兴')", env=env)  # fmt: skip
        target = tmp_path / ("weibao.dump" if on_postgres() else "weibao.sqlite3")
        out = weibao("backup", "--output", str(target), env=env)
        assert "Backup written" in out
        assert target.stat().st_size > 0

        # Damage after the backup: one vendor deleted, one added.
        weibao("shell", "-c", "from weibao.accounts.models import Organisation as O; "
               "O.objects.filter(name='华为').delete(); O.objects.create(kind='vendor', name='新厂商')", env=env)  # fmt: skip
        weibao("restore", "--noinput", str(target), env=env)
        names = weibao("shell", "-c", "from weibao.accounts.models import Organisation as O; "
                       "print(sorted(O.objects.filter(kind='vendor').values_list('name', flat=True)))", env=env)  # fmt: skip
        assert names.strip().splitlines()[-1] == "['中兴', '华为']"


def test_restore_refuses_missing_and_damaged_files(tmp_path):
    import subprocess
    import sys

    from weibao.core.tests.procs import ROOT

    with scratch_database(tmp_path, "restorebad") as url:
        env = weibao_env(url)
        bogus = tmp_path / "bogus.bak"
        bogus.write_bytes(b"this is not a backup at all" * 100)
        for path in (tmp_path / "missing.bak", bogus):
            result = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "weibao.cli", "restore", "--noinput", str(path)], cwd=ROOT, env=env,
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert result.returncode != 0
            assert "CommandError" in result.stderr or "Error" in result.stderr


def test_restore_asks_for_confirmation(tmp_path):
    import subprocess
    import sys

    from weibao.core.tests.procs import ROOT

    with scratch_database(tmp_path, "restoreask") as url:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "weibao.cli", "restore", str(tmp_path / "x.bak")], cwd=ROOT, env=weibao_env(url),
            capture_output=True, text=True, timeout=120, input="no\n", check=False,
        )  # fmt: skip
        assert result.returncode != 0
        assert "cancelled" in result.stderr


@pytest.fixture
def out(tmp_path):
    return tmp_path / "backups"


def test_failed_pg_dump_leaves_no_file(out, monkeypatch, settings):
    import shutil

    from weibao.core.backup import BackupError, backup

    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    monkeypatch.setitem(settings.DATABASES, "gone", {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1",
                                                     "PORT": 5432, "USER": "postgres",
                                                     "NAME": "weibao_notif_no_such_database"})  # fmt: skip
    with pytest.raises(BackupError, match="pg_dump failed"):
        backup(out / "weibao-nightly.dump", alias="gone")
    assert list(out.iterdir()) == []  # no empty or partial backup, no leftover temporary file


def test_failed_sqlite_backup_leaves_no_file(tmp_path, out, monkeypatch, settings):
    from weibao.core.backup import BackupError, backup

    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database, just bytes " * 400)
    monkeypatch.setitem(settings.DATABASES, "broken", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(broken)})
    with pytest.raises(BackupError, match="cannot be copied"):
        backup(out / "weibao-nightly.sqlite3", alias="broken")
    assert list(out.iterdir()) == []


def test_backup_writes_only_the_named_file(tmp_path, out, monkeypatch, settings):
    """The copy is complete under its name and no temporary file is left beside it."""
    import sqlite3
    from contextlib import closing

    from weibao.core.backup import backup

    source = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(source)) as db:
        db.execute("create table t (x)")
        db.execute("insert into t values (42)")
        db.commit()
    monkeypatch.setitem(settings.DATABASES, "filedb", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(source)})
    written = backup(out / "weibao.sqlite3", alias="filedb")
    with closing(sqlite3.connect(written)) as db:
        assert db.execute("select x from t").fetchall() == [(42,)]
    assert [p.name for p in out.iterdir()] == ["weibao.sqlite3"]


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL")
def test_unreachable_database_is_a_clear_error_not_a_traceback(tmp_path):
    import subprocess
    import sys

    from weibao.core.tests.procs import ROOT

    env = weibao_env("postgres://postgres@127.0.0.1:5432/weibao_no_such_database")
    for args in (["backup", "--output", str(tmp_path / "x.dump")], ["restore", str(tmp_path / "x.dump"), "--noinput"]):
        result = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "weibao.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert "CommandError" in result.stderr
        assert "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())  # and no half-written backup
