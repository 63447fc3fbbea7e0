import ipaddress

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.assets.choices import DeviceStatus, DocumentType
from weibao.assets.excel import PARAM_KEY_MAX, PARAM_VALUE_MAX
from weibao.assets.models import Device, Project, ProjectInstaller, Subsystem, Vendor
from weibao.core.validators import validate_record_date
from weibao.customers.models import Customer


class ParametersField(forms.CharField):
    """Key/value parameters typed one per line as `key=value`."""

    widget = forms.Textarea(attrs={"rows": 4, "placeholder": "管理VLAN=100\n堆叠=是"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{k}={v}" for k, v in value.items())
        return value

    def to_python(self, value) -> dict:
        if isinstance(value, dict):
            return value
        result = {}
        for line in (value or "").splitlines():
            line = line.strip()
            if not line:
                continue
            key, sep, val = line.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(_("Write one parameter per line as key=value."))
            key, val = key.strip(), val.strip()
            for text, limit in ((key, PARAM_KEY_MAX), (val, PARAM_VALUE_MAX)):
                if len(text) > limit:  # refuse rather than silently cut
                    raise forms.ValidationError(_("Longer than %(n)s characters.") % {"n": limit})
            result[key] = val
        return result


class DeviceForm(forms.ModelForm):
    parameters = ParametersField(label=_("parameters"), required=False)

    class Meta:
        model = Device
        fields = [
            "site",
            "project",
            "subsystem",
            "vendor",
            "category",
            "name",
            "model",
            "serial_number",
            "location",
            "ip_address",
            "firmware",
            "parameters",
            "installed_on",
            "warranty_end",
            "notes",
        ]
        widgets = {
            "installed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "warranty_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.customer = customer
        self.instance.organisation_id = customer.organisation_id
        self.fields["site"].queryset = customer.sites.order_by("name")
        self.fields["project"].queryset = customer.projects.order_by("name")
        self.fields["subsystem"].queryset = Subsystem.objects.filter(project__customer=customer).select_related(
            "project"
        )
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")

    def clean_ip_address(self) -> str:
        value = self.cleaned_data["ip_address"].strip()
        if value:
            try:
                value = str(ipaddress.ip_address(value))
            except ValueError:
                raise forms.ValidationError(_("Not an IP address.")) from None
        return value

    def clean(self):
        data = super().clean()
        sub, project = data.get("subsystem"), data.get("project")
        if sub is not None and project is not None and sub.project_id != project.pk:
            self.add_error("subsystem", _("The subsystem belongs to another project."))
        if data.get("installed_on") and data.get("warranty_end") and data["warranty_end"] < data["installed_on"]:
            self.add_error("warranty_end", _("The warranty ends before the installation date."))
        return data


class DeviceStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=DeviceStatus.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=1000)


class DeviceReplaceForm(forms.Form):
    serial_number = forms.CharField(label=_("new serial number"), max_length=120)
    model = forms.CharField(label=_("new model (if different)"), max_length=120, required=False)
    installed_on = forms.DateField(
        label=_("installed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_record_date],
    )
    warranty_end = forms.DateField(
        label=_("warranty end"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_record_date],
    )
    note = forms.CharField(label=_("note"), required=False, max_length=1000)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "site",
            "built_by_us",
            "description",
            "delivered_on",
            "accepted_on",
            "warranty_end",
            "project_manager",
        ]
        widgets = {
            "delivered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "accepted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "warranty_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.customer = customer
        self.instance.organisation_id = customer.organisation_id
        self.fields["site"].queryset = customer.sites.order_by("name")
        from weibao.accounts.models import User

        self.fields["project_manager"].queryset = User.objects.filter(role="project_manager", is_active=True)


class SubsystemForm(forms.ModelForm):
    class Meta:
        model = Subsystem
        fields = ["kind", "name", "function", "cautions"]
        widgets = {"function": forms.Textarea(attrs={"rows": 3}), "cautions": forms.Textarea(attrs={"rows": 3})}


class InstallerForm(forms.ModelForm):
    class Meta:
        model = ProjectInstaller
        fields = ["name", "company", "role", "mobile", "email"]


class VendorForm(forms.ModelForm):
    class Meta:
        model = Vendor
        fields = [
            "name",
            "support_contact",
            "support_phone",
            "support_email",
            "website",
            "rma_address",
            "offers_onsite_service",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("document type"), choices=DocumentType.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label=_("file"))


class DocumentVersionForm(forms.Form):
    file = forms.FileField(label=_("file"))
    note = forms.CharField(label=_("change note"), required=False, max_length=300)


class ImportForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("Needed to match the subsystem column."),
    )
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = customer.projects.order_by("name")
