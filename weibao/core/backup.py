"""Backup and restore of the whole database: SQLite through its online backup API, PostgreSQL through
pg_dump/pg_restore (custom format). Used by `weibao backup` and `weibao restore`."""

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with argument lists, never a shell
import tempfile
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone


class BackupError(Exception):
    """A backup or restore could not be made; the message says why, for the operator."""


def _db(alias: str = "default") -> dict:
    return settings.DATABASES[alias]


def is_sqlite(alias: str = "default") -> bool:
    return _db(alias)["ENGINE"] == "django.db.backends.sqlite3"


def default_backup_path(alias: str = "default") -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if is_sqlite(alias) else "dump"
    return Path(settings.VAR_DIR) / "backups" / f"weibao-{stamp}.{suffix}"


def backup(output: Path, alias: str = "default") -> Path:
    """Write a consistent copy of the live database to `output` while the site keeps running. The copy is made in a
    hidden temporary file beside `output` and renamed only when complete: a failed run leaves no partial backup."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(alias):
        source = _sqlite_path(alias)
        if not Path(source).exists():
            raise BackupError(f"SQLite database {source} does not exist.")
    fd, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        if is_sqlite(alias):
            _sqlite_backup(source, tmp)
        else:
            _run([_binary("pg_dump"), "--format=custom", "--no-owner", f"--file={tmp}", *_pg_args(alias)], alias)
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return output


def _sqlite_backup(source: str, target: Path) -> None:
    # The online backup API copies page by page under SQLite's own locking: safe while others write.
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} cannot be copied: {exc}") from exc


def restore(source: Path, alias: str = "default") -> None:
    """Replace the database content with the backup in `source`. Stop web, worker and scheduler first."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Backup file {source} does not exist.")
    connections[alias].close()
    if is_sqlite(alias):
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
                (result,) = src.execute("PRAGMA integrity_check").fetchone()
                if result != "ok":
                    raise BackupError(f"{source} is damaged: {result}")
                # Copying into the live file through the same API keeps its WAL and locks consistent.
                with sqlite3.connect(_sqlite_path(alias)) as dst:
                    src.backup(dst)
                dst.close()
            src.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite backup: {exc}") from exc
    else:
        _run(
            [_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--dbname={_db(alias)['NAME']}", *_pg_args(alias, with_db=False), str(source)],
            alias,
        )  # fmt: skip


def _sqlite_path(alias: str) -> str:
    name = str(_db(alias)["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return name


def _binary(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client).")
    return found


def _pg_args(alias: str, *, with_db: bool = True) -> list[str]:
    db = _db(alias)
    args = []
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    if with_db:
        args.append(f"--dbname={db['NAME']}")
    return args


def _run(cmd: list[str], alias: str) -> None:
    env = os.environ.copy()
    if password := _db(alias).get("PASSWORD"):
        env["PGPASSWORD"] = password  # never on the command line, where `ps` would show it
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed ({result.returncode}): {result.stderr.strip()}")
