"""Issue 18 §11: money is never negative — a database check on every money column (unless declared signed), the
model's validation, and the form field; found by walking every model, so a new money column cannot forget it."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from weibao.core.money import MoneyField, _mentions

pytestmark = pytest.mark.django_db

# Columns that may hold a negative amount on purpose (a correction, a fine line, a month's net total).
SIGNED = {"payroll.statement.adjustments", "payroll.statement.total", "payroll.statementline.amount"}


def _money_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("weibao."):
            continue
        for field in model._meta.concrete_fields:
            if (
                isinstance(field, models.DecimalField)
                and "CNY" in str(field.verbose_name)
                or isinstance(field, MoneyField)
            ):
                yield model, field


def test_every_money_column_is_a_money_field():
    found = {f"{m._meta.label_lower}.{f.name}": f for m, f in _money_fields()}
    assert len(found) >= 40
    assert [name for name, f in found.items() if not isinstance(f, MoneyField)] == []
    assert {name for name, f in found.items() if f.signed} == SIGNED


def test_every_unsigned_money_column_has_a_database_check():
    missing = [
        f"{m._meta.label_lower}.{f.name}"
        for m, f in _money_fields()
        if not f.signed
        and not any(_mentions(getattr(c, "condition", None), f"{f.name}__gte") for c in m._meta.constraints)
    ]
    assert missing == []


def test_the_database_refuses_a_negative_price():
    from weibao.onsite.models import SparePart

    part = SparePart.objects.create(name="电源模块", unit_price=Decimal("10"))
    with pytest.raises(IntegrityError), transaction.atomic():
        SparePart.objects.filter(pk=part.pk).update(unit_price=Decimal("-1"))


def test_model_validation_and_form_field_refuse_negative():
    from weibao.payroll.models import TravelClaim

    field = TravelClaim._meta.get_field("amount")
    with pytest.raises(ValidationError):
        field.clean(Decimal("-0.01"), None)
    form_field = field.formfield()
    with pytest.raises(ValidationError):
        form_field.clean("-5")
    assert form_field.clean("5") == Decimal("5")


def test_signed_columns_take_negative_amounts():
    from weibao.payroll.models import StatementLine

    field = StatementLine._meta.get_field("amount")
    assert field.clean(Decimal("-50"), None) == Decimal("-50")
