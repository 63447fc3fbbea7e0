"""Phone numbers in their canonical form (issue 18 §11); numbers that do not parse are kept and listed by the
admin filter "Phone to fix" and `manage.py phones_to_fix`. The reverse keeps the canonical form.
The reporter phone's suffix key is recomputed with it (an extension is no longer part of the key); at 1M
orders with canonical numbers this is one regular-expression scan (see docs/performance.md)."""

from django.db import migrations

from weibao.core.phones import normalise_stored_phones


def normalise(apps, schema_editor):
    normalise_stored_phones(apps.get_model("workorders", "WorkOrder"), ["reporter_phone"], keys={"reporter_phone": "reporter_phone_key"})


class Migration(migrations.Migration):
    dependencies = [("workorders", "0024_alarm_events")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
