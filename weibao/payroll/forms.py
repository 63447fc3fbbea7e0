"""Input forms of the month-end pages (phone first for engineers and for the manager answering). They parse;
`payroll.services` decides and its field errors land on these fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from weibao.payroll.choices import NEEDS_APPROVAL, TravelKind
from weibao.payroll.rules import parse_month
from weibao.workorders.forms import AwareDateTimeField

MONEY = {"max_digits": 12, "decimal_places": 2}


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker) → the month's first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
        return month


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(*args, **kwargs)


class PrepareForm(forms.Form):
    month = MonthField(label=_("Month"))
    version = VersionField()


class StepForm(forms.Form):
    """Review, approve or return: an optional note (required to return) and the version shown."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = VersionField()


class AttendanceForm(forms.Form):
    attendance_days = forms.DecimalField(
        label=_("Attendance days"), required=False, min_value=0, max_value=31, max_digits=5, decimal_places=2
    )
    version = VersionField()


class PayRuleForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    service_allowance = forms.DecimalField(label=_("Allowance per service (服务补贴)"), min_value=0, **MONEY)
    monthly_bonus = forms.DecimalField(label=_("Monthly no-complaint bonus (奖金)"), min_value=0, **MONEY)
    complaint_fine = forms.DecimalField(label=_("Fine per confirmed complaint"), min_value=0, **MONEY)
    forfeit_threshold = forms.IntegerField(
        label=_("Complaints from which the bonus is forfeited"), min_value=1, max_value=100
    )
    non_dedicated_visit_fee = forms.DecimalField(
        label=_("Labour fee per visit, non-dedicated staff"), min_value=0, **MONEY
    )
    base_salary = forms.DecimalField(label=_("Base salary (底薪)"), min_value=0, **MONEY)
    probation_base_salary = forms.DecimalField(label=_("Base salary on probation"), min_value=0, **MONEY)
    seniority_per_year = forms.DecimalField(label=_("Seniority pay per full year (工龄)"), min_value=0, **MONEY)
    standard_days = forms.DecimalField(
        label=_("Attendance days of a full month"),
        min_value=Decimal("0.5"),
        max_value=31,
        max_digits=5,
        decimal_places=2,
        initial=Decimal("21.75"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ApprovalRequestForm(forms.Form):
    """Asked before the trip: taxi or freight for one of my orders, and why."""

    workorder = forms.TypedChoiceField(coerce=int, label=_("Work order"))
    kind = forms.ChoiceField(
        label=_("Transport"), choices=[(k, TravelKind(k).label) for k in TravelKind.values if k in NEEDS_APPROVAL]
    )
    reason = forms.CharField(
        label=_("Why (urgent, bulky goods…)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    estimated_amount = forms.DecimalField(
        label=_("Estimated cost (CNY)"), required=False, min_value=Decimal("0.01"), **MONEY
    )

    def __init__(self, *args, orders=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workorder"].choices = [("", "—")] + [(wo.pk, f"{wo.number} {wo.title}".strip()) for wo in orders]


class ClaimForm(forms.Form):
    """After the trip: the order, how, when, how much, from where to where, and the receipt photo."""

    workorder = forms.TypedChoiceField(coerce=int, label=_("Work order"))
    kind = forms.ChoiceField(label=_("Transport"), choices=TravelKind.choices)
    trip_at = AwareDateTimeField(label=_("Trip started at"))
    amount = forms.DecimalField(label=_("Amount (CNY)"), min_value=Decimal("0.01"), **MONEY)
    description = forms.CharField(label=_("From – to"), max_length=300)
    receipt = forms.FileField(
        label=_("Receipt photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, orders=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workorder"].choices = [("", "—")] + [(wo.pk, f"{wo.number} {wo.title}".strip()) for wo in orders]


class AnswerForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
