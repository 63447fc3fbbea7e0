"""Admin: read-only views of the timeline (append-only) and clocks; orders change only through the services."""

from django.contrib import admin

from weibao.core.admin import PhoneToFixFilter
from weibao.workorders.models import (
    Alert,
    Clock,
    LegacyReview,
    NumberCounter,
    ObservationReply,
    PauseReason,
    Reopen,
    WorkOrder,
    WorkOrderEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    fields = ("created_at", "kind", "actor", "old_status", "new_status", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "site", "severity", "status", "sla_state", "assignee", "next_deadline")
    list_filter = ("status", "severity", "sla_state", "channel", PhoneToFixFilter)
    search_fields = ("number",)
    raw_id_fields = ("customer", "site", "project", "assignee", "contract")
    show_full_result_count = False  # a million rows: no COUNT(*) on every page
    inlines = [EventInline]


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyAdmin):
    list_display = ("workorder", "kind", "actor", "old_status", "new_status", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("workorder", "actor")
    show_full_result_count = False


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = (
        "workorder",
        "kind",
        "started_at",
        "deadline",
        "paused_at",
        "stopped_at",
        "warned_at",
        "breached_at",
    )
    list_filter = ("kind",)
    raw_id_fields = ("workorder",)
    show_full_result_count = False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "workorder", "level", "clock_kind", "created_at", "read_at")
    raw_id_fields = ("recipient", "workorder", "event")


@admin.register(LegacyReview)
class LegacyReviewAdmin(ReadOnlyAdmin):
    list_display = ("workorder", "reviewer", "reviewed_at")
    raw_id_fields = ("workorder", "reviewer", "event")


@admin.register(NumberCounter)
class NumberCounterAdmin(ReadOnlyAdmin):
    list_display = ("year", "last")


@admin.register(Reopen)
class ReopenAdmin(ReadOnlyAdmin):
    """Every reopen with its source and reason (issue 23); written only by the services."""

    list_display = ("workorder", "reopened_at", "source", "reason_code", "actor", "channel", "answered_by")
    list_filter = ("source", "reason_code")
    raw_id_fields = ("workorder", "event")


@admin.register(ObservationReply)
class ObservationReplyAdmin(ReadOnlyAdmin):
    list_display = ("workorder", "created_at", "channel", "sender", "suspected_recurrence", "decision", "decided_by")
    list_filter = ("decision", "channel", "suspected_recurrence")
    raw_id_fields = ("workorder", "event")


@admin.register(PauseReason)
class PauseReasonAdmin(admin.ModelAdmin):
    """The configurable pause reasons (issue 17): names, order and whether they are offered are edited here; the
    system reasons (set by code paths) keep their code and cannot be deleted."""

    list_display = ("name", "code", "system", "active", "position")
    list_editable = ("active", "position")
    ordering = ("position", "code")

    def get_readonly_fields(self, request, obj=None):
        return ("code", "system") if obj is not None and obj.system else ("system",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.system

    def delete_queryset(self, request, queryset) -> None:
        for reason in queryset.filter(system=False):  # the bulk action, one by one: system rows are never deleted
            reason.delete()
