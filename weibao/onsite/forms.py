"""Input forms of the on-site pages (phone first). They parse and validate; `onsite.services` decides.

Money is Decimal: quantities must be > 0 and prices ≥ 0, each refused with a field error. Signatures arrive as
PNG data URLs from the signature pad and are checked again here (blank or one dot is refused). Photos come from
the phone's camera and go through the project's upload checks (size limit named, real type sniffed).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from weibao.assets.uploads import ALLOWED_EXTENSIONS, check_upload
from weibao.core.blank import blank_choice
from weibao.core.phones import PhoneFormField
from weibao.onsite.choices import LineKind, LinkChannel, Satisfaction
from weibao.onsite.signatures import signature_from_data_url
from weibao.workorders.choices import Cause, HumanCause
from weibao.workorders.forms import AwareDateTimeField, device_label

IMAGE_EXTENSIONS = {ext: ctype for ext, ctype in ALLOWED_EXTENSIONS.items() if ctype.startswith("image/")}
MAX_QUOTE_LINES = 30


class SignatureField(forms.CharField):
    """A signature drawn on the pad: a `data:image/png;base64,…` value in a hidden input → a PNG file to store."""

    widget = forms.HiddenInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 1_500_000)
        kwargs.setdefault("error_messages", {"required": _("Please sign in the box.")})
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        signature_from_data_url(value)  # blank or one dot: a field error here already, before any service call
        return value


class CameraPhotoField(forms.FileField):
    """A photo from the phone's camera (or its gallery), checked like every other upload."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "size"):
            # "The file is too large (limit 25 MB)." etc.; the checked name and type travel with the file.
            upload.checked = check_upload(upload, allowed=IMAGE_EXTENSIONS)
        return upload


class VersionField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        super().__init__(widget=forms.HiddenInput, required=False, min_value=1, **kwargs)


