"""Input forms of the duty roster pages."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Branch
from weibao.dispatch.choices import RosterKind
from weibao.dispatch.selectors import rosterable_engineers


class RosterEntryForm(forms.Form):
    """One shift: who, which day, from when to when (an end before the start runs past midnight)."""

    engineer = forms.ModelChoiceField(label=_("Engineer"), queryset=rosterable_engineers())
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(
        label=_("From"), initial=dt.time(8, 30), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("To"), initial=dt.time(17, 30), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=RosterKind.choices, initial=RosterKind.ON_DUTY)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, branch: Branch | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Engineers of every branch can be lent out, so all are offered; the branch's own come first.
        engineers = list(rosterable_engineers())
        if branch is not None:
            engineers.sort(key=lambda u: (u.branch_id != branch.pk, u.name))
        self.fields["engineer"].queryset = rosterable_engineers()
        self.fields["engineer"].choices = [("", "---------")] + [
            (u.pk, f"{u.name or u.username} · {u.branch or ''} · {u.get_role_display()}") for u in engineers
        ]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] == data["end"]:
            self.add_error("end", _("A shift cannot start and end at the same time."))
        return data


class CopyWeekForm(forms.Form):
    """Copy the shown week's roster to another week."""

    target = forms.DateField(
        label=_("Copy this week to the week of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
