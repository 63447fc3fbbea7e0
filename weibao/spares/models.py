"""The spare-parts store (备件库, SPEC §6, issue 14 points 3–5): warehouses (head office, branches, engineers' vans),
parts, the stock of each part in each warehouse, serial-tracked units, the append-only ledger of moves (库存流水),
transfers in transit, low-stock alerts and parts sales (配件销售) to customers.

Stock is never edited directly: every change is a `Move` row written by `spares.services` in the same transaction
that updates the `Stock` row it locked, so the ledger's sums always equal the stock. Check constraints refuse a
negative quantity even if a future code path forgot the service's check."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.approvals import PricedDocument
from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.core.money import MoneyField
from weibao.spares.choices import MoveKind, SaleStatus, Tracking, TransferStatus, UnitStatus, WarehouseKind


class Warehouse(TimeStampedModel):
    """A place stock is kept: the head office store, a branch office store, or a field engineer's van (车载库),
    which has the engineer as its owner. Each belongs to a branch, whose service manager gets its low-stock alerts."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=WarehouseKind.choices)
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="warehouses", verbose_name=_("branch")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vans",
        verbose_name=_("engineer (van)"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["kind", "name"]
        constraints = [
            # A van has its engineer; a store has none.
            models.CheckConstraint(
                condition=(Q(kind="van") & Q(owner__isnull=False)) | (~Q(kind="van") & Q(owner__isnull=True)),
                name="warehouse_owner_iff_van",
            ),
            models.UniqueConstraint(fields=["owner"], condition=Q(kind="van"), name="warehouse_one_van_per_engineer"),
        ]

    def __str__(self) -> str:
        return self.name


class Part(VersionedModel):
    """A spare part the company stocks (备件): part number, model, serial-tracked or counted, the minimum level
    below which the branch manager is alerted, what a unit costs us and the price a customer pays."""

    part_number = models.CharField(_("part number"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    model = models.CharField(_("model"), max_length=120, blank=True)
    vendor = models.ForeignKey(
        "assets.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vendor")
    )
    unit = models.CharField(_("unit"), max_length=20, default="个")
    tracking = models.CharField(_("tracking"), max_length=10, choices=Tracking.choices, default=Tracking.COUNTED)
    min_level = models.PositiveIntegerField(_("minimum level"), default=0)
    unit_cost = MoneyField(_("unit cost (CNY)"), default=Decimal("0"))
    price = MoneyField(_("price (CNY)"), default=Decimal("0"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["part_number"]
        indexes = [models.Index(fields=["model"], name="spares_part_model_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="spares_part_cost_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="spares_part_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"

    @property
    def is_serial(self) -> bool:
        return self.tracking == Tracking.SERIAL


class Stock(models.Model):
    """How many units of one part one warehouse holds (`on_hand`) and how many of those are reserved for orders.
    Written only by `spares.services`, under `select_for_update`, together with the ledger row of the move."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.PositiveIntegerField(_("on hand"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)
    min_level = models.PositiveIntegerField(
        _("minimum level here"),
        null=True,
        blank=True,
        help_text=_("Empty: the part's minimum level (stores) or none (vans)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["warehouse_id", "part_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "part"], name="spares_stock_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="spares_stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="spares_stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="spares_stock_reserved_le_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.part_id}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def effective_min_level(self, warehouse_kind: str) -> int:
        if self.min_level is not None:
            return self.min_level
        return 0 if warehouse_kind == WarehouseKind.VAN else self.part.min_level


class StockUnit(TimeStampedModel):
    """One serial-numbered unit of a serial-tracked part, wherever it is: in a warehouse (in stock or reserved),
    on the road between two warehouses, issued to an order, sold, or written off."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="units")
    serial = models.CharField(_("serial number"), max_length=120)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="units")
    status = models.CharField(_("status"), max_length=12, choices=UnitStatus.choices, default=UnitStatus.IN_STOCK)
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The order it is reserved for or was issued to."),
    )
    transfer = models.ForeignKey("Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="units")
    sale = models.ForeignKey("PartSale", on_delete=models.PROTECT, null=True, blank=True, related_name="units")

    class Meta:
        verbose_name = _("serial-numbered unit")
        verbose_name_plural = _("serial-numbered units")
        ordering = ["part_id", "serial"]
        constraints = [models.UniqueConstraint(fields=["part", "serial"], name="spares_unit_unique_serial")]
        indexes = [models.Index(fields=["warehouse", "part", "status"], name="spares_unit_where_idx")]

    def __str__(self) -> str:
        return self.serial


class Transfer(VersionedModel):
    """Parts sent from one warehouse to another (调拨). While in transit they count in neither warehouse's stock:
    the sender's stock drops when sent, the receiver's rises only when it confirms receipt."""

    from_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(
        _("status"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.IN_TRANSIT
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="spares_transfer_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(from_warehouse=F("to_warehouse")), name="spares_transfer_two_warehouses"
            ),
        ]
        indexes = [
            models.Index(fields=["to_warehouse"], condition=Q(status="in_transit"), name="spares_transfer_open_idx")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"DB{self.pk:06d}"


class PartSale(PricedDocument):
    """A sale of parts to a customer without a fault (配件销售): quoted, approved by the customer, issued from a
    warehouse, invoiced. Prices are copied onto the lines when quoted, so a later price change never alters it.
    The customer answers in the portal or through the one-time link, like the on-site quote and the RMA fee."""

    CUSTOMER_SCOPE = "customer"

    customer = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="part_sales", verbose_name=_("customer")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="sales", verbose_name=_("issued from")
    )
    status = models.CharField(_("status"), max_length=12, choices=SaleStatus.choices, default=SaleStatus.QUOTED)
    # tax, totals, note and the customer's answer: core.approvals.PricedDocument (the on-site quote's)
    contact_name = models.CharField(_("customer contact"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    invoiced_at = models.DateTimeField(_("invoiced at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("parts sale")
        verbose_name_plural = _("parts sales")
        ordering = ["-id"]
        indexes = [models.Index(fields=["customer", "-id"], name="spares_sale_customer_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1), name="spares_sale_tax_range")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"DB{self.pk:06d}"


class PartSaleLine(models.Model):
    """One part on a parts sale, with the price copied when quoted and the serials issued."""

    sale = models.ForeignKey(PartSale, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit price (CNY)"))
    amount = MoneyField(_("amount (CNY)"))
    serials = models.JSONField(_("serial numbers"), default=list, blank=True)

    class Meta:
        verbose_name = _("parts sale line")
        verbose_name_plural = _("parts sale lines")
        ordering = ["sale_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="spares_saleline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="spares_saleline_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.quantity}"


class AppendOnlyError(Exception):
    pass


class MoveQuerySet(models.QuerySet):
    """Ledger rows are only ever inserted: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise AppendOnlyError("the stock ledger is append-only")

    def delete(self):
        raise AppendOnlyError("the stock ledger is append-only")


class Move(models.Model):
    """One row of the stock ledger (库存流水): a move of one part in one warehouse, never changed or deleted.
    `on_hand_delta`/`reserved_delta` are what the move did to the warehouse's stock, `on_hand_after` the balance
    it left; the sum of the deltas of a warehouse and part equals its `Stock` row."""

    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("move"), max_length=16, choices=MoveKind.choices)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="moves")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="moves")
    on_hand_delta = models.IntegerField(_("quantity change"))
    reserved_delta = models.IntegerField(_("reserved change"), default=0)
    on_hand_after = models.PositiveIntegerField(_("balance after"))
    unit_cost = MoneyField(_("unit cost (CNY)"), default=Decimal("0"))
    serials = models.JSONField(_("serial numbers"), default=list, blank=True)
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="part_moves",
        verbose_name=_("work order"),
    )
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="moves")
    sale = models.ForeignKey(PartSale, on_delete=models.PROTECT, null=True, blank=True, related_name="moves")
    reference = models.CharField(_("reference"), max_length=60, blank=True, help_text=_("e.g. an RMA case number"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = MoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock ledger")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["warehouse", "-id"], name="spares_move_wh_idx"),
            models.Index(fields=["part", "-id"], name="spares_move_part_idx"),
            models.Index(fields=["workorder", "part"], condition=Q(workorder__isnull=False), name="spares_move_wo_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.part_id}@{self.warehouse_id} {self.on_hand_delta:+d}"

    def save(self, *args, **kwargs) -> None:
        # The ledger is append-only: a row, once written, is history.
        if not self._state.adding:
            raise AppendOnlyError("stock moves are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("stock moves are never deleted")

    @property
    def quantity(self) -> int:
        return abs(self.on_hand_delta) or abs(self.reserved_delta)

    @property
    def transfer_number(self) -> str:
        return f"DB{self.transfer_id:06d}" if self.transfer_id else ""

    @property
    def sale_number(self) -> str:
        return f"XS{self.sale_id:06d}" if self.sale_id else ""


class StockAlert(TimeStampedModel):
    """A part fell below its minimum level in a warehouse (低库存预警). One open alert per warehouse and part; it
    clears when stock is back at the level, and the branch's service managers are notified when it opens."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="alerts")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="alerts")
    available = models.IntegerField(_("available when raised"))
    min_level = models.PositiveIntegerField(_("minimum level"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)

    class Meta:
        verbose_name = _("low-stock alert")
        verbose_name_plural = _("low-stock alerts")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "part"], condition=Q(cleared_at__isnull=True), name="spares_alert_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.warehouse_id} {self.available}/{self.min_level}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


def stock_import_upload_to(instance, filename: str) -> str:
    return f"spares/imports/{timezone.now():%Y/%m}/{timezone.now():%d%H%M%S%f}.xlsx"


class StockImport(TimeStampedModel):
    """An uploaded initial-stock list (期初库存) for one warehouse: checked row by row (preview or error report),
    then received all-or-nothing. The status values are the device import's (`assets.ImportStatus`)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=stock_import_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=16, default="pending")
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("rows received"), default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "message"}]; row 0 = the whole file
    preview = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock import")
        verbose_name_plural = _("stock imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"
