"""Admin: the price list is edited here; the visit's rows are read-only (they change only through the services,
which keep the timeline, the gates and the frozen signed forms right)."""

from django.contrib import admin

from weibao.core.admin import PhoneToFixFilter
from weibao.onsite.models import (
    ApprovalLink,
    Backup,
    ChangeRecord,
    Quote,
    QuoteLine,
    Replacement,
    ServiceForm,
    SiteConfirmation,
    SparePart,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SparePart)
class SparePartAdmin(admin.ModelAdmin):
    list_display = ("model", "name", "unit", "unit_price", "vendor", "active")
    list_filter = ("active",)
    search_fields = ("model", "name")
    raw_id_fields = ("vendor",)


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    fields = ("position", "kind", "description", "quantity", "unit", "unit_price", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ("workorder", "revision", "status", "total", "answered_via", "answered_at")
    list_filter = ("status", "answered_via")
    search_fields = ("workorder__number",)
    inlines = [QuoteLineInline]


@admin.register(ApprovalLink)
class ApprovalLinkAdmin(ReadOnlyAdmin):
    list_display = ("quote", "channel", "sent_to", "expires_at", "used_at")


@admin.register(SiteConfirmation)
class SiteConfirmationAdmin(ReadOnlyAdmin):
    list_filter = [PhoneToFixFilter]
    list_display = ("workorder", "confirmed_by_name", "cause", "human_cause", "created_at")


@admin.register(Replacement)
class ReplacementAdmin(ReadOnlyAdmin):
    list_display = ("workorder", "old_serial", "new_serial", "new_model", "rma_ref", "created_at")
    search_fields = ("workorder__number", "old_serial", "new_serial")


@admin.register(Backup)
class BackupAdmin(ReadOnlyAdmin):
    list_display = ("workorder", "location", "performed_by_name", "performed_at", "customer_agreed")


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("workorder", "backup", "created_at")


@admin.register(ServiceForm)
class ServiceFormAdmin(ReadOnlyAdmin):
    list_display = ("workorder", "revision", "status", "complete", "satisfaction", "signed_at")
    list_filter = ("status", "complete", PhoneToFixFilter)
    search_fields = ("workorder__number",)
