"""Test helpers any app can import (also exposed as root conftest fixtures)."""

from django.test import Client


def assert_scoped(url: str, client: Client, *, method: str = "get", data: dict | None = None, **extra) -> None:
    """Assert that `client` (logged in as a user of another organisation) gets 404 for `url`.

    Use it with an object of customer A and a client of customer B, for pages and API endpoints alike:
    another organisation's rows must not exist for them (never 403, which would confirm the row exists).
    """
    call = getattr(client, method.lower())
    if data is not None and url.startswith("/api/"):
        response = call(url, data=data, content_type="application/json", **extra)
    elif data is not None:
        response = call(url, data=data, **extra)
    else:
        response = call(url, **extra)
    assert response.status_code == 404, f"{method.upper()} {url}: expected 404, got {response.status_code}"
