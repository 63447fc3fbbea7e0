"""Forms of the RMA and escalation pages: they parse input; the rules live in rma.services (its field errors are put
back onto these forms by the views)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.core.phones import PhoneFormField
from weibao.rma.choices import Carrier, RepairOutcome, ReturnTo, Source
from weibao.spares.forms import PartChoiceField

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class CaseCreateForm(forms.Form):
    source = forms.ChoiceField(label=_("Where the faulty unit comes from"), choices=Source.choices)
    fault = forms.CharField(label=_("Fault description"), widget=TEXT, max_length=4000)
    replacement = forms.ModelChoiceField(label=_("Replaced unit (on a work order)"), queryset=None, required=False)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, required=False)
    part = PartChoiceField(label=_("Spare part"), queryset=None, required=False)  # the search box, not all parts
    from_warehouse = forms.ModelChoiceField(label=_("Taken from warehouse"), queryset=None, required=False)
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=None, required=False)
    model = forms.CharField(label=_("Model"), max_length=120, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=120, required=False)
    vendor_warranty_from = forms.DateField(label=_("Vendor warranty from"), required=False, widget=DATE)
    vendor_warranty_until = forms.DateField(
        label=_("Vendor warranty until"),
        required=False,
        widget=DATE,
        help_text=_("From the vendor's records; empty: looked up by serial."),
    )
    human_caused = forms.BooleanField(label=_("Human-caused fault (not covered by warranty)"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        from weibao.assets.models import Vendor
        from weibao.customers.models import Customer
        from weibao.onsite.models import Replacement
        from weibao.spares.models import Part, Warehouse

        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = Replacement.objects.filter(
            pk__in=Replacement.objects.filter(rma_ref="").order_by("-id").values("pk")[:200]
        ).select_related("workorder")
        self.fields["replacement"].label_from_instance = lambda r: f"{r.workorder.number} · {r.old_serial}"
        self.fields["customer"].queryset = Customer.objects.order_by("name")
        self.fields["part"].queryset = Part.objects.filter(active=True).order_by("part_number")
        self.fields["from_warehouse"].queryset = Warehouse.objects.filter(is_active=True).order_by("name")
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")


class WarrantyForm(VersionForm):
    vendor_warranty_from = forms.DateField(label=_("Vendor warranty from"), required=False, widget=DATE)
    vendor_warranty_until = forms.DateField(label=_("Vendor warranty until"), widget=DATE)
    human_caused = forms.BooleanField(label=_("Human-caused fault"), required=False)


class NoteForm(VersionForm):
    note = forms.CharField(label=_("Note"), widget=TEXT, max_length=2000, required=False)


class VisitDoneForm(VersionForm):
    repaired = forms.TypedChoiceField(
        label=_("Result of the vendor's visit"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Repaired on site")), ("no", _("Not repaired: send back"))],
    )
    report = forms.CharField(label=_("Vendor's report"), widget=TEXT, max_length=4000)


class FeeForm(VersionForm):
    repair = forms.DecimalField(label=_("Repair (CNY)"), min_value=0, max_digits=12, decimal_places=2)
    shipping_out = forms.DecimalField(
        label=_("Shipping to the vendor (CNY)"), min_value=0, max_digits=12, decimal_places=2
    )
    shipping_back = forms.DecimalField(label=_("Shipping back (CNY)"), min_value=0, max_digits=12, decimal_places=2)
    other = forms.DecimalField(label=_("Other (CNY)"), min_value=0, max_digits=12, decimal_places=2, required=False)
    tax_rate = forms.DecimalField(
        label=_("Tax rate"),
        min_value=0,
        max_value=0.99,
        max_digits=5,
        decimal_places=4,
        required=False,
        help_text=_("0.13 is 13 % VAT (the default)."),
    )
    note = forms.CharField(label=_("Note to the customer"), widget=TEXT, max_length=2000, required=False)


class FeeAnswerForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Answer"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Approve the fee")), ("no", _("Refuse the fee"))],
    )
    name = forms.CharField(label=_("Name of the person answering"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason / remark"), widget=TEXT, max_length=2000, required=False)


class FeeLinkForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Send by"), choices=[("sms", _("SMS")), ("email", _("E-mail")), ("wecom", _("WeCom"))]
    )
    sent_to = forms.CharField(label=_("Phone or e-mail"), max_length=254)


class ShipForm(VersionForm):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=Carrier.choices)
    waybill = forms.CharField(label=_("Waybill number"), max_length=60)
    shipped_on = forms.DateField(label=_("Shipped on"), required=False, widget=DATE)
    address = forms.CharField(label=_("Sent to (empty: the vendor's RMA address)"), max_length=300, required=False)


class VendorReceivedForm(VersionForm):
    vendor_rma_number = forms.CharField(label=_("Vendor RMA number"), max_length=60, required=False)


class ShipBackForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Repair outcome"), choices=RepairOutcome.choices)
    report = forms.CharField(label=_("Repair report"), widget=TEXT, max_length=4000)
    returned_serial = forms.CharField(
        label=_("Serial of the unit sent back (if exchanged)"), max_length=120, required=False
    )
    carrier = forms.ChoiceField(label=_("Carrier"), choices=Carrier.choices)
    waybill = forms.CharField(label=_("Waybill number"), max_length=60)
    shipped_on = forms.DateField(label=_("Shipped on"), required=False, widget=DATE)
    vendor_cost = forms.DecimalField(
        label=_("Vendor's charge to us (CNY)"), min_value=0, max_digits=12, decimal_places=2, required=False
    )

    def __init__(self, *args, show_costs: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not show_costs:
            del self.fields["vendor_cost"]


class ReturnForm(VersionForm):
    to = forms.ChoiceField(label=_("Return to"), choices=[c for c in ReturnTo.choices if c[0]])
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None, required=False)
    part = PartChoiceField(label=_("Stocked as part"), queryset=None, required=False)
    note = forms.CharField(label=_("Note"), widget=TEXT, max_length=2000, required=False)

    def __init__(self, *args, **kwargs) -> None:
        from weibao.spares.models import Part, Warehouse

        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True).order_by("name")
        self.fields["part"].queryset = Part.objects.filter(active=True).order_by("part_number")


class CollectForm(VersionForm):
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=40)
    invoiced_on = forms.DateField(label=_("Invoiced on"), required=False, widget=DATE)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    paid_amount = forms.DecimalField(
        label=_("Amount received (CNY)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("Empty: the approved total."),
    )


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("Why cancelled"), widget=TEXT, max_length=2000)


class PublicFeeForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    reason = forms.CharField(label=_("Remark"), widget=TEXT, max_length=2000, required=False)


# --- escalation ---------------------------------------------------------------------------------------------------


class EscalateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=None)
    reason = forms.CharField(label=_("Why escalate"), widget=TEXT, max_length=4000, required=False)
    vendor_case_number = forms.CharField(label=_("Vendor case number"), max_length=60, required=False)
    vendor_engineer = forms.CharField(label=_("Vendor engineer"), max_length=100, required=False)
    vendor_engineer_phone = PhoneFormField(label=_("Vendor engineer phone"), max_length=40, required=False)

    def __init__(self, *args, **kwargs) -> None:
        from weibao.assets.models import Vendor

        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")


class EscalationCaseForm(VersionForm):
    vendor_case_number = forms.CharField(label=_("Vendor case number"), max_length=60, required=False)
    vendor_engineer = forms.CharField(label=_("Vendor engineer"), max_length=100, required=False)
    vendor_engineer_phone = PhoneFormField(label=_("Vendor engineer phone"), max_length=40, required=False)


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Question to the vendor"), widget=TEXT, max_length=4000)


class AnswerForm(forms.Form):
    question = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    answer = forms.CharField(label=_("Answer"), widget=TEXT, max_length=4000)


class SolveForm(VersionForm):
    root_cause = forms.CharField(label=_("Root cause (根本原因)"), widget=TEXT, max_length=4000)
    solution = forms.CharField(label=_("Vendor's solution"), widget=TEXT, max_length=4000)


class WithdrawForm(VersionForm):
    note = forms.CharField(label=_("Why withdraw"), widget=TEXT, max_length=2000)


class AgreementForm(forms.Form):
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=None)
    name = forms.CharField(label=_("Agreement"), max_length=200)
    response_hours = forms.IntegerField(label=_("Response within (working hours)"), min_value=1, max_value=8760)
    onsite_hours = forms.IntegerField(
        label=_("On site within (working hours)"), min_value=1, max_value=8760, required=False
    )
    calendar = forms.ModelChoiceField(
        label=_("Working calendar"), queryset=None, required=False, help_text=_("Empty: around the clock (7x24).")
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE, required=False)
    notes = forms.CharField(label=_("Notes"), widget=TEXT, max_length=4000, required=False)

    def __init__(self, *args, **kwargs) -> None:
        from weibao.assets.models import Vendor
        from weibao.contracts.models import BusinessCalendar

        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")
        self.fields["calendar"].queryset = BusinessCalendar.objects.order_by("name")
