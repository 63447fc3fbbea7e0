"""Phone numbers in their canonical form (issue 18 §11); numbers that do not parse are kept and listed by the
admin filter "Phone to fix" and `manage.py phones_to_fix`. The reverse keeps the canonical form."""

from django.db import migrations

from weibao.core.phones import normalise_stored_phones


def normalise(apps, schema_editor):
    normalise_stored_phones(apps.get_model("accounts", "Branch"), ["phone"])
    normalise_stored_phones(apps.get_model("accounts", "User"), ["phone"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_delivery_roles")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
