from django.contrib import admin

from weibao.dispatch.models import RosterEntry


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "branch", "engineer", "kind", "starts_at", "ends_at"]
    list_filter = ["branch", "kind"]
    date_hierarchy = "date"
    raw_id_fields = ["engineer", "created_by"]
