"""Admin: everything of the store is read-only here. Stock changes only through `spares.services` (which keep the
ledger, the locks and the alerts right); parts and warehouses are edited on the store's own pages."""

from django.contrib import admin

from weibao.spares.models import Move, Part, PartSale, Stock, StockAlert, StockImport, StockUnit, Transfer, Warehouse


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Warehouse)
class WarehouseAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "branch", "owner", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(Part)
class PartAdmin(ReadOnlyAdmin):
    list_display = ("part_number", "name", "model", "tracking", "min_level", "unit_cost", "price", "active")
    search_fields = ("part_number", "name", "model")


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ("warehouse", "part", "on_hand", "reserved", "min_level")
    list_select_related = ("warehouse", "part")
    raw_id_fields = ("warehouse", "part")


@admin.register(Move)
class MoveAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "kind", "warehouse", "part", "on_hand_delta", "reserved_delta", "on_hand_after")
    list_filter = ("kind",)
    list_select_related = ("warehouse", "part")
    raw_id_fields = ("warehouse", "part", "workorder", "transfer", "sale", "actor")
    show_full_result_count = False  # a million rows: no COUNT(*) per page


@admin.register(StockUnit)
class StockUnitAdmin(ReadOnlyAdmin):
    list_display = ("serial", "part", "status", "warehouse")
    search_fields = ("serial",)
    raw_id_fields = ("part", "warehouse", "workorder", "transfer", "sale")


admin.site.register([Transfer, PartSale, StockAlert, StockImport], ReadOnlyAdmin)
