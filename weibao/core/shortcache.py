"""Figures a busy page may show a few seconds old: counts per state or tab, top-N lists of a dashboard.

Counting tens of thousands of rows (open orders, pending callbacks) on every view and every htmx refresh costs more
than the rest of the page; they are kept WEIBAO_QUEUE_COUNTS_TTL seconds (10; 0 keeps nothing) per scope
(`scope_key`), while the rows of the page itself are always read fresh."""

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language


def scope_key(user) -> str:
    """Who sees the same figures: all of our staff alike, a customer's or vendor's users per organisation."""
    return "staff" if user.is_internal else f"{user.role}:{user.organisation_id}"


def cached_briefly[T](
    key: str, compute: Callable[[], T], *, keep: Callable[[T], bool] | None = None, ttl_factor: int = 1
) -> T:
    """`compute()`, kept under `key` for `ttl_factor` × WEIBAO_QUEUE_COUNTS_TTL seconds; with `keep`, only a value
    it accepts is kept (counts worth caching: a small one is cheap to take again and must not lag behind)."""
    ttl = getattr(settings, "WEIBAO_QUEUE_COUNTS_TTL", 10) * ttl_factor
    if not ttl:
        return compute()
    value = cache.get(key)
    if value is None:
        value = compute()
        if keep is None or keep(value):
            cache.set(key, value, ttl)
    return value


def version_bump(name: str) -> None:
    """A new version of `name` (e.g. "picklists", "estate"): markup cached under the old one is not read again and
    expires unread. Shared by every process when the cache is (WEIBAO_CACHE_URL)."""
    cache.set(f"version:{name}", time.time_ns(), None)


def version_of(name: str) -> int:
    """The current version of `name`, for the keys of cached markup that shows it (0 until the first change)."""
    return cache.get(f"version:{name}", 0)


def shown_key(shown) -> str:
    """The cache key of markup by a digest of every value it shows (plus the language and time zone it is shown in):
    any edit to those values gives a new key at once, whatever path made it; old entries expire unread."""
    stamp = repr((get_language(), timezone.get_current_timezone_name(), shown))
    return hashlib.sha256(stamp.encode()).hexdigest()[:32]
