"""Input forms of the delivery pages; services do the rules, forms only parse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Organisation
from weibao.contracts.models import BusinessCalendar, Contract
from weibao.core.phones import PhoneFormField
from weibao.customers.models import Customer
from weibao.delivery.choices import DocKind, PartyKind, ReadinessItem, Stage, TeamRole
from weibao.delivery.models import (
    DailyReport,
    DeliveryProject,
    EquipmentItem,
    Issue,
    Meeting,
    OwnerInstruction,
    PaymentSignoff,
    ProjectType,
    Risk,
)

DATE = forms.DateInput(attrs={"type": "date"})


class ProjectCreateForm(forms.Form):
    customer = forms.ModelChoiceField(Customer.objects.order_by("name"), label=_("Customer"))
    project_type = forms.ModelChoiceField(ProjectType.objects.all(), label=_("Project type"))
    code = forms.CharField(label=_("Project code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    calendar = forms.ModelChoiceField(BusinessCalendar.objects.order_by("name"), label=_("Working calendar"))
    sla_template = forms.ModelChoiceField(Contract.objects.order_by("code"), label=_("SLA template"), required=False)
    bid_date = forms.DateField(label=_("Bid date"), required=False, widget=DATE)


class ProjectEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = DeliveryProject
        fields = [
            "name",
            "description",
            "bid_date",
            "bid_won",
            "equipment_confirmed_on",
            "contract_signed_on",
            "contract_amount",
            "initial_acceptance_on",
            "trial_run_start",
            "trial_run_months",
            "final_acceptance_on",
            "sla_template",
            "hardware_warranty_months",
            "software_warranty_months",
            "service_months",
            "main_site_address",
        ]
        widgets = dict.fromkeys(
            (
                "bid_date",
                "equipment_confirmed_on",
                "contract_signed_on",
                "initial_acceptance_on",
                "trial_run_start",
                "final_acceptance_on",
            ),
            DATE,
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    note = forms.CharField(label=_("Change note"), max_length=300, required=False)


class DocumentAddForm(UploadForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    kind = forms.ChoiceField(label=_("Document"), choices=DocKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    customer_review = forms.BooleanField(label=_("Reviewed by the customer"), required=False)
    visible_to_customer = forms.BooleanField(label=_("Visible to the customer"), required=False, initial=True)
    visible_to_supervisor = forms.BooleanField(label=_("Visible to the supervisor"), required=False, initial=True)


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Ask for changes"))], coerce=lambda v: v == "1", label=_("Review")
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ArrivalForm(forms.Form):
    arrived_on = forms.DateField(label=_("Arrived on"), widget=DATE)
    description = forms.CharField(label=_("What arrived"), max_length=300)


class ReadinessForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=ReadinessItem.choices)
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class TeamForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    phone = PhoneFormField(label=_("Mobile"), max_length=32, required=False)


class PartyForm(forms.Form):
    organisation = forms.ModelChoiceField(
        Organisation.objects.filter(kind__in=["supervisor", "vendor"]).order_by("name"), label=_("Organisation")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PartyKind.choices)


class MilestoneForm(forms.Form):
    actual_on = forms.DateField(label=_("Reached on"), widget=DATE, required=False)


class EquipmentForm(forms.ModelForm):
    class Meta:
        model = EquipmentItem
        fields = [
            "site_name",
            "subsystem_name",
            "vendor",
            "category",
            "name",
            "model",
            "serial_number",
            "location",
            "ip_address",
            "firmware",
            "installed_on",
            "notes",
        ]
        widgets = {"installed_on": DATE, "notes": forms.Textarea(attrs={"rows": 2})}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Equipment list (.xlsx)"))


class WeeklyForm(forms.Form):
    week_start = forms.DateField(label=_("Week of"), widget=DATE)


class IssueSolveForm(forms.Form):
    solution = forms.CharField(label=_("How it was solved"), widget=forms.Textarea(attrs={"rows": 2}))
    solved_on = forms.DateField(label=_("Solved on"), widget=DATE)


def _record_form(model, fields, dates=()):
    widgets = dict.fromkeys(dates, DATE)
    meta = type("Meta", (), {"model": model, "fields": fields, "widgets": widgets})
    return type(f"{model.__name__}Form", (forms.ModelForm,), {"Meta": meta})


# record kind -> (form, label); the view hands cleaned data to the service of that kind
RECORD_FORMS = {
    "daily": _record_form(DailyReport, ["day", "crew", "work_done", "problems"], ["day"]),
    "issue": _record_form(Issue, ["occurred_on", "description", "reported_by"], ["occurred_on"]),
    "risk": _record_form(Risk, ["description", "level", "mitigation"]),
    "meeting": _record_form(Meeting, ["held_on", "title", "attendees", "minutes"], ["held_on"]),
    "instruction": _record_form(
        OwnerInstruction, ["received_on", "instruction", "response", "answered_on"], ["received_on", "answered_on"]
    ),
    "payment": _record_form(
        PaymentSignoff,
        ["period", "amount", "signed_by_customer_on", "signed_by_supervisor_on"],
        ["signed_by_customer_on", "signed_by_supervisor_on"],
    ),
}
