"""The roster week grid's data: plain values per day and shift, for `dispatch/partials/_roster_days.html`.

A branch's week at scale is a few hundred shifts; through the template engine every shift cost two `{% url %}`, a
`{% csrf_token %}`, a choice-label lookup and a dozen variable resolutions (~90 ms for 290 shifts). Here the
per-request constants (labels, URL patterns) are computed once and each shift becomes a small dict of strings, so the
template only prints values (the markup stays in the template, escaped by it).
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from weibao.dispatch.choices import ROSTER_KIND_BADGE, RosterKind
from weibao.dispatch.selectors import ShiftRow

_PK = 2147483647  # a pk that cannot occur in a URL prefix; replaced by each shift's own


def _url_pattern(name: str) -> tuple[str, str]:
    head, _sep, tail = reverse(name, args=[_PK]).partition(str(_PK))
    return head, tail


def roster_days(days: list[tuple[dt.date, list[ShiftRow]]], *, today: dt.date, can_edit: bool) -> list[dict]:
    """The seven day cards of the roster week, shifts in the given order, as plain values."""
    kind_labels = dict(RosterKind.choices)
    edit_head, edit_tail = _url_pattern("dispatch:roster_entry_edit") if can_edit else ("", "")
    delete_head, delete_tail = _url_pattern("dispatch:roster_entry_delete") if can_edit else ("", "")
    tz = timezone.get_current_timezone()
    out = []
    for day, shifts in days:
        rows = []
        for shift in shifts:
            start = shift.starts_at.astimezone(tz)
            end = shift.ends_at.astimezone(tz)
            rows.append(
                {
                    "kind": kind_labels.get(shift.kind) or shift.kind,
                    "badge": ROSTER_KIND_BADGE.get(shift.kind, "muted"),
                    "engineer": shift.engineer,
                    "start": f"{start:%H:%M}",
                    "end": f"{end:%H:%M}",
                    "next_day": end.date() > shift.date,
                    "note": shift.note,
                    "edit_url": f"{edit_head}{shift.pk}{edit_tail}",
                    "delete_url": f"{delete_head}{shift.pk}{delete_tail}",
                }
            )
        out.append({"date": day, "iso": day.isoformat(), "is_today": day == today, "shifts": rows})
    return out
