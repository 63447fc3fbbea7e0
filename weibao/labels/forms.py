from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.contracts.choices import Severity
from weibao.core.phones import PhoneFormField
from weibao.labels import conf
from weibao.workorders.forms import MultipleFileField, MultipleFileInput


class PhoneForm(forms.Form):
    """The scan page's first step for someone without an account: the mobile number the code goes to."""

    phone = PhoneFormField(
        label=_("Your mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    phone = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ScanReportForm(forms.Form):
    """What is wrong with the scanned device, how urgent, and photos straight from the phone's camera."""

    label_suffix = ""  # the labels are questions ("出了什么问题？"): no colon after them

    symptom = forms.CharField(label=_("What is wrong?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    severity = forms.ChoiceField(label=_("How urgent is it?"), choices=Severity.choices, initial=Severity.C)
    reporter_phone = PhoneFormField(label=_("Phone number to call you back"), max_length=40, required=False)
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": "image/*", "capture": "environment"}),
    )


class SheetForm(forms.Form):
    """Which labels to print, and the grid of the label paper (columns × rows on an A4 page)."""

    site = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    project = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    device = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    columns = forms.TypedChoiceField(label=_("Columns"), coerce=int, choices=[(n, n) for n in conf.GRID_COLUMNS])
    rows = forms.TypedChoiceField(label=_("Rows"), coerce=int, choices=[(n, n) for n in conf.GRID_ROWS])

    def clean(self):
        data = super().clean()
        if sum(1 for key in ("site", "project", "device") if data.get(key)) != 1:
            raise forms.ValidationError(_("Choose one site, project or device."))
        return data
