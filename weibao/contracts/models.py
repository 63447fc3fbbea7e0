"""Service contracts (维保合同), SLA policies (服务级别协议) and the business calendars their clocks run on (SPEC §3)."""

from __future__ import annotations

import datetime
import threading
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.assets.choices import DeviceCategory
from weibao.contracts import clock
from weibao.contracts.choices import (
    CONTRACT_STATUS_BADGE,
    CalendarKind,
    ContractStatus,
    HolidayDataStatus,
    OverrideAction,
    PmFrequency,
    Severity,
    StatutoryKind,
)
from weibao.core.models import TimeStampedModel, VersionedModel
from weibao.core.money import MoneyField
from weibao.core.validators import validate_time_zone  # noqa: F401 - named by migration 0001

WEEKDAY_FIELDS = ("mon_hours", "tue_hours", "wed_hours", "thu_hours", "fri_hours", "sat_hours", "sun_hours")

# Built calendars per BusinessCalendar.cache_key(): building expands holidays and zones, reuse it across requests.
_CALENDAR_CACHE: dict[tuple, clock.WorkingCalendar] = {}
_CALENDAR_CACHE_LOCK = threading.Lock()


def validate_hours(value: str) -> None:
    """Working hours as "09:00-12:00, 13:00-18:00": no inverted, empty or overlapping intervals."""
    try:
        clock.parse_hours(value)
    except ValueError as exc:
        raise ValidationError(
            _("Enter working hours like “09:00-12:00, 13:00-18:00”: each start before its end, no overlaps."),
            code="invalid_hours",
        ) from exc


class BusinessCalendar(VersionedModel):
    """When SLA clocks run: around the clock (7x24) or weekly working hours on working days.

    Weekly calendars may follow China's statutory holidays (off) and make-up working days (调休, on).
    Administrators add per-date overrides. `version` rises with every change, so built calendars can be cached.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarKind.choices, default=CalendarKind.WEEKLY)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone])
    china_holidays = models.BooleanField(
        _("Chinese statutory holidays"),
        default=True,
        help_text=_("Statutory holidays are off and make-up working days (调休) are on."),
    )
    mon_hours = models.CharField(_("Monday"), max_length=100, blank=True, validators=[validate_hours])
    tue_hours = models.CharField(_("Tuesday"), max_length=100, blank=True, validators=[validate_hours])
    wed_hours = models.CharField(_("Wednesday"), max_length=100, blank=True, validators=[validate_hours])
    thu_hours = models.CharField(_("Thursday"), max_length=100, blank=True, validators=[validate_hours])
    fri_hours = models.CharField(_("Friday"), max_length=100, blank=True, validators=[validate_hours])
    sat_hours = models.CharField(_("Saturday"), max_length=100, blank=True, validators=[validate_hours])
    sun_hours = models.CharField(_("Sunday"), max_length=100, blank=True, validators=[validate_hours])
    makeup_hours = models.CharField(
        _("make-up day hours"),
        max_length=100,
        blank=True,
        validators=[validate_hours],
        help_text=_("Working hours on a make-up working day; empty = Monday's hours."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == CalendarKind.WEEKLY and not any(getattr(self, f).strip() for f in WEEKDAY_FIELDS):
            raise ValidationError(_("A weekly calendar needs working hours on at least one weekday."), code="no_hours")

    @property
    def weekly_hours(self) -> list[tuple[clock.Minutes, ...]]:
        return [clock.parse_hours(getattr(self, f)) for f in WEEKDAY_FIELDS]

    def build(self, overrides: list[CalendarOverride] | None = None) -> clock.WorkingCalendar:
        """A fresh WorkingCalendar from this row and its overrides (no cache)."""
        if self.kind == CalendarKind.ALWAYS:
            return clock.WorkingCalendar(always=True, tz=self.timezone, name=self.name)
        if overrides is None:
            overrides = list(self.overrides.all())
        weekly = self.weekly_hours
        makeup = clock.parse_hours(self.makeup_hours) if self.makeup_hours.strip() else None
        normal = makeup or next((h for h in weekly if h), ())
        return clock.WorkingCalendar(
            weekly=dict(enumerate(weekly)),
            statutory=statutory_source({d.date: (d.kind, d.name) for d in StatutoryDay.objects.all()})
            if self.china_holidays
            else None,
            overrides={o.date: o.hours_for(normal) for o in overrides},
            override_reasons={o.date: o.reason or o.get_action_display() for o in overrides},
            makeup_hours=makeup,
            tz=self.timezone,
            name=self.name,
        )

    def cache_key(self) -> tuple:
        """What a built calendar depends on: the row (its own hours, zone, holiday switch) and `version`, which
        services bump when the row's overrides or the official holiday dates change.

        `pk` and `version` alone are not enough: SQLite hands a deleted row's id to the next new row (and every test
        database starts again at id 1, version 1), and the Django admin saves without bumping the version — a new
        calendar would then run on another one's cached hours. `created_at` tells reused ids apart and the row's
        fields catch edits that did not bump the version.
        """
        fields = tuple(
            getattr(self, f) for f in (*WEEKDAY_FIELDS, "kind", "timezone", "china_holidays", "makeup_hours")
        )
        return (self.pk, self.created_at, self.version, fields)

    def working_calendar(self) -> clock.WorkingCalendar:
        """The clock-engine calendar, cached per `cache_key()` (services bump the version on edits)."""
        key = self.cache_key()
        cal = _CALENDAR_CACHE.get(key)
        if cal is None:
            cal = self.build()
            with _CALENDAR_CACHE_LOCK:
                # Drop older versions of this calendar: they can never be asked for again.
                for old in [k for k in _CALENDAR_CACHE if k[0] == self.pk]:
                    del _CALENDAR_CACHE[old]
                _CALENDAR_CACHE[key] = cal
        return cal

    @property
    def summary(self) -> str:
        if self.kind == CalendarKind.ALWAYS:
            return "7x24"
        # "5x8 · 09:00-12:00, 13:00-18:00": working days a week × hours of the longest day, and those hours.
        weekly = self.weekly_hours
        days = sum(1 for h in weekly if h)
        longest = max(weekly, key=lambda h: sum(b - a for a, b in h))
        hours = sum(b - a for a, b in longest) / 60
        return f"{days}x{hours:g} · {clock.format_hours(longest)}"


class CalendarOverride(TimeStampedModel):
    """An administrator's exception for one date: closed, open with normal hours, or open with given hours."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    action = models.CharField(_("action"), max_length=16, choices=OverrideAction.choices, default=OverrideAction.CLOSED)
    hours = models.CharField(
        _("hours"), max_length=100, blank=True, validators=[validate_hours], help_text=_("Only for “set hours”.")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_override_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_action_display()}"

    def clean(self) -> None:
        if self.action == OverrideAction.HOURS and not self.hours.strip():
            raise ValidationError({"hours": _("Enter the working hours for this date.")}, code="hours_required")

    def hours_for(self, normal: tuple[clock.Minutes, ...]) -> tuple[clock.Minutes, ...]:
        if self.action == OverrideAction.CLOSED:
            return ()
        if self.action == OverrideAction.HOURS:
            return clock.parse_hours(self.hours)
        return normal


