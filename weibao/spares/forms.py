"""Input forms of the store pages (phone first for the engineer's issue from his van). They parse; the services
decide: quantities are taken as text and checked by the service, so "-3" gets the same clear field error in the
UI and the API ("The quantity must be greater than zero.")."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Branch, Organisation, User
from weibao.core.approvals import LinkChannel
from weibao.spares.choices import MoveKind, WarehouseKind
from weibao.spares.models import Part, Warehouse

SERIALS_HELP = _("One per line (or separated by commas); scan them with the phone's keyboard scanner.")


def _part_label(part: Part) -> str:
    return f"{part.part_number} · {part.name} {part.model}".strip()


class PartPicker(forms.Select):
    """A part picker that never lists the whole catalogue: a search box (htmx, `spares:part_search`) fills the
    options; the page carries only the part chosen. The field still validates any active part."""

    template_name = "spares/widgets/part_picker.html"

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if str(v).isdigit()]
        self.choices = [("", "---------")] + [(p.pk, _part_label(p)) for p in Part.objects.filter(pk__in=chosen)]
        return super().optgroups(name, value, attrs)


PICKER_ABOVE = 30  # a short list (the parts of one van or order) stays a plain select


class PartChoiceField(forms.ModelChoiceField):
    widget = PartPicker

    def label_from_instance(self, obj: Part) -> str:
        return _part_label(obj)

    def limit_to(self, queryset) -> None:
        """Only these parts: a short list is shown whole, a long one keeps the search box."""
        self.queryset = queryset
        if len(queryset) <= PICKER_ABOVE:
            self.widget = forms.Select(attrs=self.widget.attrs)
            self.widget.is_required, self.widget.choices = self.required, self.choices


class VersionField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        super().__init__(widget=forms.HiddenInput, required=False, min_value=1, **kwargs)


class _MoveForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    part = PartChoiceField(label=_("Part"), queryset=Part.objects.filter(active=True).order_by("part_number"))
    quantity = forms.CharField(
        label=_("Quantity"), required=False, max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    serials = forms.CharField(
        label=_("Serial numbers"),
        required=False,
        max_length=20_000,
        help_text=SERIALS_HELP,
        widget=forms.Textarea(attrs={"rows": 2, "autocapitalize": "characters"}),
    )

    def __init__(self, *args, warehouses=None, parts=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if warehouses is not None:
            self.fields["warehouse"].queryset = Warehouse.objects.filter(pk__in=[w.pk for w in warehouses])
            if len(warehouses) and not self.is_bound:
                self.fields["warehouse"].initial = warehouses[0].pk
        if parts is not None:
            self.fields["part"].limit_to(parts)


class IssueForm(_MoveForm):
    """Take a part for the order (from the engineer's van by default)."""

    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReserveForm(_MoveForm):
    pass


class ReturnForm(_MoveForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReceiveForm(_MoveForm):
    unit_cost = forms.DecimalField(
        label=_("Unit cost (CNY)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    reference = forms.CharField(label=_("Delivery note / purchase order"), required=False, max_length=60)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class WriteOffForm(_MoveForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class RepairedForm(_MoveForm):
    reference = forms.CharField(label=_("RMA case / repair order"), required=False, max_length=60)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class TransferForm(_MoveForm):
    to_warehouse = forms.ModelChoiceField(label=_("To warehouse"), queryset=Warehouse.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, destinations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].label = _("From warehouse")
        self.fields["to_warehouse"].queryset = (
            destinations if destinations is not None else Warehouse.objects.filter(is_active=True)
        )


class PartForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Part
        fields = [
            "part_number",
            "name",
            "model",
            "vendor",
            "unit",
            "tracking",
            "min_level",
            "unit_cost",
            "price",
            "active",
        ]


class WarehouseForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=WarehouseKind.choices)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.all())
    owner = forms.ModelChoiceField(
        label=_("Engineer (van)"),
        required=False,
        queryset=User.objects.filter(organisation__kind="own", is_active=True).order_by("name"),
    )


class StockImportForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True))
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class LedgerFilterForm(forms.Form):
    """The part is typed (its number), not picked from a list: a store holds thousands of parts, and a select of
    all of them cost the page a second to render."""

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), required=False, queryset=Warehouse.objects.all())
    part_number = forms.CharField(label=_("Part number"), required=False, max_length=60)
    part = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    kind = forms.ChoiceField(label=_("Move"), required=False, choices=[("", "—"), *MoveKind.choices])

    def clean(self):
        data = super().clean()
        number = (data.get("part_number") or "").strip()
        if number:
            part = Part.objects.filter(part_number__iexact=number).only("pk").first()
            if part is None:
                self.add_error("part_number", _("Unknown part number."))
            else:
                data["part"] = part.pk
        return data


class MinLevelForm(forms.Form):
    part = forms.ModelChoiceField(queryset=Part.objects.all(), widget=forms.HiddenInput)
    min_level = forms.IntegerField(label=_("Minimum level here"), required=False, min_value=0)


# ---------------------------------------------------------------------------------------------------- sales


class SaleForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Organisation.objects.filter(kind="customer", is_active=True).order_by("name")
    )
    warehouse = forms.ModelChoiceField(label=_("Issue from"), queryset=Warehouse.objects.filter(is_active=True))
    contact_name = forms.CharField(label=_("Customer contact"), required=False, max_length=100)
    tax_rate = forms.DecimalField(label=_("Tax rate"), required=False, max_digits=5, decimal_places=4, initial="0.13")
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SaleLineForm(forms.Form):
    part = PartChoiceField(
        label=_("Part"), required=False, queryset=Part.objects.filter(active=True).order_by("part_number")
    )
    quantity = forms.CharField(
        label=_("Quantity"), required=False, max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (CNY)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Empty: the part's price."),
    )


SaleLineFormSet = forms.formset_factory(SaleLineForm, extra=3, max_num=30, validate_max=True)


class SaleApproveForm(forms.Form):
    version = VersionField()
    approved_by_name = forms.CharField(label=_("Approved by (customer's name)"), max_length=100)


class SaleAnswerForm(forms.Form):
    """The customer's answer to a sale quote (in the portal), or our staff recording it."""

    version = VersionField()
    answer = forms.ChoiceField(label=_("Answer"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("Remark"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SaleLinkForm(forms.Form):
    """Where to send the one-time answer link."""

    channel = forms.ChoiceField(label=_("Send by"), choices=LinkChannel.choices)
    sent_to = forms.CharField(label=_("Send to"), max_length=254)


class PublicSaleAnswerForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    reason = forms.CharField(
        label=_("Remark"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SaleInvoiceForm(forms.Form):
    version = VersionField()
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=40)


class SaleCancelForm(forms.Form):
    version = VersionField()
    reason = forms.CharField(label=_("Reason"), max_length=300)


class SaleIssueForm(forms.Form):
    """One serials box per serial-tracked line of the sale."""

    version = VersionField()

    def __init__(self, *args, sale=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.serial_lines = []
        for line in sale.lines.all() if sale is not None else []:
            if line.part.is_serial:
                name = f"serials_{line.pk}"
                self.fields[name] = forms.CharField(
                    label=_("Serial numbers of %(part)s × %(n)s") % {"part": line.part.name, "n": line.quantity},
                    required=False,
                    max_length=20_000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                self.serial_lines.append((line, name))

    def serials(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data.get(name, "") for line, name in self.serial_lines}
