"""`weibao backup` / `weibao restore` round trip on the suite's database kind (SQLite file, or PostgreSQL)."""

import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from weibao.core.tests.procs import ROOT, on_postgres, scratch_database, weibao, weibao_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_and_restore_round_trip(tmp_path):
    with scratch_database(tmp_path, "backup", migrated=True) as url:
        env = weibao_env(url)
        weibao(
            "shell",
            "-c",
            "from weibao.accounts.models import Organisation as O; "
            "O.objects.create(kind='vendor', name='华为'); O.objects.create(kind='vendor', name='中兴')",
            env=env,
        )
        target = tmp_path / "weibao.tar"
        out = weibao("backup", "--output", str(target), env=env)
        assert "Backup written" in out
        assert target.stat().st_size > 0

        # Damage after the backup: one vendor deleted, one added.
        weibao(
            "shell",
            "-c",
            "from weibao.accounts.models import Organisation as O; "
            "O.objects.filter(name='华为').delete(); O.objects.create(kind='vendor', name='新厂商')",
            env=env,
        )
        weibao("restore", "--noinput", str(target), env=env)
        names = weibao(
            "shell",
            "-c",
            "from weibao.accounts.models import Organisation as O; "
            "print(sorted(O.objects.filter(kind='vendor').values_list('name', flat=True)))",
            env=env,
        )
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
                [sys.executable, "-m", "weibao.cli", "restore", "--noinput", str(path)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert result.returncode != 0
            assert "CommandError" in result.stderr or "Error" in result.stderr


def test_restore_asks_for_confirmation(tmp_path):
    import subprocess
    import sys

    from weibao.core.tests.procs import ROOT

    with scratch_database(tmp_path, "restoreask") as url:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "weibao.cli", "restore", str(tmp_path / "x.bak")],
            cwd=ROOT,
            env=weibao_env(url),
            capture_output=True,
            text=True,
            timeout=120,
            input="no\n",
            check=False,
        )
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
    monkeypatch.setitem(
        settings.DATABASES,
        "gone",
        {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "127.0.0.1",
            "PORT": 5432,
            "USER": "postgres",
            "NAME": "weibao_notif_no_such_database",
        },
    )
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
    """The archive is complete under its name (database + manifest) and no temporary file is left beside it."""
    import sqlite3
    import tarfile
    from contextlib import closing

    from weibao.core.backup import backup

    source = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(source)) as db:
        db.execute("create table t (x)")
        db.execute("insert into t values (42)")
        db.commit()
    monkeypatch.setitem(settings.DATABASES, "filedb", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(source)})
    written = backup(out / "weibao.tar", alias="filedb", media_root=tmp_path / "no-media-yet")
    with tarfile.open(written) as tar:
        assert sorted(tar.getnames()) == ["database.sqlite3", "manifest.json"]
        tar.extract("database.sqlite3", tmp_path / "x", filter="data")
    with closing(sqlite3.connect(tmp_path / "x" / "database.sqlite3")) as db:
        assert db.execute("select x from t").fetchall() == [(42,)]
    assert [p.name for p in out.iterdir()] == ["weibao.tar"]


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL")
def test_unreachable_database_is_a_clear_error_not_a_traceback(tmp_path):
    import subprocess
    import sys

    from weibao.core.tests.procs import ROOT

    env = weibao_env("postgres://postgres@127.0.0.1:5432/weibao_no_such_database")
    for args in (["backup", "--output", str(tmp_path / "x.dump")], ["restore", str(tmp_path / "x.dump"), "--noinput"]):
        result = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "weibao.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1, result.stderr
        assert "CommandError" in result.stderr
        assert "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())  # and no half-written backup


# --- Database and files together (issue 19, point 4) ----------------------------------------------------------------
def _wipe_database(url: str, tmp_path) -> None:
    """Drop the scratch database and create it empty (SQLite: delete the file and its WAL)."""
    if not on_postgres():
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _scenario(call: str, env) -> object:
    out = weibao("shell", "-c", f"from weibao.core.tests import backup_scenario as s; {call}", env=env)
    return json.loads(out.strip().splitlines()[-1])


