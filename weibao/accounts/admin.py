from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from weibao.accounts.forms import AdminPasswordChangeForm
from weibao.accounts.models import ApiToken, Branch, LoginEvent, Organisation, Region, Skill, User
from weibao.accounts.services import _check_role_fits, _sync_admin_flags, user_sessions_end, user_tokens_revoke_all
from weibao.core.admin import PhoneToFixFilter


class RoleFitsMixin:
    """The admin site keeps the rules of the app's own user pages (`accounts.services`): the role must fit the
    organisation's kind and only our own staff belong to a branch."""

    def clean(self):
        data = super().clean()
        role, organisation = data.get("role"), data.get("organisation")
        if role and organisation:
            # The add form has no branch field: a new account has none yet.
            branch = data.get("branch") if "branch" in self.fields else None
            try:
                _check_role_fits(role=role, organisation=organisation, branch=branch)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class UserAdminChangeForm(RoleFitsMixin, UserChangeForm):
    pass


class UserAdminCreationForm(RoleFitsMixin, AdminUserCreationForm):
    pass


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_filter = [PhoneToFixFilter]
    list_display = ["name", "code", "city", "is_head_office"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "branch"]
    list_filter = ["branch"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    list_display = ["username", "name", "organisation", "role", "branch", "is_active"]
    list_filter = ["role", "branch", "is_active", "organisation__kind", PhoneToFixFilter]
    search_fields = ["username", "name", "email", "phone"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["name", "email", "phone", "language"]}),
        (
            _("Organisation and role"),
            {"fields": ["organisation", "role", "branch", "skills", "is_dedicated", "on_probation", "authority_level"]},
        ),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "name", "organisation", "role", "password1", "password2"]})]
    filter_horizontal = ["skills"]
    # Staff and superuser flags follow the role, as on the app's user pages: only administrators get this site.
    readonly_fields = ["is_staff", "is_superuser"]

    change_password_form = AdminPasswordChangeForm
    change_user_password_template = "accounts/admin/user_change_password.html"  # noqa: S105 - a template

    def save_model(self, request, obj, form, change):
        _sync_admin_flags(obj)
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # As on the app's user page: (de)activation ends every session and token, reactivation revives none.
            user_sessions_end(user=obj)
            user_tokens_revoke_all(user=obj)


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never edited."""

    list_display = ["at", "username", "outcome", "ip_address"]
    list_filter = ["outcome"]
    search_fields = ["username", "ip_address"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "last_used_at"]

    def has_add_permission(self, request):
        # A token is made on the token page, which shows its value once; here it would get no digest at all.
        return False
