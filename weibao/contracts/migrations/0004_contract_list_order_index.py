"""An index for the contract list's sort."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contracts", "0003_statutory_day")]

    operations = [
        migrations.AddIndex(
            model_name="contract",
            index=models.Index(fields=["-start_date", "code"], name="contract_list_order_idx"),
        ),
    ]
