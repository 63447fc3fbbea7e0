from django.db import models
from django.utils.translation import gettext_lazy as _


class SubsystemKind(models.TextChoices):
    """The kinds of system an integrator delivers (SPEC §2)."""

    CABLING = "cabling", _("Structured cabling")
    NETWORK = "network", _("Network")
    PBX = "pbx", _("PBX telephone system")
    SURVEILLANCE = "surveillance", _("Video surveillance")
    ACCESS = "access", _("Access control / one-card")
    AV = "av", _("Audio-visual")
    SERVER_ROOM = "server_room", _("Server room")
    SOFTWARE = "software", _("Software")
    OTHER = "other", _("Other")


class DeviceStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    FAULTY = "faulty", _("Faulty")
    IN_REPAIR = "in_repair", _("In repair")
    RETIRED = "retired", _("Retired")


# Badge colours sit beside the values (templates display, they don't decide).
DEVICE_STATUS_BADGE = {
    DeviceStatus.IN_SERVICE: "ok",
    DeviceStatus.FAULTY: "danger",
    DeviceStatus.IN_REPAIR: "warn",
    DeviceStatus.RETIRED: "muted",
}


class DeviceCategory(models.TextChoices):
    HARDWARE = "hardware", _("Hardware")
    SOFTWARE = "software", _("Software")
    CABLING = "cabling", _("Cabling / passive")
    OTHER = "other", _("Other")


class DeviceEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    IMPORTED = "imported", _("Imported")
    UPDATED = "updated", _("Updated")
    STATUS_CHANGED = "status_changed", _("Status changed")
    REPLACED = "replaced", _("Replaced")
    NOTE = "note", _("Note")


class DocumentType(models.TextChoices):
    """Document types kept per project (SPEC §2)."""

    DRAWING = "drawing", _("Construction drawing")
    CABLING_ROUTE = "cabling_route", _("Cabling route")
    DEVICE_LOCATIONS = "device_locations", _("Device locations")
    CONFIGURATION = "configuration", _("Configuration / parameters")
    SOFTWARE_MEDIA = "software_media", _("Software media")
    MANUAL = "manual", _("Manual")
    PLAN = "plan", _("Design / implementation plan")
    MAINTENANCE_PLAN = "maintenance_plan", _("Maintenance plan")
    EMERGENCY_PLAN = "emergency_plan", _("Emergency plan")
    OTHER = "other", _("Other")


# What a project must have on file before a visit (a project built by others: the customer supplies these).
REQUIRED_PROJECT_DOCUMENTS = (
    DocumentType.DRAWING,
    DocumentType.CABLING_ROUTE,
    DocumentType.DEVICE_LOCATIONS,
    DocumentType.CONFIGURATION,
    DocumentType.MAINTENANCE_PLAN,
    DocumentType.EMERGENCY_PLAN,
)


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking")
    VALID = "valid", _("Ready to import")
    INVALID = "invalid", _("Has errors")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


IMPORT_RUNNING = frozenset({ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING})
