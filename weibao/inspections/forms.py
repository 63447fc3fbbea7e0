"""Input forms of the inspection pages (phone first). They parse; `inspections.services` decides. Readings are
taken as text and checked by the service (a reading that is not a number is a field error there), so the page and
the API refuse the same things the same way. Signature pads, camera photos and the version field are the on-site
app's fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.assets.choices import SubsystemKind
from weibao.assets.models import Subsystem
from weibao.customers.models import Site
from weibao.inspections.choices import Frequency, ItemKind, Risk
from weibao.inspections.models import ChecklistTemplate, InspectionAnswer
from weibao.onsite.forms import CameraPhotoField, SignatureField, VersionField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    subsystem_kind = forms.ChoiceField(label=_("Subsystem kind"), choices=SubsystemKind.choices)


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    text = forms.CharField(label=_("Question"), max_length=300, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    min_value = forms.CharField(label=_("Lower limit"), max_length=20, required=False)
    max_value = forms.CharField(label=_("Upper limit"), max_length=20, required=False)
    photo_required = forms.BooleanField(label=_("Photo required"), required=False)


ItemFormSet = forms.formset_factory(ItemForm, extra=6, max_num=200)


class PlanForm(forms.Form):
    """A plan of one contract: the contract is the page's, sites and subsystems are its customer's."""

    version = VersionField()
    name = forms.CharField(label=_("Name"), max_length=200)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    subsystem = forms.ModelChoiceField(label=_("Subsystem"), queryset=Subsystem.objects.none(), required=False)
    template = forms.ModelChoiceField(label=_("Checklist"), queryset=ChecklistTemplate.objects.filter(active=True))
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    interval_days = forms.IntegerField(
        label=_("Every N working days"), required=False, help_text=_("Only for “every N working days”.")
    )
    starts_on = forms.DateField(label=_("First visit from"), widget=DATE)
    window_start = forms.TimeField(label=_("Preferred window from"), required=False, widget=TIME)
    window_end = forms.TimeField(label=_("Preferred window to"), required=False, widget=TIME)
    engineer = forms.ModelChoiceField(label=_("Default engineer"), required=False, queryset=User.objects.none())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, contract, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(customer_id=contract.customer_id).order_by("name")
        self.fields["subsystem"].queryset = Subsystem.objects.filter(
            project__customer_id=contract.customer_id
        ).select_related("project")
        self.fields["engineer"].queryset = User.objects.filter(
            is_active=True, role__in=[Role.FIELD_ENGINEER, Role.DUTY_ENGINEER]
        ).order_by("name")


class VisitAnswersForm(forms.Form):
    """One row of fields per checklist answer: `a<id>_value`, `a<id>_finding`, `a<id>_risk`, `a<id>_photo`."""

    def __init__(self, *args, answers: list[InspectionAnswer], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for answer in answers:
            prefix = f"a{answer.pk}_"
            if answer.kind == ItemKind.YES_NO:
                initial = "" if answer.value_bool is None else ("yes" if answer.value_bool else "no")
                value = forms.ChoiceField(
                    label=answer.text,
                    required=False,
                    initial=initial,
                    widget=forms.RadioSelect,
                    choices=[("yes", _("Yes")), ("no", _("No"))],
                )
            elif answer.kind == ItemKind.READING:
                initial = "" if answer.value_number is None else f"{answer.value_number.normalize():f}"
                value = forms.CharField(
                    label=f"{answer.text} ({answer.unit})" if answer.unit else answer.text,
                    required=False,
                    initial=initial,
                    max_length=30,
                    help_text=answer.limits,
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
            elif answer.kind == ItemKind.TEXT:
                value = forms.CharField(
                    label=answer.text,
                    required=False,
                    initial=answer.value_text,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            else:
                value = None
            names = {}
            if value is not None:
                self.fields[prefix + "value"] = value
                names["value"] = prefix + "value"
            self.fields[prefix + "photo"] = CameraPhotoField(
                label=_("Photo") if answer.kind == ItemKind.PHOTO else _("Photo (optional)")
            )
            self.fields[prefix + "finding"] = forms.CharField(
                label=_("Finding"), required=False, initial=answer.finding, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[prefix + "risk"] = forms.ChoiceField(
                label=_("Risk"), choices=Risk.choices, initial=answer.risk, required=False
            )
            names.update(photo=prefix + "photo", finding=prefix + "finding", risk=prefix + "risk")
            self.rows.append((answer, names))

    def bound_rows(self):
        """For the template: (answer, {part: bound field})."""
        return [(answer, {part: self[name] for part, name in names.items()}) for answer, names in self.rows]

    def service_answers(self) -> dict[int, dict]:
        data = {}
        for answer, names in self.rows:
            row = {part: self.cleaned_data.get(name) for part, name in names.items()}
            if not row.get("photo"):
                row.pop("photo", None)
            data[answer.pk] = row
        return data

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "answers":
                name = f"a{parts[1]}_{parts[2]}"
                if name in self.fields:
                    self.add_error(name, messages)
                    continue
            self.add_error(None, messages)


class CompleteForm(forms.Form):
    risk_analysis = forms.CharField(label=_("Risk analysis"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    recommendations = forms.CharField(
        label=_("Recommendations"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SignForm(forms.Form):
    customer_name = forms.CharField(label=_("Name of the customer signing"), max_length=100)
    customer_signature = SignatureField(label=_("Customer signature"))
    engineer_signature = SignatureField(label=_("Engineer signature"), required=False)
