"""Money columns: CNY with two decimals, never negative unless declared signed (issue 18 §11).

    from weibao.core.money import MoneyField

    price = MoneyField(_("price (CNY)"), default=Decimal("0"))
    adjustments = MoneyField(_("adjustments"), signed=True, default=0)   # a correction may take money back

A non-negative MoneyField brings the three guards with it: a CheckConstraint in the database (`<app>_<model>_<field>
_gte_0`), a MinValueValidator for `full_clean()`/model forms, and `min_value=0` on its form field. API input reaches the
same services, which refuse a negative amount with a field error (or the schema says ge=0). The column itself is a plain DecimalField in migrations.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_DIGITS, DECIMAL_PLACES = 12, 2
NEGATIVE = _("Must not be negative.")  # the services' wording for the same refusal


class MoneyField(models.DecimalField):
    def __init__(self, *args, signed: bool = False, **kwargs) -> None:
        self.signed = signed
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        if not signed:
            kwargs["validators"] = [*kwargs.get("validators", ()), MinValueValidator(Decimal("0"))]
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # Migrations see a DecimalField (the constraint is a migration operation of its own).
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        if self.signed or cls._meta.abstract:
            return
        key = f"{name}__gte"
        if any(_mentions(getattr(c, "condition", None), key) for c in cls._meta.constraints):
            return  # the model's Meta already declares this check
        check = models.CheckConstraint(
            condition=models.Q(**{key: 0}), name=f"{cls._meta.app_label}_{cls._meta.model_name}_{name}_gte_0"[:63]
        )
        # A new list (Meta lists may be shared), also recorded as declared: migrations read Meta's own attributes.
        cls._meta.constraints = [*cls._meta.constraints, check]
        cls._meta.original_attrs["constraints"] = cls._meta.constraints

    def formfield(self, **kwargs):
        if not self.signed:
            kwargs.setdefault("min_value", Decimal("0"))
            kwargs.setdefault("error_messages", {"min_value": NEGATIVE})
        return super().formfield(**kwargs)


def _mentions(condition, key: str) -> bool:
    """Whether a Q condition tests `key` (e.g. "price__gte") anywhere inside."""
    if condition is None:
        return False
    for child in getattr(condition, "children", ()):
        if isinstance(child, tuple) and child[0] == key:
            return True
        if _mentions(child, key):
            return True
    return False
