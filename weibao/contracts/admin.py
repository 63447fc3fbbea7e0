"""Django admin for contracts, SLA policies and calendars (the UI pages are the main way to edit them)."""

from django.contrib import admin

from weibao.contracts import services
from weibao.contracts.models import (
    BusinessCalendar,
    CalendarOverride,
    Contract,
    HolidayYear,
    SlaPolicy,
    SlaTarget,
    StatutoryDay,
    WarrantyTerm,
)


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "china_holidays", "timezone", "version")
    inlines = [CalendarOverrideInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Overrides edited inline bypass the services: bump the version so no process keeps the old built calendar.
        services.calendar_touch(calendar=form.instance)


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ("year", "status", "note", "confirmed_by")


class WarrantyTermInline(admin.TabularInline):
    model = WarrantyTerm
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "customer", "start_date", "end_date", "status", "calendar")
    list_filter = ("status", "calendar")
    search_fields = ("code", "name", "customer__name")
    raw_id_fields = ("customer", "renewed_from")
    filter_horizontal = ("projects", "sites")
    inlines = [WarrantyTermInline]


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("contract", "response_spoken_minutes", "response_written_minutes", "warn_percent")
    raw_id_fields = ("contract",)
    inlines = [SlaTargetInline]


@admin.register(StatutoryDay)
class StatutoryDayAdmin(admin.ModelAdmin):
    """Official dates apply to every China calendar: saves and deletes go through the services (they bump versions)."""

    list_display = ("date", "kind", "name")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        services.china_calendars_touch()

    def delete_model(self, request, obj) -> None:
        services.statutory_day_delete(day=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        services.china_calendars_touch()
