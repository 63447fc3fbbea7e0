"""Input forms of the work-order pages. They parse and validate; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.contracts.choices import IntakeChannel, Severity
from weibao.core.blank import blank_choice
from weibao.core.phones import PhoneFormField
from weibao.core.validators import MAX_BIGINT, validate_sane_date
from weibao.workorders.choices import (
    STAFF_REOPEN_SOURCES,
    Category,
    Cause,
    CloseReason,
    MaintenanceType,
    ReopenReason,
    ReopenSource,
    ServiceKind,
    SlaState,
    Status,
    WorkKind,
)

MAX_FILES = 10


def device_label(device) -> str:
    """How a device is named in pick lists: name or model, serial number, location."""
    parts = [device.name or device.model]
    if device.serial_number:
        parts.append(f"SN {device.serial_number}")
    if device.location:
        parts.append(device.location)
    return " · ".join(parts)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (photos of a fault); each is checked again by the service on upload."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)d files at once.") % {"n": MAX_FILES})
        return files


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class AwareDateTimeField(forms.DateTimeField):
    """A wall-clock time typed in the browser, read in the current time zone."""

    widget = LocalDateTimeInput
    default_validators = [validate_sane_date]  # appointments: years 2000..2100
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and timezone.is_naive(result):
            result = timezone.make_aware(result)
        return result


class VersionedForm(forms.Form):
    """Carries the order version the user saw, so a change by someone else in between is noticed (StaleEdit)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_BIGINT)


class NoteForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class WaitForm(VersionedForm):
    """Waiting: why, from the configurable list (issue 17), and optionally more in words."""

    reason_code = forms.ChoiceField(label=_("Waiting for"), choices=())
    reason = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from weibao.workorders.pauses import pause_reason_choices

        self.fields["reason_code"].choices = [("", "—"), *pause_reason_choices()]


class MoveSiteForm(VersionedForm):
    """Triage: another site of the same customer (the clocks follow its region tier)."""

    site = forms.ModelChoiceField(label=_("New site"), queryset=None)
    note = forms.CharField(label=_("Why"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, workorder=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from weibao.customers.models import Site

        self.fields["version"].required = True
        qs = Site.objects.none()
        if workorder is not None:
            qs = Site.objects.filter(customer_id=workorder.customer_id).exclude(pk=workorder.site_id).order_by("name")
        self.fields["site"].queryset = qs


class CloseForm(VersionedForm):
    """Close: during the observation period the reason is required (the service says so); a note for "other"."""

    reason_code = forms.ChoiceField(
        label=_("Reason for closing"), required=False, choices=[("", "—"), *CloseReason.choices]
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(VersionedForm):
    """Staff reopen: where the recurrence came from, a reason from the list and what exactly (issue 23)."""

    source = forms.ChoiceField(
        label=_("Reported through"),
        initial=ReopenSource.STAFF,
        choices=[(s.value, s.label) for s in STAFF_REOPEN_SOURCES],
    )
    reason_code = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *ReopenReason.choices])
    reason = forms.CharField(label=_("What exactly"), widget=forms.Textarea(attrs={"rows": 2}))


class ReplyReopenForm(VersionedForm):
    """The desk reopens after a customer's reply: a reason from the list and a text are both required."""

    reason_code = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *ReopenReason.choices])
    reason = forms.CharField(label=_("What exactly"), widget=forms.Textarea(attrs={"rows": 2}))


class WorkLogForm(forms.Form):
    """Remote diagnosis (or on-site/travel) work with the time it took."""

    kind = forms.ChoiceField(label=_("Kind of work"), choices=WorkKind.choices, initial=WorkKind.REMOTE)
    minutes = forms.IntegerField(label=_("Time spent (minutes)"), min_value=1, max_value=24 * 60)
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(VersionedForm):
    plan = forms.CharField(label=_("Solution plan"), widget=forms.Textarea(attrs={"rows": 4}))


