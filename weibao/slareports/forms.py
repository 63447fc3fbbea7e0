"""Input of the report pages: the period (never inverted), the schedule, the review."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.slareports import metrics
from weibao.slareports.choices import Dimension, Frequency


def previous_month(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


class PeriodForm(forms.Form):
    """A period [start, end], both days included; the end may not lie before the start."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            try:
                metrics.period_bounds(start, end)
            except forms.ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data


class ReportForm(PeriodForm):
    contract = forms.TypedChoiceField(label=_("Contract"), coerce=int)

    field_order = ["contract", "start", "end"]

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [(c.pk, f"{c.code} · {c.name} · {c.customer}") for c in contracts]


class AnalysisForm(PeriodForm):
    customer = forms.IntegerField(label=_("Customer"), required=False, widget=forms.HiddenInput)
    contract = forms.IntegerField(label=_("Contract"), required=False, widget=forms.HiddenInput)


class AnalysisDrillForm(AnalysisForm):
    dimension = forms.ChoiceField(choices=Dimension.choices)
    key = forms.CharField(max_length=200)


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(label=_("Regular report"), choices=Frequency.choices)
    major_down_hours = forms.IntegerField(
        label=_("Major fault when down longer than (hours)"),
        required=False,
        min_value=1,
        max_value=10_000,
        help_text=_("Empty: only severity A counts as a major fault."),
    )
    extra_recipients = forms.CharField(
        label=_("Extra recipients"),
        required=False,
        max_length=500,
        help_text=_("Comma-separated e-mail addresses, in addition to the customer's contacts."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the customer"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
