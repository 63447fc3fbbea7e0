"""Django admin for contracts, SLA policies and calendars (the UI pages are the main way to edit them)."""

from django.contrib import admin

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
    list_display = ("date", "kind", "name")
