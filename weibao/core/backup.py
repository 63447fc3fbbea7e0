"""Backup and restore of the database and the uploaded files, as one tar archive: the database (SQLite through
its online backup API, PostgreSQL through pg_dump/pg_restore custom format), the MEDIA_ROOT tree under `media/` and
`manifest.json` with the size and SHA-256 of every member. Used by `weibao backup` and `weibao restore`."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with argument lists, never a shell
import tarfile
import tempfile
import time
from contextlib import closing
from pathlib import Path, PurePosixPath

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
    return Path(settings.VAR_DIR) / "backups" / f"weibao-{stamp}.tar"


# --- The archive: database dump + media tree + manifest with checksums ----------------------------------------------
ARCHIVE_FORMAT = "weibao-backup"
ARCHIVE_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
_CHUNK = 1024 * 1024


def backup(output: Path, alias: str = "default", *, media_root: Path | None = None) -> Path:
    """Write one archive (tar) with a consistent copy of the live database, every file under MEDIA_ROOT and a
    manifest (`manifest.json`: sizes and SHA-256 of every member) while the site keeps running. The archive is
    written to a hidden temporary file beside `output` and renamed only when complete: a failed run leaves nothing."""
    output = Path(output)
    media = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    if output.resolve().is_relative_to(media.resolve()):
        raise BackupError(f"Write the backup outside the media directory {media} (it would archive itself).")
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        with tempfile.TemporaryDirectory(dir=output.parent, prefix=".weibao-dump-") as work:
            db_name = "database.sqlite3" if is_sqlite(alias) else "database.dump"
            dump = Path(work) / db_name
            backup_database(dump, alias)
            entries: list[dict] = []
            with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
                entries.append(_add_file(tar, dump, db_name))
                # The media files are copied after the database: a file uploaded in between is extra, never missing.
                for path in _media_files(media):
                    rel = path.relative_to(media).as_posix()
                    try:
                        entries.append(_add_file(tar, path, MEDIA_PREFIX + rel))
                    except FileNotFoundError:  # deleted while we walked: it is no longer referenced either
                        continue
                manifest = {
                    "format": ARCHIVE_FORMAT,
                    "version": ARCHIVE_VERSION,
                    "created": timezone.now().isoformat(),
                    "database": {"engine": "sqlite" if is_sqlite(alias) else "postgresql", "member": db_name},
                    "files": entries,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                tar.addfile(info, io.BytesIO(data))
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return output


def _media_files(media: Path) -> list[Path]:
    if not media.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(media):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


class _HashingReader:
    """Hands tarfile exactly the bytes it asks for and hashes them on the way: the checksum is that of what was
    archived, even if the file changes while we read it."""

    def __init__(self, fh):
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.fh.read(size)
        self.digest.update(chunk)
        return chunk


def _add_file(tar: tarfile.TarFile, path: Path, arcname: str) -> dict:
    with path.open("rb") as fh:
        stat = os.fstat(fh.fileno())
        info = tarfile.TarInfo(arcname)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    return {"name": arcname, "size": info.size, "sha256": reader.digest.hexdigest()}


def backup_database(output: Path, alias: str = "default") -> Path:
    """Only the database, to `output` (SQLite: online backup API; PostgreSQL: pg_dump custom format)."""
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


def restore(source: Path, alias: str = "default", *, media_root: Path | None = None) -> dict:
    """Replace the database content and the media files with the archive in `source`. Stop web, worker and
    scheduler first. Every member is checked against the manifest before anything is replaced; a damaged or
    incomplete archive changes nothing. A bare database file from an older `weibao backup` restores the database
    only. Returns {"files": <media files restored or None>}."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Backup file {source} does not exist.")
    if not tarfile.is_tarfile(source):
        restore_database(source, alias)
        return {"files": None}
    media = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media.parent, prefix=".weibao-restore-") as work:
        staged = Path(work) / "media"
        staged.mkdir()
        dump, count = _unpack_verified(source, Path(work), staged, alias)
        restore_database(dump, alias)
        _replace_tree(media, staged)
    return {"files": count}


def _unpack_verified(source: Path, work: Path, staged: Path, alias: str) -> tuple[Path, int]:
    try:
        with tarfile.open(source, "r:*") as tar:
            try:
                manifest = json.load(tar.extractfile(MANIFEST))
            except (KeyError, ValueError, TypeError) as exc:
                raise BackupError(f"{source} has no readable manifest: {exc}") from exc
            if manifest.get("format") != ARCHIVE_FORMAT or manifest.get("version") != ARCHIVE_VERSION:
                raise BackupError(f"{source} is not a Weibao backup archive (format {manifest.get('format')!r}).")
            engine = "sqlite" if is_sqlite(alias) else "postgresql"
            if manifest["database"]["engine"] != engine:
                raise BackupError(
                    f"{source} holds a {manifest['database']['engine']} database; this site uses {engine}."
                )
            db_member = manifest["database"]["member"]
            listed = {entry["name"]: entry for entry in manifest["files"]}
            if db_member not in listed:
                raise BackupError(f"{source}: the manifest does not list the database.")
            dump = work / Path(db_member).name
            count = 0
            for name, entry in listed.items():
                if name == db_member:
                    target = dump
                else:
                    target = staged / _safe_media_path(name)
                    count += 1
                _extract_checked(tar, name, entry, target, source)
            extra = {m.name for m in tar.getmembers() if m.isfile()} - set(listed) - {MANIFEST}
            if extra:
                raise BackupError(f"{source} holds files the manifest does not list: {sorted(extra)[:5]}")
            return dump, count
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{source} is damaged or incomplete: {exc}") from exc


def _safe_media_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name.startswith(MEDIA_PREFIX) or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupError(f"Refusing the archive member {name!r}: outside the media directory.")
    return path.relative_to("media")


def _extract_checked(tar: tarfile.TarFile, name: str, entry: dict, target: Path, source: Path) -> None:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"{source} is incomplete: {name} is missing.") from None
    if not member.isfile():
        raise BackupError(f"Refusing the archive member {name!r}: not a regular file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tar.extractfile(member) as src, target.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    if member.size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"{source} is damaged: the checksum of {name} does not match the manifest.")


def _replace_tree(media: Path, staged: Path) -> None:
    """Empty MEDIA_ROOT and move the restored files in (MEDIA_ROOT itself stays: it may be a mount point)."""
    media.mkdir(parents=True, exist_ok=True)
    for child in media.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    for child in staged.iterdir():
        shutil.move(child, media / child.name)


def restore_database(source: Path, alias: str = "default") -> None:
    """Replace the database content with a database-only backup (SQLite file or pg_dump custom format)."""
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
            [
                _binary("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_db(alias)['NAME']}",
                *_pg_args(alias, with_db=False),
                str(source),
            ],
            alias,
        )


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
