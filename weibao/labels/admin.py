from django.contrib import admin

from weibao.labels.models import Label, ScanCode


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["device", "created_at", "revoked_at", "scans", "last_scanned_at"]
    list_filter = ["revoked_at"]
    raw_id_fields = ["device", "created_by", "revoked_by"]
    # The token is the key printed in the QR: shown, never edited by hand (regenerate from the device page).
    readonly_fields = ["token", "organisation", "scans", "last_scanned_at"]


@admin.register(ScanCode)
class ScanCodeAdmin(admin.ModelAdmin):
    list_display = ["label", "contact", "created_at", "expires_at", "attempts", "used_at", "client_ip"]
    readonly_fields = [f.name for f in ScanCode._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
