from django.contrib import admin

from weibao.core.admin import PhoneToFixFilter
from weibao.rma.models import RmaCase, RmaEvent, RmaReminder, VendorAgreement, VendorEscalation, VendorWarranty


@admin.register(VendorWarranty)
class VendorWarrantyAdmin(admin.ModelAdmin):
    list_display = ("vendor", "serial_number", "model", "starts_on", "ends_on", "source")
    search_fields = ("serial_number", "model")
    list_filter = ("vendor",)


@admin.register(VendorAgreement)
class VendorAgreementAdmin(admin.ModelAdmin):
    list_display = ("vendor", "name", "response_hours", "calendar", "valid_from", "valid_until")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases and escalations change only through their services (one event per step)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RmaCase)
class RmaCaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "vendor", "serial_number", "customer", "created_at")
    search_fields = ("number", "serial_number")
    list_filter = ("status", "vendor")


@admin.register(RmaEvent)
class RmaEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "actor", "created_at")


@admin.register(VendorEscalation)
class VendorEscalationAdmin(ReadOnlyAdmin):
    list_filter = [PhoneToFixFilter]
    list_display = ("workorder", "vendor", "status", "vendor_case_number", "response_due_at")


@admin.register(RmaReminder)
class RmaReminderAdmin(ReadOnlyAdmin):
    list_display = ("kind", "case", "escalation", "threshold_days", "sent_at", "deliveries")
    list_filter = ("kind",)
