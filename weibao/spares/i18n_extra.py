"""Strings of other modules that this app added (event kinds on the order's timeline, the low-stock notice, the
menu entries): listed here so that `makemessages` in this app collects them and this app's catalog translates them
(Django merges every app's catalog)."""

from django.utils.translation import gettext_noop

EXTRA = [
    gettext_noop("Spare parts reserved"),
    gettext_noop("Spare parts issued"),
    gettext_noop("Unused spare parts returned"),
    gettext_noop("Spare part low in stock"),
    gettext_noop("Spare parts"),
    gettext_noop("Parts sales"),
]
