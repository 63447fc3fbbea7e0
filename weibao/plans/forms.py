"""Forms of the plans pages: they parse input; the rules (an empty plan, a milestone before the report, a schedule
without dates) are the services' and come back as field errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from weibao.plans.choices import ChangeStatus, PlanDecision

MILESTONE_ROWS = 6
DATE = forms.DateInput(attrs={"type": "date"})


class PlanForm(forms.Form):
    """A draft of the solution plan with up to six milestone rows (m<i>_title / m<i>_due_on)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    cause = forms.CharField(label=_("Cause"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cause_confirmed_by = forms.CharField(
        label=_("Cause confirmed with (customer)"),
        required=False,
        max_length=100,
        help_text=_("The customer's responsible person who confirmed the cause."),
    )
    actions = forms.CharField(label=_("Proposed actions"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    risks = forms.CharField(label=_("Risks"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    parts = forms.CharField(label=_("Parts needed"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Never shown to the customer."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MILESTONE_ROWS):
            self.fields[f"m{i}_title"] = forms.CharField(label=_("Milestone"), required=False, max_length=200)
            # Text, not a date field: a bad or missing date is the service's error, named by its row.
            self.fields[f"m{i}_due_on"] = forms.CharField(label=_("Due on"), required=False, widget=DATE)

    @property
    def milestone_rows(self) -> list[tuple]:
        return [(self[f"m{i}_title"], self[f"m{i}_due_on"]) for i in range(MILESTONE_ROWS)]

    def milestones(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"title": data.get(f"m{i}_title", ""), "due_on": data.get(f"m{i}_due_on", "")}
            for i in range(MILESTONE_ROWS)
        ]

    def plan_fields(self) -> dict:
        names = ("cause", "cause_confirmed_by", "actions", "risks", "parts", "internal_note")
        return {n: self.cleaned_data.get(n, "") for n in names}

    def add_service_errors(self, exc) -> None:
        """`milestones.<i>.<field>` onto the row's field; others onto their field or the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            parts = key.split(".")
            if parts[0] == "milestones" and len(parts) == 3 and f"m{parts[1]}_{parts[2]}" in self.fields:
                self.add_error(f"m{parts[1]}_{parts[2]}", messages)
            else:
                self.add_error(key if key in self.fields else None, messages)


class AnswerForm(forms.Form):
    """The customer's answer to a submitted plan (portal, or the one-time link with a name)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=PlanDecision.choices, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("What should change, or why you reject it"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LinkForm(forms.Form):
    sent_to = forms.CharField(label=_("E-mail address of the customer's responsible person"), max_length=254)


class ChangeRequestForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("What is wanted"), widget=forms.Textarea(attrs={"rows": 3}))
    plan = forms.CharField(label=_("Negotiated plan"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    estimate_days = forms.CharField(label=_("Estimate (person-days)"), required=False)
    chargeable = forms.BooleanField(label=_("Chargeable"), required=False)
    quote_amount = forms.CharField(label=_("Quote (CNY)"), required=False)
    agreed_on = forms.CharField(label=_("Agreed target date"), required=False, widget=DATE)
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Never shown to the customer."),
    )

    def __init__(self, *args, contracts=None, staff: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if contracts is not None:
            self.fields["contract"] = forms.TypedChoiceField(
                label=_("Contract"), coerce=int, choices=[(c.pk, f"{c.code} · {c.customer}") for c in contracts]
            )
            self.order_fields(["contract"])
        if not staff:
            for name in ("plan", "estimate_days", "chargeable", "quote_amount", "agreed_on", "internal_note"):
                del self.fields[name]


class ChangeMoveForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    to = forms.ChoiceField(choices=ChangeStatus.choices, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Accepted by"), max_length=100, required=False)


class ReportForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Processing report"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Where the problem stands and what we do next; sent to the customer as a PDF."),
    )
    send_to = forms.CharField(
        label=_("Send to (e-mail)"), required=False, max_length=254, help_text=_("Empty: the order's contact.")
    )
