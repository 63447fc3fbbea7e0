"""Reading settings from the environment (no Django imports: used by settings.py)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true/false/1/0.")


def env_int(name: str, default: int, *, minimum: int | None = 1) -> int:
    """An integer of at least `minimum` (1 unless the caller says 0 means something, e.g. "off"; None: no bound)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} is too small: it must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/systemd credentials)."""
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from exc
    return None


def parse_database_url(url: str) -> dict:
    """Parse DATABASE_URL, refusing anything malformed with a message that names the variable."""
    import dj_database_url

    if "://" not in url:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} is malformed: expected sqlite:///path or postgres://user@host:port/name."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj_database_url raises several unrelated types
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} is malformed: {exc}") from exc
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        raise ImproperlyConfigured(f"DATABASE_URL={url!r}: only sqlite and postgres are supported (got {engine!r}).")
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} is malformed: the database name is missing.")
    if config["NAME"] == ":memory:":
        # Web, worker and scheduler are separate processes: an in-memory database would be one per process.
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no file: use sqlite:////absolute/path.sqlite3.")
    return config
