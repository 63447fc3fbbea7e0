"""Read-mostly admin views of the plans app (writes go through the services and the pages)."""

from django.contrib import admin

from weibao.plans.models import ChangeRequest, Milestone, ProcessingReport, ReviewReminder, SolutionPlan


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SolutionPlan)
class SolutionPlanAdmin(ReadOnly):
    list_display = ("workorder", "revision", "status", "submitted_at", "answered_at", "answered_via")
    list_filter = ("status",)
    raw_id_fields = ("workorder",)


@admin.register(Milestone)
class MilestoneAdmin(ReadOnly):
    list_display = ("workorder", "title", "due_on", "active", "done_at", "missed_at")
    list_filter = ("active",)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnly):
    list_display = ("title", "contract", "status", "agreed_on", "chargeable", "quote_amount")
    list_filter = ("status",)


@admin.register(ReviewReminder)
class ReviewReminderAdmin(ReadOnly):
    list_display = ("workorder", "due_on", "fired_at")


@admin.register(ProcessingReport)
class ProcessingReportAdmin(ReadOnly):
    list_display = ("workorder", "revision", "sent_to", "sent_at")
