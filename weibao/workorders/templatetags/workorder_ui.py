"""Display helpers for work-order pages: badge tones, durations, remaining time. No decisions here."""

import datetime as dt
import functools
import importlib

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from weibao.accounts.permissions import has_perm
from weibao.core.phones import tel_target

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A timedelta as short human text: "2天3小时", "1小时5分", "12分" (translated)."""
    if value is None:
        return ""
    negative = value < dt.timedelta(0)
    seconds = int(abs(value).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes and not days:
        parts.append(_("%(n)d min") % {"n": minutes})
    text = " ".join(parts) or _("< 1 min")
    return f"-{text}" if negative else text


@register.filter
def until(value: dt.datetime | None) -> str:
    """Wall time left until `value` ("3 h 10 min left" / "overdue 20 min")."""
    if value is None:
        return ""
    left = value - timezone.now()
    if left < dt.timedelta(0):
        return _("overdue %(time)s") % {"time": duration(-left)}
    return _("%(time)s left") % {"time": duration(left)}


@register.filter
def percent(ratio: float | None) -> int:
    """A 0..1+ ratio as a progress-bar width in percent, capped at 100."""
    if ratio is None:
        return 0
    return max(0, min(100, round(ratio * 100)))


@register.filter
def percent_step(ratio: float | None) -> int:
    """The progress-bar width rounded to 5 % steps, for the `w-0` … `w-100` classes (no inline style under the CSP)."""
    return 5 * round(percent(ratio) / 5)


@register.simple_tag
def query_with(request, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _display(field_name: str, value) -> str:
    """A before/after value from an event's JSON as people read it (choice labels, object labels, local times)."""
    from weibao.workorders.models import WorkOrder

    if value is None or value == "":
        return "—"
    if field_name == "wait_reason":
        from weibao.workorders.pauses import pause_reason_static_label

        return pause_reason_static_label(value)
    if isinstance(value, dict):
        return str(value.get("label", value.get("id", "")))
    if isinstance(value, list):
        return ", ".join(str(_display(field_name, v)) for v in value) or "—"
    try:
        field = WorkOrder._meta.get_field(field_name)
    except Exception:
        field = None
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


@register.filter
def event_changes(event) -> list[dict]:
    """The field changes an event records, as [{"field": label, "old": text, "new": text}]."""
    from weibao.workorders.models import WorkOrder

    fields = (event.data or {}).get("fields") or {}
    rows = []
    for name, pair in fields.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        try:
            label = str(WorkOrder._meta.get_field(name).verbose_name)
        except Exception:
            label = {"devices": _("affected devices")}.get(name, name)
        rows.append({"field": label, "old": _display(name, pair[0]), "new": _display(name, pair[1])})
    return rows


@register.simple_tag(takes_context=True)
def pause_reason_name(context, code: str) -> str:
    """A pause-reason code's name from the configurable list (issue 17): the list is read once per request, and only
    when a page shows a reason (the page's query count does not depend on how many events name one)."""
    from weibao.workorders.pauses import pause_reason_labels

    request = context.get("request")
    labels = getattr(request, "_pause_reason_labels", None)
    if labels is None:
        labels = pause_reason_labels()
        if request is not None:
            request._pause_reason_labels = labels
    return labels.get(code, code)


@register.filter
def clock_label(value: str) -> str:
    from weibao.contracts.choices import ClockKind

    try:
        return str(ClockKind(value).label)
    except ValueError:
        return value


@functools.cache
def _labels(choices_path: str, language: str) -> dict[str, str]:
    """Choice value -> translated label, built once per language. `get_FOO_display()` hashes every lazy label of
    the field on each call (a gettext each); on a queue page of 50 cards that was over a thousand lookups."""
    module, _sep, name = choices_path.rpartition(".")
    choices = getattr(importlib.import_module(module), name)
    return {value: str(label) for value, label in choices.choices}


def _label(choices_path: str, value) -> str:
    return (
        _labels(choices_path, get_language() or "")[value]
        if value in _labels(choices_path, get_language() or "")
        else str(value)
    )


@register.filter
def status_label(value: str) -> str:
    return _label("weibao.workorders.choices.Status", value)


@register.filter
def event_kind_label(value: str) -> str:
    """An event kind's label: `get_kind_display()` translates all ~70 kinds on every call (a timeline line each)."""
    return _label("weibao.workorders.choices.EventKind", value)


@register.filter
def sla_label(value: str) -> str:
    return _label("weibao.workorders.choices.SlaState", value)


@register.filter
def tel_href(value: str) -> str:
    """A phone number as a `tel:` target (`core.phones.tel_target`): "010-62345678-12" → "01062345678,12"."""
    return tel_target(value)


@register.filter
def close_reason_label(value: str) -> str:
    return _label("weibao.workorders.choices.CloseReason", value)


@register.filter
def channel_label(value: str) -> str:
    return _label("weibao.contracts.choices.IntakeChannel", value)


@register.filter
def minutes_text(value) -> str:
    try:
        return duration(dt.timedelta(minutes=int(value)))
    except (TypeError, ValueError):
        return ""


@register.filter
def status_tone(value: str) -> str:
    from weibao.workorders.choices import STATUS_BADGE

    return STATUS_BADGE.get(value, "muted")  # a tone name: class="badge badge-{{ …|status_tone }}"


@register.filter
def sla_tone(value: str) -> str:
    from weibao.workorders.choices import SLA_STATE_BADGE

    return SLA_STATE_BADGE.get(value, "muted")


@register.simple_tag(takes_context=True)
def panel_url(context, url_name: str, perm: str, *args) -> str:
    """URL of a panel another app contributes to this page, or "" when the user lacks `perm` or the app has no
    such page: workorders never imports the apps above it (notifications), it only names their fragments."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not has_perm(user, perm):
        return ""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""
