"""Input parsing for the contracts UI. Business rules (overlaps, renewals) stay in services.py."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.assets.models import Project
from weibao.contracts.choices import IntakeChannel, OverrideAction, Severity, StatutoryKind
from weibao.contracts.models import MINUTE_FIELDS, BusinessCalendar, Contract, HolidayYear, SlaPolicy, WarrantyTerm
from weibao.core.validators import parse_id, validate_record_date, validate_sane_date
from weibao.customers.choices import RegionTier
from weibao.customers.models import Customer, Site

MAX_HOURS = Decimal(365 * 24)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CalendarForm(forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = [
            "name",
            "kind",
            "timezone",
            "china_holidays",
            "mon_hours",
            "tue_hours",
            "wed_hours",
            "thu_hours",
            "fri_hours",
            "sat_hours",
            "sun_hours",
            "makeup_hours",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class OverrideForm(forms.Form):
    """One date's exception. A nonexistent date (e.g. 2026-02-30) is refused by the date field itself."""

    date = forms.DateField(label=_("Date"), widget=DateInput(), validators=[validate_sane_date])
    action = forms.ChoiceField(label=_("Action"), choices=OverrideAction.choices)
    hours = forms.CharField(label=_("Hours"), required=False, help_text=_("e.g. 09:00-12:00"))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class StatutoryDayForm(forms.Form):
    """One date of the State Council's schedule, for every calendar that follows China's holidays."""

    date = forms.DateField(label=_("Date"), widget=DateInput(), validators=[validate_sane_date])
    kind = forms.ChoiceField(label=_("Kind"), choices=StatutoryKind.choices)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)


class DateListField(forms.CharField):
    """Dates as typed from a notice: "2027-09-26, 2027-10-09" (commas, spaces or 、 between them)."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        result = []
        for part in text.replace("，", ",").replace("、", ",").replace(";", ",").replace(" ", ",").split(","):
            if not part.strip():
                continue
            try:
                result.append(datetime.date.fromisoformat(part.strip()))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a date (YYYY-MM-DD)."), params={"value": part.strip()}, code="invalid_date"
                ) from None
        return result


class StatutoryPeriodForm(forms.Form):
    """One holiday period from the State Council's notice: name, first and last day off, make-up working days."""

    name = forms.CharField(label=_("Holiday"), max_length=80, help_text=_("e.g. 国庆节"))
    first_day = forms.DateField(label=_("First day off"), widget=DateInput())
    last_day = forms.DateField(label=_("Last day off"), widget=DateInput())
    makeup_dates = DateListField(
        label=_("Make-up working days"),
        required=False,
        help_text=_("Dates separated by commas, e.g. 2027-09-26, 2027-10-09"),
    )


