"""Phone numbers in their canonical form (issue 18 §11); numbers that do not parse are kept and listed by the
admin filter "Phone to fix" and `manage.py phones_to_fix`. The reverse keeps the canonical form."""

from django.db import migrations

from weibao.core.phones import normalise_stored_phones


def normalise(apps, schema_editor):
    normalise_stored_phones(apps.get_model("delivery", "TeamMember"), ["phone"])


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
