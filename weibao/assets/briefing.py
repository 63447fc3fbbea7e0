"""Pre-visit briefing registry: other apps add sections to the briefing page and panels to the device page.

    from weibao.assets.briefing import register_section

    def contract_section(*, request, site=None, project=None, device=None) -> dict | None:
        return {"title": _("Contract & entitlement"), "template": "contracts/partials/_briefing.html",
                "context": {...}, "order": 20}

    register_section(contract_section)      # in the app's AppConfig.ready()

A function returns None to show nothing. A failing section is logged and skipped: one broken panel must not keep an
engineer from the rest of the briefing.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

SectionFn = Callable[..., dict[str, Any] | None]
_sections: list[SectionFn] = []
_device_panels: list[SectionFn] = []


def register_section(fn: SectionFn) -> SectionFn:
    """Add a section to the pre-visit briefing page (idempotent; usable as a decorator)."""
    if fn not in _sections:
        _sections.append(fn)
    return fn


def register_device_panel(fn: SectionFn) -> SectionFn:
    """Add a panel to the device detail page (same signature as a briefing section)."""
    if fn not in _device_panels:
        _device_panels.append(fn)
    return fn


def unregister(fn: SectionFn) -> None:
    """Remove a section or panel (tests)."""
    for registry in (_sections, _device_panels):
        if fn in registry:
            registry.remove(fn)


def _collect(registry: list[SectionFn], **kwargs) -> list[dict[str, Any]]:
    results = []
    for fn in list(registry):
        try:
            section = fn(**kwargs)
        except Exception:
            logger.exception("briefing section %s failed", getattr(fn, "__qualname__", fn))
            continue
        if section:
            section.setdefault("order", 100)
            section.setdefault("context", {})
            section["_module"] = getattr(fn, "__module__", "")
            results.append(section)
    return sorted(results, key=lambda s: s["order"])


def _render(sections: list[dict[str, Any]], request) -> list[dict[str, Any]]:
    # Each section's template sees its own context as top-level variables (plus the request).
    rendered = []
    for section in sections:
        try:
            section["html"] = render_to_string(section["template"], section["context"], request=request)
        except Exception:
            logger.exception("briefing section template %s failed", section.get("template"))
            continue
        rendered.append(section)
    return rendered


def sections_for(*, request, site=None, project=None, device=None) -> list[dict[str, Any]]:
    return _render(_collect(_sections, request=request, site=site, project=project, device=device), request)


def device_panels_for(*, request, device) -> list[dict[str, Any]]:
    return _render(_collect(_device_panels, request=request, device=device), request)