class StatutoryDay(TimeStampedModel):
    """One date of China's official holiday schedule entered by an administrator, for every China calendar at once.

    Used when the State Council publishes a year's schedule before the holidays package knows it, or to correct
    the package: a holiday (off), a make-up working day (调休, on), or an ordinary day (drop the package's entry).
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=StatutoryKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("e.g. 春节 or 调休上班"))

    class Meta:
        verbose_name = _("official holiday date")
        verbose_name_plural = _("official holiday dates")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


def statutory_source(entries: dict[datetime.date, tuple[str, str]]):
    """China's statutory data (holidays package) with the administrator's official entries laid over it."""
    if not entries:
        return clock.china_statutory

    def source(year: int) -> tuple[dict, dict]:
        holidays, workdays = clock.china_statutory(year)
        holidays, workdays = dict(holidays), dict(workdays)  # the package data is cached: never mutate it
        for day, (kind, name) in entries.items():
            if day.year != year:
                continue
            holidays.pop(day, None)
            workdays.pop(day, None)
            if kind == StatutoryKind.HOLIDAY:
                holidays[day] = name
            elif kind == StatutoryKind.MAKEUP:
                workdays[day] = name
        return holidays, workdays

    return source


class HolidayYear(TimeStampedModel):
    """An administrator's statement about one year's holiday data (official schedule entered, or still estimated).

    Without a row, the status comes from the holidays package (see selectors.holiday_year_status).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(_("status"), max_length=16, choices=HolidayDataStatus.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("holiday data year")
        verbose_name_plural = _("holiday data years")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.get_status_display()}"


