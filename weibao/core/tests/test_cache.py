"""The shared cache on a real Redis: one process's change is seen by the others, and a Redis that is down costs speed,
not pages. Each test works under a key prefix of its own (the suite's xdist workers share one Redis)."""

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis
from django.core.cache import cache, caches
from django.test import override_settings
from django.urls import reverse

from weibao.core.cache import TolerantRedisCache
from weibao.core.picklists import pick_lists_version
from weibao.core.tests.test_env import _weibao

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


# scripts/test.sh's PostgreSQL run sets WEIBAO_REDIS_TESTS=1: there a missing Redis is a failure, not a skip.
needs_redis = pytest.mark.skipif(
    not os.environ.get("WEIBAO_REDIS_TESTS") and not _redis_up(REDIS_URL), reason="no Redis at REDIS_URL"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _caches(url: str, prefix: str, retry: float = 10.0) -> dict:
    options = {"retry_seconds": retry, "socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    return {
        "default": {
            "BACKEND": "weibao.core.cache.TolerantRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": options,
        }
    }


@pytest.fixture
def prefix():
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "weibao.core.cache.TolerantRedisCache"),
        ({"WEIBAO_CACHE_URL": "redis://127.0.0.1:6379/4"}, "weibao.core.cache.TolerantRedisCache"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/3", "WEIBAO_CACHE_URL": "locmem"}, "LocMemCache"),
        ({"REDIS_URL": ""}, "LocMemCache"),
    ],
)
def test_the_cache_follows_the_environment(env, backend):
    shown = "from django.conf import settings; from django.core.cache import cache; print(type(cache).__name__, "
    shown += "settings.CACHES['default'].get('BACKEND'), settings.CACHES['default'].get('LOCATION'))"
    result = _weibao("shell", "-c", shown, WEIBAO_DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    assert backend.rsplit(".", 1)[-1] in result.stdout
    if "WEIBAO_CACHE_URL" in env and env["WEIBAO_CACHE_URL"] != "locmem":
        assert env["WEIBAO_CACHE_URL"] in result.stdout


def test_a_cache_url_that_is_not_redis_stops_start_up():
    result = _weibao("check", WEIBAO_DEBUG="true", WEIBAO_CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0
    assert "WEIBAO_CACHE_URL must be a redis://" in result.stderr


@needs_redis
def test_a_change_in_one_process_is_seen_by_another(prefix):
    """The pick lists' version bumped by another process (a user saved on another web worker) is seen here at once;
    with the per-process cache it was seen only when this process's entries expired."""
    with override_settings(CACHES=_caches(REDIS_URL, prefix)):
        before = pick_lists_version()
        result = _weibao(
            "shell",
            "-c",
            "from weibao.core.picklists import pick_lists_changed; pick_lists_changed()",
            WEIBAO_DEBUG="true",
            WEIBAO_CACHE_URL=REDIS_URL,
            WEIBAO_CACHE_PREFIX=prefix,
        )
        assert result.returncode == 0, result.stderr
        assert pick_lists_version() != before
        cache.clear()


@needs_redis
def test_clear_deletes_only_this_caches_keys(prefix):
    raw = redis.Redis.from_url(REDIS_URL)
    foreign = f"{prefix}-foreign"
    raw.set(foreign, "kept", ex=60)  # e.g. the scheduler's lock in the same database
    try:
        with override_settings(CACHES=_caches(REDIS_URL, prefix)):
            cache.set_many({"a": 1, "b": [2]}, 60)
            cache.set("c", "x", None)
            assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": [2], "c": "x"}
            cache.clear()
            assert cache.get_many(["a", "b", "c"]) == {}
        assert raw.get(foreign) == b"kept"
    finally:
        raw.delete(foreign)


def test_a_redis_that_is_down_costs_speed_not_pages(db, client, duty_engineer, prefix, caplog):
    """Nobody listens on the port: the pages still render (reads miss, writes are dropped), one warning is logged, and
    Redis is left alone until the pause is over."""
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    with override_settings(CACHES=_caches(dead, prefix)):
        assert isinstance(caches["default"], TolerantRedisCache)
        client.force_login(duty_engineer)
        for name in ("workorders:list", "workorders:dashboard", "core:home", "dispatch:roster"):
            assert client.get(reverse(name)).status_code == 200
        assert cache.get_or_set("k", lambda: 41) == 41
        cache.set("k", 1)
        assert cache.get("k", "missed") == "missed"
        with pytest.raises(ValueError, match="not found"):
            cache.incr("k")
        assert cache._cache.breaker.is_open()
        warnings = [r for r in caplog.records if r.name == "weibao.core.cache"]
        assert len(warnings) == 1
        assert "unavailable" in warnings[0].getMessage()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_the_cache_comes_back_when_redis_does(prefix, tmp_path):
    port = _free_port()
    with override_settings(CACHES=_caches(f"redis://127.0.0.1:{port}/0", prefix, retry=3.0)):
        cache.set("k", "lost")
        assert cache.get("k") is None
        assert cache._cache.breaker.is_open()
        server = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],  # noqa: S607
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not _redis_up(f"redis://127.0.0.1:{port}/0"):
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
            breaker = cache._cache.breaker
            assert breaker.is_open()
            cache.set("k", "skipped")  # the pause is not over yet: not even tried
            assert not redis.Redis(port=port).exists(f"{prefix}:1:k")
            time.sleep(max(0.0, breaker.open_until - time.monotonic()) + 0.05)
            cache.set("k", "kept")
            assert cache.get("k") == "kept"
        finally:
            server.terminate()
            server.wait(10)
