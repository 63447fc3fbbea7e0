"""Contract rates are never negative: a validator, and a check constraint after clamping any old negative rate."""

import django.core.validators
from django.db import migrations, models


def clamp_negative_rates(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    for field in ("labour_rate_hour", "labour_rate_visit", "transport_rate"):
        Contract.objects.filter(**{f"{field}__lt": 0}).update(**{field: 0})


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0006_device_search_pairs"),
        ("contracts", "0004_contract_list_order_index"),
        ("customers", "0004_search_text_trigram"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contract",
            name="labour_rate_hour",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                max_digits=10,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="labour per hour (CNY)",
            ),
        ),
        migrations.AlterField(
            model_name="contract",
            name="labour_rate_visit",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                max_digits=10,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="labour per visit (CNY)",
            ),
        ),
        migrations.AlterField(
            model_name="contract",
            name="transport_rate",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                max_digits=10,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="transport per visit (CNY)",
            ),
        ),
        migrations.RunPython(clamp_negative_rates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("labour_rate_hour__gte", 0), ("labour_rate_visit__gte", 0), ("transport_rate__gte", 0)
                ),
                name="contract_rates_not_negative",
            ),
        ),
    ]
