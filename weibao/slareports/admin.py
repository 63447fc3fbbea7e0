from django.contrib import admin

from weibao.slareports.models import PeriodicReport, ReportSchedule


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("contract", "frequency", "major_down_hours", "extra_recipients")
    list_filter = ("frequency",)
    raw_id_fields = ("contract",)
    readonly_fields = ("version",)


@admin.register(PeriodicReport)
class PeriodicReportAdmin(admin.ModelAdmin):
    """Read-only: reports change only through the review and send services (the snapshot is history)."""

    list_display = ("contract", "period_start", "period_end", "status", "generated_at", "sent_at")
    list_filter = ("status", "frequency")
    raw_id_fields = ("contract",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
