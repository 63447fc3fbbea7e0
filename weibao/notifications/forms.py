"""Forms of the channels app: triage assignment and personal notification preferences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.notifications.choices import Channel, Notice


class TriageAssignForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=None, label=_("Customer"))
    site = forms.ModelChoiceField(queryset=None, label=_("Site"))

    def __init__(self, *args, **kwargs) -> None:
        from weibao.customers.models import Customer, Site

        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.order_by("name")
        self.fields["site"].queryset = Site.objects.select_related("customer").order_by("customer__name", "name")

    def clean(self):
        data = super().clean()
        if data.get("customer") and data.get("site") and data["site"].customer_id != data["customer"].pk:
            self.add_error("site", _("This site does not belong to the customer."))
        return data


class PreferenceForm(forms.Form):
    notices = forms.MultipleChoiceField(
        choices=Notice.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Tell me about"),
        help_text=_("None ticked: all."),
    )
    channels = forms.MultipleChoiceField(
        choices=[(Channel.EMAIL, Channel.EMAIL.label), (Channel.SMS, Channel.SMS.label)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("By"),
        help_text=_("None ticked: email."),
    )
    quiet_start = forms.TimeField(
        required=False, label=_("Quiet hours from"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        required=False, label=_("Quiet hours until"), widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, notice_choices: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if notice_choices is not None:  # only the notices that can reach this person (`notice_choices_for`)
            self.fields["notices"].choices = notice_choices

    def clean(self):
        data = super().clean()
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            self.add_error("quiet_end", _("Give both ends of the quiet hours, or neither."))
        return data
