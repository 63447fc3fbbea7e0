"""Helpers shared by the work-order views: which template for htmx, how conflicts are shown."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from weibao.core.validators import MAX_BIGINT


def render_page_or_fragment(
    request: HttpRequest, *, page: str, fragment: str, context: dict, status: int = 200
) -> HttpResponse:
    """One view serves the full page and its htmx fragment (STYLE §5)."""
    template = fragment if getattr(request, "htmx", False) and not request.htmx.boosted else page
    return render(request, template, context, status=status)


def int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) <= MAX_BIGINT else None  # beyond a 64-bit column: the driver's OverflowError
