"""Search keys: the order number's and the reporter phone's digits reversed, so suffix searches use an index."""

import django.db.models.functions.text
from django.db import migrations, models


# PostgreSQL: one statement, the same rule as `core.phones.phone_digits` (ASCII digits; "+86"/"0086" dropped
# from an 11-digit mobile number).
PG_BACKFILL = r"""
UPDATE workorders_workorder
SET reporter_phone_key = reverse(
    regexp_replace(regexp_replace(reporter_phone, '[^0-9]', '', 'g'), '^(0086|86)(1[0-9]{10})$', '\2')
)
WHERE reporter_phone <> ''
"""


def backfill_phone_keys(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKFILL)
        return
    from weibao.core.phones import suffix_key

    WorkOrder = apps.get_model("workorders", "WorkOrder")
    for pk, phone in WorkOrder.objects.exclude(reporter_phone="").values_list("pk", "reporter_phone").iterator():
        WorkOrder.objects.filter(pk=pk).update(reporter_phone_key=suffix_key(phone))


class Migration(migrations.Migration):
    dependencies = [("workorders", "0007_number_function")]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="number_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Reverse(
                    django.db.models.functions.text.Replace(
                        django.db.models.functions.text.Replace("number", models.Value("WB"), models.Value("")),
                        models.Value("-"),
                        models.Value(""),
                    )
                ),
                output_field=models.CharField(max_length=20),
            ),
        ),
        migrations.AddField(
            model_name="workorder",
            name="reporter_phone_key",
            field=models.CharField(blank=True, default="", editable=False, max_length=40),
        ),
        migrations.RunPython(backfill_phone_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                fields=["reporter_phone_key"], name="wo_phone_key_idx", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(fields=["number_key"], name="wo_number_key_idx", opclasses=["varchar_pattern_ops"]),
        ),
    ]
