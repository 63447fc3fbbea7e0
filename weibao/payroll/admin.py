from django.contrib import admin

from weibao.payroll.models import PayMonth, PayMonthEvent, PayProfile, PayRule, TravelApproval, TravelClaim


@admin.register(PayRule)
class PayRuleAdmin(admin.ModelAdmin):
    list_display = (
        "valid_from",
        "service_allowance",
        "monthly_bonus",
        "complaint_fine",
        "forfeit_threshold",
        "non_dedicated_visit_fee",
    )

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a change is a new rule from a later date (payroll.services.payrule_create)


@admin.register(PayProfile)
class PayProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "hire_date", "confirmation_date")
    raw_id_fields = ("user",)


@admin.register(PayMonth)
class PayMonthAdmin(admin.ModelAdmin):
    list_display = ("month", "status", "prepared_by", "reviewed_by", "approved_by", "locked_at")
    readonly_fields = [f.name for f in PayMonth._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # prepared, reviewed and approved through the services only


@admin.register(PayMonthEvent)
class PayMonthEventAdmin(admin.ModelAdmin):
    list_display = ("pay_month", "kind", "actor", "authority_level", "at")
    readonly_fields = [f.name for f in PayMonthEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TravelApproval)
class TravelApprovalAdmin(admin.ModelAdmin):
    list_display = ("engineer", "workorder", "kind", "status", "answered_by", "answered_at")
    readonly_fields = [f.name for f in TravelApproval._meta.fields]


@admin.register(TravelClaim)
class TravelClaimAdmin(admin.ModelAdmin):
    list_display = ("engineer", "workorder", "kind", "trip_at", "amount", "status")
    readonly_fields = [f.name for f in TravelClaim._meta.fields]
