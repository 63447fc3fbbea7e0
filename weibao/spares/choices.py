from django.db import models
from django.utils.translation import gettext_lazy as _


class WarehouseKind(models.TextChoices):
    HEAD_OFFICE = "head_office", _("Head office store")
    BRANCH = "branch", _("Branch store")
    VAN = "van", _("Engineer's van")


class Tracking(models.TextChoices):
    SERIAL = "serial", _("Serial-tracked")
    COUNTED = "counted", _("Counted")


class MoveKind(models.TextChoices):
    """What a ledger row records. `on_hand` and `reserved` deltas per kind are fixed by the services."""

    RECEIVE = "receive", _("Received")
    RESERVE = "reserve", _("Reserved for an order")
    UNRESERVE = "unreserve", _("Reservation released")
    ISSUE = "issue", _("Issued to an order")
    RETURN = "return", _("Returned unused")
    TRANSFER_OUT = "transfer_out", _("Sent on transfer")
    TRANSFER_IN = "transfer_in", _("Received from transfer")
    WRITE_OFF = "write_off", _("Written off")
    REPAIRED_IN = "repaired_in", _("Repaired unit back")
    SALE = "sale", _("Issued on a parts sale")
    IMPORT = "import", _("Initial stock (import)")


class UnitStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    RESERVED = "reserved", _("Reserved")
    IN_TRANSIT = "in_transit", _("In transit")
    ISSUED = "issued", _("Issued to an order")
    SOLD = "sold", _("Sold")
    WRITTEN_OFF = "written_off", _("Written off")


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")


class SaleStatus(models.TextChoices):
    QUOTED = "quoted", _("Quoted")
    APPROVED = "approved", _("Approved by the customer")
    ISSUED = "issued", _("Issued")
    INVOICED = "invoiced", _("Invoiced")
    CANCELLED = "cancelled", _("Cancelled")


SALE_TRANSITIONS: dict[str, set[str]] = {
    SaleStatus.QUOTED: {SaleStatus.APPROVED, SaleStatus.CANCELLED},
    SaleStatus.APPROVED: {SaleStatus.ISSUED, SaleStatus.CANCELLED},
    SaleStatus.ISSUED: {SaleStatus.INVOICED},
    SaleStatus.INVOICED: set(),
    SaleStatus.CANCELLED: set(),
}
