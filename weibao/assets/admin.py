from django.contrib import admin

from weibao.assets.models import (
    Device,
    DeviceEvent,
    Document,
    DocumentDownload,
    DocumentVersion,
    ImportJob,
    Project,
    ProjectInstaller,
    Subsystem,
    Vendor,
)
from weibao.core.admin import PhoneToFixFilter


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_filter = [PhoneToFixFilter]
    list_display = ["name", "support_phone", "offers_onsite_service"]
    search_fields = ["name"]
    raw_id_fields = ["organisation"]


class SubsystemInline(admin.TabularInline):
    model = Subsystem
    extra = 0
    raw_id_fields = ["organisation"]


class InstallerInline(admin.TabularInline):
    model = ProjectInstaller
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "customer", "built_by_us", "delivered_on", "accepted_on"]
    search_fields = ["code", "name", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "organisation", "site", "project_manager"]
    inlines = [SubsystemInline, InstallerInline]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    # A million rows: no counts in the changelist, ids instead of dropdowns.
    list_display = ["id", "name", "model", "serial_number", "vendor", "customer", "status"]
    search_fields = ["=serial_number", "=ip_address"]
    list_select_related = ["vendor", "customer"]
    raw_id_fields = ["organisation", "customer", "site", "project", "subsystem", "vendor"]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # devices are retired (status), never deleted: their history (DeviceEvent) stays


class ReadOnlyAdmin(admin.ModelAdmin):
    """History and audit rows are append-only."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeviceEvent)
class DeviceEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "device", "kind", "actor"]
    raw_id_fields = ["device", "related_device", "actor"]
    show_full_result_count = False


@admin.register(DocumentDownload)
class DocumentDownloadAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "version", "ip_address"]
    list_select_related = ["user", "version", "version__document"]


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    readonly_fields = [
        "number",
        "file",
        "original_name",
        "size",
        "content_type",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "doc_type", "customer", "project", "current_version"]
    list_select_related = ["customer", "project"]
    raw_id_fields = ["organisation", "customer", "project", "subsystem", "device"]
    inlines = [VersionInline]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "original_name", "customer", "status", "total_rows", "created_count"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "project", "created_by"]
    exclude = ["rows"]
