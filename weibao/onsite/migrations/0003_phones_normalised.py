"""Phone numbers in their canonical form (issue 18 §11); numbers that do not parse are kept and listed by the
admin filter "Phone to fix" and `manage.py phones_to_fix`. The reverse keeps the canonical form.
A signed service form keeps the numbers that were signed; only drafts are rewritten."""

from django.db import migrations
from django.db.models import Q

from weibao.core.phones import normalise_stored_phones


def normalise(apps, schema_editor):
    normalise_stored_phones(apps.get_model("onsite", "SiteConfirmation"), ["confirmed_by_phone"])
    normalise_stored_phones(apps.get_model("onsite", "ServiceForm"), ["customer_contact_phone", "engineer_phone"], where=Q(status="draft"))


class Migration(migrations.Migration):
    dependencies = [("onsite", "0002_money_not_negative")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
