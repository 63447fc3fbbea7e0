"""Input of the feedback pages. Forms parse and type-check; the business rules live in `feedback.services`, whose
ValidationErrors are put back onto these fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.contracts.choices import Severity
from weibao.core.phones import PhoneFormField
from weibao.feedback.choices import (
    CallbackOutcome,
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintSource,
    FollowUp,
    Satisfaction,
)
from weibao.feedback.models import FeedbackPolicy
from weibao.feedback.services import POLICY_FIELDS


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1, max_value=2**31, **kwargs)


class CallbackResultForm(forms.Form):
    version = VersionField()
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=CallbackOutcome.choices, widget=forms.RadioSelect, required=False
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=Satisfaction.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    remark = forms.CharField(
        label=_("Customer's words (verbatim)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    follow_up = forms.ChoiceField(label=_("Follow-up"), choices=FollowUp.choices, required=False)
    follow_up_text = forms.CharField(
        label=_("What the customer asks for"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )
    follow_up_severity = forms.ChoiceField(
        label=_("Severity of the new order"), choices=Severity.choices, required=False, initial=Severity.C
    )
    complaint_category = forms.ChoiceField(
        label=_("Complaint category"),
        choices=ComplaintCategory.choices,
        required=False,
        initial=ComplaintCategory.OTHER,
    )


class ComplaintForm(forms.Form):
    """Register a complaint. Staff pick the customer; a customer user complains for its own organisation."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, required=True)
    order_number = forms.CharField(
        label=_("Work order number"),
        required=False,
        max_length=20,
        help_text=_("e.g. WB-2026-000123; empty if the complaint is not about one order."),
    )
    engineer = forms.ModelChoiceField(
        label=_("Engineer complained about"),
        queryset=None,
        required=False,
        help_text=_("Empty: the order's engineer (except for complaints about charges)."),
    )
    source = forms.ChoiceField(label=_("Received via"), choices=ComplaintSource.choices, initial=ComplaintSource.PHONE)
    category = forms.ChoiceField(label=_("Category"), choices=ComplaintCategory.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=ComplaintSeverity.choices, initial=ComplaintSeverity.MINOR
    )
    complainant_name = forms.CharField(label=_("Complainant"), max_length=100)
    complainant_phone = PhoneFormField(label=_("Complainant phone"), max_length=40, required=False)
    description = forms.CharField(
        label=_("What the customer says"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from weibao.accounts.choices import Role
        from weibao.accounts.models import User
        from weibao.customers.models import Customer

        if user.is_customer:
            for name in ("customer", "engineer", "source", "severity"):
                del self.fields[name]
        else:
            self.fields["customer"].queryset = Customer.objects.order_by("name")
            self.fields["engineer"].queryset = User.objects.filter(
                role__in=[Role.FIELD_ENGINEER, Role.DUTY_ENGINEER], is_active=True
            ).order_by("name")


class TextStepForm(forms.Form):
    """One complaint step: its text (note, answer, reason, statement) and the version the user saw."""

    version = VersionField()
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)


class PeriodForm(forms.Form):
    by = forms.ChoiceField(label=_("Per"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from weibao.feedback.selectors import DIMENSION_LABELS

        super().__init__(*args, **kwargs)
        self.fields["by"].choices = list(DIMENSION_LABELS.items())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("start", _("The start date is after the end date."))
        return data


class PolicyForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = FeedbackPolicy
        fields = [*POLICY_FIELDS, "calendar"]