class DispatchForm(VersionedForm):
    """The manager picks a suggested field engineer (radio list with reasons) or anyone else from the list."""

    engineer = forms.ModelChoiceField(
        label=_("Suggested engineer"), queryset=None, required=False, widget=forms.RadioSelect
    )
    other_engineer = forms.ModelChoiceField(label=_("Or another engineer"), queryset=None, required=False)
    appointment_at = AwareDateTimeField(label=_("Visit time agreed with the customer"), required=False)
    customer_agreed = forms.BooleanField(
        label=_("The customer agreed to this time"),
        required=False,
        help_text=_("Needed when the visit is after the on-site deadline."),
    )
    appointment_reason = forms.CharField(label=_("Why after the on-site deadline"), required=False, max_length=2000)
    note = forms.CharField(label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, engineers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from weibao.accounts.choices import Role
        from weibao.accounts.models import User

        if engineers is None:
            engineers = User.objects.filter(
                is_active=True, role__in=[Role.FIELD_ENGINEER, Role.DUTY_ENGINEER]
            ).order_by("name")
        self.fields["engineer"].queryset = engineers
        self.fields["other_engineer"].queryset = engineers

    def clean(self):
        data = super().clean()
        data["engineer"] = data.get("other_engineer") or data.get("engineer")
        if not data["engineer"] and not self.has_error("engineer") and not self.has_error("other_engineer"):
            self.add_error("engineer", _("Choose the engineer to send."))
        return data


class AppointmentForm(VersionedForm):
    """The visit time; one after the on-site deadline needs the customer's agreement and a reason (the service
    checks both, and refuses a time in the past or beyond the horizon)."""

    appointment_at = AwareDateTimeField(label=_("Visit time agreed with the customer"))
    customer_agreed = forms.BooleanField(
        label=_("The customer agreed to this time"),
        required=False,
        help_text=_("Needed when the visit is after the on-site deadline."),
    )
    note = forms.CharField(
        label=_("Reason / note"), required=False, help_text=_("Required when the visit is after the on-site deadline.")
    )


class ResolveForm(VersionedForm):
    resolution = forms.CharField(label=_("How it was fixed"), widget=forms.Textarea(attrs={"rows": 3}))
    cause = forms.ChoiceField(label=_("Cause"), choices=Cause.choices, initial=Cause.UNKNOWN)


class EscalateForm(VersionedForm):
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=None)
    reason = forms.CharField(label=_("What was tried, what is needed"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from weibao.assets.selectors import vendor_list

        self.fields["vendor"].queryset = vendor_list()


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label=_("Photos or files"))
    internal = forms.BooleanField(label=_("Internal note (not shown to the customer)"), required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            raise forms.ValidationError(_("Write a comment or attach a file."))
        return data


class TriageForm(VersionedForm):
    """Severity, category, cause, title and affected devices: edits with before/after on the timeline."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    cause = forms.ChoiceField(label=_("Cause"), choices=Cause.choices)
    service_kind = forms.ChoiceField(label=_("Service kind"), choices=ServiceKind.choices, required=False)
    maintenance_type = forms.ChoiceField(label=_("Maintenance type"), choices=MaintenanceType.choices, required=False)
    devices = forms.ModelMultipleChoiceField(
        label=_("Affected devices"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, workorder=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from weibao.assets.models import Device

        # An edit must say which version it was made on: without it a stale page would overwrite silently.
        self.fields["version"].required = True
        qs = Device.objects.none()
        if workorder is not None:
            qs = Device.objects.filter(customer_id=workorder.customer_id, site_id=workorder.site_id).order_by("name")[
                :200
            ]
            # The devices already on the order stay choices (another site, or past the first 200): a device that is
            # not offered would be dropped silently on every triage save.
            ids = [d.pk for d in qs] + [d.pk for d in workorder.devices.all()]
            qs = Device.objects.filter(pk__in=ids).order_by("name")
        self.fields["devices"].queryset = qs


class LegacyReviewForm(forms.Form):
    notes = forms.CharField(label=_("Review notes"), widget=forms.Textarea(attrs={"rows": 3}))
    next_steps = forms.CharField(label=_("Next steps"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_review_on = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_sane_date],
    )
    customer_report = forms.CharField(
        label=_("Processing report for the customer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the customer when filled in."),
    )


# --- intake -----------------------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """The duty engineer's phone report: who called, where, what is wrong, how bad (the rest is triage)."""

    customer = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose the customer.")},
        min_value=1,
        max_value=MAX_BIGINT,
    )
    site = forms.IntegerField(
        label=_("Site"), error_messages={"required": _("Choose the site.")}, min_value=1, max_value=MAX_BIGINT
    )
    contact = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_BIGINT)
    devices = forms.TypedMultipleChoiceField(label=_("Affected devices"), coerce=int, required=False, choices=())
    reporter_name = forms.CharField(label=_("Caller"), max_length=100, required=False)
    reporter_phone = PhoneFormField(label=_("Call-back number"), max_length=40, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=IntakeChannel.choices, initial=IntakeChannel.PHONE)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.C)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.OTHER)
    # Issue 17; left out of a post (an older page): fault repair / corrective.
    service_kind = forms.ChoiceField(
        label=_("Service kind"), choices=ServiceKind.choices, initial=ServiceKind.FAULT_REPAIR, required=False
    )
    maintenance_type = forms.ChoiceField(
        label=_("Maintenance type"), choices=MaintenanceType.choices, initial=MaintenanceType.CORRECTIVE, required=False
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    symptom = forms.CharField(label=_("Symptom"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Photos or files"))
    # Issue 18 §6: the real time of the call (the clocks start then), and a device the estate does not know yet.
    reported_at = AwareDateTimeField(
        label=_("Call received at"), required=False, help_text=_("Leave empty for now; never in the future.")
    )
    new_device_vendor = forms.ModelChoiceField(label=_("New device: vendor"), queryset=None, required=False)
    new_device_model = forms.CharField(label=_("New device: model"), max_length=120, required=False)
    new_device_serial_number = forms.CharField(label=_("New device: serial number"), max_length=120, required=False)

    def __init__(self, *args, sites=(), devices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from weibao.assets.selectors import vendor_list

        self.fields["site"].widget = forms.Select(choices=blank_choice() + [(s.pk, str(s)) for s in sites])
        self.fields["devices"].choices = [(d.pk, device_label(d)) for d in devices]
        self.fields["devices"].widget = forms.CheckboxSelectMultiple(choices=self.fields["devices"].choices)
        self.fields["new_device_vendor"].queryset = vendor_list()

    def new_device(self) -> dict | None:
        """The device to record on the spot, when any of its fields was filled in."""
        data = self.cleaned_data
        if not (data.get("new_device_vendor") or data.get("new_device_model") or data.get("new_device_serial_number")):
            return None
        return {
            "vendor": data.get("new_device_vendor"),
            "model": data.get("new_device_model", ""),
            "serial_number": data.get("new_device_serial_number", ""),
        }


class PortalReportForm(forms.Form):
    """A customer's own report in the portal: where, what, how urgent, with photos."""

    site = forms.IntegerField(
        label=_("Site"), error_messages={"required": _("Choose the site.")}, min_value=1, max_value=MAX_BIGINT
    )
    devices = forms.TypedMultipleChoiceField(
        label=_("Affected devices (optional)"), coerce=int, required=False, choices=()
    )
    severity = forms.ChoiceField(label=_("How urgent is it?"), choices=Severity.choices, initial=Severity.C)
    service_kind = forms.ChoiceField(
        label=_("What do you need?"), choices=ServiceKind.choices, initial=ServiceKind.FAULT_REPAIR, required=False
    )
    title = forms.CharField(label=_("Short title"), max_length=200, required=False)
    symptom = forms.CharField(label=_("What is wrong?"), widget=forms.Textarea(attrs={"rows": 5}))
    reporter_phone = PhoneFormField(label=_("Phone number to call you back"), max_length=40, required=False)
    attachments = MultipleFileField(label=_("Photos or files"))

    def __init__(self, *args, sites=(), devices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].widget = forms.Select(choices=blank_choice() + [(s.pk, str(s)) for s in sites])
        self.fields["devices"].choices = [(d.pk, device_label(d)) for d in devices]
        self.fields["devices"].widget = forms.CheckboxSelectMultiple(choices=self.fields["devices"].choices)


# --- queue ------------------------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's filters (all optional, all GET). Invalid values are dropped, never an error page."""

    status = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All open")), ("all", _("All"))] + list(Status.choices)
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[("", _("Any"))] + list(Severity.choices))
    sla = forms.ChoiceField(label=_("SLA"), required=False, choices=[("", _("Any"))] + list(SlaState.choices))
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any"))] + list(IntakeChannel.choices)
    )
    branch = forms.TypedChoiceField(label=_("Branch"), required=False, coerce=int, empty_value=None, choices=())
    assignee = forms.CharField(label=_("Engineer"), required=False, max_length=20)
    customer = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int, empty_value=None, choices=())
    q = forms.CharField(label=_("Number or text"), required=False, max_length=100)
