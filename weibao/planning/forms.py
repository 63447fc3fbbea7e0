"""Input forms of emergency plans and training (phone first). They parse; `planning.services` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.assets.models import Project, Vendor
from weibao.core.phones import PhoneFormField
from weibao.customers.models import Contact
from weibao.onsite.forms import VersionField
from weibao.planning.choices import ContactSide, TrainingMethod

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class EmergencyPlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scope = forms.CharField(label=_("Scope"), widget=TEXT)
    triggers = forms.CharField(label=_("Trigger conditions"), widget=TEXT)
    spare_parts = forms.CharField(label=_("Spare parts to bring"), required=False, widget=TEXT)
    fallback = forms.CharField(label=_("Fallback / rollback"), required=False, widget=TEXT)
    communication = forms.CharField(label=_("Communication template"), required=False, widget=TEXT)


class StepForm(forms.Form):
    text = forms.CharField(label=_("Action"), max_length=500, required=False)
    responsible = forms.CharField(label=_("Responsible"), max_length=100, required=False)


class ContactForm(forms.Form):
    side = forms.ChoiceField(label=_("Side"), choices=ContactSide.choices)
    name = forms.CharField(label=_("Name of the person"), max_length=100, required=False)
    role = forms.CharField(label=_("Role"), max_length=100, required=False)
    phone = PhoneFormField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )


StepFormSet = forms.formset_factory(StepForm, extra=6, max_num=100)
ContactFormSet = forms.formset_factory(ContactForm, extra=4, max_num=100)


class DrillForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    participants = forms.CharField(label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2}))
    findings = forms.CharField(label=_("Findings"), required=False, widget=TEXT)


class ApproveForm(forms.Form):
    version = VersionField()


class TrainingPlanForm(forms.Form):
    version = VersionField()
    title = forms.CharField(label=_("Title"), max_length=200)
    method = forms.ChoiceField(label=_("Method"), choices=TrainingMethod.choices, widget=forms.RadioSelect)
    trainers = forms.CharField(label=_("Trainers"), max_length=300, help_text=_("Our engineers and vendor trainers."))
    vendor = forms.ModelChoiceField(label=_("Vendor trainer from"), required=False, queryset=Vendor.objects.all())
    project = forms.ModelChoiceField(label=_("Project"), required=False, queryset=Project.objects.none())
    content = forms.CharField(label=_("Content"), widget=TEXT)
    scope = forms.CharField(label=_("Scope"), required=False, widget=TEXT)
    trainees = forms.CharField(label=_("Trainees"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("To"), widget=DATE)

    def __init__(self, *args, customer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(customer=customer).order_by("name")
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    days = forms.CharField(
        label=_("Training days"), max_length=6, initial="1", widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    location = forms.CharField(label=_("Place or meeting link"), max_length=300, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=300, required=False)


SCORES = [("", "—")] + [(str(i), str(i)) for i in range(1, 6)]


class AttendanceForm(forms.Form):
    """The trainer records a trainee; only the plan's customer's contacts can be chosen."""

    session = forms.IntegerField(widget=forms.HiddenInput)
    contact = forms.ModelChoiceField(label=_("Trainee"), queryset=Contact.objects.none())
    feedback_score = forms.ChoiceField(label=_("Feedback score"), choices=SCORES, required=False)

    def __init__(self, *args, customer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer).order_by("name")


class SignInForm(forms.Form):
    feedback_score = forms.ChoiceField(label=_("How useful was it? (1–5)"), choices=SCORES, required=False)


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))