def test_backup_wipe_restore_round_trip_with_files(tmp_path):
    """backup → wipe the database AND the media directory → restore → the attachments and the document download
    through the real views, byte for byte."""
    from weibao.core.tests.backup_scenario import expected

    media = tmp_path / "media"
    with scratch_database(tmp_path, "bfiles", migrated=True) as url:
        env = weibao_env(url, WEIBAO_MEDIA_ROOT=str(media), WEIBAO_ALLOWED_HOSTS="testserver")
        ids = _scenario("s.make()", env)
        before = _scenario(f"s.download({ids!r})", env)
        assert [d["sha256"] for d in before] == expected()

        archive = tmp_path / "backups" / "weibao.tar"
        weibao("backup", "--output", str(archive), env=env)
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
        assert len([f for f in manifest["files"] if f["name"].startswith("media/")]) == 3

        _wipe_database(url, tmp_path)
        shutil.rmtree(media)
        out = weibao("restore", "--noinput", str(archive), env=env)
        assert "3 files restored" in out
        after = _scenario(f"s.download({ids!r})", env)
        assert [d["status"] for d in after] == [200, 200, 200]
        assert [d["sha256"] for d in after] == expected()

        # Files lost again (a restore of the database alone): a clear page, not a 500.
        shutil.rmtree(media)
        gone = _scenario(f"s.download({ids!r})", env)
        assert [(d["status"], d["missing_page"]) for d in gone] == [(410, True)] * 3


def test_restore_refuses_a_tampered_archive_and_changes_nothing(tmp_path, settings):
    """A media file whose bytes differ from the manifest: restore stops before touching the database or files."""
    from weibao.core.backup import BackupError, restore

    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "a.txt").write_bytes(b"original")
    with scratch_database(tmp_path, "btamper", migrated=True) as url:
        env = weibao_env(url, WEIBAO_MEDIA_ROOT=str(media))
        archive = tmp_path / "weibao.tar"
        weibao("backup", "--output", str(archive), env=env)

        tampered = tmp_path / "tampered.tar"
        with tarfile.open(archive) as src, tarfile.open(tampered, "w") as dst:
            for member in src.getmembers():
                data = src.extractfile(member).read()
                if member.name == "media/attachments/a.txt":
                    data = b"evil!!!!"
                dst.addfile(member, io.BytesIO(data))
        (media / "attachments" / "a.txt").write_bytes(b"current")
        with pytest.raises(BackupError, match="checksum of media/attachments/a.txt"):
            restore(tampered, media_root=media, alias="default")
        assert (media / "attachments" / "a.txt").read_bytes() == b"current"

        result = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "weibao.cli", "restore", "--noinput", str(tampered)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1
        assert "does not match the manifest" in result.stderr
        assert (media / "attachments" / "a.txt").read_bytes() == b"current"


def test_restore_refuses_members_outside_media(tmp_path):
    """A hand-made archive naming ../ paths is refused before anything is written."""
    import hashlib

    from weibao.core.backup import BackupError, restore

    evil = b"owned"
    manifest = {
        "format": "weibao-backup",
        "version": 1,
        "database": {"engine": "sqlite" if not on_postgres() else "postgresql", "member": "database.sqlite3"},
        "files": [
            {"name": "database.sqlite3", "size": 0, "sha256": hashlib.sha256(b"").hexdigest()},
            {"name": "media/../../escape.txt", "size": 5, "sha256": hashlib.sha256(evil).hexdigest()},
        ],
    }
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in (
            ("manifest.json", json.dumps(manifest).encode()),
            ("database.sqlite3", b""),
            ("media/../../escape.txt", evil),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError):
        restore(archive, media_root=tmp_path / "m" / "media")
    assert not (tmp_path / "escape.txt").exists()


def test_backup_refuses_to_write_into_the_media_directory(tmp_path):
    from weibao.core.backup import BackupError, backup

    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    with pytest.raises(BackupError, match="outside the media directory"):
        backup(media / "backups" / "weibao.tar", media_root=media)
    assert not (media / "backups").exists()
