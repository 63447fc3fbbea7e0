"""Input parsing for the account pages (writes happen in services)."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AdminPasswordChangeForm as DjangoAdminPasswordChangeForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from weibao.accounts.choices import AuthorityLevel, OrganisationKind, Role
from weibao.accounts.models import Branch, Organisation, Skill
from weibao.core.phones import PhoneFormField

LANGUAGE_CHOICES = [("", _("Browser default")), *settings.LANGUAGES]


class Form(forms.Form):
    """Labels without Django's trailing ":" (the layout puts labels above fields; ":" looks wrong in Chinese)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UserFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Organisation kind"), required=False, choices=[("", _("All kinds")), *OrganisationKind.choices]
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))],
    )


class UserForm(Form):
    """Create or edit an account of any organisation; staff fields apply to our own company only."""

    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = PhoneFormField(label=_("Mobile"), max_length=32, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.filter(is_active=True), empty_label=_("– choose –")
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.all(), required=False, empty_label=_("– none –")
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"), queryset=Skill.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_dedicated = forms.BooleanField(label=_("Dedicated after-sales staff"), required=False, initial=True)
    on_probation = forms.BooleanField(label=_("On probation"), required=False)
    authority_level = forms.ChoiceField(
        label=_("Authority level"), choices=AuthorityLevel.choices, initial=AuthorityLevel.STAFF
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        required=False,
        strip=False,
        help_text=password_validators_help_text_html,
    )
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, required=False, strip=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            self.fields["username"].disabled = True
            self.fields["password1"].label = _("New password (leave empty to keep)")
        else:
            self.fields["password1"].required = True
            self.fields["password2"].required = True

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class ProfileForm(Form):
    email = forms.EmailField(label=_("Email"), required=False)
    phone = PhoneFormField(label=_("Mobile"), max_length=32, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)


class TokenCreateForm(Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What will use the token, e.g. “CMDB sync”."))


class UnlockForm(Form):
    username = forms.CharField(max_length=255)


def _revoke_tokens_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Also revoke the API tokens"),
        required=False,
        initial=True,
        help_text=_("Other sessions end either way; untick to keep scripts that use the tokens working."),
    )


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's own (old password, new twice, the validators) plus the choice to keep the API tokens."""

    revoke_tokens = _revoke_tokens_field()


class AdminPasswordChangeForm(DjangoAdminPasswordChangeForm):
    """The Django admin's password form with the same choice."""

    revoke_tokens = _revoke_tokens_field()

    def save(self, commit: bool = True):
        from weibao.accounts.services import password_changed

        user = super().save(commit)
        if commit:
            password_changed(user=user, revoke_tokens=self.cleaned_data.get("revoke_tokens", False))
        return user