class Contract(VersionedModel):
    """A maintenance contract (维保合同) with a customer: what is covered, when, on which hours, at which prices.

    A renewal is a new contract pointing at the one it renews (`renewed_from`); the old one keeps its history.
    """

    CUSTOMER_SCOPE = "customer__organisation"

    code = models.CharField(_("contract number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    covers_all = models.BooleanField(
        _("covers the whole estate"), default=True, help_text=_("Otherwise only the projects and sites listed.")
    )
    projects = models.ManyToManyField(
        "assets.Project", blank=True, related_name="contracts", verbose_name=_("covered projects")
    )
    sites = models.ManyToManyField(
        "customers.Site", blank=True, related_name="contracts", verbose_name=_("covered sites")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("service hours")
    )
    renewed_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewal", verbose_name=_("renews")
    )
    labour_rate_hour = MoneyField(_("labour per hour (CNY)"), max_digits=10, default=0)
    labour_rate_visit = MoneyField(_("labour per visit (CNY)"), max_digits=10, default=0)
    transport_rate = MoneyField(_("transport per visit (CNY)"), max_digits=10, default=0)
    pm_frequency = models.CharField(
        _("preventive maintenance"), max_length=16, choices=PmFrequency.choices, default=PmFrequency.QUARTERLY
    )
    onsite_support = models.BooleanField(_("local on-site support"), default=True)
    training_days = models.PositiveSmallIntegerField(_("training days"), default=0)
    lifetime_support = models.BooleanField(_("lifetime technical support"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="contract_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(labour_rate_hour__gte=0, labour_rate_visit__gte=0, transport_rate__gte=0),
                name="contract_rates_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status", "start_date"], name="contract_customer_idx"),
            # The contract list's sort (newest start first): read in index order, no sort of the whole table.
            models.Index(fields=["-start_date", "code"], name="contract_list_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The contract cannot end before it starts.")}, code="inverted_period")

    def is_in_force(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status == ContractStatus.ACTIVE and self.start_date <= on <= self.end_date

    @property
    def display_status(self) -> str:
        """Status as people read it: an active contract past its end date is “expired”."""
        if self.status == ContractStatus.ACTIVE and self.end_date < timezone.localdate():
            return ContractStatus.EXPIRED
        return self.status

    @property
    def display_status_label(self) -> str:
        return ContractStatus(self.display_status).label

    @property
    def status_badge(self) -> str:
        return CONTRACT_STATUS_BADGE.get(self.display_status, "muted")


class WarrantyTerm(TimeStampedModel):
    """Warranty per device category under a contract, e.g. hardware 3 years from installation: free inside."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="warranty_terms")
    category = models.CharField(_("device category"), max_length=16, choices=DeviceCategory.choices)
    months = models.PositiveSmallIntegerField(_("months from installation"))
    covers_parts = models.BooleanField(_("parts free"), default=True)
    covers_labour = models.BooleanField(_("labour free"), default=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("warranty term")
        verbose_name_plural = _("warranty terms")
        ordering = ["category"]
        constraints = [models.UniqueConstraint(fields=["contract", "category"], name="warranty_term_unique_category")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.months}"

    def warranty_end(self, installed_on: datetime.date) -> datetime.date:
        """Installation date plus `months` (clamped to the month's last day)."""
        month = installed_on.month - 1 + self.months
        year, month = installed_on.year + month // 12, month % 12 + 1
        for day in (installed_on.day, 30, 29, 28):
            try:
                return datetime.date(year, month, day)
            except ValueError:
                continue
        raise AssertionError("unreachable")


class SlaPolicy(VersionedModel):
    """The service levels of one contract: intake response per channel, the severity matrix, warning and pauses."""

    CUSTOMER_SCOPE = "contract__customer__organisation"

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="sla", verbose_name=_("contract"))
    response_spoken_minutes = models.PositiveIntegerField(
        _("response to phone / walk-in (minutes)"), default=15, help_text=_("Hotline, complaint line, walk-in, field.")
    )
    response_written_minutes = models.PositiveIntegerField(
        _("response to fax / email / web (minutes)"), default=12 * 60
    )
    warn_percent = models.PositiveSmallIntegerField(_("warning threshold (percent of target)"), default=75)
    pause_states = models.CharField(
        _("states that pause the clock"),
        max_length=200,
        default="waiting_customer",
        help_text=_("Work-order states, comma-separated; default: waiting on the customer."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return f"SLA {self.contract.code}"

    @property
    def pause_state_set(self) -> frozenset[str]:
        return frozenset(s.strip() for s in self.pause_states.split(",") if s.strip())


class SlaTarget(TimeStampedModel):
    """One severity's row of the SLA matrix; empty = no clock (severity D by default). Minutes of business time."""

    CUSTOMER_SCOPE = "policy__contract__customer__organisation"

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("policy"))
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices)
    response_minutes = models.PositiveIntegerField(
        _("response"), null=True, blank=True, help_text=_("Empty = the intake channel's response target.")
    )
    arrival_city_minutes = models.PositiveIntegerField(_("on site (city)"), null=True, blank=True)
    arrival_county_minutes = models.PositiveIntegerField(_("on site (other counties)"), null=True, blank=True)
    arrival_remote_minutes = models.PositiveIntegerField(_("on site (remote)"), null=True, blank=True)
    plan_minutes = models.PositiveIntegerField(_("solution plan"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution"), null=True, blank=True)
    observation_hours = models.PositiveIntegerField(_("observation period (hours)"), default=72)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["severity"]
        constraints = [models.UniqueConstraint(fields=["policy", "severity"], name="sla_target_unique_severity")]

    def __str__(self) -> str:
        return f"{self.policy} {self.severity}"


MINUTE_FIELDS = (
    "response_minutes",
    "arrival_city_minutes",
    "arrival_county_minutes",
    "arrival_remote_minutes",
    "plan_minutes",
    "resolution_minutes",
)
MAX_TARGET = timedelta(days=365)
