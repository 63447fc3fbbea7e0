"""The one badge vocabulary. Code and templates name a tone; the stylesheet (static/css/weibao.css) alone turns a
tone into a colour, as the CSS class `badge-<tone>`:

    STATUS_BADGE = {Status.NEW: "info", Status.ESCALATED: "danger"}      # beside the choices (STYLE §9)
    <span class="badge badge-{{ wo.status|status_tone }}">…</span>

A tone outside TONES has no style; `core/tests/test_badges.py` checks every badge table, template and the CSS.
"""

TONES = ("ok", "info", "warn", "danger", "muted")
