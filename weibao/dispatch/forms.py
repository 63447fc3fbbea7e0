"""Input forms of the duty roster pages."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Branch
from weibao.core.blank import blank_choice
from weibao.core.validators import validate_sane_date
from weibao.dispatch.choices import RosterKind
from weibao.dispatch.selectors import engineer_options, rosterable_engineers


class OptionsSelect(forms.Select):
    """Django's `<select>` with its options written in the one template (`dispatch/widgets/select_inline.html`, the
    same markup as Django's `select.html`): the engineer list offers every rosterable engineer (200 at scale), and an
    `{% include %}` per option cost ~20 ms per roster page."""

    template_name = "dispatch/widgets/select_inline.html"


class RosterEntryForm(forms.Form):
    """One shift: who, which day, from when to when (an end before the start runs past midnight)."""

    engineer = forms.ModelChoiceField(label=_("Engineer"), queryset=rosterable_engineers(), widget=OptionsSelect)
    date = forms.DateField(
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_sane_date],
    )
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
        # Engineers of every branch can be lent out, so all are offered; the branch's own come first. The options
        # come from a short-lived cache with a digest of what they show (`engineers_digest`: the key of the
        # rendered fields); the field still validates against the engineers as they are now (its queryset).
        self.engineers_digest, options = engineer_options(branch=branch)
        self.fields["engineer"].queryset = rosterable_engineers()
        self.fields["engineer"].choices = lambda: blank_choice() + options  # read only when rendered

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] == data["end"]:
            self.add_error("end", _("A shift cannot start and end at the same time."))
        return data


class CopyWeekForm(forms.Form):
    """Copy the shown week's roster to another week."""

    target = forms.DateField(
        label=_("Copy this week to the week of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_sane_date],
    )