class HolidayYearForm(forms.ModelForm):
    class Meta:
        model = HolidayYear
        fields = ["year", "status", "note"]

    def validate_unique(self) -> None:  # the service updates an existing year instead
        return

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 1950 <= year <= 2100:
            raise forms.ValidationError(_("The year must be between 1950 and 2100."))
        return year


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "code",
            "name",
            "customer",
            "status",
            "start_date",
            "end_date",
            "calendar",
            "covers_all",
            "projects",
            "sites",
            "labour_rate_hour",
            "labour_rate_visit",
            "transport_rate",
            "pm_frequency",
            "onsite_support",
            "training_days",
            "lifetime_support",
            "notes",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "projects": forms.CheckboxSelectMultiple,
            "sites": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, customer: Customer | None = None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Only customers the user may see are offered (and accepted): scoping, as everywhere else.
            from weibao.accounts.scoping import scope_queryset

            self.fields["customer"].queryset = scope_queryset(self.fields["customer"].queryset, user)
        # Coverage choices are the chosen customer's projects and sites only (a big estate has thousands).
        if self.instance.pk:
            customer = self.instance.customer
            self.fields["customer"].disabled = True
        elif (customer_id := parse_id(self.data.get("customer"))) is not None:
            customer = self.fields["customer"].queryset.filter(pk=customer_id).first()
        self.fields["projects"].queryset = (
            Project.objects.filter(customer=customer) if customer else Project.objects.none()
        )
        self.fields["sites"].queryset = Site.objects.filter(customer=customer) if customer else Site.objects.none()
        self.fields["status"].choices = [c for c in self.fields["status"].choices if c[0] != "expired"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The contract cannot end before it starts."))
        return data


class WarrantyTermForm(forms.ModelForm):
    class Meta:
        model = WarrantyTerm
        fields = ["category", "months", "covers_parts", "covers_labour", "notes"]

    def clean_months(self):
        months = self.cleaned_data["months"]
        if not (1 <= months <= 600):
            raise forms.ValidationError(_("A warranty term must be between 1 and 600 months."))
        return months


WarrantyTermFormSet = forms.inlineformset_factory(
    Contract, WarrantyTerm, form=WarrantyTermForm, extra=2, can_delete=True, max_num=10
)


class RenewForm(forms.Form):
    code = forms.CharField(label=_("New contract number"), max_length=40)
    start_date = forms.DateField(
        label=_("Start date"), required=False, widget=DateInput(), validators=[validate_record_date]
    )
    end_date = forms.DateField(
        label=_("End date"), required=False, widget=DateInput(), validators=[validate_record_date]
    )

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The contract cannot end before it starts."))
        if data.get("code") and Contract.objects.filter(code=data["code"]).exists():
            self.add_error("code", _("This contract number is already in use."))
        return data


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = ["response_spoken_minutes", "response_written_minutes", "warn_percent", "pause_states"]

    def clean_warn_percent(self):
        value = self.cleaned_data["warn_percent"]
        if not (1 <= value <= 99):
            raise forms.ValidationError(_("The warning threshold must be between 1 and 99 %."))
        return value

    def clean_pause_states(self):
        value = self.cleaned_data["pause_states"]
        states = [s.strip() for s in value.split(",") if s.strip()]
        if any(not s.replace("_", "").isalnum() or not s.isascii() for s in states):
            raise forms.ValidationError(_("Use work-order state codes such as waiting_customer, comma-separated."))
        return ",".join(states)

    def clean(self):
        data = super().clean()
        for name in ("response_spoken_minutes", "response_written_minutes"):
            value = data.get(name)
            if value is not None and not (1 <= value <= 365 * 24 * 60):
                self.add_error(name, _("A target must be between 1 minute and 365 days."))
        return data


class HoursField(forms.DecimalField):
    """A target in hours (0.25 = 15 minutes); empty = no clock."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_digits=8, decimal_places=2, **kwargs)
        self.widget.attrs.update({"step": "0.25", "class": "num"})


class SlaTargetRowForm(forms.Form):
    """One severity's row of the matrix, edited in hours."""

    severity = forms.ChoiceField(choices=Severity.choices, widget=forms.HiddenInput)
    response_minutes = HoursField(label=_("Response (h)"))
    arrival_city_minutes = HoursField(label=_("On site, city (h)"))
    arrival_county_minutes = HoursField(label=_("On site, other counties (h)"))
    arrival_remote_minutes = HoursField(label=_("On site, remote (h)"))
    plan_minutes = HoursField(label=_("Solution plan (h)"))
    resolution_minutes = HoursField(label=_("Resolution (h)"))
    observation_hours = forms.IntegerField(label=_("Observation (h)"), min_value=0, max_value=365 * 24)

    def clean(self):
        data = super().clean()
        for name in MINUTE_FIELDS:
            value = data.get(name)
            if value is None:
                continue
            if value <= 0:
                self.add_error(name, _("A target must be positive."))
            elif value > MAX_HOURS:
                self.add_error(name, _("A target longer than 365 days is not plausible."))
        return data

    def minutes(self) -> dict:
        """The row as the service wants it: minutes (int) or None."""
        data = self.cleaned_data
        row = {name: (None if data.get(name) is None else int(round(data[name] * 60))) for name in MINUTE_FIELDS}
        row["observation_hours"] = data["observation_hours"]
        return row

    @staticmethod
    def initial_for(target) -> dict:
        row = {"severity": target.severity, "observation_hours": target.observation_hours}
        for name in MINUTE_FIELDS:
            value = getattr(target, name)
            row[name] = None if value is None else (Decimal(value) / 60).quantize(Decimal("0.01")).normalize()
        return row


SlaTargetFormSet = forms.formset_factory(SlaTargetRowForm, extra=0, min_num=4, max_num=4, validate_max=True)


class PreviewForm(forms.Form):
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Contract.objects.none(), required=False, empty_label=_("(no contract: defaults)")
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.A)
    region_tier = forms.ChoiceField(label=_("Region tier"), choices=RegionTier.choices, initial=RegionTier.CITY)
    channel = forms.ChoiceField(label=_("Channel"), choices=IntakeChannel.choices, initial=IntakeChannel.PHONE)
    at = forms.DateTimeField(
        label=_("Reported at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        validators=[validate_sane_date],  # the preview walks the calendar day by day
    )

    # The picker lists this many contracts (by code); any other is chosen from its own page's preview link, which
    # pre-selects it. With 20,000 contracts a full list made the page 2 s.
    PICKER_LIMIT = 200

    def __init__(self, *args, contracts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contracts is not None:
            field = self.fields["contract"]
            field.queryset = contracts  # validation accepts any contract the user may see
            shown = list(contracts[: self.PICKER_LIMIT])
            selected = parse_id(self.data.get("contract") if self.is_bound else self.initial.get("contract"))
            if selected and all(c.pk != selected for c in shown):
                shown = [*contracts.filter(pk=selected)[:1], *shown]
            field.choices = [("", field.empty_label), *((c.pk, str(c)) for c in shown)]
            if len(shown) >= self.PICKER_LIMIT:
                field.help_text = _("The first %(n)d contracts by number; open a contract for its own preview.") % {
                    "n": self.PICKER_LIMIT
                }