class ConfirmForm(forms.Form):
    """On arrival: the customer's system owner (系统负责人) confirms the symptom; the cause is recorded."""

    version = VersionField()
    confirmed_by_name = forms.CharField(label=_("Confirmed by (system owner)"), max_length=100)
    confirmed_by_phone = PhoneFormField(
        label=_("Their phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    symptom = forms.CharField(label=_("Symptom as confirmed"), widget=forms.Textarea(attrs={"rows": 3}))
    cause = forms.ChoiceField(
        label=_("Cause"), choices=[c for c in Cause.choices if c[0] != Cause.UNKNOWN], widget=forms.RadioSelect
    )
    human_cause = forms.ChoiceField(
        label=_("Kind of human cause (三包 exclusion)"), choices=HumanCause.choices, required=False
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("cause") == Cause.HUMAN and not data.get("human_cause"):
            self.add_error("human_cause", _("Say what kind of human cause it is."))
        if data.get("cause") != Cause.HUMAN:
            data["human_cause"] = ""
        return data


class QuoteLineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LineKind.choices, initial=LineKind.PART)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("Empty: named after the part, labour or transport."),
    )
    spare_part = forms.TypedChoiceField(label=_("From the price list"), required=False, coerce=int, empty_value=None)
    device = forms.IntegerField(widget=forms.HiddenInput, required=False)  # the faulty device a part replaces
    labour_basis = forms.CharField(widget=forms.HiddenInput, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (CNY)"),
        min_value=0,
        error_messages={"min_value": _("The price cannot be negative.")},
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("Empty: from the price list or the contract's rate."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )

    def __init__(self, *args, parts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["spare_part"].choices = [("", "—")] + [
            (p.pk, f"{p.name} {p.model} · ¥{p.unit_price}") for p in parts
        ]

    def clean_quantity(self):
        value = self.cleaned_data["quantity"]
        if value <= 0:
            raise ValidationError(_("The quantity must be more than 0."), code="quantity")
        return value

    def clean_unit_price(self):
        value = self.cleaned_data["unit_price"]
        if value is not None and value < 0:
            raise ValidationError(_("The price cannot be negative."), code="price")
        return value


class BaseQuoteLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]:
            raise ValidationError(_("A quote needs at least one line."))


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm, formset=BaseQuoteLineFormSet, extra=2, max_num=MAX_QUOTE_LINES, validate_max=True, can_delete=True
)


class QuoteForm(forms.Form):
    version = VersionField()
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("13"),
        min_value=Decimal("0"),
        max_value=Decimal("99.99"),
    )
    note = forms.CharField(label=_("Note to the customer"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuoteAnswerForm(forms.Form):
    """The customer's yes or no: in the portal, on the engineer's phone (with a signature), or by the link."""

    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))], widget=forms.HiddenInput)
    name = forms.CharField(label=_("Your name"), max_length=100)
    reason = forms.CharField(
        label=_("Reason (if you refuse)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signature = SignatureField(label=_("Customer signature"), required=False)

    def __init__(self, *args, signature_required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.signature_required = signature_required
        self.fields["signature"].required = signature_required


class SendLinkForm(forms.Form):
    """Where to send a one-time approval link (it works without a login and shows only that quote)."""

    channel = forms.ChoiceField(label=_("Send by"), choices=LinkChannel.choices)
    sent_to = forms.CharField(label=_("To (mobile, e-mail or WeCom id)"), max_length=254)


class ReplacementForm(forms.Form):
    """A faulty device from the site's estate swapped for a new unit; the customer signs once for both."""

    version = VersionField()
    old_device = forms.TypedChoiceField(label=_("Faulty device"), coerce=int)
    new_serial = forms.CharField(
        label=_("New unit's serial number"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    new_model = forms.CharField(
        label=_("New unit's model"),
        max_length=120,
        required=False,
        help_text=_("Empty: the same model as the faulty one."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    signer_name = forms.CharField(label=_("Customer's name"), max_length=100)
    signature = SignatureField(label=_("Customer signature (for the faulty and the new unit)"))
    photo = CameraPhotoField(label=_("Photo"))

    def __init__(self, *args, devices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_device"].choices = blank_choice() + [(d.pk, device_label(d)) for d in devices]


class BackupForm(forms.Form):
    version = VersionField()
    what = forms.CharField(label=_("What was backed up"), widget=forms.Textarea(attrs={"rows": 2}))
    location = forms.CharField(label=_("Where it is kept"), max_length=300)
    performed_by_name = forms.CharField(label=_("Backed up by"), max_length=100)
    performed_at = AwareDateTimeField(label=_("Backed up at"))
    file = forms.FileField(label=_("File (optional)"), required=False)
    customer_agreed = forms.BooleanField(label=_("The customer agreed to the change"), required=False)
    agreed_by_name = forms.CharField(label=_("Agreed by"), max_length=100, required=False)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            check_upload(upload)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("customer_agreed") and not data.get("agreed_by_name"):
            self.add_error("agreed_by_name", _("Who of the customer agreed?"))
        return data


class ChangeForm(forms.Form):
    version = VersionField()
    backup = forms.TypedChoiceField(label=_("Backup"), coerce=int)
    description = forms.CharField(label=_("What was changed"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, backups=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["backup"].choices = blank_choice() + [(b.pk, f"{b.what[:40]} · {b.location}") for b in backups]


class ServiceFormForm(forms.Form):
    """The service form (售后维护表) filled on the phone; signing freezes it."""

    version = VersionField()
    symptom = forms.CharField(label=_("Symptom"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    inspection = forms.CharField(label=_("Inspection record"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cause = forms.ChoiceField(label=_("Cause"), choices=Cause.choices, required=False)
    cause_detail = forms.CharField(label=_("Cause in detail"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    work_done = forms.CharField(label=_("Work done"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    solved = forms.TypedChoiceField(
        label=_("Solved"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )
    next_appointment_at = AwareDateTimeField(label=_("Next appointment (if not solved)"), required=False)
    customer_contact_name = forms.CharField(label=_("Customer contact"), max_length=100, required=False)
    customer_contact_phone = PhoneFormField(
        label=_("Customer phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    engineer_name = forms.CharField(label=_("Engineer"), max_length=100, required=False)
    engineer_phone = PhoneFormField(
        label=_("Engineer phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=Satisfaction.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    customer_remark = forms.CharField(
        label=_("Customer remark"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    stamp_photo = CameraPhotoField(label=_("Photo of the company stamp (optional)"))
    customer_name = forms.CharField(label=_("Customer's name (signing)"), max_length=100, required=False)
    customer_signature = SignatureField(label=_("Customer signature"), required=False)
    engineer_signature = SignatureField(label=_("Engineer signature"), required=False)
    sign = forms.BooleanField(required=False)  # the "sign" submit button, not a rendered field

    def clean(self):
        data = super().clean()
        if data.get("solved") is False and not data.get("next_appointment_at"):
            self.add_error("next_appointment_at", _("Not solved: agree the next appointment with the customer."))
        if data.get("sign"):
            if not data.get("customer_name"):
                self.add_error("customer_name", _("Who of the customer signs?"))
            for name in ("customer_signature", "engineer_signature"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Please sign in the box."))
        return data
