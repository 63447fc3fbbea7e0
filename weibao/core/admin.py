"""Admin pieces shared by the apps' admin modules."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from weibao.core.phones import phone_fields, to_fix_q


class PhoneToFixFilter(admin.SimpleListFilter):
    """Admin list filter: the rows with a phone number that does not parse (kept from before the rule)."""

    title = _("phone to fix")
    parameter_name = "phone_to_fix"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(to_fix_q(phone_fields(queryset.model)))
        return queryset
