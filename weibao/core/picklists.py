"""Staff pick lists (branches, engineers) read by busy pages: built once and kept in the cache until a user or a
branch changes (`pick_lists_changed`, called by accounts' receivers), at most 6 × WEIBAO_QUEUE_COUNTS_TTL seconds
(a minute by default; 0 keeps nothing)."""

from collections.abc import Callable

from weibao.core.shortcache import cached_briefly, version_bump, version_of


def pick_lists_changed() -> None:
    """Every pick list is built anew on its next read (a new version; entries of the old one expire unread)."""
    version_bump("picklists")


def pick_lists_version() -> int:
    """Changes whenever a user or a branch does: part of the key of any cached markup that names people."""
    return version_of("picklists")


def cached_pick_list[T](key: str, compute: Callable[[], T]) -> T:
    """`compute()` kept under `key` for the current version of the pick lists."""
    return cached_briefly(f"{key}:v{pick_lists_version()}", compute, ttl_factor=6)
